/**
 * Most series one isolate holds and one telemetry shard keeps (issue #14, class 6): a label a
 * client can steer must not grow memory or the control plane's series without bound. Its own
 * file so that the data plane's bundle does not pull in the wire format's schemas.
 */
export const MAX_SERIES = 10_000;
