import { describe, expect, it } from "vitest";
import { SingleFlight } from "./single-flight.ts";

describe("SingleFlight", () => {
  it("shares one run among callers while it is in flight, and starts anew after it settles", async () => {
    const flights = new SingleFlight<string, number>(5000);
    let runs = 0;
    const start = () => new Promise<number>((resolve) => setTimeout(() => resolve(++runs), 5));
    const shared = await Promise.all([flights.run("a", start), flights.run("a", start), flights.run("a", start)]);
    expect(shared).toEqual([1, 1, 1]);
    expect(flights.has("a")).toBe(false);
    expect(await flights.run("a", start)).toBe(2);
  });

  it("keeps keys apart", async () => {
    const flights = new SingleFlight<string, string>(5000);
    expect(await Promise.all([flights.run("a", async () => "A"), flights.run("b", async () => "B")])).toEqual(["A", "B"]);
  });

  it("does not share a run past abandonMs: one that never settles is replaced", async () => {
    let clock = 0;
    const flights = new SingleFlight<string, string>(5000, () => clock);
    void flights.run("a", () => new Promise<string>(() => {}));
    expect(flights.has("a")).toBe(true);
    clock = 4999;
    expect(flights.has("a")).toBe(true);
    clock = 5000;
    expect(flights.has("a")).toBe(false);
    expect(await flights.run("a", async () => "fresh")).toBe("fresh");
  });

  it("passes a failure to every waiting caller and forgets it", async () => {
    const flights = new SingleFlight<string, never>(5000);
    const failing = () => Promise.reject(new Error("down"));
    await expect(Promise.all([flights.run("a", failing), flights.run("a", failing)])).rejects.toThrow("down");
    expect(flights.has("a")).toBe(false);
  });
});
