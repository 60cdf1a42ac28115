// Miniflare for the local mesh, loaded with `require`: imported as an ES module, Node would
// first scan its 4 MB CommonJS file for export names (cjs-module-lexer), ~0.3 s of every start.
import { createRequire } from "node:module";

/** @type {typeof import("miniflare")} */
const miniflare = createRequire(import.meta.url)("miniflare");

export const { Miniflare, Headers } = miniflare;
