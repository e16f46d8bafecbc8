/**
 * Secrets: with a recognisable fake key pair configured (and a password declared in a task), run every
 * kind of command, success and failure, then grep everything they printed or wrote. Zero hits.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startEmulator } from "@wedata-kit/emulator";
import { runCli } from "../cli.js";
import { copyExample, tempProject } from "../helpers.js";
import { filesUnder, record } from "./support.js";

const SECRET_ID = "AKIDwedatakitSecretsSuite0000000000000";
const SECRET_KEY = "wkFAKEsecretKEY-7f3c1d2e9b8a-do-not-leak";
const PASSWORD = "pl4nted-db-password-xyzzy";

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups) c();
});

describe("secrets never appear in output, logs, snapshots, plan files or error messages", () => {
  it("zero hits after every command, success and failure", async () => {
    const emu = await startEmulator({
      keys: [{ secretId: SECRET_ID, secretKey: SECRET_KEY, uin: "100000000001" }],
      faults: { seed: 5, default: { errors: { InternalError: 0.05 }, resetRate: 0.02 } },
    });
    const p = copyExample("daily-etl");
    const fresh = tempProject({
      "wedata.config.ts": readFileSync(join(p.dir, "wedata.config.ts"), "utf8").replace(
        /pipelines: \[[^\]]*\]/,
        "pipelines: []",
      ),
    });
    cleanups.push(p.cleanup, fresh.cleanup, () => void emu.stop());
    const orders = join(p.dir, "pipelines/daily-orders.ts");
    writeFileSync(
      orders,
      readFileSync(orders, "utf8").replace(
        '.schedulingParams({ bizdate: "${yyyyMMdd}" })',
        `.schedulingParams({ bizdate: "\${yyyyMMdd}", db_password: "${PASSWORD}" })`,
      ),
    );
    const env = {
      WEDATA_ENDPOINT: emu.url,
      TENCENTCLOUD_SECRET_ID: SECRET_ID,
      TENCENTCLOUD_SECRET_KEY: SECRET_KEY,
      CI: "true",
    };
    const wrongKey = { ...env, TENCENTCLOUD_SECRET_KEY: `${SECRET_KEY}-but-wrong` };
    const outputs: string[] = [];
    const run = async (args: string[], e: Record<string, string | undefined> = env) => {
      const r = await runCli(args, e);
      outputs.push(r.out, r.err);
      return r;
    };
    const cwd = ["--cwd", p.dir];
    expect((await run(["compile", ...cwd, "--out", "out"])).code).toBe(0);
    await run(["compile", ...cwd, "--check"]);
    expect((await run(["plan", ...cwd])).code).toBe(0);
    const planFile = join(p.dir, "plan.wedata.json");
    await run(["plan", ...cwd, "--format", "markdown", "--out", planFile]);
    await run(["plan", ...cwd, "--format", "json"]);
    await run(["plan", ...cwd, "--format", "markdown"]);
    expect((await run(["deploy", ...cwd, "--yes"])).code).toBe(0);
    await run(["deploy", ...cwd, "--yes", "--json"]);
    await run(["graph", ...cwd]);
    // Failures: a wrong key (the service refuses it), half a key pair, a code file gone.
    expect((await run(["plan", ...cwd, "--retries", "1"], wrongKey)).code).toBe(1);
    expect((await run(["deploy", ...cwd, "--yes"], { ...env, TENCENTCLOUD_SECRET_KEY: "" })).code).toBe(1);
    writeFileSync(join(p.dir, "jobs/notify.sh"), "echo changed\n");
    await run(["deploy", ...cwd, "--yes", "--plan", planFile]);
    const imported = await run(["import", "--cwd", fresh.dir]);
    expect(imported.code, imported.out + imported.err).toBe(0);
    // The imported code reads the password from the environment instead of holding it.
    expect(imported.out).toContain("daily_orders/extract_orders db_password -> $WEDATA_DB_PASSWORD");
    expect(readFileSync(join(fresh.dir, "pipelines/daily_orders.ts"), "utf8")).toContain(
      'db_password: env("WEDATA_DB_PASSWORD")',
    );
    expect((await run(["destroy", ...cwd, "--yes"])).code).toBe(0);

    const written = [...filesUnder(p.dir), ...filesUnder(fresh.dir)];
    expect(written).toContain(planFile);
    // The exact request payloads (`compile --out`) and the local read cache hold the declared password by
    // design; everything else meant for people (output, snapshot, plan file, generated code) must not.
    const forPeople = written.filter(
      (f) => !f.includes(`${join(p.dir, "out")}/`) && !f.includes("/.wedata/") && f !== orders,
    );
    const hits = (needle: string, texts: string[]) => texts.filter((t) => t.includes(needle)).length;
    const fileTexts = (fs: string[]) => fs.map((f) => readFileSync(f, "latin1"));
    expect(outputs.join("\n")).toMatch(/AuthFailure/);
    const report = {
      "commands run": outputs.length / 2,
      "files checked": written.length,
      "secret key hits": hits(SECRET_KEY, [...outputs, ...fileTexts(written), JSON.stringify(emu.log)]),
      "secret id hits": hits(SECRET_ID, [...outputs, ...fileTexts(written)]),
      "declared password hits": hits(PASSWORD, [...outputs, ...fileTexts(forPeople)]),
    };
    record("secrets", report);
    expect(report["secret key hits"]).toBe(0);
    expect(report["secret id hits"]).toBe(0);
    expect(report["declared password hits"]).toBe(0);
    // The password did reach the service (the task needs it), so the check above is not vacuous.
    expect(
      hits(
        PASSWORD,
        fileTexts(written.filter((f) => f.includes(`${join(p.dir, "out")}/`))).map(
          (t) => Buffer.from(JSON.parse(t).TriggerTaskConfiguration?.CodeContent ?? "", "base64").toString() + t,
        ),
      ),
    ).toBeGreaterThan(0);
  }, 300_000);
});
