/**
 * Fault matrix: a deploy converges through every fault the emulator injects, alone and together, with
 * exactly the declared tasks, no duplicates, and no task created before its upstreams.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { FaultConfig, RunningEmulator } from "@wedata-kit/emulator";
import {
  cleanupDirs,
  cli,
  FULL,
  orderViolations,
  record,
  remoteTasks,
  suiteEmulator,
  syntheticProject,
} from "./support.js";

const running: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  cleanupDirs();
});

const TASKS = FULL ? 300 : 40;
const RATE = FULL ? 20 : 50;
const SPIKE_MS = FULL ? 1500 : 400;
const CASES: Array<[string, FaultConfig["default"]]> = [
  ["InternalError 10%", { errors: { InternalError: 0.1 } }],
  ["throttling 30%", { errors: { RequestLimitExceeded: 0.3 } }],
  ["connection resets 5%", { resetRate: 0.05 }],
  ["committed, then the response lost 5%", { lostResponseRate: 0.05 }],
  [`latency spikes up to ${SPIKE_MS} ms`, { latencyMs: { min: 0, max: SPIKE_MS } }],
  ["Data.Status false 30% on updates, submits and deletes", { statusFalseRate: 0.3 }],
  [
    "all of them together",
    {
      errors: { InternalError: 0.1, RequestLimitExceeded: 0.3 },
      resetRate: 0.05,
      lostResponseRate: 0.05,
      latencyMs: { min: 0, max: SPIKE_MS },
    },
  ],
];

describe(`fault matrix: ${TASKS} tasks`, () => {
  it.each(CASES)(
    "converges under %s",
    async (name, rule) => {
      const workflows = FULL ? 10 : 4;
      const { dir, keys } = await syntheticProject(TASKS, workflows, 5);
      // Deterministic convergence: no request is faulted more than 3 times (the deployer tries 10), and the
      // client runs at half the server's limit, so a loaded machine's late timers cannot add real throttling.
      const emu = await suiteEmulator({
        rateLimit: RATE,
        faults: { seed: TASKS + name.length, default: { ...rule!, maxFaultsPerRequest: 3 } },
      });
      running.push(emu);
      const r = await cli(["deploy", "--cwd", dir, "--yes", "--no-typecheck", "--rate", String(RATE / 2)], emu.url);
      expect(r.code, r.out.slice(-3000) + r.err).toBe(0);
      // A create whose answer was lost is found by name and adopted, not created twice.
      const summary = /(\d+) created, 0 updated, 0 deleted, (\d+) submitted, (?:\d+ adopted, )?0 failed/.exec(r.out);
      expect(summary, r.out.slice(-2000)).not.toBeNull();
      expect(Number(summary![2])).toBe(TASKS);
      expect(Number(summary![1])).toBeLessThanOrEqual(TASKS + workflows);
      emu.setFaults({});
      const remote = await remoteTasks(emu);
      expect(remote.duplicates).toEqual([]);
      expect(remote.keys).toEqual(keys);
      expect(orderViolations(emu, remote.rows)).toEqual([]);
      const injected = emu.log.filter((e) => e.outcome !== "ok").length;
      const plan = await cli(
        ["plan", "--cwd", dir, "--no-typecheck", "--detailed-exitcode", "--rate", String(RATE / 2)],
        emu.url,
      );
      expect(plan.code, plan.out).toBe(0);
      record("faults", {
        "deploys converged": 1,
        "faults survived": injected,
        "duplicates found": remote.duplicates.length,
      });
    },
    300_000,
  );
});
