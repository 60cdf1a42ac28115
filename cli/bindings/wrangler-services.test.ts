import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { addServices, configOf, servicesOf } from "./wrangler-services.js";

const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const wanted = [
  { binding: "REVIEWS_V1", service: "shop-reviews-v1" },
  { binding: "PRODUCTPAGE_V1", service: "elsewhere" },
  { binding: "REVIEWS_V2", service: "shop-reviews-v2" },
];

describe.each([
  ["gateway.toml", "toml"],
  ["gateway.jsonc", "jsonc"],
  ["plain.toml", "toml"],
  ["plain.jsonc", "jsonc"],
] as const)("addServices on %s", (file, format) => {
  it("inserts only the missing entries as text, keeps every other line, and a second run changes nothing", async () => {
    const before = await fixture(file);
    const { text, added } = addServices(before, format, wanted);
    const held = servicesOf(before, format).map((s: { binding: string }) => s.binding);
    expect(added.map((entry: { binding: string }) => entry.binding)).toEqual(wanted.map((w) => w.binding).filter((b) => !held.includes(b)));
    // Everything written before is still there, in order: the edit only inserted lines.
    const kept = text.split("\n");
    let at = 0;
    for (const line of before.split("\n").filter((l) => !/^\s*\]|^\s*$/.test(l))) {
      const found = kept.findIndex((candidate, index) => index >= at && (candidate === line || candidate === `${line},`));
      expect(found, `line kept: ${line}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
    const config = configOf(text, format);
    expect(config.services).toEqual([...(configOf(before, format).services ?? []), ...added]);
    // [env.*] sections are untouched.
    expect(config.env).toEqual(configOf(before, format).env);
    expect(addServices(text, format, wanted)).toEqual({ text, added: [] });
  });
});

it("keeps the comments and the trailing-comma style of a JSONC services list", async () => {
  const { text } = addServices(await fixture("gateway.jsonc"), "jsonc", [{ binding: "REVIEWS_V1", service: "shop-reviews-v1" }]);
  expect(text).toContain(`    // the page
    { "binding": "PRODUCTPAGE_V1", "service": "shop-productpage-v1" },
    { "binding": "REVIEWS_V1", "service": "shop-reviews-v1" },
  ],`);
  expect(text).toContain('"service": "x // not a comment"');
});

it("adds to a TOML environment's [[env.NAME.services]], after its own entries or at the end, and refuses a JSONC environment", async () => {
  for (const file of ["gateway.toml", "plain.toml"]) {
    const before = await fixture(file);
    const { text } = addServices(before, "toml", [{ binding: "REVIEWS_V1", service: "shop-reviews-v1-staging" }], "staging");
    const config = configOf(text, "toml");
    expect(config.env.staging.services.at(-1)).toEqual({ binding: "REVIEWS_V1", service: "shop-reviews-v1-staging" });
    expect(config.services).toEqual(configOf(before, "toml").services);
    expect(addServices(text, "toml", [{ binding: "REVIEWS_V1", service: "other" }], "staging").added).toEqual([]);
  }
  const jsonc = await fixture("gateway.jsonc");
  expect(() => addServices(jsonc, "jsonc", [{ binding: "A", service: "a" }], "staging")).toThrow(/by hand/);
});
