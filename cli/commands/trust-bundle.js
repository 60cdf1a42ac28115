/** @type {import("../command.js").Command} */
export default {
  name: "trust-bundle",
  summary: "Print the mesh's SPIFFE trust bundle (JWKS)",
  usage: "isthmus trust-bundle",
  examples: [
    ["isthmus trust-bundle", "the mesh's SPIFFE trust bundle (JWKS), to verify its SVIDs outside the mesh"],
  ],
  server: true,
  async run({ out, client }) {
    const api = await client();
    const bundle = await api.json("GET", "/v1/trust-bundle", { token: "" });
    out(JSON.stringify(bundle, null, 2) + "\n");
    return 0;
  },
};
