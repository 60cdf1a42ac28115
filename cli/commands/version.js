import { readFile } from "node:fs/promises";

/** @type {import("../command.js").Command} */
export default {
  name: "version",
  summary: "Print the CLI version",
  usage: "isthmus version",
  async run({ out }) {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    out(`isthmus ${pkg.version}\n`);
    return 0;
  },
};
