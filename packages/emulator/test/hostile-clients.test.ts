/**
 * Nothing a client sends may stop the emulator: half bodies, oversized and slow requests, malformed
 * lines and a flood of large bodies each fail on their own, and the next valid call is answered.
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { b64, PROJECT, sdkClient, sdkError, taskBody } from "./support.js";
import { DEFAULT_KEY_PAIR, LOG_LIMIT, signRequest, startEmulator, type RunningEmulator } from "../src/index.js";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

/** Send raw bytes on a fresh connection; resolves with whatever came back when the server closed it (or after
 * `waitMs`). */
function raw(
  e: RunningEmulator,
  chunks: Array<string | Buffer>,
  opts: { gapMs?: number; waitMs?: number; end?: boolean } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(e.port, "127.0.0.1");
    let got = "";
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    };
    s.on("data", (d) => (got += d.toString("utf8")));
    s.on("close", done);
    s.on("error", done);
    s.on("connect", async () => {
      for (const c of chunks) {
        if (s.destroyed) break;
        s.write(c);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      if (opts.end) s.end();
      timer = setTimeout(done, opts.waitMs ?? 2000);
    });
  });
}

const signedPost = (e: RunningEmulator, action: string, body: string) => {
  const h = signRequest(DEFAULT_KEY_PAIR, { host: e.endpoint, method: "POST", path: "/", body });
  return [
    `POST / HTTP/1.1\r\nHost: ${e.endpoint}\r\nX-TC-Action: ${action}\r\nX-TC-Version: 2025-08-06\r\nX-TC-Region: ` +
      `ap-guangzhou\r\n`,
    ...Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`),
  ].join("");
};

async function stillServes(e: RunningEmulator): Promise<void> {
  const r = await sdkClient(e).ListTriggerWorkflows({ ProjectId: PROJECT });
  expect(r.Data?.TotalCount).toBeGreaterThanOrEqual(0);
}

describe("the emulator under hostile clients", () => {
  it("a client that sends half a body and disconnects fails alone", async () => {
    emu = await startEmulator();
    const body = JSON.stringify({ ProjectId: PROJECT });
    for (let i = 0; i < 20; i++)
      await raw(
        emu,
        [`${signedPost(emu, "ListTriggerWorkflows", body)}Content-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`],
        { waitMs: 20 },
      );
    await stillServes(emu);
    expect(emu.log.filter((l) => l.outcome === "aborted").length).toBe(20);
  });

  it("counts bytes before anything else: an 11 MB request is a size error, not a signature error", async () => {
    emu = await startEmulator();
    const big = `{"ProjectId":"${PROJECT}","x":"${"a".repeat(11 * 1024 * 1024)}"}`;
    const answer = await raw(
      emu,
      [`${signedPost(emu, "ListTriggerWorkflows", big)}Content-Length: ${Buffer.byteLength(big)}\r\n\r\n`, big],
      { waitMs: 5000 },
    );
    expect(answer).toMatch(/RequestSizeLimitExceeded/);
    expect(answer).not.toMatch(/SignatureFailure/);
    // Chunked, with no declared length: counted while it arrives.
    const chunked = await raw(
      emu,
      [
        `${signedPost(emu, "ListTriggerWorkflows", big)}Transfer-Encoding: chunked\r\n\r\n`,
        ...Array.from({ length: 12 }, () => `100000\r\n${"a".repeat(0x100000)}\r\n`),
      ],
      { waitMs: 5000 },
    );
    expect(chunked).toMatch(/RequestSizeLimitExceeded/);
    await stillServes(emu);
  });

  it("checks a 4.2 MB program's base64 in linear time", async () => {
    emu = await startEmulator();
    const c = sdkClient(emu, { reqTimeout: 60 });
    const wf = (await c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "big", ParentFolderPath: "/" })).Data!
      .WorkflowId!;
    const body = taskBody(wf, "big");
    const code = b64(`echo ${"x".repeat(4.2 * 1024 * 1024)}\n`);
    const r = await c.CreateTriggerTask({ ...body, TriggerTaskConfiguration: { CodeContent: code } });
    expect(r.Data?.TaskId).toMatch(/^\d{17}$/);
    expect(
      (
        await sdkError(
          c.CreateTriggerTask({
            ...body,
            TriggerTaskBaseAttribute: { ...body.TriggerTaskBaseAttribute, TaskName: "bad" },
            TriggerTaskConfiguration: { CodeContent: `${code.slice(0, -4)}!!!!` },
          }),
        )
      ).code,
    ).toBe("InvalidParameterValue");
  });

  it("keeps a bounded log with no bodies, readable only with the key pair", async () => {
    emu = await startEmulator();
    const c = sdkClient(emu, { reqTimeout: 60 });
    const wf = (await c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "w", ParentFolderPath: "/" })).Data!
      .WorkflowId!;
    const secret = "hunter2-do-not-log";
    for (let i = 0; i < 20; i++) {
      const t = taskBody(wf, `t${i}`);
      await c.CreateTriggerTask({
        ...t,
        TriggerTaskConfiguration: {
          CodeContent: b64(`echo ${"y".repeat(1024 * 1024)}\n`),
          TaskSchedulingParameterList: [{ ParamKey: "db_password", ParamValue: secret }],
        },
      });
    }
    const res = await fetch(`${emu.url}/_emulator/log`, {
      headers: signRequest(DEFAULT_KEY_PAIR, { host: emu.endpoint, method: "GET", path: "/_emulator/log" }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text.length).toBeLessThan(64 * 1024);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("eWV5");
    const creates = (JSON.parse(text) as Array<{ action: string; subject?: { name?: string } }>).filter(
      (l) => l.action === "CreateTriggerTask",
    );
    expect(creates.map((l) => l.subject?.name)).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
    expect((await fetch(`${emu.url}/_emulator/log`)).status).toBe(401);
    const wrong = await fetch(`${emu.url}/_emulator/log`, {
      headers: signRequest(
        { secretId: DEFAULT_KEY_PAIR.secretId, secretKey: "wrong" },
        { host: emu.endpoint, method: "GET", path: "/_emulator/log" },
      ),
    });
    expect(wrong.status).toBe(401);
    expect(LOG_LIMIT).toBeGreaterThan(1000);
  });

  it("cuts off slow clients (slow-loris) and answers malformed requests with 400, still serving", async () => {
    emu = await startEmulator({ timeouts: { headersMs: 300, requestMs: 600 } });
    const started = Date.now();
    const loris = raw(
      emu,
      [
        "POST / HTTP/1.1\r\n",
        "Host: x\r\n",
        "X-A: 1\r\n",
        "X-B: 1\r\n",
        "X-C: 1\r\n",
        "X-D: 1\r\n",
        "X-E: 1\r\n",
        "X-F: 1\r\n",
      ],
      { gapMs: 150, waitMs: 5000 },
    );
    const slowBody = raw(
      emu,
      [`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n`, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
      { gapMs: 150, waitMs: 5000 },
    );
    const garbage = await raw(emu, ["\x00\x01 not http at all\r\n\r\n"], { waitMs: 1000 });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    await stillServes(emu);
    await Promise.all([loris, slowBody]);
    expect(Date.now() - started).toBeLessThan(4000);
    await stillServes(emu);
  });
});

describe("fault injection with a cap per request", () => {
  it("faults the same request at most maxFaultsPerRequest times, then lets its retry through", async () => {
    emu = await startEmulator({
      faults: { seed: 1, default: { errors: { InternalError: 1 }, maxFaultsPerRequest: 2 } },
    });
    const c = sdkClient(emu);
    const a = { ProjectId: PROJECT, PageNumber: 1 };
    expect((await sdkError(c.ListTriggerWorkflows(a))).code).toBe("InternalError");
    expect((await sdkError(c.ListTriggerWorkflows(a))).code).toBe("InternalError");
    expect((await c.ListTriggerWorkflows(a)).Data?.TotalCount).toBe(0);
    // Another request (another body) has its own count.
    expect((await sdkError(c.ListTriggerWorkflows({ ...a, PageNumber: 2 }))).code).toBe("InternalError");
  });
});
