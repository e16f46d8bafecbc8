/** The JSON plan's schema: real output validates against it, and the committed JSON Schema is current. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PlanOutputSchema } from "@wedata-kit/deployer";
import { startEmulator } from "@wedata-kit/emulator";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { emulatorEnv, runCli } from "./cli.js";
import { copyExample, repoRoot } from "./helpers.js";

const planJsonSchema = () =>
  `${JSON.stringify(z.toJSONSchema(PlanOutputSchema, { unrepresentable: "any" }), null, 2)}\n`;

describe("the JSON plan, version 1", () => {
  it("docs/plan.v1.schema.json is generated from the schema and up to date (UPDATE_SCHEMA=1 rewrites it)", async () => {
    const file = join(repoRoot, "docs", "plan.v1.schema.json");
    if (process.env.UPDATE_SCHEMA) (await import("node:fs")).writeFileSync(file, planJsonSchema());
    expect(readFileSync(file, "utf8")).toBe(planJsonSchema());
  });

  it("wedata plan --json validates against it, for creates and for updates", async () => {
    const emu = await startEmulator();
    const p = copyExample("daily-etl");
    try {
      const first = JSON.parse(
        (await runCli(["plan", "--cwd", p.dir, "--no-typecheck", "--json"], emulatorEnv(emu.url))).out,
      );
      expect(PlanOutputSchema.safeParse(first).error?.issues ?? []).toEqual([]);
      await runCli(["deploy", "--cwd", p.dir, "--no-typecheck", "--yes"], emulatorEnv(emu.url));
      const f = join(p.dir, "jobs", "publish_report.sh");
      (await import("node:fs")).writeFileSync(f, `${readFileSync(f, "utf8")}echo more\n`);
      const second = JSON.parse(
        (await runCli(["plan", "--cwd", p.dir, "--no-typecheck", "--json"], emulatorEnv(emu.url))).out,
      );
      expect(PlanOutputSchema.safeParse(second).error?.issues ?? []).toEqual([]);
      expect(second.plan.tasks.filter((t: { op: string }) => t.op === "update")).toHaveLength(1);
    } finally {
      p.cleanup();
      await emu.stop();
    }
  });
});
