// Class 1a of issue #14: regexes. Every regex field of every resource is compiled with RE2
// (re2js) at apply time; a pattern RE2 refuses (or Envoy would: Istio's program-size cap),
// and a uriRegexRewrite RE2 cannot apply, is a 422 invalid_resource naming the field, and
// nothing is stored. Matching itself is linear time (resources/regex.test.ts), so there is no
// "slow but valid" pattern to refuse.
import { expect } from "vitest";
import type { SecurityMesh } from "../mesh.ts";
import type { HostileCase, HostileClass } from "./case.ts";

const HOST = "regex.mesh.test";

/** A refused pattern and what the refusal must say. */
interface BadPattern {
  label: string;
  pattern: string;
  reason: RegExp;
}

const BIG = Array.from({ length: 40 }, (_, i) => `${String.fromCharCode(97 + (i % 26))}${i}x{1000}`).join("|");

const BAD: BadPattern[] = [
  { label: "backreference \\1", pattern: "/(a)\\1", reason: /backreferences are not supported/ },
  { label: "named backreference \\k<x>", pattern: "/(?P<x>a)\\k<x>", reason: /backreferences are not supported/ },
  { label: "Python backreference (?P=x)", pattern: "/(?P<x>a)(?P=x)", reason: /backreferences are not supported/ },
  { label: "lookahead (?=", pattern: "/a(?=b)", reason: /lookahead is not supported/ },
  { label: "negative lookahead (?!", pattern: "/(?!admin)[a-z]+", reason: /lookahead is not supported/ },
  { label: "lookbehind (?<=", pattern: "(?<=/api)/x", reason: /lookbehind is not supported/ },
  { label: "negative lookbehind (?<!", pattern: "/x(?<!y)", reason: /lookbehind is not supported/ },
  { label: "unterminated class", pattern: "/[a-", reason: /missing closing \]/ },
  { label: "unclosed group", pattern: "/(a", reason: /missing closing \)/ },
  { label: "unopened group", pattern: "/a)", reason: /unexpected \)/ },
  { label: "bad \\p class", pattern: "/\\pX", reason: /invalid character class range: `\\pX`/ },
  { label: "unknown Unicode script", pattern: "/\\p{Klingon}+", reason: /invalid character class range/ },
  { label: "unknown POSIX class", pattern: "/[[:word2:]]", reason: /invalid character class range/ },
  { label: "reversed range", pattern: "/[z-a]", reason: /invalid character class range/ },
  { label: "repeat count over 1000", pattern: "/a{1001}", reason: /invalid repeat count/ },
  { label: "nested repeat over 1000", pattern: "/(a{100}){100}", reason: /invalid repeat count/ },
  { label: "possessive quantifier", pattern: "/a++", reason: /invalid nested repetition operator/ },
  { label: "nothing to repeat", pattern: "*a", reason: /missing argument to repetition operator/ },
  { label: "trailing backslash", pattern: "/a\\", reason: /trailing backslash/ },
  { label: "unsupported flag (?x)", pattern: "(?x) /a", reason: /invalid or unsupported Perl syntax/ },
  { label: "comment group (?#", pattern: "/(?#note)a", reason: /invalid or unsupported Perl syntax/ },
  { label: "duplicate group name", pattern: "(?P<x>a)(?P<x>b)", reason: /duplicate capture group name/ },
  { label: "\\Z (not RE2)", pattern: "/a\\Z", reason: /invalid escape sequence/ },
  { label: "code point past U+10FFFF", pattern: "/\\x{110000}", reason: /invalid escape sequence/ },
  { label: "program over Istio's 32768", pattern: BIG, reason: /more than the 32768 Istio allows/ },
];

/** Where a regex sits in a resource: the document with `pattern` there, and the field path. */
interface Field {
  label: string;
  path: string;
  document(pattern: string): object;
}

const virtualService = (name: string, route: object) => ({
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name, namespace: "default" },
  spec: { hosts: [HOST], gateways: ["test-gateway"], http: [{ ...route, route: [{ destination: { host: "target" } }] }] },
});

const httpRoute = (name: string, match: object) => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name, namespace: "default" },
  spec: { parentRefs: [{ name: "test-gateway" }], hostnames: [HOST], rules: [{ matches: [match], backendRefs: [{ name: "target", port: 9080 }] }] },
});

const matchField = (field: string, value: (pattern: string) => object, path: string): Field => ({
  label: `VirtualService ${path}`,
  path: `spec.http[0].match[0].${path}`,
  document: (pattern) => virtualService("regex-bad", { match: [{ [field]: value(pattern) }] }),
});

const FIELDS: Field[] = [
  matchField("uri", (regex) => ({ regex }), "uri.regex"),
  matchField("method", (regex) => ({ regex }), "method.regex"),
  matchField("scheme", (regex) => ({ regex }), "scheme.regex"),
  matchField("authority", (regex) => ({ regex }), "authority.regex"),
  matchField("headers", (regex) => ({ "x-regex": { regex } }), 'headers["x-regex"].regex'),
  matchField("withoutHeaders", (regex) => ({ "x-regex": { regex } }), 'withoutHeaders["x-regex"].regex'),
  matchField("queryParams", (regex) => ({ q: { regex } }), "queryParams.q.regex"),
  {
    label: "VirtualService corsPolicy.allowOrigins[].regex",
    path: "spec.http[0].corsPolicy.allowOrigins[1].regex",
    document: (regex) => virtualService("regex-bad", { corsPolicy: { allowOrigins: [{ exact: "https://ok.test" }, { regex }] } }),
  },
  {
    label: "VirtualService rewrite.uriRegexRewrite.match",
    path: "spec.http[0].rewrite.uriRegexRewrite.match",
    document: (match) => virtualService("regex-bad", { rewrite: { uriRegexRewrite: { match, rewrite: "/" } } }),
  },
  {
    label: "HTTPRoute path RegularExpression",
    path: "spec.rules[0].matches[0].path.value",
    document: (value) => httpRoute("regex-bad-route", { path: { type: "RegularExpression", value } }),
  },
  {
    label: "HTTPRoute headers RegularExpression",
    path: "spec.rules[0].matches[0].headers[0].value",
    document: (value) => httpRoute("regex-bad-route", { headers: [{ type: "RegularExpression", name: "x-regex", value }] }),
  },
  {
    label: "HTTPRoute queryParams RegularExpression",
    path: "spec.rules[0].matches[0].queryParams[0].value",
    document: (value) => httpRoute("regex-bad-route", { queryParams: [{ type: "RegularExpression", name: "q", value }] }),
  },
];

function apply(mesh: SecurityMesh, documents: object[]): Promise<Response> {
  // JSON is YAML: the patterns travel exactly as written, backslashes included.
  const body = documents.map((d) => JSON.stringify(d)).join("\n---\n");
  return mesh.control("/v1/apply", { method: "POST", headers: { "content-type": "application/yaml" }, body });
}

/** The 422 must name the field (under its document) and say why. */
function namesField(path: string, reason: RegExp) {
  return (_mesh: SecurityMesh, _response: Response, body: string) => {
    const details = (JSON.parse(body) as { error: { details: { path: string; message: string }[] } }).error.details;
    const detail = details.find((d) => d.path.endsWith(path));
    expect(detail, `no detail for ${path} in ${JSON.stringify(details)}`).toBeDefined();
    expect(detail!.message).toMatch(reason);
  };
}

const refused = { status: 422, reason: "invalid_resource" } as const;

// Every field takes a turn with every kind of bad pattern: field i gets patterns i, i+12, ...
// so the 25 patterns and 12 fields each appear, 4 cases per field at least.
const fieldCases: HostileCase[] = [];
const rounds = Math.max(4, Math.ceil(BAD.length / FIELDS.length));
for (let round = 0; round < rounds; round++) {
  FIELDS.forEach((field, i) => {
    const bad = BAD[(i + round * FIELDS.length) % BAD.length]!;
    fieldCases.push({
      class: "regex",
      name: `${field.label}: ${bad.label}`,
      send: (mesh) => apply(mesh, [field.document(bad.pattern)]),
      expect: refused,
      after: namesField(field.path, bad.reason),
    });
  });
}

const rewrite = (name: string, match: string, replacement: string, reason: RegExp): HostileCase => ({
  class: "regex",
  name: `uriRegexRewrite.rewrite: ${name}`,
  send: (mesh) => apply(mesh, [virtualService("regex-bad", { rewrite: { uriRegexRewrite: { match, rewrite: replacement } } })]),
  expect: refused,
  after: namesField("spec.http[0].rewrite.uriRegexRewrite.rewrite", reason),
});

const otherCases: HostileCase[] = [
  rewrite("group the regex does not have (\\2 of 1)", "^/(a)/", "/\\2/", /\\2 refers to group 2, but the regex has 1 group/),
  rewrite("group with no groups at all", "^/a", "/\\1", /the regex has no groups/),
  rewrite("unknown escape \\n", "^/(a)", "/\\n", /is not \\0..\\9 or \\\\/),
  rewrite("trailing backslash", "^/(a)", "/x\\", /trailing backslash/),
  {
    class: "regex",
    name: "a bad regex in the second document refuses the whole apply (the first is not stored)",
    send: (mesh) =>
      apply(mesh, [virtualService("regex-first-ok", { match: [{ uri: { regex: "/ok/[[:digit:]]+" } }] }), FIELDS[0]!.document("/(a)\\1")]),
    expect: refused,
    after: async (mesh, response, body) => {
      namesField("spec.http[0].match[0].uri.regex", /backreferences/)(mesh, response, body);
      expect((await mesh.control("/v1/namespaces/default/virtualservices/regex-first-ok")).status).toBe(404);
    },
  },
  {
    class: "regex",
    name: "replacing a stored route's regex with a bad one leaves the stored one in place",
    send: (mesh) => apply(mesh, [virtualService("regex-keep", { match: [{ uri: { regex: "/keep/(?=x)" } }] })]),
    expect: refused,
    after: async (mesh, response, body) => {
      namesField("spec.http[0].match[0].uri.regex", /lookahead/)(mesh, response, body);
      const stored = (await (await mesh.control("/v1/namespaces/default/virtualservices/regex-keep")).json()) as {
        spec: { http: { match: { uri: { regex: string } }[] }[] };
      };
      expect(stored.spec.http[0]!.match[0]!.uri.regex).toBe("/keep/[[:digit:]]+");
    },
  },
  {
    class: "regex",
    name: "dry run reports the bad regex too",
    send: (mesh) =>
      mesh.control("/v1/apply?dryRun=true", {
        method: "POST",
        headers: { "content-type": "application/yaml" },
        body: JSON.stringify(FIELDS[0]!.document("/\\p{Nope}")),
      }),
    expect: refused,
    after: namesField("spec.http[0].match[0].uri.regex", /invalid character class range/),
  },
];

const hostile: HostileClass = {
  // A stored route with an RE2-only regex, that a hostile update must not replace.
  config: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: regex-keep }
spec:
  hosts: [${HOST}]
  gateways: [test-gateway]
  http:
  - match: [{ uri: { regex: "/keep/[[:digit:]]+" } }]
    route: [{ destination: { host: target } }]
`,
  cases: [...fieldCases, ...otherCases],
};

export default hostile;
