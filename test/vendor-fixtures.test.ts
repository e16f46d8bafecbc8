/*
 * The vendor's published responses (test/fixtures/wedata-examples) as read-backs: served over loopback
 * to the real SDK client, then through the remote reader, the normaliser and the planner.
 */
import { createServer, type Server } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileProject } from "@wedata-kit/compiler";
import { existingWorkflow, task } from "@wedata-kit/dsl";
import {
  connectSdk,
  fetchRemoteState,
  planDeployment,
  planHasChanges,
  RateLimitedCaller,
  type Action,
} from "@wedata-kit/deployer";
import { repoRoot } from "./helpers.js";

const FIXTURES = join(repoRoot, "test/fixtures/wedata-examples");
const fixture = (action: string) =>
  JSON.parse(readFileSync(join(FIXTURES, `${action}.json`), "utf8")) as {
    Response: { Data?: Record<string, any>; RequestId: string };
  };

/** A loopback server answering each action with the given response `Data` (no signature check: it replays). */
async function replay(
  answer: (action: string, body: Record<string, any>) => unknown,
): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const action = String(req.headers["x-tc-action"]);
      const data = answer(action, JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"));
      const response =
        data === undefined
          ? { Error: { Code: "InvalidAction", Message: `not replayed: ${action}` }, RequestId: "replay" }
          : { Data: data, RequestId: "replay" };
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ Response: response }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { server, endpoint: `http://127.0.0.1:${port}` };
}

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));
const connect = async (answer: Parameters<typeof replay>[0]) => {
  const r = await replay(answer);
  servers.push(r.server);
  return connectSdk({
    endpoint: r.endpoint,
    region: "ap-guangzhou",
    credentials: { secretId: "AKIDreplay", secretKey: "replay" },
  });
};

/** The whole list as one page at the page size asked for (the examples were taken at PageSize 10). */
const asOnePage = (data: Record<string, any>) => ({
  ...data,
  PageNumber: 1,
  TotalCount: data.Items.length,
  TotalPageNumber: 1,
});

describe("the vendor's published responses", () => {
  const actions = readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5));

  it("are all parsed by the real SDK client, which returns their Data unchanged", async () => {
    expect(actions.length).toBeGreaterThanOrEqual(40);
    const api = await connect((action) => fixture(action).Response.Data);
    for (const action of actions) {
      const got = await api.call(action as Action, {} as never);
      expect((got as { Data?: unknown }).Data, action).toEqual(fixture(action).Response.Data);
    }
  });

  describe("as the remote a plan reads", () => {
    // The project of the GetTriggerTask example: its workflow, its task and that task's upstream.
    const down = fixture("GetTriggerTask").Response.Data!;
    const WORKFLOW_ID = down.TriggerTaskBaseAttribute.WorkflowId as string;
    const UPSTREAM_ID = down.TriggerTaskSchedulerConfiguration.UpstreamDependencyConfigList[0].TaskId as string;
    const code = Buffer.from(down.TriggerTaskConfiguration.CodeContent, "base64").toString("utf8");
    // The upstream task, as the same service would return it: the example with its own id, name and no links.
    const up = structuredClone(down);
    Object.assign(up.TriggerTaskBaseAttribute, { TaskId: UPSTREAM_ID, TaskName: "gallop_workflow_task_test" });
    Object.assign(up.TriggerTaskSchedulerConfiguration, { UpstreamDependencyConfigList: [], ParamTaskOutList: [] });
    // The list items of the example, plus the two tasks in list shape (as ListTriggerTasks shows them).
    const listed = fixture("ListTriggerTasks").Response.Data!;
    const asListItem = (t: typeof down) => ({
      ...listed.Items[0],
      ...t.TriggerTaskBaseAttribute,
      TaskFolderPath: "/",
      TaskLatestVersionNo: "V2",
      TaskLatestSubmitVersionNo: "",
      LastUpdateUserName: null,
    });
    const workflows = fixture("ListTriggerWorkflows").Response.Data!;
    const theWorkflow = {
      ...workflows.Items[0],
      WorkflowId: WORKFLOW_ID,
      WorkflowName: down.TriggerTaskBaseAttribute.WorkflowName,
    };
    const detail = {
      ...fixture("GetTriggerWorkflow").Response.Data!,
      WorkflowName: theWorkflow.WorkflowName,
      Path: `/默认文件夹/${theWorkflow.WorkflowName}`,
    };
    const answer = (action: string, body: Record<string, any>) => {
      if (action === "ListTriggerWorkflows")
        return asOnePage({ ...workflows, Items: [...workflows.Items, theWorkflow] });
      if (action === "GetTriggerWorkflow")
        return body.WorkflowId === WORKFLOW_ID ? detail : fixture("GetTriggerWorkflow").Response.Data;
      // The example's items are moved into this workflow, so its tasks include kinds 32, 34, 36, 40, 43, 48.
      if (action === "ListTriggerTasks")
        return asOnePage({
          ...listed,
          Items: [
            ...listed.Items.map((i: Record<string, unknown>) => ({ ...i, WorkflowId: WORKFLOW_ID })),
            asListItem(up),
            asListItem(down),
          ],
        });
      if (action === "GetTriggerTask") {
        if (body.TaskId === UPSTREAM_ID) return up;
        if (body.TaskId === down.TriggerTaskBaseAttribute.TaskId) return down;
        const item = listed.Items.find((i: { TaskId: string }) => i.TaskId === body.TaskId);
        // Console tasks of every kind, as GetTriggerTask returns them: the example's shape, their own base.
        return {
          ...down,
          TriggerTaskBaseAttribute: {
            ...down.TriggerTaskBaseAttribute,
            ...item,
            TaskFolderPath: undefined,
            WorkflowId: WORKFLOW_ID,
          },
          TriggerTaskSchedulerConfiguration: {
            ...down.TriggerTaskSchedulerConfiguration,
            UpstreamDependencyConfigList: [],
          },
        };
      }
      return undefined;
    };

    const compiled = () => {
      const upstream = task("gallop_workflow_task_test")
        .shell({ inline: code })
        .resourceGroup("20240222212719833743")
        .brokerIp("any");
      const downstream = task("gallop_workflow_task_test_down")
        .shell({ inline: code })
        .resourceGroup("20240222212719833743")
        .brokerIp("any")
        .output("asadad", "1")
        .after(upstream);
      return compileProject({
        root: "/p",
        modules: [
          {
            file: "/p/pipelines/gallop.ts",
            exports: { wf: existingWorkflow(WORKFLOW_ID, theWorkflow.WorkflowName).tasks(upstream, downstream) },
          },
        ],
        target: { name: "dev", projectId: "1460947878944567296", region: "ap-nanjing" },
        readFile: () => Buffer.alloc(0),
      });
    };

    let plan: ReturnType<typeof planDeployment>;
    let reads: Record<string, number>;
    beforeAll(async () => {
      const api = await connect(answer);
      const caller = new RateLimitedCaller(api, { rate: 1000 });
      const c = compiled();
      const remote = await fetchRemoteState(caller, c, { project: "gallop" });
      reads = caller.counts;
      plan = planDeployment(c, remote, { project: "gallop", submit: false });
    });

    it(
      "code declaring the GetTriggerTask example's task plans no changes against it (the server's keys are the " +
        "server's)",
      () => {
        expect(plan.tasks.map((t) => [t.key, t.op, t.fields])).toEqual([
          ["gallopcai_workflow/gallop_workflow_task_test", "noop", []],
          ["gallopcai_workflow/gallop_workflow_task_test_down", "noop", []],
        ]);
        expect(planHasChanges(plan)).toBe(false);
        // An update would send the server's keys back as read (the ownership mark aside).
        const planned = plan.tasks[1]!;
        const kept = (planned.op === "noop" ? planned.keepExt! : []).map((e) => e.ParamKey);
        expect(kept).toEqual(
          down.TriggerTaskConfiguration.TaskExtConfigurationList.map((e: { ParamKey: string }) => e.ParamKey),
        );
      },
    );

    it(
      "tasks of kinds wedata-kit does not model are read, listed as unmanaged with their type id, and never " +
        "touched",
      () => {
        expect(plan.unmodelled).toEqual(
          Object.fromEntries(
            listed.Items.filter((i: { TaskTypeId: number }) => ![32, 35].includes(i.TaskTypeId)).map(
              (i: { TaskName: string; TaskTypeId: number }) => [`gallopcai_workflow/${i.TaskName}`, i.TaskTypeId],
            ),
          ),
        );
        expect(Object.values(plan.unmodelled!).sort()).toEqual([34, 36, 40, 43, 48]);
        expect(plan.unmanaged).toHaveLength(listed.Items.length);
        expect(plan.prune.tasks).toEqual([]);
        expect(reads.GetTriggerTask).toBe(listed.Items.length + 2);
      },
    );

    it(
      "the folder comes from the list when GetTriggerTask leaves it out, and a code task on another folder is an " +
        "update",
      async () => {
        const api = await connect(answer);
        const c = compiled();
        const moved = {
          ...c,
          tasks: c.tasks.map((t) =>
            t.name === "gallop_workflow_task_test"
              ? {
                  ...t,
                  payload: {
                    ...t.payload,
                    TriggerTaskBaseAttribute: { ...t.payload.TriggerTaskBaseAttribute, TaskFolderPath: "/ods" },
                  },
                }
              : t,
          ),
        };
        const p = planDeployment(
          moved,
          await fetchRemoteState(new RateLimitedCaller(api, { rate: 1000 }), moved, { project: "gallop" }),
          { project: "gallop", submit: false },
        );
        expect(p.tasks.find((t) => t.name === "gallop_workflow_task_test")!.fields).toEqual([
          { path: "TaskFolderPath", from: null, to: "/ods" },
        ]);
      },
    );
  });
});
