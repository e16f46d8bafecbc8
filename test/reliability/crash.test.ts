/**
 * Crash and resume: the deploy process is killed with SIGKILL at a random moment, then run again; the
 * final state is exact every time (nothing lost, nothing duplicated, nothing left to change).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "@wedata-kit/emulator";
import { repoRoot, seededRandom } from "../helpers.js";
import {
  cleanupDirs,
  cli,
  FULL,
  keepOutput,
  orderViolations,
  record,
  remoteTasks,
  suiteEmulator,
  suiteEnv,
  syntheticProject,
} from "./support.js";

const running: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  cleanupDirs();
});

const RUNS = FULL ? 20 : 3;
const TASKS = FULL ? 80 : 30;

function childEnv(emu: RunningEmulator): NodeJS.ProcessEnv {
  return { ...process.env, ...suiteEnv(emu.url) };
}

describe(`crash and resume: ${RUNS} deploys killed with SIGKILL at random moments`, () => {
  it("converges exactly on the re-run, every time", async () => {
    const random = seededRandom(12345);
    const { dir, keys } = await syntheticProject(TASKS, 4, 6);
    const killedAfterWrites: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const emu = await suiteEmulator({
        rateLimit: 40,
        faults: { seed: run, default: { latencyMs: { min: 10, max: 40 } } },
      });
      running.push(emu);
      const started = Date.now();
      const child = spawn(
        process.execPath,
        [
          join(repoRoot, "packages/cli/bin/wedata.js"),
          "deploy",
          "--cwd",
          dir,
          "--yes",
          "--no-typecheck",
          "--rate",
          "40",
        ],
        { env: childEnv(emu), stdio: ["ignore", "pipe", "pipe"] },
      );
      let printed = "";
      child.stdout!.on("data", (d: Buffer) => (printed += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (printed += d.toString()));
      // A random moment: from start-up (before any request) to the end of the apply.
      const delayMs = Math.floor(random() * 4000);
      while (Date.now() - started < delayMs && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      child.kill("SIGKILL");
      await new Promise((r) =>
        child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once("exit", r),
      );
      keepOutput(printed);
      killedAfterWrites.push(emu.log.filter((e) => /^(Create|Update|Submit|Delete)/.test(e.action)).length);
      // The re-run, without faults in the way, must finish the job exactly.
      const again = await cli(["deploy", "--cwd", dir, "--yes", "--no-typecheck", "--rate", "40"], emu.url);
      expect(again.code, `run ${run}: ${again.out.slice(-1500)}${again.err}`).toBe(0);
      const remote = await remoteTasks(emu);
      expect(remote.duplicates, `run ${run}`).toEqual([]);
      expect(remote.keys, `run ${run}`).toEqual(keys);
      expect(orderViolations(emu, remote.rows), `run ${run}`).toEqual([]);
      const plan = await cli(["plan", "--cwd", dir, "--no-typecheck", "--detailed-exitcode", "--rate", "40"], emu.url);
      expect(plan.code, `run ${run}, killed after ${killedAfterWrites.at(-1)} writes: ${plan.out.slice(-1500)}`).toBe(
        0,
      );
      await emu.stop();
      running.splice(running.indexOf(emu), 1);
      // Each run starts from nothing: the local read cache of the earlier emulator does not apply.
      const { rmSync } = await import("node:fs");
      rmSync(join(dir, ".wedata"), { recursive: true, force: true });
    }
    record("crash and resume", {
      "runs killed": RUNS,
      "runs converged": RUNS,
      "writes before the kills": killedAfterWrites.reduce((a, b) => a + b, 0),
      "duplicates found": 0,
    });
  }, 600_000);
});
