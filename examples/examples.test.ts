import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocuments, validateResource } from "../resources/index.ts";

const dir = new URL("./", import.meta.url);
const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml")).sort();

describe("examples", () => {
  it("has the Bookinfo defaults and the demo configs", () => {
    expect(files).toEqual(expect.arrayContaining([
      "bookinfo/services.yaml", "bookinfo/gateway.yaml", "bookinfo/destination-rules.yaml", "bookinfo/routes-v1.yaml",
      "reviews-canary-90-10.yaml", "reviews-jason-v2.yaml", "ratings-delay-jason.yaml", "ratings-abort-jason.yaml",
      "deny-ratings-api.yaml", "reviews-sticky-canary.yaml",
    ]));
  });

  it.each(files)("%s holds valid resources only", (file) => {
    const documents = parseDocuments(readFileSync(new URL(file, dir), "utf8"));
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(() => validateResource(document)).not.toThrow();
  });
});
