import type { Peer } from "../inbound/call.ts";

// The gateway's calls carry no `peer` of their own: the edge layers keep it beside the call.
const peers = new WeakMap<object, Peer>();

/** What the edge layers verified about the client of a gateway call (empty until they do). */
export function edgePeer(call: object): Peer {
  let peer = peers.get(call);
  if (!peer) peers.set(call, (peer = {}));
  return peer;
}
