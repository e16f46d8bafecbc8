/** Per-target values in code: byTarget() and currentTarget(), through the CLI against the emulator. */
import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "@wedata-kit/emulator";
import { emulatorEnv, runCli } from "./cli.js";
import { tempProject } from "./helpers.js";

const CONFIG = `import { defineConfig } from "@wedata-kit/dsl";
export default defineConfig({
  pipelines: ["pipeline.ts"],
  targets: {
    dev: { projectId: "2378393617299558400", region: "ap-guangzhou" },
    prod: { projectId: "1460947878944567296", region: "ap-guangzhou" },
  },
  defaultTarget: "dev",
});
`;

const pipeline = (extra = "") => `import { byTarget, currentTarget, task, workflow } from "@wedata-kit/dsl";
const load = task("load")
  .shell({ inline: "echo load" })
  .resourceGroup(byTarget({ dev: "rg_small", prod: "rg_big" }))
  .schedulingParams({ db: byTarget({ prod: "dw" }, "dw_dev"), where: currentTarget().name });
${extra}
export const w = workflow("w", { folder: "/f" }).tasks(load);
`;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function setUp(files: Record<string, string>): Promise<{ dir: string; emu: RunningEmulator }> {
  const p = tempProject({ "wedata.config.ts": CONFIG, ...files });
  cleanups.push(p.cleanup);
  const emu = await startEmulator({ projects: ["2378393617299558400", "1460947878944567296"] });
  cleanups.push(() => emu.stop());
  return { dir: p.dir, emu };
}

describe("byTarget()", () => {
  it("compiles each target with its own values, and the plan shows the values chosen and where", async () => {
    const { dir, emu } = await setUp({ "pipeline.ts": pipeline() });
    const env = emulatorEnv(emu.url);
    const dev = await runCli(["plan", "--cwd", dir, "--no-typecheck"], env);
    expect(dev.code).toBe(0);
    expect(dev.out).toMatch(
      /Values for target dev \(byTarget\)\n {2}pipeline\.ts:4 {2}"rg_small"\n {2}pipeline\.ts:5 {2}"dw_dev"\n/,
    );
    const prod = await runCli(["plan", "--cwd", dir, "--no-typecheck", "-t", "prod", "--json"], env);
    expect(prod.code).toBe(0);
    const json = JSON.parse(prod.out);
    expect(json.targetValues).toEqual([
      { where: "pipeline.ts:4", value: "rg_big" },
      { where: "pipeline.ts:5", value: "dw" },
    ]);
    const task = json.plan.tasks.find((t: { key: string }) => t.key === "w/load");
    expect(JSON.stringify(task)).toContain("rg_big");

    // Deployed per target, each project holds its own values: a plan of either afterwards changes nothing,
    // and the other target's values would.
    expect((await runCli(["deploy", "--cwd", dir, "--no-typecheck", "--yes"], env)).code).toBe(0);
    expect((await runCli(["deploy", "--cwd", dir, "--no-typecheck", "--yes", "-t", "prod"], env)).code).toBe(0);
    for (const target of ["dev", "prod"]) {
      const again = await runCli(["plan", "--cwd", dir, "--no-typecheck", "-t", target, "--detailed-exitcode"], env);
      expect(again.code, again.out).toBe(0);
    }
  });

  it("a target without a value, or a name the config does not declare, is an error at the line", async () => {
    const missing = await setUp({
      "pipeline.ts": pipeline('const x = byTarget({ dev: 1 });\nif (x < 0) throw new Error("never");'),
    });
    const r = await runCli(
      ["compile", "--cwd", missing.dir, "--no-typecheck", "-t", "prod"],
      emulatorEnv(missing.emu.url),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/pipeline\.ts:6:\d+.*byTarget\(\) has no value for target "prod" \(it has dev\)/);
    expect(r.err).toMatch(/add prod: \.\.\. to it, or pass a fallback/);

    const typo = await setUp({ "pipeline.ts": pipeline('byTarget({ dev: "a", prdo: "b" });') });
    const t = await runCli(["compile", "--cwd", typo.dir, "--no-typecheck"], emulatorEnv(typo.emu.url));
    expect(t.code).toBe(1);
    expect(t.err).toMatch(
      /byTarget\(\) names "prdo", which wedata\.config\.ts does not declare \(targets: dev, prod\)/,
    );
  });
});
