// Standard input as one string, for `apply -f -`.

/** @returns {Promise<string>} */
export async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
