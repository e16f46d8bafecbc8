/**
 * `wedata run` through the CLI: the example project end to end (its cloud-only tasks reported as
 * needing WeData), run folders, failures, dry runs, Ctrl-C in a real process, and bad flags.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { copyExample, repoRoot } from "./helpers.js";

const STANDINS = ["--stand-in", "extract_orders=row_count:1200", "--stand-in", "publish_report"];
const runs = (dir: string) =>
  existsSync(join(dir, ".wedata", "runs")) ? readdirSync(join(dir, ".wedata", "runs")) : [];

describe("wedata run", () => {
  it("runs examples/daily-etl locally: local tasks run, cloud-only ones are rendered as needing WeData", async () => {
    const p = copyExample("daily-etl");
    try {
      const r = await runCli(
        [
          "run",
          "--cwd",
          p.dir,
          "--workflow",
          "daily_orders",
          "--date",
          "2026-11-28T02:00",
          "--no-typecheck",
          ...STANDINS,
        ],
        { CI: "true" },
      );
      expect(r.code, r.out + r.err).toBe(0);
      const line = (task: string) => r.out.split("\n").find((l) => l.startsWith(`daily_orders/${task} `)) ?? "";
      expect(line("clean_orders")).toMatch(/ok\s+1/);
      expect(line("notify")).toMatch(/ok\s+1/);
      expect(line("run_dim_refresh/dim_refresh/check_dims")).toMatch(/ok\s+1/);
      expect(line("load_fact_orders")).toMatch(/needs WeData/);
      expect(line("score_customers")).toMatch(/needs WeData/);
      expect(line("extract_orders")).toMatch(/stand-in.*row_count=1200/);
      expect(r.out).toMatch(/Run succeeded in .*: 11 task\(s\), 5 need WeData/);
      expect(r.out).toContain("daily_orders/clean_orders: bizdate=20261128, env=dev, expected_rows=1200");
      // Every run gets a folder.
      const [id] = runs(p.dir);
      expect(r.out).toContain(`.wedata/runs/${id}/`);
      const folder = join(p.dir, ".wedata", "runs", id!);
      expect(readFileSync(join(folder, "daily_orders", "clean_orders.py"), "utf8")).toContain(
        'expected = int("1200" or "0")',
      );
      expect(readFileSync(join(folder, "daily_orders", "clean_orders.attempt-1.log"), "utf8")).toBe(
        "cleaning orders, expecting about 1200 rows\n",
      );
      expect(readFileSync(join(folder, "daily_orders", "notify.attempt-1.log"), "utf8")).toMatch(
        /^daily_orders finished for 20261128\n$/,
      );
      expect(readFileSync(join(folder, "daily_orders", "load_fact_orders.sql"), "utf8")).toContain("fact_orders");
      const summary = JSON.parse(readFileSync(join(folder, "summary.json"), "utf8")) as {
        status: string;
        tasks: unknown[];
      };
      expect(summary.status).toBe("success");
      expect(summary.tasks).toHaveLength(11);
      // Older runs are pruned to the latest 20, except one kept with --keep; nothing but run files is touched.
      const keep = await runCli(["run", "--cwd", p.dir, "--workflow", "hourly_monitor", "--no-typecheck", "--keep"], {
        CI: "true",
      });
      expect(keep.code).toBe(0);
      const keptId = runs(p.dir).find((x) => x !== id)!;
      for (let i = 0; i < 21; i++)
        expect(
          (
            await runCli(["run", "--cwd", p.dir, "--workflow", "hourly_monitor", "--no-typecheck", "--dry-run"], {
              CI: "true",
            })
          ).code,
        ).toBe(0);
      const left = runs(p.dir);
      expect(left).toHaveLength(21);
      expect(left).toContain(keptId);
      expect(left).not.toContain(id);
    } finally {
      p.cleanup();
    }
  });

  it("a failing task fails the run (exit 1), skips what depends on it, and keeps the logs", async () => {
    const p = copyExample("daily-etl");
    try {
      writeFileSync(join(p.dir, "jobs", "clean_orders.py"), 'import sys\nprint("boom")\nsys.exit(2)\n');
      const r = await runCli(
        ["run", "--cwd", p.dir, "--workflow", "daily_orders", "--no-typecheck", "--retry-wait", "0", ...STANDINS],
        { CI: "true" },
      );
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/failed\s+daily_orders\/clean_orders \(exit code 2, 5 attempt\(s\)\)/);
      expect(r.out).toMatch(/upstream failed\s+daily_orders\/load_fact_orders/);
      expect(r.out).toMatch(/ok\s+daily_orders\/notify/);
      expect(r.out).toMatch(/Run failed/);
      const [id] = runs(p.dir);
      expect(
        readFileSync(join(p.dir, ".wedata", "runs", id!, "daily_orders", "clean_orders.attempt-5.log"), "utf8"),
      ).toBe("boom\n");
    } finally {
      p.cleanup();
    }
  });

  it("--dry-run renders without running; bad flags and names get their own errors", async () => {
    const p = copyExample("daily-etl");
    try {
      const dry = await runCli(
        [
          "run",
          "--cwd",
          p.dir,
          "--workflow",
          "hourly_monitor",
          "--dry-run",
          "--no-typecheck",
          "--stand-in",
          "kind:python",
        ],
        { CI: "true" },
      );
      expect(dry.code).toBe(0);
      expect(dry.out).toMatch(/stand-in\s+hourly_monitor\/check_freshness/);
      const dryAll = await runCli(
        ["run", "--cwd", p.dir, "--workflow", "daily_orders", "--dry-run", "--no-typecheck", "--date", "2026-11-28"],
        { CI: "true" },
      );
      expect(dryAll.out).toMatch(
        new RegExp(
          String.raw`daily_orders\/notify: bizdate=20261128, env=dev\n\s+\| #!\/b` +
            String.raw`in\/bash\n\s+\| echo "daily_orders finished for 20261128"`,
        ),
      );
      expect(dry.out).toMatch(/rendered\s+hourly_monitor\/alert_oncall|skipped\s+hourly_monitor\/alert_oncall/);
      for (const [args, error] of [
        [["--workflow", "nope"], /no workflow named "nope"; the project has/],
        [[], /the project has 3 workflows .*: choose one with --workflow/],
        [["--workflow", "daily_orders", "--task", "zzz"], /no task named "zzz" in workflow "daily_orders"/],
        [
          ["--workflow", "daily_orders", "--date", "2026-02-30"],
          /--date 2026-02-30 is not a date and time that exists/,
        ],
        [["--workflow", "daily_orders", "--param", "novalue"], /--param takes NAME=VALUE, got "novalue"/],
        [
          ["--workflow", "daily_orders", "--env", "WEDATA_SURELY_UNSET_VAR"],
          /--env WEDATA_SURELY_UNSET_VAR: WEDATA_SURELY_UNSET_VAR is not set/,
        ],
      ] as const) {
        const r = await runCli(["run", "--cwd", p.dir, "--no-typecheck", ...args], { CI: "true" });
        expect(r.code, r.out).toBe(1);
        expect(r.err).toMatch(error);
      }
    } finally {
      p.cleanup();
    }
  });

  it("Ctrl-C stops the running tasks, records them as cancelled, and exits 130", async () => {
    const p = copyExample("daily-etl");
    try {
      writeFileSync(join(p.dir, "jobs", "check_freshness.py"), "import time\ntime.sleep(60)\n");
      const child = spawn(
        process.execPath,
        [
          join(repoRoot, "packages/cli/bin/wedata.js"),
          "run",
          "--cwd",
          p.dir,
          "--workflow",
          "hourly_monitor",
          "--no-typecheck",
        ],
        { env: { ...process.env, CI: "true", NO_COLOR: "1" } },
      );
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        if (/Running hourly_monitor/.test(out)) setTimeout(() => child.kill("SIGINT"), 800);
      });
      const started = Date.now();
      const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(code).toBe(130);
      expect(out).toMatch(/cancelled\s+hourly_monitor\/check_freshness/);
      expect(out).toMatch(/Run cancelled/);
      const [id] = runs(p.dir);
      expect(JSON.parse(readFileSync(join(p.dir, ".wedata", "runs", id!, "summary.json"), "utf8")).status).toBe(
        "cancelled",
      );
    } finally {
      p.cleanup();
    }
  }, 60_000);
});
