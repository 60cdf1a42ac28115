// The control API as the page calls it: same origin, the user's bearer token, and the
// API's error shape turned into ApiError so views can tell 403 and 409 apart.

export interface ErrorDetail {
  path: string;
  message: string;
}

/** A refused API call: HTTP status plus the API's `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  text(path: string): Promise<string>;
  send<T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T>;
  /** The raw response of a streaming GET (for server-sent events), after status checks. */
  stream(path: string, signal: AbortSignal): Promise<Response>;
}

/** An API client for `token`; `onUnauthenticated` runs when the API answers 401. */
export function apiClient(token: string, onUnauthenticated: () => void = () => {}): Api {
  async function call(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${token}`);
    const response = await fetch(path, { ...init, method, headers });
    if (response.ok) return response;
    const error = await errorOf(response);
    if (error.status === 401) onUnauthenticated();
    throw error;
  }
  return {
    get: async (path) => (await call("GET", path, { headers: { accept: "application/json" } })).json(),
    text: async (path) => (await call("GET", path)).text(),
    async send(method, path, body) {
      const init: RequestInit = body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } };
      return (await call(method, path, init)).json();
    },
    stream: (path, signal) => call("GET", path, { signal, headers: { accept: "text/event-stream" } }),
  };
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; details?: ErrorDetail[] } };
    if (body.error) {
      return new ApiError(response.status, body.error.code ?? "error", body.error.message ?? response.statusText, body.error.details ?? []);
    }
  } catch {
    // Not the API's JSON error shape: fall through to the status line.
  }
  return new ApiError(response.status, "http_error", `${response.status} ${response.statusText}`);
}

/** A short human sentence for an error thrown by an API call. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const details = error.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
    return `${error.status} ${error.code}: ${error.message}${details ? ` (${details})` : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}
