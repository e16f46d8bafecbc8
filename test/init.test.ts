/** `wedata init` adds wedata-kit to an existing folder, through the CLI. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("wedata init", () => {
  it("writes what is missing, extends package.json, and keeps the user's files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wedata-init-"));
    dirs.push(dir);
    writeFileSync(
      join(dir, "package.json"),
      `${JSON.stringify({ name: "etl", scripts: { test: "jest" } }, null, 2)}\n`,
    );
    writeFileSync(join(dir, "README.md"), "# ours\n");
    const r = await runCli(["init", dir, "--yes", "--project-id", "2378393617299558400"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/created {2}wedata\.config\.ts/);
    expect(r.out).toMatch(/added {4}package\.json: scripts\.compile, scripts\.plan, scripts\.deploy, dependencies/);
    expect(r.out).toMatch(/kept {5}README\.md \(yours, unchanged\)/);
    expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("# ours\n");
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).scripts.test).toBe("jest");
    expect(readFileSync(join(dir, "wedata.config.ts"), "utf8")).toContain('projectId: "2378393617299558400"');
    expect(existsSync(join(dir, "pipelines/daily.ts"))).toBe(true);
  });

  it("a bad value is an error that names the flag, and nothing is written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wedata-init-"));
    dirs.push(dir);
    const r = await runCli(["init", dir, "--yes", "--region", "Guangzhou"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--region "Guangzhou" is not a region; write it like "ap-guangzhou"/);
    expect(existsSync(join(dir, "wedata.config.ts"))).toBe(false);
  });
});
