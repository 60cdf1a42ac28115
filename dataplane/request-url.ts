// Layers of one stack read the same request's URL: parse it once per Request object.
const parsed = new WeakMap<Request, URL>();

/**
 * The request's URL, parsed once per Request object and shared by every layer that reads
 * it. Its host is in the one spelling routing and policy compare (lower case, as the URL
 * parser gives it, and without a trailing dot: `admin.example.com.` is `admin.example.com`).
 * Read only: a layer that changes the URL copies it (`new URL(url)`) into a new Request.
 */
export function requestUrl(request: Request): URL {
  let url = parsed.get(request);
  if (!url) {
    url = new URL(request.url);
    // A fully qualified name names the same host; keep it from slipping past host policies.
    if (url.hostname.length > 1 && url.hostname.endsWith(".")) url.hostname = url.hostname.slice(0, -1);
    parsed.set(request, url);
  }
  return url;
}

/**
 * A copy of the request with other headers and optionally another URL, in one Request. The
 * parse is carried over (the request's, or `url`, which is the copy's from then on and must
 * not change), so the layers after parse nothing again.
 */
export function copyRequest(request: Request, headers: Headers, url?: URL): Request {
  if (!url) {
    const copy = new Request(request, { headers });
    const known = parsed.get(request);
    if (known) parsed.set(copy, known);
    return copy;
  }
  // Everything a Request carries, as the init of the copy: one Request where `new Request(url,
  // new Request(request, { headers }))` made two. `cf` is workerd's; `duplex` Node's, for a body.
  const init = { method: request.method, headers, body: request.body, redirect: request.redirect, signal: request.signal, cf: (request as { cf?: unknown }).cf, duplex: "half" };
  const copy = new Request(url, init as RequestInit);
  if (!url.hostname.endsWith(".")) parsed.set(copy, url);
  return copy;
}
