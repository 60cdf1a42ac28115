import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FIELD_SUPPORT } from "./field-support.ts";
import { messageFields, withFieldSupport } from "./field-support-doc.ts";
import { KINDS, formsOf } from "./kinds.ts";

const repo = new URL("../", import.meta.url);
const DOC = new URL("docs/RESOURCES.md", repo);

describe("every field the schemas accept is honoured, satisfied by construction, or refused by name", () => {
  it("lists every kind", () => {
    const schemas = new Set(FIELD_SUPPORT.map((m) => m.schema));
    for (const info of KINDS) for (const { group, schema } of formsOf(info)) expect(schemas.has(schema), `${info.kind} (${group})`).toBe(true);
  });

  for (const message of FIELD_SUPPORT) {
    it(`${message.name}: the table and the schema name the same fields`, () => {
      const fields = messageFields(message);
      const accepted = fields.filter((f) => f.refused === undefined).map((f) => f.path);
      const unlisted = accepted.filter((path) => !(path in message.fields));
      expect(unlisted, "accepted by the schema but neither honoured nor satisfied: refuse it with unsupported() or list it").toEqual([]);
      const stale = Object.keys(message.fields).filter((path) => !accepted.includes(path));
      expect(stale, "listed but not accepted by the schema").toEqual([]);
    });
  }

  it("names modules that exist", () => {
    const missing = FIELD_SUPPORT.flatMap((m) =>
      Object.values(m.fields).flatMap((f) => ("honoured" in f ? f.honoured : [])).filter((path) => !existsSync(new URL(path, repo))),
    );
    expect([...new Set(missing)]).toEqual([]);
  });

  it("docs/RESOURCES.md states the current table (UPDATE_DOCS=1 rewrites it)", () => {
    const current = readFileSync(DOC, "utf8");
    const expected = withFieldSupport(current);
    if (process.env.UPDATE_DOCS === "1" && expected !== current) writeFileSync(DOC, expected);
    else expect(current === expected, "docs/RESOURCES.md is stale: run UPDATE_DOCS=1 npx vitest run resources/field-support.test.ts").toBe(true);
  });
});
