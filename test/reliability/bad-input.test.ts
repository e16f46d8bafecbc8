/**
 * Bad input corpus: malformed projects, config files, credentials and endpoints. Each gets its own
 * specific error, exit code 1, and sends no request (the wrong-key case can only be told by the
 * service: it sends one read and writes nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "@wedata-kit/emulator";
import { BAD_PIPELINES, H } from "../fixtures/bad-pipelines.js";
import { tempProject } from "../helpers.js";
import { PROJECT } from "../sdk.js";
import { cleanupDirs, cli, record, suiteEmulator } from "./support.js";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await suiteEmulator();
});
afterAll(async () => {
  await emu.stop();
  record("bad input", { "cases": CASES.length, "requests sent": sent });
  cleanupDirs();
});
let sent = 0;

const config = (targets = `{ dev: { projectId: "${PROJECT}", region: "ap-guangzhou" } }`, extra = "") =>
  `import { defineConfig } from "@wedata-kit/dsl";\nexport default defineConfig({ pipelines: ["pipeline.ts"], targets: ${targets}${extra} });\n`;
const OK_PIPELINE = `${H}export const w = workflow("w", { folder: "/f" }).tasks(task("a").shell("jobs/ok.sh"));\n`;

interface Case {
  name: string;
  files: Record<string, string>;
  error: RegExp;
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Only the wrong key: the service is asked once, and nothing is written. */
  oneRead?: boolean;
}

const CASES: Case[] = [
  // Every pipeline mistake the compiler knows, through the CLI.
  ...BAD_PIPELINES.map((c): Case => ({
    name: c.name,
    files: { "wedata.config.ts": config(), "pipeline.ts": `${H}${c.src}\n`, "jobs/ok.sh": "echo ok\n", "jobs/keep": "", ...c.files },
    error: new RegExp(`pipeline\\.ts:\\d+:\\d+ error\\[${c.code}\\]`),
    ...(c.typecheck ? {} : { args: ["--no-typecheck"] }),
  })),
  { name: "syntax error in a pipeline file", files: { "wedata.config.ts": config(), "pipeline.ts": `${H}const a = task("a").shell("x";\n` }, error: /pipeline\.ts:2:\d+ error\[E_TS1005\]/ },
  { name: "syntax error in the config", files: { "wedata.config.ts": `export default {\n  pipelines: [\n`, "pipeline.ts": OK_PIPELINE }, error: /error\[E_LOAD\].*wedata\.config\.ts/s },
  { name: "no config file", files: { "pipeline.ts": OK_PIPELINE }, error: /error\[E_NO_CONFIG\]: no wedata\.config\.ts/ },
  { name: "config without a default export", files: { "wedata.config.ts": `export const x = 1;\n`, "pipeline.ts": OK_PIPELINE }, error: /error\[E_CONFIG\].*default export/ },
  { name: "pipelines is not a list", files: { "wedata.config.ts": `export default { pipelines: "pipeline.ts", targets: { dev: { projectId: "1", region: "ap-guangzhou" } } };\n`, "pipeline.ts": OK_PIPELINE }, error: /error\[E_CONFIG\].*pipelines/ },
  { name: "unknown config key", files: { "wedata.config.ts": config(undefined, ", pipeline: []"), "pipeline.ts": OK_PIPELINE }, error: /error\[E_CONFIG\].*pipeline/ },
  { name: "no targets", files: { "wedata.config.ts": config("{}"), "pipeline.ts": OK_PIPELINE }, error: /error\[E_CONFIG\].*at least one target/ },
  { name: "projectId that is not a number", files: { "wedata.config.ts": config(`{ dev: { projectId: "abc", region: "ap-guangzhou" } }`), "pipeline.ts": OK_PIPELINE }, error: /error\[E_CONFIG\].*projectId/ },
  { name: "malformed region", files: { "wedata.config.ts": config(`{ dev: { projectId: "1", region: "Guangzhou" } }`), "pipeline.ts": OK_PIPELINE }, error: /error\[E_CONFIG\].*region/ },
  { name: "endpoint that is not a URL", files: { "wedata.config.ts": config(`{ dev: { projectId: "1", region: "ap-guangzhou", endpoint: "localhost 9460" } }`), "pipeline.ts": OK_PIPELINE }, error: /error\[E_CONFIG\].*endpoint/, env: { WEDATA_ENDPOINT: undefined } },
  { name: "unknown defaultTarget", files: { "wedata.config.ts": config(undefined, `, defaultTarget: "prod"`), "pipeline.ts": OK_PIPELINE }, error: /error\[E_CONFIG\].*defaultTarget "prod"/ },
  { name: "unknown --target", files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" }, error: /error\[E_TARGET\].*unknown target "prod"/, args: ["--target", "prod"] },
  { name: "listed pipeline file missing", files: { "wedata.config.ts": config() }, error: /error\[E_NO_PIPELINE\]/ },
  { name: "huge code file", files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "x".repeat(5 * 1024 * 1024 + 1) }, error: /error\[E_CODE_TOO_LARGE\]/, args: ["--no-typecheck"] },
  { name: "shell injection in a task name", files: { "wedata.config.ts": config(), "pipeline.ts": `${H}export const w = workflow("w", { folder: "/f" }).tasks(task("a; rm -rf /").shell({ inline: "x" }));\n` }, error: /error\[E_TASK_NAME\]/, args: ["--no-typecheck"] },
  { name: "command substitution in a task name", files: { "wedata.config.ts": config(), "pipeline.ts": `${H}export const w = workflow("w", { folder: "/f" }).tasks(task("$(whoami)").shell({ inline: "x" }));\n` }, error: /error\[E_TASK_NAME\]/, args: ["--no-typecheck"] },
  { name: "markup in a workflow name", files: { "wedata.config.ts": config(), "pipeline.ts": `${H}export const w = workflow("<script>alert(1)</script>", { folder: "/f" }).tasks(task("a").shell({ inline: "x" }));\n` }, error: /error\[E_WORKFLOW_NAME\]/, args: ["--no-typecheck"] },
  { name: "path traversal in a folder", files: { "wedata.config.ts": config(), "pipeline.ts": `${H}export const w = workflow("w", { folder: "/a/../../etc" }).tasks(task("a").shell({ inline: "x" }));\n` }, error: /error\[E_FOLDER_PATH\]/, args: ["--no-typecheck"] },
  { name: "path traversal in a code path", files: { "wedata.config.ts": config(), "pipeline.ts": `${H}export const w = workflow("w", { folder: "/f" }).tasks(task("a").shell("jobs/../../../../etc/passwd"));\n` }, error: /error\[E_CODE_OUTSIDE_ROOT\]/, args: ["--no-typecheck"] },
  { name: "NUL byte in a code path", files: { "wedata.config.ts": config(), "pipeline.ts": `${H}export const w = workflow("w", { folder: "/f" }).tasks(task("a").shell("jobs/ok.sh\\u0000.txt"));\n`, "jobs/ok.sh": "echo\n" }, error: /error\[E_CODE_(UNREADABLE|MISSING)\]/, args: ["--no-typecheck"] },
  { name: "secret id without a secret key", files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" }, error: /TENCENTCLOUD_SECRET_ID is set but TENCENTCLOUD_SECRET_KEY is empty or missing/, env: { TENCENTCLOUD_SECRET_ID: "AKIDnotarealkey0000000000000000000000", TENCENTCLOUD_SECRET_KEY: undefined }, args: ["--no-typecheck"] },
  { name: "secret key with white space", files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" }, error: /white space found inside the key pair/, env: { TENCENTCLOUD_SECRET_ID: "AKIDnotarealkey0000000000000000000000", TENCENTCLOUD_SECRET_KEY: "abc def" }, args: ["--no-typecheck"] },
  { name: "wrong secret key", files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" }, error: /AuthFailure/, env: { TENCENTCLOUD_SECRET_ID: "AKIDwedatakitLocalEmulator0000000000", TENCENTCLOUD_SECRET_KEY: "not-the-key-0000000000000000000000" }, args: ["--no-typecheck"], oneRead: true },
  { name: "endpoint that is not http(s)", files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" }, error: /WEDATA_ENDPOINT must be an http\(s\) URL/, env: { WEDATA_ENDPOINT: "ftp://127.0.0.1:21" }, args: ["--no-typecheck"] },
  { name: "endpoint with a password in it", files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" }, error: /without user or password.*\/\/\*\*\*@/, env: { WEDATA_ENDPOINT: "http://user:hunter2@127.0.0.1:1" }, args: ["--no-typecheck"] },
  { name: "endpoint where nothing listens", files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" }, error: /connection refused: nothing is listening at 127\.0\.0\.1:9/, env: { WEDATA_ENDPOINT: "http://127.0.0.1:9" }, args: ["--no-typecheck", "--retries", "1"] },
  { name: "a rate of zero", files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" }, error: /--rate/, args: ["--rate", "0"] },
];

describe(`bad input corpus (${CASES.length} cases): a specific error, exit 1, no request`, () => {
  it("has at least 40 cases", () => expect(CASES.length).toBeGreaterThanOrEqual(40));
  it.each(CASES)("$name", async (c) => {
    const p = tempProject(c.files);
    try {
      emu.clearLog();
      const r = await cli(["deploy", "--cwd", p.dir, "--yes", ...(c.args ?? [])], emu.url, c.env);
      expect(r.code, r.out + r.err).toBe(1);
      expect(r.err, r.out).toMatch(c.error);
      sent += emu.log.length;
      if (c.oneRead) {
        expect(emu.log.map((e) => e.action)).toEqual(["ListTriggerWorkflows"]);
        sent -= emu.log.length;
      } else expect(emu.log).toEqual([]);
    } finally {
      p.cleanup();
    }
  });
});
