import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api.ts";
import { useSigned } from "../context.ts";
import type { TapEvent } from "../types.ts";
import { formatMs } from "../ui/format.ts";
import { readEvents } from "./sse.ts";

const KEEP = 100;

type TapState = "idle" | "starting" | "streaming" | "ended";

export function TapPanel({ namespace, name }: { namespace: string; name: string }) {
  const { api } = useSigned();
  const [seconds, setSeconds] = useState(30);
  const [state, setState] = useState<TapState>("idle");
  const [events, setEvents] = useState<TapEvent[]>([]);
  const [count, setCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const start = async () => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setEvents([]);
    setCount(0);
    setError(null);
    setState("starting");
    try {
      const path = `/v1/tap?service=${encodeURIComponent(name)}&namespace=${encodeURIComponent(namespace)}&seconds=${seconds}`;
      const response = await api.stream(path, controller.signal);
      setState("streaming");
      await readEvents(response, (event) => {
        if (event.event !== "request") return;
        const tapped = JSON.parse(event.data) as TapEvent;
        setCount((n) => n + 1);
        setEvents((old) => [tapped, ...old].slice(0, KEEP));
      });
    } catch (failure) {
      if (!controller.signal.aborted) setError(describeError(failure));
    } finally {
      if (abort.current === controller) setState("ended");
    }
  };
  const stop = () => {
    abort.current?.abort();
    setState("ended");
  };
  const running = state === "starting" || state === "streaming";
  return (
    <section aria-labelledby="tap-title" class="panel tap">
      <h2 id="tap-title">Live tap</h2>
      <div class="toolbar">
        <span class="field">
          <label for="tap-seconds">Seconds</label>
          <input id="tap-seconds" type="number" min={1} max={300} value={seconds} disabled={running} onInput={(e) => setSeconds(Number(e.currentTarget.value) || 30)} />
        </span>
        {running ? (
          <button type="button" onClick={stop}>
            Stop tap
          </button>
        ) : (
          <button type="button" onClick={start}>
            Start tap of {name}
          </button>
        )}
        <span aria-live="polite" data-testid="tap-status">
          {state === "starting" && "Connecting…"}
          {state === "streaming" && `Tapping: ${count} request(s) so far (isolates join within ~5 s)`}
          {state === "ended" && `Tap ended: ${count} request(s)`}
        </span>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {events.length > 0 && (
        <table class="tap-events">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Source</th>
              <th scope="col">Version</th>
              <th scope="col">Request</th>
              <th scope="col">Status</th>
              <th scope="col">Flags</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e, i) => (
              <tr key={`${e.time}-${i}`}>
                <td>{new Date(e.time).toLocaleTimeString()}</td>
                <td>{e.source}</td>
                <td>{e.destinationVersion}</td>
                <td>
                  <code>
                    {e.method} {e.path}
                  </code>
                </td>
                <td class={e.responseCode >= 500 ? "status bad" : "status ok"}>{e.responseCode}</td>
                <td>{e.responseFlags}</td>
                <td class="num">{formatMs(e.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
