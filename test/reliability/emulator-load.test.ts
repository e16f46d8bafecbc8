/**
 * Emulator load test: several well-behaved SDK clients keep creating, reading back and listing tasks
 * while hostile clients send oversized, malformed, aborted and slow-loris requests at the same port.
 * Every valid call must get a correct answer, every hostile one its own error, and the emulator must
 * still be serving at the end. Figures (throughput, latency, what was refused) go to the report and
 * BENCHMARKS.md.
 */
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_KEY_PAIR, signRequest, type RunningEmulator } from "@wedata-kit/emulator";
import { b64, PROJECT, sdkClient, taskBody } from "../sdk.js";
import { FULL, record, suiteEmulator, SUITE_KEY } from "./support.js";

const SECONDS = FULL ? 20 : 3;
const VALID_CLIENTS = 4;

let emu: RunningEmulator | undefined;
afterAll(async () => {
  await emu?.stop();
});

/** Write `chunks` on a fresh connection (with `gapMs` between them); resolve with what came back. */
function rawSend(e: RunningEmulator, chunks: Array<string | Buffer>, gapMs = 0, waitMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(e.port, "127.0.0.1");
    let got = "";
    const timer = setTimeout(() => s.destroy(), waitMs);
    s.on("data", (d) => (got += d.toString("utf8")));
    s.on("close", () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.on("error", () => undefined);
    s.on("connect", async () => {
      for (const c of chunks) {
        if (s.destroyed) return;
        s.write(c);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

const head = (e: RunningEmulator, action: string, body: string) =>
  [
    `POST / HTTP/1.1\r\nHost: ${e.endpoint}\r\nX-TC-Action: ${action}\r\nX-TC-Version: 2025-08-06\r\nX-TC-Region: ` +
      `ap-guangzhou\r\n`,
    ...Object.entries(signRequest(SUITE_KEY, { host: e.endpoint, method: "POST", path: "/", body })).map(
      ([k, v]) => `${k}: ${v}\r\n`,
    ),
  ].join("");

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : 0;
};

describe(`emulator under load (${SECONDS} s of valid and hostile traffic)`, () => {
  it(
    "answers every valid call correctly while refusing every hostile one, and keeps serving",
    async () => {
      emu = await suiteEmulator({ rateLimit: 100_000, timeouts: { headersMs: 1000, requestMs: 2000 } });
      const e = emu;
      const setup = sdkClient(e, SUITE_KEY);
      const wf = (
        await setup.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "load", ParentFolderPath: "/" })
      ).Data!.WorkflowId!;
      let until = 0;
      let latencies: number[] = [];
      let wrong = 0;
      let failed = 0;
      let created = 0;

      const valid = async (n: number, phase: string) => {
        const c = sdkClient(e, { ...SUITE_KEY, reqTimeout: 30 });
        for (let i = 0; Date.now() < until; i++) {
          const name = `${phase}${n}_${i}`;
          const code = b64(`echo ${name}\n`);
          const t0 = Date.now();
          try {
            const id = (
              await c.CreateTriggerTask({ ...taskBody(wf, name), TriggerTaskConfiguration: { CodeContent: code } })
            ).Data!.TaskId!;
            const back = (await c.GetTriggerTask({ ProjectId: PROJECT, TaskId: id })).Data!;
            if (back.TriggerTaskBaseAttribute?.TaskName !== name || back.TriggerTaskConfiguration?.CodeContent !== code)
              wrong++;
            const listed = (
              await c.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf, TaskName: name, PageSize: 10 })
            ).Data!;
            if (!listed.Items?.some((x) => x.TaskId === id)) wrong++;
            latencies.push((Date.now() - t0) / 3);
            created++;
          } catch {
            failed++;
          }
        }
      };

      const hostile = { oversized: 0, malformed: 0, aborted: 0, slowloris: 0, refusedCorrectly: 0 };
      const oversized = async () => {
        while (Date.now() < until) {
          const body = `{"ProjectId":"${PROJECT}"}`;
          const answer = await rawSend(e, [
            `${head(e, "ListTriggerWorkflows", body)}Content-Length: ${11 * 1024 * 1024}\r\n\r\n`,
            Buffer.alloc(256 * 1024, 97),
          ]);
          hostile.oversized++;
          if (/RequestSizeLimitExceeded/.test(answer)) hostile.refusedCorrectly++;
        }
      };
      const malformed = async () => {
        while (Date.now() < until) {
          const body = "{ not json";
          const answer = await rawSend(e, [
            `${head(e, "ListTriggerWorkflows", body)}Content-Length: ${body.length}\r\nConnection: ` +
              `close\r\n\r\n${body}`,
          ]);
          const garbage = await rawSend(e, ["\x16\x03\x01 GET nonsense\r\n\r\n"]);
          hostile.malformed += 2;
          if (/InvalidParameter/.test(answer)) hostile.refusedCorrectly++;
          if (/^HTTP\/1\.1 400/.test(garbage)) hostile.refusedCorrectly++;
        }
      };
      const aborted = async () => {
        while (Date.now() < until) {
          const body = `{"ProjectId":"${PROJECT}","WorkflowName":"x","ParentFolderPath":"/"}`;
          await rawSend(
            e,
            [`${head(e, "CreateTriggerWorkflow", body)}Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`],
            0,
            30,
          );
          hostile.aborted++;
        }
      };
      const slowloris = async () => {
        while (Date.now() < until) {
          await Promise.all(
            Array.from({ length: 5 }, () =>
              rawSend(
                e,
                [
                  "POST / HTTP/1.1\r\n",
                  "Host: x\r\n",
                  "X-1: 1\r\n",
                  "X-2: 1\r\n",
                  "X-3: 1\r\n",
                  "X-4: 1\r\n",
                  "X-5: 1\r\n",
                  "X-6: 1\r\n",
                ],
                400,
                5000,
              ),
            ),
          );
          hostile.slowloris += 5;
        }
      };

      // Calm first (valid clients only), then the same clients with the hostile ones beside them.
      const calmSeconds = Math.max(1, SECONDS / 4);
      until = Date.now() + calmSeconds * 1000;
      let started = Date.now();
      await Promise.all(Array.from({ length: VALID_CLIENTS }, (_, n) => valid(n, "calm")));
      const calm = {
        calls: latencies.length * 3,
        seconds: (Date.now() - started) / 1000,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
      };
      latencies = [];
      until = Date.now() + SECONDS * 1000;
      started = Date.now();
      await Promise.all([
        ...Array.from({ length: VALID_CLIENTS }, (_, n) => valid(n, "load")),
        oversized(),
        malformed(),
        aborted(),
        slowloris(),
      ]);
      const seconds = (Date.now() - started) / 1000;

      // Still serving, and nothing was lost or mixed up: every created task is there exactly once.
      const all = (await setup.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf, PageSize: 200 })).Data!;
      const validCalls = latencies.length * 3;
      expect(wrong).toBe(0);
      expect(failed).toBe(0);
      expect(all.TotalCount).toBe(created);
      expect(hostile.refusedCorrectly).toBe(hostile.oversized + hostile.malformed);
      expect(hostile.aborted).toBeGreaterThan(0);
      expect(hostile.slowloris).toBeGreaterThan(0);
      const aborts = e.log.filter((l) => l.outcome === "aborted").length;
      expect(aborts).toBeGreaterThan(0);
      const log = await fetch(`${e.url}/_emulator/log`, {
        headers: signRequest(DEFAULT_KEY_PAIR, { host: e.endpoint, method: "GET", path: "/_emulator/log" }),
      });
      expect(log.status).toBe(200);

      record("emulator load", {
        "calm valid calls/s": Math.round(calm.calls / calm.seconds),
        "calm p50 ms": Math.round(calm.p50),
        "calm p99 ms": Math.round(calm.p99),
        seconds: Math.round(seconds),
        "valid calls": validCalls,
        "valid calls/s": Math.round(validCalls / seconds),
        "p50 ms": Math.round(percentile(latencies, 50)),
        "p99 ms": Math.round(percentile(latencies, 99)),
        "wrong answers": wrong,
        "oversized refused": hostile.oversized,
        "malformed refused": hostile.malformed,
        aborted: hostile.aborted,
        "slow-loris cut off": hostile.slowloris,
      });
    },
    (SECONDS + 60) * 1000,
  );
});
