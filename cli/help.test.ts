import { describe, expect, it } from "vitest";
import type { Command } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { cleanEnv, runCli } from "./run-cli.ts";

/** Every runnable command with the words that reach it. */
function leaves(commands: Command[], prefix: string[] = []): { words: string[]; command: Command }[] {
  return commands.flatMap((c) => (c.subcommands ? leaves(c.subcommands, [...prefix, c.name]) : [{ words: [...prefix, c.name], command: c }]));
}

describe("--help", () => {
  it("lists every command at the top level and exits 0", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const c of COMMANDS) expect(run.stdout).toContain(`  ${c.name} `);
  });

  it("of every command exits 0 and names each of its flags", async () => {
    const all = leaves(COMMANDS);
    expect(all.length).toBeGreaterThan(20);
    const runs = await Promise.all(all.map(({ words }) => runCli([...words, "--help"])));
    all.forEach(({ words, command }, i) => {
      const { code, stdout } = runs[i];
      expect(code, words.join(" ")).toBe(0);
      expect(stdout).toContain(command.usage);
      for (const [name, option] of Object.entries(command.options ?? {})) {
        expect(stdout, `${words.join(" ")} --${name}`).toContain(`--${name}`);
        if (option.short) expect(stdout).toContain(`-${option.short}, --${name}`);
      }
      if (command.server) for (const flag of ["--server", "--token", "--context"]) expect(stdout).toContain(flag);
      // Examples: at least one, each a comment then a command line of this very command.
      const examples = stdout.split("\nExamples:\n")[1];
      expect(examples, `${words.join(" ")} has an Examples section`).toBeDefined();
      const lines = examples.split("\n").filter((l) => l.startsWith("  isthmus "));
      expect(lines.length, words.join(" ")).toBeGreaterThan(0);
      for (const line of lines) expect(line, words.join(" ")).toMatch(new RegExp(`^  isthmus ${words.join(" ")}( |$)`));
    });
  });

  it("has examples whose flags the command accepts", async () => {
    const examples = leaves(COMMANDS).flatMap(({ command }) => (command.examples ?? []).map(([line]) => line));
    expect(examples.length).toBeGreaterThan(40);
    // Parsing is strict: an unknown or misspelt flag fails before --help is honoured.
    const runs = await Promise.all(examples.map((line) => runCli([...line.split(" ").slice(1), "--help"])));
    runs.forEach((run, i) => expect(run.code, `${examples[i]}: ${run.stderr}`).toBe(0));
  });

  it("of command groups lists their subcommands", async () => {
    for (const group of COMMANDS.filter((c) => c.subcommands)) {
      const run = await runCli([group.name, "--help"]);
      expect(run.code).toBe(0);
      for (const sub of group.subcommands!) expect(run.stdout).toContain(sub.name);
      expect(run.stdout).toContain(`\nExamples:\n  # `);
    }
  });
});

describe("usage errors exit 2", () => {
  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["get"], /missing arguments/],
    [["get", "widgets"], /unknown resource kind "widgets"/],
    [["get", "vs", "--bogus"], /Unknown option '--bogus'/],
    [["split", "reviews", "v1=90", "v2=20"], /weights add up to 110, not 100/],
    [["split", "reviews", "v1"], /"v1" is not SUBSET=WEIGHT/],
    [["apply"], /-f FILE\|DIR\|- is required/],
    [["apply", "-f", "does-not-exist.yaml"], /does-not-exist\.yaml: no such file/],
    [["identity"], /Commands:/],
    [["rollback", "last"], /"last" is not a revision number/],
  ])("isthmus %j", async (args, message) => {
    const run = await runCli(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });
});

describe("version", () => {
  it("--client and --version print the package version without a server", async () => {
    for (const args of [["version", "--client"], ["--version"]]) {
      const run = await runCli(args, { env: cleanEnv({ ISTHMUS_SERVER: "http://127.0.0.1:1" }) });
      expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^isthmus \d+\.\d+\.\d+\n$/) });
    }
  });
});
