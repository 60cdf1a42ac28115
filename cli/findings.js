// One line per analyzer finding, as istioctl analyze prints them.

/**
 * @param {{ code: string, severity: string, message: string, path?: string, resource?: { kind: string, namespace?: string, name: string } }} f
 * @param {import("./command.js").Context["colour"]} colour
 */
export function formatFinding(f, colour) {
  const level = f.severity === "error" ? colour.red("Error") : colour.yellow("Warning");
  const where = f.resource ? ` (${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ""}${f.resource.name})` : "";
  return `${level} [${f.code}]${where} ${f.path ? `${f.path}: ` : ""}${f.message}\n`;
}
