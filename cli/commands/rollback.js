import { revisionNumber } from "./history.js";

/** @type {import("../command.js").Command} */
export default {
  name: "rollback",
  summary: "Restore the configuration of an earlier revision (as a new revision)",
  usage: "isthmus rollback REVISION",
  examples: [
    ["isthmus rollback 12", "make the config what it was at revision 12 (a new revision)"],
  ],
  args: [1, 1],
  server: true,
  async run({ args, out, client }) {
    const revision = revisionNumber(args[0]);
    const api = await client();
    const result = await api.json("POST", "/v1/rollback", { json: { revision } });
    if (result.revision === null) out(`the configuration is already that of revision ${revision}; nothing changed\n`);
    else out(`rolled back to revision ${revision}: now revision ${result.revision}, ${result.changes.length} resource(s) changed\n`);
    return 0;
  },
};
