// Where the CLI sends requests and with which token: flag > env > config file > local mesh.
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, runCli } from "./run-cli.ts";

/** Two plain HTTP servers standing in for two control planes; each records the tokens it saw. */
const seen: Record<string, (string | undefined)[]> = { a: [], b: [] };
const servers: Server[] = [];
const urls: Record<string, string> = {};

beforeAll(async () => {
  for (const name of ["a", "b"]) {
    const server = createServer((req, res) => {
      seen[name].push(req.headers.authorization);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ items: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    urls[name] = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }
});
afterAll(() => servers.forEach((s) => s.close()));

/** Run `get vs` and report which server answered with which Authorization header. */
async function whoAnswered(args: string[], env: Record<string, string>, cwd?: string) {
  seen.a = [];
  seen.b = [];
  const run = await runCli(["get", "vs", ...args], { env, cwd });
  expect(run.code, run.stderr).toBe(0);
  const server = seen.a.length ? "a" : seen.b.length ? "b" : "none";
  return { server, authorization: server === "none" ? undefined : seen[server][0] };
}

function configFile(dir: string, config: unknown) {
  const path = join(dir, "config.yaml");
  writeFileSync(path, YAML.stringify(config));
  return path;
}

describe("endpoint precedence", () => {
  it("uses the config file's current context, overridden by env, overridden by flags", async () => {
    const dir = mkdtempSync(join(tmpdir(), "isthmus-cfg-"));
    const path = configFile(dir, { contexts: [{ name: "one", server: urls.a, token: "file-token" }, { name: "two", server: urls.b, token: "two-token" }], "current-context": "one" });
    const env = cleanEnv({ ISTHMUS_CONFIG: path });

    expect(await whoAnswered([], env)).toEqual({ server: "a", authorization: "Bearer file-token" });
    expect(await whoAnswered(["--context", "two"], env)).toEqual({ server: "b", authorization: "Bearer two-token" });
    const withEnv = { ...env, ISTHMUS_SERVER: urls.b, ISTHMUS_TOKEN: "env-token" };
    expect(await whoAnswered([], withEnv)).toEqual({ server: "b", authorization: "Bearer env-token" });
    expect(await whoAnswered(["--server", urls.a, "--token", "flag-token"], withEnv)).toEqual({ server: "a", authorization: "Bearer flag-token" });
    // Each setting on its own: a flag token with the env server.
    expect(await whoAnswered(["--token", "flag-token"], withEnv)).toEqual({ server: "b", authorization: "Bearer flag-token" });
  });

  it("finds the config under XDG_CONFIG_HOME, else ~/.config", async () => {
    const xdg = mkdtempSync(join(tmpdir(), "isthmus-xdg-"));
    mkdirSync(join(xdg, "isthmus"));
    writeFileSync(join(xdg, "isthmus", "config.yaml"), YAML.stringify({ contexts: [{ name: "x", server: urls.b, token: "xdg" }], "current-context": "x" }));
    expect(await whoAnswered([], cleanEnv({ XDG_CONFIG_HOME: xdg }))).toEqual({ server: "b", authorization: "Bearer xdg" });

    const env = cleanEnv();
    mkdirSync(join(env.HOME, ".config", "isthmus"), { recursive: true });
    writeFileSync(join(env.HOME, ".config", "isthmus", "config.yaml"), YAML.stringify({ contexts: [{ name: "h", server: urls.a, token: "home" }], "current-context": "h" }));
    expect(await whoAnswered([], env)).toEqual({ server: "a", authorization: "Bearer home" });
  });

  it("falls back to the local mesh's admin token for a server on this machine", async () => {
    const env = cleanEnv({ ISTHMUS_SERVER: urls.a });
    expect(await whoAnswered([], { ...env, ISTHMUS_ADMIN_TOKEN: "admin-env" })).toEqual({ server: "a", authorization: "Bearer admin-env" });

    const state = mkdtempSync(join(tmpdir(), "isthmus-state-"));
    writeFileSync(join(state, "admin-token"), "from-state-dir\n");
    expect(await whoAnswered([], { ...env, ISTHMUS_STATE_DIR: state })).toEqual({ server: "a", authorization: "Bearer from-state-dir" });

    // npm start's default state directory, found from a subdirectory of the project.
    const project = mkdtempSync(join(tmpdir(), "isthmus-project-"));
    mkdirSync(join(project, ".isthmus"));
    mkdirSync(join(project, "src", "deep"), { recursive: true });
    writeFileSync(join(project, ".isthmus", "admin-token"), "from-dot-isthmus\n");
    expect(await whoAnswered([], env, join(project, "src", "deep"))).toEqual({ server: "a", authorization: "Bearer from-dot-isthmus" });

    expect(await whoAnswered([], env, project.replace(/[^/]+$/, ""))).toEqual({ server: "a", authorization: undefined });
  });

  it("refuses an unknown --context with exit 2", async () => {
    const run = await runCli(["get", "vs", "--context", "nope"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no context named "nope"/);
  });
});

describe("isthmus config", () => {
  it("creates, switches and lists contexts in a file only its owner can read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "isthmus-cfg-"));
    const env = cleanEnv({ ISTHMUS_CONFIG: join(dir, "nested", "config.yaml") });
    expect(await runCli(["config", "set-context", "local", "--server", urls.a, "--token", "t1", "--use"], { env })).toMatchObject({ code: 0, stdout: 'Context "local" created.\n' });
    expect(await runCli(["config", "set-context", "prod", "--server", urls.b], { env })).toMatchObject({ code: 0 });
    expect(await runCli(["config", "set-context", "prod", "--token", "t2"], { env })).toMatchObject({ code: 0, stdout: 'Context "prod" modified.\n' });
    expect((await runCli(["config", "current-context"], { env })).stdout).toBe("local\n");
    expect(await whoAnswered([], env)).toEqual({ server: "a", authorization: "Bearer t1" });

    expect((await runCli(["config", "use-context", "prod"], { env })).code).toBe(0);
    expect(await whoAnswered([], env)).toEqual({ server: "b", authorization: "Bearer t2" });
    const list = await runCli(["config", "get-contexts"], { env });
    expect(list.stdout).toMatch(/^CURRENT\s+NAME\s+SERVER\n\s+local\s+http:\/\/127\.0\.0\.1:\d+\n\*\s+prod\s+http/);

    expect((await runCli(["config", "use-context", "staging"], { env })).code).toBe(2);
    const file = join(dir, "nested", "config.yaml");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(YAML.parse(readFileSync(file, "utf8"))).toEqual({
      contexts: [
        { name: "local", server: urls.a, token: "t1" },
        { name: "prod", server: urls.b, token: "t2" },
      ],
      "current-context": "prod",
    });
  });
});
