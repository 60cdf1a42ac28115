// HTTP client of the control API: bearer auth, JSON bodies, API errors as exit codes.
import { ApiError, ServerUnreachableError } from "./errors.js";

/**
 * @typedef {{
 *   query?: Record<string, string | number | boolean | undefined>,
 *   json?: unknown,
 *   body?: string,
 *   contentType?: string,
 *   token?: string,
 *   accept?: string,
 *   signal?: AbortSignal,
 * }} RequestOptions
 */

export class ControlClient {
  /** @param {{ server: string, token?: string }} endpoint */
  constructor({ server, token }) {
    this.server = server;
    this.token = token;
  }

  /**
   * Send a request; returns the raw Response for 2xx/3xx and throws ApiError otherwise.
   * @param {string} method @param {string} path @param {RequestOptions} [options]
   */
  async send(method, path, options = {}) {
    const url = new URL(path, this.server + "/");
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    /** @type {Record<string, string>} */
    const headers = { accept: options.accept ?? "application/json" };
    const token = options.token ?? this.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    } else if (options.contentType) headers["content-type"] = options.contentType;

    let response;
    try {
      response = await fetch(url, { method, headers, body, signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ServerUnreachableError(this.server, error);
    }
    if (response.status >= 400) throw await apiError(response, Boolean(token));
    return response;
  }

  /**
   * Send a request and parse its JSON answer (null when the answer has no body).
   * @param {string} method @param {string} path @param {RequestOptions} [options]
   * @returns {Promise<any>}
   */
  async json(method, path, options) {
    const response = await this.send(method, path, options);
    const text = await response.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
}

/** @param {Response} response @param {boolean} hadToken */
async function apiError(response, hadToken) {
  const text = await response.text();
  /** @type {{ code?: string, message?: string, details?: {path: string, message: string}[] }} */
  let error = {};
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed.error === "object") error = parsed.error;
    else if (parsed && typeof parsed.error === "string") error = { message: parsed.error };
  } catch {
    error = { message: text.trim() || undefined };
  }
  if (response.status === 401 && !hadToken) {
    error = { ...error, message: `${error.message ?? "unauthorized"} (no token: pass --token, set ISTHMUS_TOKEN, or use a context with a token)` };
  }
  return new ApiError(response.status, error);
}
