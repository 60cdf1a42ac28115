import { describe, expect, it } from "vitest";
import { compose, type Layer } from "./layer.ts";

describe("compose", () => {
  it("runs layers in order around the terminal handler", async () => {
    const seen: string[] = [];
    const named =
      (name: string): Layer<string[]> =>
      async (request, call, next) => {
        call.push(`${name}>`);
        const response = await next(request, call);
        call.push(`<${name}`);
        return response;
      };
    const handler = compose([named("a"), named("b")], async (_r, call) => {
      call.push("terminal");
      return new Response("ok");
    });
    const response = await handler(new Request("http://x/"), seen);
    expect(await response.text()).toBe("ok");
    expect(seen).toEqual(["a>", "b>", "terminal", "<b", "<a"]);
  });

  it("lets a layer answer without calling the rest", async () => {
    let reached = false;
    const handler = compose<object>(
      [async () => new Response("short", { status: 418 })],
      async () => {
        reached = true;
        return new Response("no");
      },
    );
    const response = await handler(new Request("http://x/"), {});
    expect(response.status).toBe(418);
    expect(reached).toBe(false);
  });
});
