import { describe, expect, it } from "vitest";
import { jsonPatch, type PatchOperation } from "./json-patch.ts";

// Applies a patch the RFC 6902 way, to check that the patch really turns before into after.
function apply(document: unknown, patch: PatchOperation[]): unknown {
  let root = structuredClone(document);
  for (const operation of patch) {
    if (operation.path === "") {
      root = operation.op === "remove" ? undefined : structuredClone(operation.value);
      continue;
    }
    const keys = operation.path.slice(1).split("/").map((k) => k.replaceAll("~1", "/").replaceAll("~0", "~"));
    const last = keys.pop()!;
    let parent = root as Record<string, unknown> | unknown[];
    for (const key of keys) parent = (parent as Record<string, unknown>)[key] as Record<string, unknown>;
    if (Array.isArray(parent)) {
      const index = Number(last);
      if (operation.op === "add") parent.splice(index, 0, structuredClone(operation.value));
      else if (operation.op === "remove") parent.splice(index, 1);
      else parent[index] = structuredClone(operation.value);
    } else if (operation.op === "remove") delete parent[last];
    else parent[last] = structuredClone(operation.value);
  }
  return root;
}

describe("jsonPatch", () => {
  const before = {
    spec: { hosts: ["reviews"], http: [{ route: [{ destination: { subset: "v1" }, weight: 100 }] }] },
    metadata: { labels: { "a/b": "1", "c~d": "2" } },
  };
  const after = {
    spec: {
      hosts: ["reviews"],
      http: [{ route: [{ destination: { subset: "v1" }, weight: 50 }, { destination: { subset: "v3" }, weight: 50 }] }],
    },
    metadata: { labels: { "c~d": "3" } },
  };

  it("names each change by its JSON pointer", () => {
    expect(jsonPatch(before, after)).toEqual([
      { op: "remove", path: "/metadata/labels/a~1b" },
      { op: "replace", path: "/metadata/labels/c~0d", value: "3" },
      { op: "replace", path: "/spec/http/0/route/0/weight", value: 50 },
      { op: "add", path: "/spec/http/0/route/1", value: { destination: { subset: "v3" }, weight: 50 } },
    ]);
  });

  it("produces patches that turn before into after, both ways", () => {
    expect(apply(before, jsonPatch(before, after))).toEqual(after);
    expect(apply(after, jsonPatch(after, before))).toEqual(before);
    const shrink = { list: [1, 2, 3, 4] };
    expect(apply(shrink, jsonPatch(shrink, { list: [1] }))).toEqual({ list: [1] });
  });

  it("is empty for equal documents and replaces values of another type", () => {
    expect(jsonPatch({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(jsonPatch({ a: [1] }, { a: { 0: 1 } })).toEqual([{ op: "replace", path: "/a", value: { 0: 1 } }]);
  });
});
