// REST paths of resources on the control API.
import { UsageError } from "./errors.js";
import { CLI_KINDS, findKind } from "./kinds.js";

/** @param {string} name */
export function kindOrThrow(name) {
  const kind = findKind(name);
  if (!kind) {
    const known = CLI_KINDS.map((k) => [k.plural, ...k.shortNames].join("|")).join(", ");
    throw new UsageError(`unknown resource kind "${name}"; known kinds: ${known}`);
  }
  return kind;
}

/** @param {import("./kinds.js").KindInfo} kind @param {string} namespace @param {string} [name] */
export function resourcePath(kind, namespace, name) {
  const base = `/v1/namespaces/${encodeURIComponent(namespace)}/${kind.plural}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/** Items of a list answer (`{ items }` or a bare array). @param {any} body @returns {any[]} */
export function listItems(body) {
  if (Array.isArray(body)) return body;
  return Array.isArray(body?.items) ? body.items : [];
}
