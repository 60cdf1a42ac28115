// The time window the figures cover, as /v1/stats takes it.

export const WINDOWS = ["30s", "1m", "5m", "15m", "1h"] as const;

export function WindowSelect({ id, value, onChange }: { id: string; value: string; onChange: (window: string) => void }) {
  return (
    <span class="field">
      <label for={id}>Window</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {WINDOWS.map((w) => (
          <option key={w} value={w}>
            {w}
          </option>
        ))}
      </select>
    </span>
  );
}
