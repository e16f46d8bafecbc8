/** The built command answers --version and --help without loading the CLI, with what the CLI itself says. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { repoRoot } from "./helpers.js";

const bin = join(repoRoot, "packages/cli/bin/wedata.js");
const wedata = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

describe("wedata --version and --help", () => {
  it("--version prints the package's version", () => {
    const version = JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")).version;
    for (const flag of ["--version", "-V"]) {
      const r = wedata(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it("--help prints exactly what the CLI renders, every command listed", async () => {
    const inProcess = await runCli(["--help"]);
    expect(inProcess.code).toBe(0);
    const r = wedata("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(inProcess.out);
    for (const command of ["init", "compile", "plan", "deploy", "destroy", "run", "import", "doctor", "emulator"])
      expect(r.stdout).toMatch(new RegExp(`\\n {2}${command}\\b`));
  });

  it("a command's own --help still comes from the CLI", () => {
    const r = wedata("plan", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: wedata plan \[options\]/);
    expect(r.stdout).toContain("--detailed-exitcode");
  });
});
