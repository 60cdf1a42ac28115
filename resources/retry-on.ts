/** Envoy's retry_on conditions the mesh evaluates: HTTP ones, and gRPC ones read from `grpc-status`. */
export const RETRY_ON: readonly string[] = [
  "5xx",
  "gateway-error",
  "connect-failure",
  "reset",
  "retriable-4xx",
  "retriable-status-codes",
  "refused-stream",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
];
