// Bookinfo's details service: book facts by product id. Knows nothing of the mesh.
import { json, podname, productId, type PodEnv } from "../pod.ts";

/** The book facts Bookinfo's details v1 serves for every id. */
export function bookDetails(id: number) {
  return {
    id,
    author: "William Shakespeare",
    year: 1595,
    type: "paperback",
    pages: 200,
    publisher: "PublisherA",
    language: "English",
    "ISBN-10": "1234567890",
    "ISBN-13": "123-1234567890",
  };
}

export default {
  async fetch(request: Request, env: PodEnv): Promise<Response> {
    const pod = podname("details", env);
    const { pathname } = new URL(request.url);
    if (pathname === "/health") return json({ status: "Details is healthy", podname: pod }, pod);
    if (pathname.startsWith("/details/")) {
      const id = productId(pathname, "/details/");
      if (id === null) return json({ error: "please provide numeric product id", podname: pod }, pod, 400);
      return json({ ...bookDetails(id), podname: pod }, pod);
    }
    return json({ error: `no route for ${pathname}`, podname: pod }, pod, 404);
  },
} satisfies ExportedHandler<PodEnv>;
