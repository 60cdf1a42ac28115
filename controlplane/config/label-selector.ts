/** One requirement of a Kubernetes label selector. */
export type LabelRequirement =
  | { key: string; operator: "=" | "!="; values: [string] }
  | { key: string; operator: "in" | "notin"; values: string[] }
  | { key: string; operator: "exists" | "!exists"; values: [] };

/** Raised for a selector that is not Kubernetes label-selector syntax. */
export class InvalidLabelSelectorError extends Error {
  readonly code = "invalid_label_selector";
  constructor(message: string) {
    super(message);
    this.name = "InvalidLabelSelectorError";
  }
}

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/**
 * Parses a label selector as kubectl takes it: `app=reviews,version in (v1,v2)`, with
 * `=`, `==`, `!=`, `in`, `notin`, `key` (exists) and `!key` (does not exist).
 */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const requirements: LabelRequirement[] = [];
  for (const term of splitTerms(text)) {
    requirements.push(parseTerm(term));
  }
  return requirements;
}

/** True when `labels` meet every requirement (an empty selector matches everything). */
export function matchesLabels(labels: Record<string, string> | undefined, requirements: readonly LabelRequirement[]): boolean {
  return requirements.every((requirement) => {
    const value = labels?.[requirement.key];
    switch (requirement.operator) {
      case "=":
        return value === requirement.values[0];
      case "!=":
        return value !== requirement.values[0];
      case "in":
        return value !== undefined && requirement.values.includes(value);
      case "notin":
        return value === undefined || !requirement.values.includes(value);
      case "exists":
        return value !== undefined;
      case "!exists":
        return value === undefined;
    }
  });
}

function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (depth < 0) throw new InvalidLabelSelectorError(`unbalanced ")" in ${JSON.stringify(text)}`);
    if (char === "," && depth === 0) {
      terms.push(current.trim());
      current = "";
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw new InvalidLabelSelectorError(`unbalanced "(" in ${JSON.stringify(text)}`);
  terms.push(current.trim());
  if (terms.length === 1 && terms[0] === "") return [];
  for (const term of terms) {
    if (term === "") throw new InvalidLabelSelectorError(`empty requirement in ${JSON.stringify(text)}`);
  }
  return terms;
}

function parseTerm(term: string): LabelRequirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (set) {
    const values = set[3]!.split(",").map((value) => value.trim());
    if (values.length === 0 || values.some((value) => value === "")) {
      throw new InvalidLabelSelectorError(`${JSON.stringify(term)}: ${set[2]} needs a list of values`);
    }
    return { key: checkKey(set[1]!, term), operator: set[2] as "in" | "notin", values: values.map((v) => checkValue(v, term)) };
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (equality) {
    const operator = equality[2] === "!=" ? "!=" : "=";
    return { key: checkKey(equality[1]!, term), operator, values: [checkValue(equality[3]!.trim(), term)] };
  }
  if (term.startsWith("!")) return { key: checkKey(term.slice(1).trim(), term), operator: "!exists", values: [] };
  return { key: checkKey(term, term), operator: "exists", values: [] };
}

function checkKey(key: string, term: string): string {
  if (!KEY.test(key)) throw new InvalidLabelSelectorError(`${JSON.stringify(term)}: ${JSON.stringify(key)} is not a label key`);
  return key;
}

function checkValue(value: string, term: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw new InvalidLabelSelectorError(`${JSON.stringify(term)}: ${JSON.stringify(value)} is not a label value`);
  }
  return value;
}
