import { describe, expect, it } from "vitest";
import { arrivalHost, proofRequest } from "./proof-request.ts";

describe("proofRequest", () => {
  it("takes the host in its one spelling, the normalized path and the query as sent", async () => {
    expect(await proofRequest(new Request("http://Reviews.Default.:9080/a/./b//c?x=1&y", { method: "PUT" }))).toEqual({
      method: "PUT",
      host: "reviews.default:9080",
      path: "/a/b/c",
      query: "?x=1&y",
    });
  });

  it("takes the host an origin endpoint will see instead, where given", async () => {
    expect((await proofRequest(new Request("http://reviews/a"), { host: "origin.example" })).host).toBe("origin.example");
  });
});

describe("arrivalHost", () => {
  it("is the origin's host for http(s) endpoints and nothing for bindings", () => {
    expect(arrivalHost("https://Origin.Example./base")).toBe("origin.example");
    expect(arrivalHost("https://origin.example:8443")).toBe("origin.example:8443");
    expect(arrivalHost("https://origin.example:443")).toBe("origin.example");
    expect(arrivalHost("worker://reviews-v2")).toBeUndefined();
    expect(arrivalHost("dispatch://NS/script")).toBeUndefined();
  });
});
