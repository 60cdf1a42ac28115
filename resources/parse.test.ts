import { describe, expect, it } from "vitest";
import { MalformedDocumentError } from "./errors.ts";
import { parseDocuments } from "./parse.ts";

function malformed(text: string): MalformedDocumentError {
  try {
    parseDocuments(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedDocumentError);
    return error as MalformedDocumentError;
  }
  throw new Error("expected MalformedDocumentError");
}

describe("parseDocuments", () => {
  it("reads multi-document YAML and skips empty documents", () => {
    const docs = parseDocuments("---\nkind: A\n---\n# only a comment\n---\n\n---\nkind: B\n...\n");
    expect(docs).toEqual([{ kind: "A" }, { kind: "B" }]);
  });

  it("reads a JSON object, a JSON array and a Kubernetes List", () => {
    expect(parseDocuments('{"kind":"A"}')).toEqual([{ kind: "A" }]);
    expect(parseDocuments('  [{"kind":"A"},{"kind":"B"}]')).toEqual([{ kind: "A" }, { kind: "B" }]);
    expect(parseDocuments('{"apiVersion":"v1","kind":"List","items":[{"kind":"A"},{"kind":"B"}]}')).toEqual([{ kind: "A" }, { kind: "B" }]);
    expect(parseDocuments("kind: List\nitems:\n  - kind: A\n")).toEqual([{ kind: "A" }]);
  });

  it("returns nothing for empty text", () => {
    expect(parseDocuments("")).toEqual([]);
    expect(parseDocuments("   \n# nothing\n")).toEqual([]);
  });

  it("names the line of a YAML syntax error", () => {
    const error = malformed("kind: A\nspec:\n  hosts: [a\n  other: b\n");
    expect(error.code).toBe("malformed_document");
    expect(error.message).toMatch(/^malformed YAML \(line \d+\)/);
    expect(error.details[0].path).toMatch(/^line \d+$/);
  });

  it("refuses duplicate keys, which Kubernetes would silently collapse", () => {
    const error = malformed("kind: A\nkind: B\n");
    expect(error.message).toMatch(/line 2/);
  });

  it("names the line of a JSON syntax error", () => {
    const error = malformed('{\n  "kind": "A",\n  "spec": [1, 2\n}\n');
    expect(error.message).toMatch(/^malformed JSON \(line 4\)/);
  });

  it("refuses alias bombs", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) bomb.push(`${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`);
    expect(() => parseDocuments(bomb.join("\n"))).toThrow();
  });
});
