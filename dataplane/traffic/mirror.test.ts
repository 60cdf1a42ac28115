import { describe, expect, it } from "vitest";
import { decideMirrors, mirrorRequest, shadowAuthority } from "./mirror.ts";
import { seededRandom } from "./random.ts";

const v2 = { host: "httpbin", subset: "v2" };
const v3 = { host: "httpbin", subset: "v3" };

describe("decideMirrors", () => {
  it("mirrors to mirror at 100 % by default", () => {
    expect(decideMirrors({ mirror: v2 })).toEqual([v2]);
    expect(decideMirrors({})).toEqual([]);
  });

  it("honours mirrorPercentage and per-mirror percentages (seeded, ±1 pp)", () => {
    const random = seededRandom(3);
    let one = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < 20_000; i++) {
      if (decideMirrors({ mirror: v2, mirrorPercentage: { value: 10 } }, random).length) one++;
      const picked = decideMirrors({ mirrors: [{ destination: v2, percentage: { value: 50 } }, { destination: v3 }] }, random);
      if (picked.includes(v2)) a++;
      if (picked.includes(v3)) b++;
    }
    expect(Math.abs(one / 20_000 - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(a / 20_000 - 0.5)).toBeLessThan(0.01);
    expect(b).toBe(20_000);
    expect(decideMirrors({ mirror: v2, mirrorPercentage: { value: 0 } }, () => 0)).toEqual([]);
  });
});

describe("shadowAuthority", () => {
  it("appends -shadow before the port, as Envoy does", () => {
    expect(shadowAuthority("reviews")).toBe("reviews-shadow");
    expect(shadowAuthority("reviews:9080")).toBe("reviews-shadow:9080");
    expect(shadowAuthority("api.example.com")).toBe("api.example.com-shadow");
    expect(shadowAuthority("[::1]")).toBe("[::1]-shadow");
  });
});

describe("mirrorRequest", () => {
  it("copies method, url, headers and body, with the shadow authority", async () => {
    const original = new Request("http://reviews:9080/reviews/1?x=1", { method: "POST", headers: { "end-user": "jason" }, body: "hello" });
    const [a, b] = original.body!.tee();
    const copy = mirrorRequest(original, b);
    expect(copy.method).toBe("POST");
    expect(copy.url).toBe("http://reviews:9080/reviews/1?x=1");
    expect(copy.headers.get("end-user")).toBe("jason");
    expect(copy.headers.get("x-forwarded-host")).toBe("reviews-shadow:9080");
    expect(await copy.text()).toBe("hello");
    expect(await new Response(a).text()).toBe("hello");
    expect(mirrorRequest(new Request("http://r/")).body).toBeNull();
  });
});
