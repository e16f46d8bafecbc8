/**
 * wedata doctor against the emulator in its default behaviour and in behaviours a real service might
 * have: it detects each, exits non-zero where wedata-kit cannot work safely, and always removes its
 * scratch workflow.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorBehaviour, type RunningEmulator } from "@wedata-kit/emulator";
import { emulatorEnv, runCli } from "./cli.js";
import { copyExample } from "./helpers.js";
import { PROJECT, sdkClient } from "./sdk.js";

const running: RunningEmulator[] = [];
const dirs: Array<{ cleanup: () => void }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  for (const d of dirs.splice(0)) d.cleanup();
});

async function doctor(behaviour?: EmulatorBehaviour) {
  const emu = await startEmulator({ ...(behaviour && { behaviour }) });
  running.push(emu);
  const p = copyExample("daily-etl");
  dirs.push(p);
  const r = await runCli(["doctor", "--cwd", p.dir], emulatorEnv(emu.url));
  const c = sdkClient(emu);
  const left = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, PageSize: 200 })).Data!.Items!.map((w) => w.WorkflowName);
  const tasks = (await c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 200 })).Data!.TotalCount;
  return { ...r, left, tasks };
}

describe("wedata doctor", () => {
  it("passes on the documented behaviour, and leaves nothing behind", async () => {
    const r = await doctor();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/ok\s+a second task of the same name in a workflow is refused[\s\S]*observed: 1 task\(s\)/);
    expect(r.out).toMatch(/the error a duplicate task name gets[\s\S]*observed: InvalidParameter\.DuplicateName/);
    expect(r.out).toMatch(/ok\s+a custom extension key \(wedata-kit\.project/);
    expect(r.out).toMatch(/The scratch workflow and its tasks were removed/);
    expect(r.left).toEqual([]);
    expect(r.tasks).toBe(0);
  });

  it("detects a service that creates two tasks of the same name (the lock cannot hold there), and exits 1", async () => {
    const r = await doctor({ duplicateTaskNames: "allow" });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL a second task of the same name[\s\S]*observed: 2 task\(s\)[\s\S]*the deploy lock cannot keep two deployers apart on this target/);
    expect(r.left).toEqual([]);
    expect(r.tasks).toBe(0);
  });

  it("reports the code a duplicate really gets, and a service that drops custom extension keys", async () => {
    const r = await doctor({ duplicateCode: "FailedOperation", dropUnknownExtKeys: true });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/the error a duplicate task name gets[\s\S]*observed: FailedOperation/);
    expect(r.out).toMatch(/FAIL a custom extension key[\s\S]*observed: \(dropped\)/);
    expect(r.left).toEqual([]);
  });
});
