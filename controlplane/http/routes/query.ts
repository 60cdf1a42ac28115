import type { Context } from "hono";
import type { ControlEnv } from "../../env.ts";
import { MalformedRequestError } from "../errors.ts";

/** `?dryRun=true` (also `1` or empty, as kubectl-style clients send it). */
export function dryRunOf(c: Context<ControlEnv>): boolean {
  const value = c.req.query("dryRun");
  if (value === undefined || value === "false" || value === "0") return false;
  if (value === "true" || value === "1" || value === "" || value === "All") return true;
  throw new MalformedRequestError(`dryRun must be true or false, not ${JSON.stringify(value)}`, [{ path: "dryRun", message: "must be true or false" }]);
}

/** A non-negative integer query parameter, or undefined when absent; 400 otherwise. */
export function integerOf(c: Context<ControlEnv>, name: string): number | undefined {
  const value = c.req.query(name);
  if (value === undefined || value === "") return undefined;
  if (!/^[0-9]+$/.test(value)) throw new MalformedRequestError(`${name} must be a non-negative integer`, [{ path: name, message: "must be a non-negative integer" }]);
  return Number(value);
}
