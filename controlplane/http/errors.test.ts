import { describe, expect, it } from "vitest";
import { refused, success } from "../../contracts/refusal.ts";
import { ApiError, ConflictError, resultOf, unwrap } from "./errors.ts";

describe("refusals and the control API's errors", () => {
  it("unwraps a success to its value", () => {
    expect(unwrap(success({ revision: 7 }))).toEqual({ revision: 7 });
  });

  it("unwraps a refusal to the ApiError it is answered with: its status and the error body", () => {
    const details = [{ path: "documents[1].metadata.resourceVersion", message: "is 3, the request said 2" }];
    let thrown: unknown;
    try {
      unwrap(refused(409, "conflict", "the resource was changed since it was read", details));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    const error = thrown as ApiError;
    expect(error.status).toBe(409);
    expect(JSON.stringify(error)).toBe(JSON.stringify(new ConflictError("the resource was changed since it was read", details)));
    expect(JSON.stringify(error)).toBe(
      '{"error":{"code":"conflict","message":"the resource was changed since it was read","details":[{"path":"documents[1].metadata.resourceVersion","message":"is 3, the request said 2"}]}}',
    );
  });

  it("carries a thrown ApiError across as plain data that unwraps to the same answer", async () => {
    const original = new ApiError(400, "invalid_request", "ttlSeconds must be an integer from 60 to 604800", [{ path: "ttlSeconds", message: "60..604800" }]);
    const result = await resultOf(async () => {
      throw original;
    });
    expect(result).toEqual({ ok: false, refusal: { status: 400, code: "invalid_request", message: original.message, details: original.details } });
    // Plain data: it survives structured cloning, as across Workers RPC.
    const cloned = structuredClone(result);
    expect(() => unwrap(cloned)).toThrow(original.message);
    try {
      unwrap(cloned);
    } catch (error) {
      expect([(error as ApiError).status, JSON.stringify(error)]).toEqual([400, JSON.stringify(original)]);
    }
  });

  it("lets any other error through, to be reported as internal", async () => {
    await expect(resultOf(async () => Promise.reject(new TypeError("bug")))).rejects.toThrow(TypeError);
    await expect(resultOf(async () => 5)).resolves.toEqual({ ok: true, value: 5 });
  });
});
