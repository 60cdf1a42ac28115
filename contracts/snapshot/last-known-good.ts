/**
 * The KV key (namespace binding `ISTHMUS_SNAPSHOTS`) holding the last-known-good snapshot:
 * written by the control plane once per version, read by data-plane isolates on a cold start
 * when the control plane cannot be reached.
 */
export const LAST_KNOWN_GOOD_KEY = "snapshot/latest";
