// How figures read on the page.

export function formatRps(rps: number): string {
  return `${rps >= 10 ? rps.toFixed(0) : rps.toFixed(2)} rps`;
}

export function formatPercent(rate: number | null): string {
  return rate === null ? "–" : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)}%`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "–";
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

/** `3d 04h 05m 06s` until (or `expired` after) a moment. */
export function countdown(seconds: number): string {
  if (seconds <= 0) return "expired";
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86_400);
  const pad = (n: number) => String(n).padStart(2, "0");
  const hms = `${pad(Math.floor((s % 86_400) / 3600))}h ${pad(Math.floor((s % 3600) / 60))}m ${pad(s % 60)}s`;
  return d > 0 ? `${d}d ${hms}` : hms;
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
