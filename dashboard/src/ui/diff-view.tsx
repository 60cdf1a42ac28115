import { lineDiff } from "./line-diff.ts";

const MARK = { same: " ", removed: "-", added: "+" } as const;

/** A unified-style diff of two texts; removed and added lines are marked, not only coloured. */
export function DiffView({ before, after, label }: { before: string; after: string; label: string }) {
  const lines = lineDiff(before, after);
  const changed = lines.some((l) => l.op !== "same");
  return (
    <figure class="diff">
      <figcaption>{label}</figcaption>
      {!changed && <p>No change.</p>}
      <pre aria-label={label} tabIndex={0}>
        {lines.map((line, i) => (
          <span key={i} class={`line ${line.op}`}>
            {MARK[line.op]} {line.text}
            {"\n"}
          </span>
        ))}
      </pre>
    </figure>
  );
}
