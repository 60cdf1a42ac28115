import { useSigned } from "../context.ts";
import { href } from "../route.ts";
import type { VirtualService } from "../types.ts";
import { usePoll } from "../ui/poll.ts";
import { SplitEditor } from "./split-editor.tsx";

export function SplitView({ namespace, name }: { namespace?: string; name?: string }) {
  return (
    <section aria-labelledby="split-title">
      <h1 id="split-title">Traffic split</h1>
      {namespace && name ? <SplitEditor namespace={namespace} name={name} /> : <VirtualServiceList />}
    </section>
  );
}

function VirtualServiceList() {
  const { api } = useSigned();
  const list = usePoll(() => api.get<{ items: VirtualService[] }>("/v1/virtualservices"), 0, []);
  return (
    <>
      <p>Choose the VirtualService whose route weights to change.</p>
      {list.error && <p class="error">{list.error}</p>}
      <ul class="vs-list">
        {list.data?.items.map((vs) => (
          <li key={`${vs.metadata.namespace}/${vs.metadata.name}`}>
            <a href={href({ view: "split", namespace: vs.metadata.namespace ?? "default", name: vs.metadata.name })}>
              {vs.metadata.namespace}/{vs.metadata.name}
            </a>{" "}
            hosts {(vs.spec.hosts ?? []).join(", ")}
            {vs.spec.gateways?.length ? ` (gateways ${vs.spec.gateways.join(", ")})` : ""}
          </li>
        ))}
      </ul>
    </>
  );
}
