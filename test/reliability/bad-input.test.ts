/**
 * Bad input corpus: malformed projects, config files, credentials and endpoints. Each gets its own
 * specific error, exit code 1, and sends no request (the wrong-key case can only be told by the
 * service: it sends one read and writes nothing).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
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
  record("bad input", { cases: CASES.length, "requests sent": sent });
  cleanupDirs();
});
let sent = 0;

const config = (targets = `{ dev: { projectId: "${PROJECT}", region: "ap-guangzhou" } }`, extra = "") =>
  `import { defineConfig } from "@wedata-kit/dsl";\nexport default defineConfig({ pipelines: ["pipeline.ts"], ` +
  `targets: ${targets}${extra} });\n`;
const OK_PIPELINE = `${H}export const w = workflow("w", { folder: "/f" }).tasks(task("a").shell("jobs/ok.sh"));\n`;

interface Case {
  name: string;
  files: Record<string, string>;
  error: RegExp;
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Only the wrong key: the service is asked once, and nothing is written. */
  oneRead?: boolean;
  /** Environment that depends on the project folder (a HOME holding a credentials file). */
  envFor?: (dir: string) => Record<string, string | undefined>;
  /** Paths (relative to the project) that must not exist afterwards: no silent fall-back left traces. */
  absent?: string[];
}

/** No credentials, no endpoint: what a user who meant the cloud but broke a credential source has. */
const NO_CREDENTIALS = {
  WEDATA_ENDPOINT: undefined,
  TENCENTCLOUD_SECRET_ID: undefined,
  TENCENTCLOUD_SECRET_KEY: undefined,
  TENCENTCLOUD_SESSION_TOKEN: undefined,
};
const homeIn = (dir: string) => ({ ...NO_CREDENTIALS, HOME: `${dir}/home` });
const TWO_TARGETS =
  `{ dev: { projectId: "${PROJECT}", region: "ap-guangzhou" }, prod: { projectId: ` +
  `"1460947878944567296", region: "ap-guangzhou" } }`;
const HASH = "0".repeat(64);
const savedPlan = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: 1,
    createdAt: "2026-11-29T00:00:00.000Z",
    target: { name: "prod", projectId: "1460947878944567296", region: "ap-guangzhou" },
    prune: false,
    submit: true,
    inputsHash: HASH,
    remoteHash: HASH,
    planHash: HASH,
    plan: { version: 1, folders: [], workflows: [], tasks: [] },
    ...over,
  });
const MANY_MISTAKES = `${H}const a = task("a").shell("jobs/ok.sh").retry(-1);
const b = task("b").shell("jobs/ok.sh").priority("urgent" as never);
const c = task("c").shell("jobs/ok.sh").timeout(0);
export const w = workflow("w", { folder: "/f", maxConcurrentRuns: 0 }).tasks(a, b, c);
`;

const CASES: Case[] = [
  // Every pipeline mistake the compiler knows, through the CLI.
  ...BAD_PIPELINES.map(
    (c): Case => ({
      name: c.name,
      files: {
        "wedata.config.ts": config(),
        "pipeline.ts": `${H}${c.src}\n`,
        "jobs/ok.sh": "echo ok\n",
        "jobs/keep": "",
        ...c.files,
      },
      error: new RegExp(`pipeline\\.ts:\\d+:\\d+ error\\[${c.code}\\]`),
      ...(c.typecheck ? {} : { args: ["--no-typecheck"] }),
    }),
  ),
  {
    name: "syntax error in a pipeline file",
    files: { "wedata.config.ts": config(), "pipeline.ts": `${H}const a = task("a").shell("x";\n` },
    error: /pipeline\.ts:2:\d+ error\[E_TS1005\]/,
  },
  {
    name: "syntax error in the config",
    files: { "wedata.config.ts": `export default {\n  pipelines: [\n`, "pipeline.ts": OK_PIPELINE },
    error: /error\[E_LOAD\].*wedata\.config\.ts/s,
  },
  {
    name: "no config file",
    files: { "pipeline.ts": OK_PIPELINE },
    error: /error\[E_NO_CONFIG\]: no wedata\.config\.ts/,
  },
  {
    name: "config without a default export",
    files: { "wedata.config.ts": `export const x = 1;\n`, "pipeline.ts": OK_PIPELINE },
    error: /error\[E_CONFIG\].*default export/,
  },
  {
    name: "pipelines is not a list",
    files: {
      "wedata.config.ts":
        `export default { pipelines: "pipeline.ts", targets: { dev: { projectId: "1", region: ` +
        `"ap-guangzhou" } } };\n`,
      "pipeline.ts": OK_PIPELINE,
    },
    error: /error\[E_CONFIG\].*pipelines/,
  },
  {
    name: "unknown config key",
    files: { "wedata.config.ts": config(undefined, ", pipeline: []"), "pipeline.ts": OK_PIPELINE },
    error: /error\[E_CONFIG\].*pipeline/,
  },
  {
    name: "no targets",
    files: { "wedata.config.ts": config("{}"), "pipeline.ts": OK_PIPELINE },
    error: /error\[E_CONFIG\].*at least one target/,
  },
  {
    name: "projectId that is not a number",
    files: {
      "wedata.config.ts": config(`{ dev: { projectId: "abc", region: "ap-guangzhou" } }`),
      "pipeline.ts": OK_PIPELINE,
    },
    error: /error\[E_CONFIG\].*projectId/,
  },
  {
    name: "malformed region",
    files: {
      "wedata.config.ts": config(`{ dev: { projectId: "1", region: "Guangzhou" } }`),
      "pipeline.ts": OK_PIPELINE,
    },
    error: /error\[E_CONFIG\].*region/,
  },
  {
    name: "endpoint that is not a URL",
    files: {
      "wedata.config.ts": config(`{ dev: { projectId: "1", region: "ap-guangzhou", endpoint: "localhost 9460" } }`),
      "pipeline.ts": OK_PIPELINE,
    },
    error: /error\[E_CONFIG\].*endpoint/,
    env: { WEDATA_ENDPOINT: undefined },
  },
  {
    name: "unknown defaultTarget",
    files: { "wedata.config.ts": config(undefined, `, defaultTarget: "prod"`), "pipeline.ts": OK_PIPELINE },
    error: /error\[E_CONFIG\].*defaultTarget "prod"/,
  },
  {
    name: "unknown --target",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /error\[E_TARGET\].*unknown target "prod"/,
    args: ["--target", "prod"],
  },
  { name: "listed pipeline file missing", files: { "wedata.config.ts": config() }, error: /error\[E_NO_PIPELINE\]/ },
  {
    name: "huge code file",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "x".repeat(5 * 1024 * 1024 + 1) },
    error: /error\[E_CODE_TOO_LARGE\]/,
    args: ["--no-typecheck"],
  },
  {
    name: "shell injection in a task name",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts":
        `${H}export const w = workflow("w", { folder: "/f" }).tasks(task("a; rm -rf /").shell({ inline: ` +
        `"x" }));\n`,
    },
    error: /error\[E_TASK_NAME\]/,
    args: ["--no-typecheck"],
  },
  {
    name: "command substitution in a task name",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts":
        `${H}export const w = workflow("w", { folder: "/f" }).tasks(task("$(whoami)").shell({ inline: ` + `"x" }));\n`,
    },
    error: /error\[E_TASK_NAME\]/,
    args: ["--no-typecheck"],
  },
  {
    name: "markup in a workflow name",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts":
        `${H}export const w = workflow("<script>alert(1)</script>", { folder: "/f" ` +
        `}).tasks(task("a").shell({ inline: "x" }));\n`,
    },
    error: /error\[E_WORKFLOW_NAME\]/,
    args: ["--no-typecheck"],
  },
  {
    name: "path traversal in a folder",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts":
        `${H}export const w = workflow("w", { folder: "/a/../../etc" }).tasks(task("a").shell({ inline: ` +
        `"x" }));\n`,
    },
    error: /error\[E_FOLDER_PATH\]/,
    args: ["--no-typecheck"],
  },
  {
    name: "path traversal in a code path",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts":
        `${H}export const w = workflow("w", { folder: "/f" ` +
        `}).tasks(task("a").shell("jobs/../../../../etc/passwd"));\n`,
    },
    error: /error\[E_CODE_OUTSIDE_ROOT\]/,
    args: ["--no-typecheck"],
  },
  {
    name: "NUL byte in a code path",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts":
        `${H}export const w = workflow("w", { folder: "/f" ` + `}).tasks(task("a").shell("jobs/ok.sh\\u0000.txt"));\n`,
      "jobs/ok.sh": "echo\n",
    },
    error: /error\[E_CODE_(UNREADABLE|MISSING)\]/,
    args: ["--no-typecheck"],
  },
  {
    name: "secret id without a secret key",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /TENCENTCLOUD_SECRET_ID is set but TENCENTCLOUD_SECRET_KEY is empty or missing/,
    env: { TENCENTCLOUD_SECRET_ID: "AKIDnotarealkey0000000000000000000000", TENCENTCLOUD_SECRET_KEY: undefined },
    args: ["--no-typecheck"],
  },
  {
    name: "secret key with white space",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /TENCENTCLOUD_SECRET_KEY in the environment contains white space/,
    env: { TENCENTCLOUD_SECRET_ID: "AKIDnotarealkey0000000000000000000000", TENCENTCLOUD_SECRET_KEY: "abc def" },
    args: ["--no-typecheck"],
  },
  {
    name: "wrong secret key",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /AuthFailure/,
    env: {
      TENCENTCLOUD_SECRET_ID: "AKIDwedatakitLocalEmulator0000000000",
      TENCENTCLOUD_SECRET_KEY: "not-the-key-0000000000000000000000",
    },
    args: ["--no-typecheck"],
    oneRead: true,
  },
  {
    name: "endpoint that is not http(s)",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /WEDATA_ENDPOINT must be an http\(s\) URL/,
    env: { WEDATA_ENDPOINT: "ftp://127.0.0.1:21" },
    args: ["--no-typecheck"],
  },
  {
    name: "endpoint with a password in it",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /without user or password.*\/\/\*\*\*@/,
    env: { WEDATA_ENDPOINT: "http://user:hunter2@127.0.0.1:1" },
    args: ["--no-typecheck"],
  },
  {
    name: "endpoint where nothing listens",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /connection refused: nothing is listening at 127\.0\.0\.1:9/,
    env: { WEDATA_ENDPOINT: "http://127.0.0.1:9" },
    args: ["--no-typecheck", "--retries", "1"],
  },
  // Careless input: each accepted or crashed before; now its own error.
  {
    name: "retry(NaN) says NaN",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts":
        `${H}export const w = workflow("w", { folder: "/f" ` +
        `}).tasks(task("a").shell("jobs/ok.sh").retry(Number.NaN));\n`,
      "jobs/ok.sh": "echo\n",
    },
    error: /error\[E_RANGE\]: retry count \(MaxRetryNumber\) must be an integer from 0 to 99, got NaN/,
    args: ["--no-typecheck"],
  },
  {
    name: "every builder mistake of a file at once",
    files: { "wedata.config.ts": config(), "pipeline.ts": MANY_MISTAKES, "jobs/ok.sh": "echo\n" },
    error: new RegExp(
      String.raw`pipeline\.ts:2:\d+ error\[E_RANGE\][\s\S]*pipeline\.ts:3:\d+ error\[E_ENUM\][\s\S]*pipel` +
        String.raw`ine\.ts:4:\d+ error\[E_RANGE\][\s\S]*pipeline\.ts:5:\d+ error\[E_RANGE\][\s\S]*4 problems`,
    ),
    args: ["--no-typecheck"],
  },
  {
    name: "process.exit(0) in a pipeline file",
    files: { "wedata.config.ts": config(), "pipeline.ts": `${OK_PIPELINE}process.exit(0);\n`, "jobs/ok.sh": "echo\n" },
    error:
      /pipeline\.ts:\d+:\d+ error\[E_LOAD\]: loading .*pipeline\.ts failed: it called process\.exit\(0\) while loading/,
    args: ["--no-typecheck"],
  },
  {
    name: "process.exit() in the config",
    files: { "wedata.config.ts": `${config()}process.exit();\n`, "pipeline.ts": OK_PIPELINE },
    error: /error\[E_LOAD\]: loading .*wedata\.config\.ts failed: it called process\.exit\(\) while loading/,
  },
  {
    name: "a syntax error in the config says config",
    files: { "wedata.config.ts": `${config()}export const x = ;\n`, "pipeline.ts": OK_PIPELINE },
    error: /error\[E_LOAD\]: loading the config .*wedata\.config\.ts failed/,
  },
  {
    name: "a folder listed in pipelines",
    files: { "wedata.config.ts": config().replace('["pipeline.ts"]', '["jobs"]'), "jobs/ok.sh": "echo\n" },
    error: /error\[E_NO_PIPELINE\]: jobs listed in pipelines of wedata\.config\.ts is a folder/,
  },
  {
    name: "the same pipeline file listed twice",
    files: {
      "wedata.config.ts": config().replace('["pipeline.ts"]', '["pipeline.ts", "./pipeline.ts"]'),
      "pipeline.ts": OK_PIPELINE,
    },
    error: /error\[E_CONFIG\]: wedata\.config\.ts: pipelines lists pipeline\.ts more than once/,
  },
  {
    name: "an empty project name (the ownership mark)",
    files: { "wedata.config.ts": config(undefined, ', name: ""'), "pipeline.ts": OK_PIPELINE },
    error: /error\[E_CONFIG\].*name: name is the ownership mark/,
  },
  {
    name: "a project name that is not a name",
    files: { "wedata.config.ts": config(undefined, ', name: "a/../b"'), "pipeline.ts": OK_PIPELINE },
    error: /error\[E_CONFIG\].*name may hold letters, digits/,
  },
  {
    name: "a 100,000-digit project id",
    files: {
      "wedata.config.ts": config(`{ dev: { projectId: "${"9".repeat(100_000)}", region: "ap-guangzhou" } }`),
      "pipeline.ts": OK_PIPELINE,
    },
    error: /error\[E_CONFIG\].*projectId is the numeric ProjectId \(at most 20 digits\)/,
  },
  {
    name: "a target name climbing out of .wedata",
    files: {
      "wedata.config.ts": config(`{ "../../../elsewhere/x": { projectId: "${PROJECT}", region: "ap-guangzhou" } }`),
      "pipeline.ts": OK_PIPELINE,
    },
    error: /error\[E_CONFIG\].*target names may hold letters, digits/,
  },
  // Credentials: a source that exists but cannot be used is an error, never the embedded emulator.
  {
    name: "a credentials file that cannot be parsed",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts": OK_PIPELINE,
      "jobs/ok.sh": "echo\n",
      "home/.tencentcloud/credentials": "this is { not ini\n",
    },
    envFor: homeIn,
    error: /home\/\.tencentcloud\/credentials:1 cannot be parsed/,
    args: ["--no-typecheck"],
    absent: [".wedata"],
  },
  {
    name: "a credentials file without [default]",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts": OK_PIPELINE,
      "jobs/ok.sh": "echo\n",
      "home/.tencentcloud/credentials": "[other]\nsecret_id = AKIDx\nsecret_key = y\n",
    },
    envFor: homeIn,
    error: /has no \[default\] section with secret_id and secret_key/,
    args: ["--no-typecheck"],
    absent: [".wedata"],
  },
  {
    name: "a credentials file with a spaced key",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts": OK_PIPELINE,
      "jobs/ok.sh": "echo\n",
      "home/.tencentcloud/credentials": "[default]\nsecret_id = AKIDabc\nsecret_key = ab cd\n",
    },
    envFor: homeIn,
    error: /secret_key in .*credentials contains white space/,
    args: ["--no-typecheck"],
    absent: [".wedata"],
  },
  {
    name: "a secret id with a trailing newline",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /TENCENTCLOUD_SECRET_ID in the environment contains a line break/,
    env: { TENCENTCLOUD_SECRET_ID: "AKIDnotarealkey0000000000000000000000\n", TENCENTCLOUD_SECRET_KEY: "k" },
    args: ["--no-typecheck"],
  },
  {
    name: "a secret key with a trailing newline",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /TENCENTCLOUD_SECRET_KEY in the environment contains a line break/,
    env: { TENCENTCLOUD_SECRET_ID: "AKIDnotarealkey0000000000000000000000", TENCENTCLOUD_SECRET_KEY: "key\r\n" },
    args: ["--no-typecheck"],
  },
  {
    name: "a session token without a key pair",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error:
      /TENCENTCLOUD_SESSION_TOKEN is set but TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY is empty or missing/,
    env: { ...NO_CREDENTIALS, TENCENTCLOUD_SESSION_TOKEN: "tok" },
    args: ["--no-typecheck"],
    absent: [".wedata"],
  },
  {
    name: "an endpoint with a path",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /WEDATA_ENDPOINT must name only a scheme, host and port.*path, query or fragment/,
    env: { WEDATA_ENDPOINT: "http://127.0.0.1:9460/v2/wedata" },
    args: ["--no-typecheck"],
  },
  {
    name: "an endpoint with a query",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /must name only a scheme, host and port/,
    env: { WEDATA_ENDPOINT: "http://127.0.0.1:9460?x=1" },
    args: ["--no-typecheck"],
  },
  // Saved plans: validated, and never overridden by a flag in either direction.
  {
    name: "a saved plan file holding null",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n", "plan.json": "null" },
    error: /plan\.json is not a valid plan file/,
    args: ["--no-typecheck", "--plan", "PLAN"],
  },
  {
    name: "a saved plan file that is not JSON",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n", "plan.json": "{ nope" },
    error: /plan\.json is not a plan file: it is not JSON/,
    args: ["--no-typecheck", "--plan", "PLAN"],
  },
  {
    name: "a saved plan of another version",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts": OK_PIPELINE,
      "jobs/ok.sh": "echo\n",
      "plan.json": savedPlan({ version: 9 }),
    },
    error: /plan file of version 9/,
    args: ["--no-typecheck", "--plan", "PLAN"],
  },
  {
    name: "a plan for prod applied with --target dev",
    files: {
      "wedata.config.ts": config(TWO_TARGETS),
      "pipeline.ts": OK_PIPELINE,
      "jobs/ok.sh": "echo\n",
      "plan.json": savedPlan(),
    },
    error: /conflicts with the saved plan: --target dev \(the plan is for target prod/,
    args: ["--no-typecheck", "--plan", "PLAN", "--target", "dev"],
  },
  {
    name: "a plan made without --prune applied with --prune",
    files: {
      "wedata.config.ts": config(TWO_TARGETS),
      "pipeline.ts": OK_PIPELINE,
      "jobs/ok.sh": "echo\n",
      "plan.json": savedPlan(),
    },
    error: /conflicts with the saved plan: --prune \(the plan was made without --prune\)/,
    args: ["--no-typecheck", "--plan", "PLAN", "--prune"],
  },
  {
    name: "a plan made to submit applied with --no-submit",
    files: {
      "wedata.config.ts": config(TWO_TARGETS),
      "pipeline.ts": OK_PIPELINE,
      "jobs/ok.sh": "echo\n",
      "plan.json": savedPlan(),
    },
    error: /conflicts with the saved plan: --no-submit/,
    args: ["--no-typecheck", "--plan", "PLAN", "--no-submit"],
  },
  {
    name: "an unset env() secret: the hint keeps the variable's name",
    files: {
      "wedata.config.ts": config(),
      "pipeline.ts":
        `${H.replace("import {", "import { env,")}export const w = workflow("w", { folder: "/f" ` +
        `}).tasks(task("a").shell("jobs/ok.sh").schedulingParams({ pw: env("WEDATA_DB_PASSWORD_UNSET_X") }));\n`,
      "jobs/ok.sh": "echo\n",
    },
    error: new RegExp(
      String.raw`error\[E_ENV_MISSING\]: environment variable WEDATA_DB_PASSWORD_UNSET_X is not set\n\s+hint:` +
        String.raw` set WEDATA_DB_PASSWORD_UNSET_X \(locally, or as a CI secret\) before compiling or deploying`,
    ),
    args: ["--no-typecheck"],
    env: { WEDATA_DB_PASSWORD_UNSET_X: undefined },
  },
  {
    name: "a rate of zero",
    files: { "wedata.config.ts": config(), "pipeline.ts": OK_PIPELINE, "jobs/ok.sh": "echo\n" },
    error: /--rate/,
    args: ["--rate", "0"],
  },
];

describe(`bad input corpus (${CASES.length} cases): a specific error, exit 1, no request`, () => {
  it("has at least 40 cases", () => expect(CASES.length).toBeGreaterThanOrEqual(40));
  it.each(CASES)("$name", async (c) => {
    const p = tempProject(c.files);
    try {
      emu.clearLog();
      const args = (c.args ?? []).map((a) => (a === "PLAN" ? join(p.dir, "plan.json") : a));
      const r = await cli(["deploy", "--cwd", p.dir, "--yes", ...args], emu.url, { ...c.env, ...c.envFor?.(p.dir) });
      expect(r.code, r.out + r.err).toBe(1);
      expect(r.err, r.out).toMatch(c.error);
      for (const a of c.absent ?? []) expect(existsSync(join(p.dir, a)), `${a} was created`).toBe(false);
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
