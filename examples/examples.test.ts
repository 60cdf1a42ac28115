import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocuments, validateResource } from "../resources/index.ts";

// The demo configs here, and the local mesh's Bookinfo defaults beside the demo's code.
const root = new URL("../", import.meta.url);
const files = ["examples/", "demo/bookinfo/config/"]
  .flatMap((dir) => readdirSync(new URL(dir, root), { recursive: true, encoding: "utf8" }).map((f) => dir + f))
  .filter((f) => f.endsWith(".yaml"))
  .sort();

describe("examples", () => {
  it("has the Bookinfo defaults and the demo configs", () => {
    expect(files).toEqual(expect.arrayContaining([
      "demo/bookinfo/config/services.yaml", "demo/bookinfo/config/gateway.yaml",
      "demo/bookinfo/config/destination-rules.yaml", "demo/bookinfo/config/routes-v1.yaml",
      ...["reviews-canary-90-10.yaml", "reviews-jason-v2.yaml", "ratings-delay-jason.yaml", "ratings-abort-jason.yaml",
        "deny-ratings-api.yaml", "reviews-sticky-canary.yaml", "reviews-rollout.yaml"].map((f) => `examples/${f}`),
    ]));
  });

  it.each(files)("%s holds valid resources only", (file) => {
    const documents = parseDocuments(readFileSync(new URL(file, root), "utf8"));
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(() => validateResource(document)).not.toThrow();
  });
});
