// Hostile inputs against the control API (issue #14, classes 2 and 3):
// - parser-limits: alias bombs, unresolved and cyclic aliases, merge keys, nesting thousands
//   deep, too many documents, huge keys, through `POST /v1/apply` (and `?dryRun=true`), PUT of
//   one resource and the JSON routes; each answers 400/413/422 with its reason, never a 5xx,
//   and stores nothing (resources/parse-limits.ts holds the limits).
// - registry: a dataplane token of one workload identity trying to register, heartbeat or
//   remove the endpoints of another (traffic hijack); 403 with the reason, the endpoint count
//   unchanged. Every name this class creates starts with `control-`.
import { expect } from "vitest";
import { PARSE_LIMITS } from "../../../resources/parse-limits.ts";
import type { SecurityMesh } from "../mesh.ts";
import type { HostileCase, HostileClass, Refusal } from "./case.ts";

const serviceEntry = (name: string, serviceAccount: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name} }
spec:
  hosts: [${name}]
  location: MESH_INTERNAL
  endpoints: [{ address: "worker://${name}", serviceAccount: ${serviceAccount} }]
`;

const CONFIG = [serviceEntry("control-victim", "control-victim"), serviceEntry("control-intruder", "control-intruder")].join("---\n");

/** A VirtualService this class may try to store (it never should). */
const virtualService = (name = "control-vs", spec = "hosts: [control-victim]\n  http: [{ route: [{ destination: { host: control-victim } }] }]") =>
  `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name} }
spec:
  ${spec}
`;

const setupState = { intruder: "", victim: "", otherNamespace: "", viewer: "", victimEndpoint: "", editorEndpoint: "" };

// ---- parser limits ------------------------------------------------------------------------

const LIMIT: Refusal = { status: 413, reason: "limit_exceeded" };
const MALFORMED: Refusal = { status: 400, reason: "malformed" };

function billionLaughs(levels = 9): string {
  const lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  const names = "abcdefghij";
  for (let i = 1; i < levels; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(", ")}]`);
  return lines.join("\n") + "\n";
}

const flowDeep = (n: number) => `${"{a: ".repeat(n)}1${"}".repeat(n)}`;
const jsonDeep = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
const blockDeep = (n: number) => Array.from({ length: n }, (_, i) => `${" ".repeat(i)}a:`).join("\n") + " 1\n";
const docs = (n: number) => Array.from({ length: n }, (_, i) => virtualService(`control-many-${i}`)).join("---\n");

interface Body {
  contentType: string;
  body: string | Uint8Array;
}
const yaml = (body: string): Body => ({ contentType: "application/yaml", body });
const json = (body: string): Body => ({ contentType: "application/json", body });

function post(path: string, body: Body, token?: string, method = "POST") {
  return (mesh: SecurityMesh) =>
    mesh.control(path, { method, headers: { "content-type": body.contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body.body });
}

const apply = (name: string, body: Body, expect: Refusal): HostileCase => ({ class: "parser-limits", name: `apply: ${name}`, send: post("/v1/apply", body), expect });
const dryRun = (name: string, body: Body, expect: Refusal): HostileCase => ({ class: "parser-limits", name: `apply ?dryRun=true: ${name}`, send: post("/v1/apply?dryRun=true", body), expect });
const PUT_PATH = "/v1/namespaces/default/virtualservices/control-vs";
const put = (name: string, body: Body, expect: Refusal): HostileCase => ({ class: "parser-limits", name: `PUT one resource: ${name}`, send: post(PUT_PATH, body, undefined, "PUT"), expect });
const jsonRoute = (route: string, path: string, name: string, body: string, expect: Refusal = LIMIT): HostileCase => ({
  class: "parser-limits",
  name: `${route}: ${name}`,
  send: post(path, json(body)),
  expect,
});

const key = (n: number) => "k".repeat(n);

const parserCases: HostileCase[] = [
  apply("billion laughs (9 levels of 9 aliases)", yaml(billionLaughs()), LIMIT),
  dryRun("billion laughs", yaml(billionLaughs()), LIMIT),
  put("billion laughs", yaml(billionLaughs()), LIMIT),
  apply("billion laughs after a valid document (nothing stored)", yaml(`${virtualService()}---\n${billionLaughs()}`), LIMIT),
  apply(`more than ${PARSE_LIMITS.aliases} aliases`, yaml(`a: &a x\nb: [${Array(PARSE_LIMITS.aliases + 1).fill("*a").join(", ")}]\n`), LIMIT),
  apply("a shallow anchor reused deep (depth through aliases)", yaml(`a: &a ${flowDeep(20)}\nb: ${"{b: ".repeat(20)}*a${"}".repeat(20)}\n`), LIMIT),
  apply("unresolved alias", yaml(virtualService("control-vs", "hosts: *nowhere")), MALFORMED),
  apply("alias inside its own anchor (cycle)", yaml(virtualService("control-vs", "hosts: &h [control-victim, *h]")), MALFORMED),
  apply("cyclic merge key", yaml("spec: &s\n  <<: *s\n"), MALFORMED),
  apply("repeated merge keys", yaml(`base: &b { hosts: [control-victim] }\nspec: { <<: *b, <<: *b }\n`), MALFORMED),
  apply("a merge key in a resource (YAML 1.2: an unknown field)", yaml(`${virtualService()}`.replace("spec:\n", "spec:\n  <<: { gateways: [mesh] }\n")), { status: 422, reason: "invalid_resource" }),
  apply("duplicate keys", yaml(virtualService().replace("kind: VirtualService", "kind: VirtualService\nkind: Gateway")), MALFORMED),
  apply("YAML flow nesting 100,000 deep", yaml(flowDeep(100_000)), LIMIT),
  dryRun("YAML flow nesting 100,000 deep", yaml(flowDeep(100_000)), LIMIT),
  apply(`YAML flow nesting ${PARSE_LIMITS.depth + 1} deep`, yaml(flowDeep(PARSE_LIMITS.depth + 1)), LIMIT),
  apply(`YAML block nesting ${PARSE_LIMITS.depth + 1} deep`, yaml(blockDeep(PARSE_LIMITS.depth + 1)), LIMIT),
  apply("compact sequences 200,000 deep (- - - ...)", yaml(`${"- ".repeat(200_000)}x\n`), LIMIT),
  apply(`a line indented ${PARSE_LIMITS.indentation + 1} columns`, yaml(`a: |\n${" ".repeat(PARSE_LIMITS.indentation + 1)}x\n`), LIMIT),
  apply("JSON objects 100,000 deep", json(jsonDeep(100_000)), LIMIT),
  apply("JSON arrays 300,000 deep", json(`${"[".repeat(300_000)}${"]".repeat(300_000)}`), LIMIT),
  apply("unbalanced JSON 500,000 brackets (falls back to the YAML parser)", json("[".repeat(500_000)), LIMIT),
  put("JSON objects 100,000 deep", json(jsonDeep(100_000)), LIMIT),
  dryRun("JSON arrays 300,000 deep", json(`${"[".repeat(300_000)}${"]".repeat(300_000)}`), LIMIT),
  apply(`${PARSE_LIMITS.documents + 1} YAML documents`, yaml(docs(PARSE_LIMITS.documents + 1)), LIMIT),
  apply("100,000 empty YAML documents", yaml("---\n".repeat(100_000)), LIMIT),
  apply(`a JSON array of ${PARSE_LIMITS.documents + 1} resources`, json(JSON.stringify(Array(PARSE_LIMITS.documents + 1).fill({ kind: "VirtualService" }))), LIMIT),
  apply(`a List of ${PARSE_LIMITS.documents + 1} items`, json(JSON.stringify({ kind: "List", items: Array(PARSE_LIMITS.documents + 1).fill({ kind: "VirtualService" }) })), LIMIT),
  dryRun(`${PARSE_LIMITS.documents + 1} YAML documents`, yaml(docs(PARSE_LIMITS.documents + 1)), LIMIT),
  put(`${PARSE_LIMITS.documents + 1} documents`, yaml(docs(PARSE_LIMITS.documents + 1)), LIMIT),
  apply(`a key of ${PARSE_LIMITS.keyLength + 1} characters`, json(JSON.stringify({ kind: "VirtualService", spec: { [key(PARSE_LIMITS.keyLength + 1)]: 1 } })), LIMIT),
  apply("a key of 500,000 characters", json(JSON.stringify({ [key(500_000)]: 1 })), LIMIT),
  apply("a YAML explicit key of 100,000 characters", yaml(`spec:\n  ? ${key(100_000)}\n  : 1\n`), LIMIT),
  apply("body over 1 MiB", yaml(`# ${"x".repeat(1024 * 1024)}\n${virtualService()}`), { status: 413, reason: "too_large" }),
  apply("not UTF-8", { contentType: "application/yaml", body: new Uint8Array([0x6b, 0x3a, 0x20, 0xff, 0xfe, 0x0a]) }, MALFORMED),
  apply("truncated mid-document", yaml(virtualService().slice(0, 90) + "\n  http: [{ route: [{ destination"), MALFORMED),
  jsonRoute("POST /v1/tokens", "/v1/tokens", "JSON 100,000 deep", jsonDeep(100_000)),
  jsonRoute("POST /v1/tokens", "/v1/tokens", "a key of 100,000 characters", JSON.stringify({ name: "control-t", role: "viewer", [key(100_000)]: 1 })),
  jsonRoute("POST /v1/registry/endpoints", "/v1/registry/endpoints", "JSON 100,000 deep", jsonDeep(100_000)),
  jsonRoute("POST /v1/registry/endpoints", "/v1/registry/endpoints", "labels nested 40 deep", JSON.stringify({ service: "control-victim", address: "worker://x", labels: JSON.parse(jsonDeep(40)) })),
  jsonRoute("POST /v1/rollback", "/v1/rollback", "arrays 300,000 deep", `${"[".repeat(300_000)}${"]".repeat(300_000)}`),
  jsonRoute("POST /v1/identities", "/v1/identities", "JSON 20,000 deep (under its 256 KiB limit)", jsonDeep(20_000)),
];

// ---- registry ------------------------------------------------------------------------------

const MISMATCH: Refusal = { status: 403, reason: "registry_identity_mismatch" };
const NOT_OWNER: Refusal = { status: 403, reason: "registry_not_owner" };

type TokenName = "intruder" | "victim" | "otherNamespace" | "viewer";

function register(name: string, token: TokenName, registration: Record<string, unknown>, expect: Refusal): HostileCase {
  return {
    class: "registry",
    name: `${token} registers ${name}`,
    send: (mesh) => post("/v1/registry/endpoints", json(JSON.stringify(registration)), setupState[token])(mesh),
    expect,
  };
}

/** After a refused write: the victim's endpoint is still there, unchanged. */
async function victimEndpointHeld(mesh: SecurityMesh): Promise<void> {
  const list = (await (await mesh.control("/v1/registry/endpoints?service=control-victim")).json()) as { items: { id: string; serviceAccount?: string; healthy: boolean }[] };
  expect(list.items.find((e) => e.id === setupState.victimEndpoint)).toMatchObject({ serviceAccount: "control-victim", healthy: true });
}

function touch(name: string, which: "victimEndpoint" | "editorEndpoint", action: "heartbeat" | "deregister", token: TokenName, expect: Refusal): HostileCase {
  return {
    class: "registry",
    name: `${token} ${action}s ${name}`,
    send: (mesh) =>
      mesh.control(`/v1/registry/endpoints/${setupState[which]}${action === "heartbeat" ? "/heartbeat" : ""}`, {
        method: action === "heartbeat" ? "POST" : "DELETE",
        headers: { authorization: `Bearer ${setupState[token]}` },
      }),
    expect,
    after: victimEndpointHeld,
  };
}

const mint = (name: string, body: Record<string, unknown>): HostileCase => ({
  class: "registry",
  name: `mint ${name}`,
  send: post("/v1/tokens", json(JSON.stringify(body))),
  expect: MALFORMED,
  async after(mesh) {
    const tokens = (await (await mesh.control("/v1/tokens")).json()) as { items: { name: string }[] };
    expect(tokens.items.some((t) => t.name === body.name)).toBe(false);
  },
});

const registryCases: HostileCase[] = [
  register("an https origin under another service (hijack)", "intruder", { service: "control-victim", address: "https://attacker.example" }, MISMATCH),
  register("its own Worker under another service", "intruder", { service: "control-victim", address: "worker://control-intruder" }, MISMATCH),
  register("a dispatch script under another service", "intruder", { service: "control-victim", address: "dispatch://NS/attacker" }, MISMATCH),
  register("under another service, claiming that service's account", "intruder", { service: "control-victim", address: "https://attacker.example", serviceAccount: "control-victim" }, MISMATCH),
  register("its own service, claiming another account", "intruder", { service: "control-intruder", address: "https://attacker.example", serviceAccount: "control-victim" }, MISMATCH),
  register("its own service in another namespace", "intruder", { service: "control-intruder", namespace: "istio-system", address: "https://attacker.example" }, MISMATCH),
  register("the victim's own address (take-over)", "intruder", { service: "control-victim", address: "worker://control-victim-v2" }, MISMATCH),
  register("an https origin under the base config's victim", "intruder", { service: "victim", address: "https://attacker.example" }, MISMATCH),
  register("an https origin under target (gateway's default route)", "intruder", { service: "target", address: "https://attacker.example" }, MISMATCH),
  register("under the gateway's service in istio-system", "intruder", { service: "istio-ingressgateway", namespace: "istio-system", address: "https://attacker.example" }, MISMATCH),
  register("under a service no ServiceEntry names yet (named like another account)", "intruder", { service: "control-newcomer", address: "https://attacker.example" }, MISMATCH),
  register("under the intruder's service (reverse direction)", "victim", { service: "control-intruder", address: "worker://control-victim" }, MISMATCH),
  register("its namesake service in the default namespace from another namespace", "otherNamespace", { service: "control-victim", address: "https://attacker.example" }, MISMATCH),
  register("as a viewer", "viewer", { service: "control-victim", address: "https://attacker.example" }, { status: 403, reason: "forbidden" }),
  register("a fully qualified service name (dodging the name check)", "intruder", { service: "control-victim.default.svc.cluster.local", address: "https://attacker.example" }, MALFORMED),
  register("an unknown field (owner override)", "intruder", { service: "control-victim", address: "https://attacker.example", registeredBy: "admin" }, MALFORMED),
  touch("the victim's endpoint", "victimEndpoint", "heartbeat", "intruder", NOT_OWNER),
  touch("the victim's endpoint", "victimEndpoint", "deregister", "intruder", NOT_OWNER),
  touch("the victim's endpoint from another namespace", "victimEndpoint", "deregister", "otherNamespace", NOT_OWNER),
  touch("an endpoint an editor registered", "editorEndpoint", "heartbeat", "intruder", NOT_OWNER),
  touch("an endpoint an editor registered", "editorEndpoint", "deregister", "victim", NOT_OWNER),
  {
    class: "registry",
    name: "intruder deregisters an endpoint id that does not exist",
    send: (mesh) => mesh.control("/v1/registry/endpoints/control-nothing", { method: "DELETE", headers: { authorization: `Bearer ${setupState.intruder}` } }),
    expect: { status: 404, reason: "not_found" },
  },
  mint("a dataplane token bound to no workload", { name: "control-unbound", role: "dataplane" }),
  mint("a dataplane token with a namespace only", { name: "control-half", role: "dataplane", namespace: "default" }),
  mint("an editor token with a workload identity", { name: "control-editor-bound", role: "editor", namespace: "default", serviceAccount: "control-victim" }),
  mint("a dataplane token with an identity that is not a Kubernetes name", { name: "control-bad-sa", role: "dataplane", namespace: "default", serviceAccount: "../victim" }),
];

async function token(mesh: SecurityMesh, body: Record<string, unknown>): Promise<string> {
  const response = await mesh.control("/v1/tokens", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const minted = (await response.json()) as { token?: string };
  if (!minted.token) throw new Error(`mint ${JSON.stringify(body)}: ${response.status} ${JSON.stringify(minted)}`);
  return minted.token;
}

async function registered(mesh: SecurityMesh, registration: Record<string, unknown>, bearer?: string): Promise<string> {
  const response = await mesh.control("/v1/registry/endpoints", {
    method: "POST",
    headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(registration),
  });
  const endpoint = (await response.json()) as { id?: string };
  if (response.status !== 201 || !endpoint.id) throw new Error(`register: ${response.status} ${JSON.stringify(endpoint)}`);
  return endpoint.id;
}

const control: HostileClass = {
  config: CONFIG,
  async setup(mesh) {
    setupState.intruder = await token(mesh, { name: "control-intruder", role: "dataplane", namespace: "default", serviceAccount: "control-intruder" });
    setupState.victim = await token(mesh, { name: "control-victim", role: "dataplane", namespace: "default", serviceAccount: "control-victim" });
    setupState.otherNamespace = await token(mesh, { name: "control-other-ns", role: "dataplane", namespace: "control-ns", serviceAccount: "control-victim" });
    setupState.viewer = await token(mesh, { name: "control-viewer", role: "viewer" });
    // A day's TTL: no endpoint of this class lapses (a new snapshot version) while others run.
    setupState.victimEndpoint = await registered(mesh, { service: "control-victim", address: "worker://control-victim-v2", ttlSeconds: 86_400 }, setupState.victim);
    setupState.editorEndpoint = await registered(mesh, { service: "control-intruder", address: "worker://control-intruder-v0", ttlSeconds: 86_400 });
  },
  cases: [...parserCases, ...registryCases],
};

export default control;
