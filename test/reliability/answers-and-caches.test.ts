/**
 * Server answers and local caches are input: a server that claims a billion pages, a cache entry whose
 * content was altered, a cache that is `{}` or `null`, and secrets that must never reach a cache.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "@wedata-kit/emulator";
import { copyExample } from "../helpers.js";
import { cleanupDirs, cli, dropDeployState, record, suiteEmulator } from "./support.js";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await suiteEmulator();
});
afterAll(async () => {
  await emu.stop();
  cleanupDirs();
});

/** A server that answers every call with `answer(action)`, counting the calls. */
async function lyingServer(answer: (action: string) => unknown) {
  let calls = 0;
  const server = createServer((req, res) => {
    calls++;
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({ Response: { ...(answer(String(req.headers["x-tc-action"])) as object), RequestId: "r" } }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const cacheFiles = (dir: string) =>
  readdirSync(join(dir, ".wedata", "state")).map((f) => join(dir, ".wedata", "state", f));

describe("server answers are bounded by what is plausible", () => {
  it.each([
    [
      "TotalPageNumber 1e9 for 3 items",
      { Items: [], TotalPageNumber: 1e9, TotalCount: 3, PageNumber: 1, PageSize: 200 },
      /answered TotalPageNumber 1000000000; at most 10000 pages are read/,
    ],
    [
      "TotalPageNumber 50 for 3 items",
      { Items: [], TotalPageNumber: 50, TotalCount: 3, PageNumber: 1, PageSize: 200 },
      /answered TotalPageNumber 50 for TotalCount 3 at PageSize 200/,
    ],
    [
      "Items that is not a list",
      { Items: "nope", TotalPageNumber: 1, TotalCount: 1 },
      /answered page 1 with Items that is not a list/,
    ],
  ])("a server answering %s is reported as misbehaving, after one call", async (_name, data, error) => {
    const server = await lyingServer(() => ({ Data: data }));
    const p = copyExample("daily-etl");
    try {
      const started = Date.now();
      const r = await cli(["plan", "--cwd", p.dir, "--no-typecheck"], server.url);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(error);
      expect(r.err).toMatch(/misbehaving/);
      expect(server.calls()).toBe(1);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      p.cleanup();
      await server.close();
    }
  });
});

describe("the read cache is validated, hashed per entry, and never holds a secret", () => {
  it("an entry whose content was altered is dropped and read again, so the plan still sees the remote", async () => {
    const p = copyExample("daily-etl");
    try {
      expect((await cli(["deploy", "--cwd", p.dir, "--yes", "--no-typecheck"], emu.url)).code).toBe(0);
      // Without the deploy state on the target, the plan reads every task, and caches the reads.
      await dropDeployState(emu);
      expect((await cli(["plan", "--cwd", p.dir, "--no-typecheck"], emu.url)).out).toMatch(/No changes\./);
      // The code changes; the cache is altered to claim the remote already has the new code.
      const script = join(p.dir, "jobs", "publish_report.sh");
      const edited = `${readFileSync(script, "utf8")}echo tampered\n`;
      writeFileSync(script, edited);
      const [file] = cacheFiles(p.dir);
      const cache = JSON.parse(readFileSync(file!, "utf8")) as {
        tasks: Record<
          string,
          {
            task: { TriggerTaskBaseAttribute: { TaskName: string }; TriggerTaskConfiguration: { CodeContent: string } };
          }
        >;
      };
      const entry = Object.values(cache.tasks).find(
        (e) => e.task.TriggerTaskBaseAttribute.TaskName === "publish_report",
      )!;
      entry.task.TriggerTaskConfiguration.CodeContent = Buffer.from(edited).toString("base64");
      writeFileSync(file!, JSON.stringify(cache));
      emu.clearLog();
      const r = await cli(["plan", "--cwd", p.dir, "--no-typecheck"], emu.url);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(
        new RegExp(
          String.raw`warning: dropped 1 damaged entry of the read cache \.we` +
            String.raw`data\/state\/.*\.json \(wrong shape or integrity hash\)`,
        ),
      );
      expect(r.out).toMatch(/~ update\s+daily_orders\/publish_report/);
      expect(r.out).toContain("+echo tampered");
      expect(emu.log.filter((e) => e.action === "GetTriggerTask").length).toBe(1);
    } finally {
      p.cleanup();
    }
  });

  it.each([["{}"], ["null"], ["[]"], ['{"version":2,"tasks":null,"workflows":{}}'], ["not json at all"]])(
    "a cache file holding %s is ignored with a warning naming it, and rebuilt",
    async (content) => {
      const p = copyExample("daily-etl");
      try {
        expect((await cli(["deploy", "--cwd", p.dir, "--yes", "--no-typecheck"], emu.url)).code).toBe(0);
        const [file] = cacheFiles(p.dir);
        writeFileSync(file!, content);
        const r = await cli(["plan", "--cwd", p.dir, "--no-typecheck"], emu.url);
        expect(r.code, r.err).toBe(0);
        expect(r.out).toMatch(/No changes\./);
        expect(r.err).toMatch(/warning: ignored the read cache \.wedata\/state\/.*\.json: it is not a valid cache/);
        const again = await cli(["plan", "--cwd", p.dir, "--no-typecheck"], emu.url);
        expect(again.err).not.toMatch(/warning/);
        expect(JSON.parse(readFileSync(file!, "utf8")).version).toBe(2);
      } finally {
        p.cleanup();
      }
    },
  );

  it("values read with env() (and under secret-named keys) never reach .wedata/", async () => {
    const p = copyExample("daily-etl");
    const conn = "jdbc:mysql://etl:zq9-not-in-any-cache@db/orders";
    const token = "tok-8c1f-never-cached";
    try {
      const file = join(p.dir, "pipelines", "monitoring.ts");
      writeFileSync(
        file,
        readFileSync(file, "utf8")
          .replace(
            'import { task, workflow } from "@wedata-kit/dsl";',
            'import { env, task, workflow } from "@wedata-kit/dsl";',
          )
          .replace(
            ".timeout(10)",
            '.timeout(10)\n  .schedulingParams({ conn: env("WEDATA_TEST_CONN"), api_token: env("WEDATA_TEST_TOKEN") })',
          ),
      );
      const env = { WEDATA_TEST_CONN: conn, WEDATA_TEST_TOKEN: token };
      expect((await cli(["deploy", "--cwd", p.dir, "--yes", "--no-typecheck"], emu.url, env)).code).toBe(0);
      // The deploy state on the target holds digests and key names, never a value.
      const state = await dropDeployState(emu);
      expect(state.length).toBe(1);
      expect(state[0]).toContain('"project":"daily-etl"');
      for (const secret of [conn, token, Buffer.from(conn).toString("base64").slice(0, 20)])
        expect(state[0]).not.toContain(secret);
      // Without it, the plan reads every task in full and caches them.
      expect((await cli(["plan", "--cwd", p.dir, "--no-typecheck"], emu.url, env)).out).toMatch(/No changes\./);
      const files = cacheFiles(p.dir);
      expect(files.length).toBe(1);
      const text = readFileSync(files[0]!, "utf8");
      expect(text).not.toContain(conn);
      expect(text).not.toContain(token);
      expect(text).not.toContain(Buffer.from(conn).toString("base64").slice(0, 20));
      // The other tasks are cached as usual.
      expect(Object.keys(JSON.parse(text).tasks).length).toBe(12);
      record("caches", { "secret hits in caches": 0 });
    } finally {
      p.cleanup();
    }
  });
});

describe("give-ups name the last error", () => {
  it("a create that keeps failing says how many attempts it made and what the server last said", async () => {
    const failing = await suiteEmulator({
      faults: { seed: 3, actions: { CreateTriggerWorkflow: { errors: { InternalError: 1 } } } },
    });
    const p = copyExample("daily-etl");
    try {
      const r = await cli(["deploy", "--cwd", p.dir, "--yes", "--no-typecheck", "--no-lock"], failing.url);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(
        new RegExp(
          String.raw`failed create workflow \w+ .*CreateTriggerWorkflow did not succeed after 8 at` +
            String.raw`tempts; the last error was: \[InternalError\] Injected fault: InternalError\.`,
        ),
      );
      // With the lock (the default), its own create names the same last error.
      const locked = await cli(["deploy", "--cwd", p.dir, "--yes", "--no-typecheck"], failing.url);
      expect(locked.code).toBe(1);
      expect(locked.err).toMatch(
        new RegExp(
          String.raw`could not create the deploy lock's workflow .*; the last e` +
            String.raw`rror was: \[InternalError\] Injected fault: InternalError\.`,
        ),
      );
    } finally {
      p.cleanup();
      await failing.stop();
    }
  }, 120_000);
});
