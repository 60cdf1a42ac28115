import { FIELD_SUPPORT, type MessageSupport } from "./field-support.ts";
import { schemaFields } from "./schema-fields.ts";

const BEGIN = "<!-- field-support:begin (generated from resources/field-support.ts) -->";
const END = "<!-- field-support:end -->";

/** Schemas listed as their own message: walks stop there. */
export const MESSAGE_SCHEMAS = new Set(FIELD_SUPPORT.map((m) => m.schema));

/** The fields of one message the schema accepts or refuses, in schema order. */
export function messageFields(message: MessageSupport) {
  return schemaFields(message.schema, MESSAGE_SCHEMAS);
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** The Markdown table of every message: field -> honoured where / satisfied why / refused why. */
export function renderFieldSupport(): string {
  const parts: string[] = [];
  for (const message of FIELD_SUPPORT) {
    parts.push(`### ${message.name}`, "", "| Field | Outcome | Where / why |", "| --- | --- | --- |");
    for (const field of messageFields(message)) {
      const support = message.fields[field.path];
      if (field.refused !== undefined) {
        parts.push(`| \`${field.path}\` | refused | ${cell(field.refused.replace(/^unsupported field "[^"]+": /, ""))} |`);
      } else if (support && "honoured" in support) {
        const where = support.honoured.map((m) => `\`${m}\``).join(", ");
        parts.push(`| \`${field.path}\` | honoured | ${where}${support.note ? ` — ${cell(support.note)}` : ""} |`);
      } else if (support) {
        parts.push(`| \`${field.path}\` | satisfied | ${cell(support.satisfied)} |`);
      }
    }
    parts.push("");
  }
  return `${BEGIN}\n\n${parts.join("\n")}\n${END}`;
}

/** `document` with its generated section replaced by `renderFieldSupport()`. */
export function withFieldSupport(document: string): string {
  const start = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the document has no ${BEGIN} ... ${END} section`);
  return document.slice(0, start) + renderFieldSupport() + document.slice(end + END.length);
}
