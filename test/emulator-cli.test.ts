/** `wedata emulator` in its own process: where it listens, and the warning when that is beyond loopback. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./helpers.js";

/** Start the command, wait for its "listening" line, stop it; returns what it printed. */
function run(args: string[]): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, "packages/cli/bin/wedata.js"), "emulator", "--port", "0", ...args],
      { env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined } },
    );
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => (child.kill("SIGKILL"), reject(new Error(`no listening line: ${out} ${err}`))),
      30_000,
    );
    child.stdout.on("data", (d) => {
      out += d;
      if (/listening on/.test(out)) child.kill("SIGINT");
    });
    child.stderr.on("data", (d) => (err += String(d).replace(/\x1b\[[0-9;]*m/g, "")));
    child.on("exit", () => (clearTimeout(timer), resolve({ out, err })));
  });
}

describe("wedata emulator", () => {
  it("listens on 127.0.0.1 by default, without a warning", async () => {
    const r = await run([]);
    expect(r.out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(r.err).not.toMatch(/warning/);
  });
  it("warns when --host exposes it beyond this machine", async () => {
    const r = await run(["--host", "0.0.0.0"]);
    expect(r.out).toMatch(/listening on http:\/\/0\.0\.0\.0:\d+/);
    expect(r.err).toMatch(/warning: binding the emulator to 0\.0\.0\.0 exposes it beyond this machine/);
  });
});
