// Layers of one stack read the same request's URL: parse it once per Request object.
const parsed = new WeakMap<Request, URL>();

/**
 * The request's URL, parsed once per Request object and shared by every layer that reads
 * it. Read only: a layer that changes the URL copies it (`new URL(url)`) into a new Request.
 */
export function requestUrl(request: Request): URL {
  let url = parsed.get(request);
  if (!url) parsed.set(request, (url = new URL(request.url)));
  return url;
}
