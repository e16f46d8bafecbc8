import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64, PROJECT, sdkClient, sdkError, taskBody, type WedataClient } from "../../../test/sdk.js";
import { startEmulator, type RunningEmulator } from "../src/index.js";

let emu: RunningEmulator;
let c: WedataClient;
beforeAll(async () => {
  emu = await startEmulator({ rateLimit: 1000 });
  c = sdkClient(emu);
});
afterAll(() => emu.stop());

async function newWorkflow(name: string, folder = "/") {
  return (await c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: name, ParentFolderPath: folder })).Data!
    .WorkflowId!;
}

describe("happy paths through the real SDK client", () => {
  it("workflow folders and workflows: create, get, list, update, delete", async () => {
    const f = await c.CreateWorkflowFolder({ ProjectId: PROJECT, ParentFolderPath: "/", FolderName: "etl" });
    expect(f.Data!.FolderId).toMatch(/^[0-9a-f-]{36}$/);
    await c.CreateWorkflowFolder({ ProjectId: PROJECT, ParentFolderPath: "/etl", FolderName: "daily" });
    const folders = await c.ListWorkflowFolders({ ProjectId: PROJECT, ParentFolderPath: "/etl" });
    expect(folders.Data!.Items!.map((i) => i.FolderPath)).toEqual(["/etl/daily"]);

    const created = await c.CreateTriggerWorkflow({
      ProjectId: PROJECT,
      WorkflowName: "orders",
      ParentFolderPath: "/etl/daily",
      WorkflowDesc: "d",
      WorkflowParams: [{ ParamKey: "bizdate", ParamValue: "${yyyyMMdd}" }],
      TriggerWorkflowSchedulerConfigurations: [
        {
          TriggerMode: "TIME_TRIGGER",
          SchedulerStatus: "ACTIVE",
          ScheduleTimeZone: "UTC+8",
          StartTime: "2026-01-01 00:00:00",
          EndTime: "2099-12-31 23:59:59",
          ConfigMode: "CRON_EXPRESSION",
          CycleType: "CRONTAB_CYCLE",
          CrontabExpression: "0 0 2 * * ? *",
        },
      ],
    });
    const id = created.Data!.WorkflowId!;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const got = (await c.GetTriggerWorkflow({ ProjectId: PROJECT, WorkflowId: id })).Data!;
    expect(got).toMatchObject({
      WorkflowName: "orders",
      Path: "/etl/daily/orders",
      WorkflowDesc: "d",
      WorkflowParams: [{ ParamKey: "bizdate", ParamValue: "${yyyyMMdd}" }],
    });
    expect(got.TriggerWorkflowSchedulerConfigurations![0]!.TriggerId).toMatch(/^[0-9a-f-]{36}$/);

    await c.UpdateTriggerWorkflow({
      ProjectId: PROJECT,
      WorkflowId: id,
      WorkflowDesc: "new",
      SchedulerStatus: "PAUSED",
    });
    expect((await c.GetTriggerWorkflow({ ProjectId: PROJECT, WorkflowId: id })).Data).toMatchObject({
      WorkflowDesc: "new",
      SchedulerStatus: "PAUSED",
      WorkflowName: "orders",
    });
    const list = await c.ListTriggerWorkflows({ ProjectId: PROJECT, ParentFolderPath: "/etl/daily", PageSize: 200 });
    expect(list.Data!.Items!.map((w) => w.WorkflowId)).toEqual([id]);
    expect(list.Data!.TotalCount).toBe(1);
    await c.DeleteTriggerWorkflow({ ProjectId: PROJECT, WorkflowId: id });
    expect((await sdkError(c.GetTriggerWorkflow({ ProjectId: PROJECT, WorkflowId: id }))).code).toBe(
      "ResourceNotFound",
    );
  });

  it(
    "tasks: create, get with read-back quirks, code, list, update, partial update, submit, neighbours, " + "delete",
    async () => {
      const wf = await newWorkflow("tasks_wf");
      await c.CreateTaskFolder({
        ProjectId: PROJECT,
        ParentTaskFolderPath: "/",
        TaskFolderName: "ods",
        TaskFolderType: "GENERAL",
        WorkflowId: wf,
      });
      expect(
        (
          await c.ListTaskFolders({
            ProjectId: PROJECT,
            ParentTaskFolderPath: "/",
            WorkflowId: wf,
            TaskFolderType: "GENERAL",
          })
        ).Data!.Items!.map((f) => f.TaskFolderPath),
      ).toEqual(["/ods"]);
      const a = (await c.CreateTriggerTask(taskBody(wf, "extract", { folder: "/ods" }))).Data!.TaskId!;
      expect(a).toMatch(/^\d{17}$/);
      const b = (await c.CreateTriggerTask(taskBody(wf, "load", { upstream: [a] }))).Data!.TaskId!;
      expect(b).not.toBe(a);

      const got = (await c.GetTriggerTask({ ProjectId: PROJECT, TaskId: a })).Data!;
      // As the vendor's published GetTriggerTask shows: no folder, null versions, who saved it last.
      expect(got.TriggerTaskBaseAttribute).toMatchObject({
        TaskId: a,
        TaskTypeId: 35,
        WorkflowId: wf,
        TaskName: "extract",
        TaskLatestVersionNo: null,
        TaskLatestSubmitVersionNo: null,
        Status: "N",
        Submit: false,
        WorkflowName: "tasks_wf",
        LastUpdateUserName: "user_100000000001",
      });
      expect(got.TriggerTaskBaseAttribute).not.toHaveProperty("TaskFolderPath");
      const ext = Object.fromEntries(
        got.TriggerTaskConfiguration.TaskExtConfigurationList!.map((e) => [e.ParamKey, e.ParamValue]),
      );
      expect(ext["ftp.file.name"]).toBe(`/datastudio/project/${PROJECT}/tasks_wf/extract.sh`);
      // The keys the server adds, as the example shows them.
      expect(Object.keys(ext).sort()).toEqual([
        "bucket",
        "calendar_open",
        "enableKerberosLogin",
        "extraInfo",
        "ftp.file.name",
        "region",
        "specLabelConfItems",
        "tenantId",
        "waitExecutionTotalTTL",
      ]);
      // The list has the folder and versions as strings ("" before the first submit).
      const listedA = (await c.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf, TaskName: "extract" })).Data!
        .Items![0]!;
      expect(listedA).toMatchObject({
        TaskFolderPath: "/ods",
        TaskLatestVersionNo: "V1",
        TaskLatestSubmitVersionNo: "",
        LastUpdateUserName: null,
      });
      expect((await c.GetTriggerTaskCode({ ProjectId: PROJECT, TaskId: a })).Data!.CodeInfo).toBe(
        b64("echo extract\n"),
      );

      const listed = await c.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf, PageSize: 10 });
      expect(listed.Data!.Items!.map((t) => t.TaskName).sort()).toEqual(["extract", "load"]);
      expect(listed.Data!.Items![0]!.TaskTypeId).toBe(35);
      expect(
        (await c.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf, TaskName: "load" })).Data!.Items!.map(
          (t) => t.TaskId,
        ),
      ).toEqual([b]);

      await c.UpdateTriggerTask({
        ProjectId: PROJECT,
        TaskId: b,
        Task: {
          TriggerTaskBaseAttribute: { TaskName: "load", OwnerUin: "1", TaskDescription: "full update" },
          TriggerTaskConfiguration: { CodeContent: b64("echo v2\n") },
          TriggerTaskSchedulerConfiguration: { UpstreamDependencyConfigList: [{ TaskId: a }], MaxRetryNumber: 2 },
        },
      });
      const afterUpdate = (await c.GetTriggerTask({ ProjectId: PROJECT, TaskId: b })).Data!;
      expect(afterUpdate.TriggerTaskBaseAttribute).toMatchObject({ TaskDescription: "full update" });
      expect(
        (await c.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf, TaskName: "load" })).Data!.Items![0]!
          .TaskLatestVersionNo,
      ).toBe("V2");
      // A full update replaces the extension list: the server's keys it left out are gone.
      expect(afterUpdate.TriggerTaskConfiguration.TaskExtConfigurationList).toEqual([]);
      expect(afterUpdate.TriggerTaskSchedulerConfiguration.MaxRetryNumber).toBe(2);

      await c.UpdateTriggerTaskPartially({
        ProjectId: PROJECT,
        TaskId: b,
        NewSetting: { TriggerTaskBaseAttribute: { TaskDescription: "partial" } },
        FieldToRemoveList: [`TaskSchedulerConfiguration/UpstreamDependencyConfigList:${a}`],
      });
      const afterPartial = (await c.GetTriggerTask({ ProjectId: PROJECT, TaskId: b })).Data!;
      expect(afterPartial.TriggerTaskBaseAttribute.TaskDescription).toBe("partial");
      expect(afterPartial.TriggerTaskSchedulerConfiguration.UpstreamDependencyConfigList).toEqual([]);
      expect(afterPartial.TriggerTaskSchedulerConfiguration.MaxRetryNumber).toBe(2);
      await c.UpdateTriggerTaskPartially({
        ProjectId: PROJECT,
        TaskId: b,
        NewSetting: { TriggerTaskSchedulerConfiguration: { UpstreamDependencyConfigList: [{ TaskId: a }] } },
      });

      const submitted = await c.SubmitTriggerTask({ ProjectId: PROJECT, TaskId: b, VersionRemark: "deploy 1" });
      expect(submitted.Data!.VersionId).toMatch(new RegExp(`^${b}_\\d{17}$`));
      const afterSubmit = (await c.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf, TaskName: "load" })).Data!
        .Items![0]!;
      expect(afterSubmit).toMatchObject({
        Status: "Y",
        Submit: true,
        TaskLatestVersionNo: "V4",
        TaskLatestSubmitVersionNo: "V4",
      });

      expect(
        (await c.ListUpstreamTriggerTasks({ ProjectId: PROJECT, TaskId: b })).Data!.Items!.map((t) => t.TaskName),
      ).toEqual(["extract"]);
      const down = (await c.ListDownstreamTriggerTasks({ ProjectId: PROJECT, TaskId: a })).Data!.Items!;
      expect(down.map((t) => [t.TaskName, t.TaskTypeDesc])).toEqual([["load", "Shell"]]);

      await c.DeleteTriggerTask({ ProjectId: PROJECT, TaskId: b });
      await c.DeleteTriggerTask({ ProjectId: PROJECT, TaskId: a });
      expect((await c.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf })).Data!.TotalCount).toBe(0);
    },
  );

  it("pages lists with the API's page-size limits", async () => {
    const wf = await newWorkflow("paging_wf");
    for (let i = 0; i < 25; i++) await c.CreateTriggerTask(taskBody(wf, `t${String(i).padStart(2, "0")}`));
    const p1 = await c.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf, PageSize: 10, PageNumber: 3 });
    expect(p1.Data).toMatchObject({ TotalCount: 25, TotalPageNumber: 3, PageNumber: 3 });
    expect(p1.Data!.Items).toHaveLength(5);
    // The whole project page by page (paged in SQL) equals the same list filtered in memory.
    const all: string[] = [];
    for (let page = 1; ; page++) {
      const d = (await c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 10, PageNumber: page })).Data!;
      all.push(
        ...d.Items!.map((t) => `${t.TaskId}:${t.TaskName}:${t.TaskLatestVersionNo}:${t.OwnerUin}:${t.TaskFolderPath}`),
      );
      if (page >= d.TotalPageNumber!) break;
    }
    const filtered = (await c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 200, TaskFolderPathList: ["/"] })).Data!;
    expect(all).toEqual(
      filtered.Items!.map(
        (t) => `${t.TaskId}:${t.TaskName}:${t.TaskLatestVersionNo}:${t.OwnerUin}:${t.TaskFolderPath}`,
      ),
    );
    expect(all.length).toBeGreaterThanOrEqual(25);
    expect((await sdkError(c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 500 }))).code).toBe(
      "InvalidParameterValue",
    );
  });
});

describe("error codes", () => {
  it.each([
    ["MissingParameter", () => c.CreateTriggerWorkflow({ ProjectId: PROJECT, ParentFolderPath: "/" } as never)],
    ["InvalidParameter", () => c.GetTriggerWorkflow({ ProjectId: PROJECT, WorkflowId: 42 } as never)],
    [
      "InvalidParameterValue",
      () =>
        c.CreateTriggerTask({
          ...taskBody("x", "bad_type"),
          TriggerTaskBaseAttribute: { TaskName: "t", TaskTypeId: "99", WorkflowId: "x" },
        }),
    ],
    ["UnknownParameter", () => c.GetTriggerWorkflow({ ProjectId: PROJECT, WorkflowId: "x", Extra: 1 } as never)],
    ["ResourceNotFound", () => c.CreateTriggerTask(taskBody("00000000-0000-0000-0000-000000000000", "t"))],
    [
      "ResourceNotFound",
      () =>
        c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "nofolder", ParentFolderPath: "/does/not/exist" }),
    ],
  ])("%s", async (code, call) => {
    const e = await sdkError(call());
    expect(e.code).toBe(code);
    expect(e.message.length).toBeGreaterThan(10);
    expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("InvalidParameterValue for a range, an enum and bad base64", async () => {
    const wf = await newWorkflow("values_wf");
    const body = taskBody(wf, "v");
    expect(
      (await sdkError(c.CreateTriggerTask({ ...body, TriggerTaskSchedulerConfiguration: { RunPriorityType: 9 } })))
        .code,
    ).toBe("InvalidParameterValue");
    expect(
      (
        await sdkError(
          c.CreateTriggerTask({ ...body, TriggerTaskSchedulerConfiguration: { AllowRedoType: "SOMETIMES" } }),
        )
      ).code,
    ).toBe("InvalidParameterValue");
    expect(
      (await sdkError(c.CreateTriggerTask({ ...body, TriggerTaskConfiguration: { CodeContent: "not base64!" } }))).code,
    ).toBe("InvalidParameterValue");
    expect(
      (
        await sdkError(
          c.CreateTriggerWorkflow({
            ProjectId: PROJECT,
            WorkflowName: "w",
            ParentFolderPath: "/",
            TriggerWorkflowRunConfiguration: { MaxConcurrentNum: 0 },
          }),
        )
      ).code,
    ).toBe("InvalidParameterValue");
  });

  it(
    "ResourceNotFound for an unknown upstream task, a missing task folder, and a project outside a fixed " + "list",
    async () => {
      const wf = await newWorkflow("nf_wf");
      expect((await sdkError(c.CreateTriggerTask(taskBody(wf, "x", { upstream: ["20990101000000000"] })))).code).toBe(
        "ResourceNotFound",
      );
      expect((await sdkError(c.CreateTriggerTask(taskBody(wf, "y", { folder: "/nope" })))).code).toBe(
        "ResourceNotFound",
      );
      const fixed = await startEmulator({ projects: ["111"] });
      try {
        const fc = sdkClient(fixed);
        expect((await sdkError(fc.ListTriggerWorkflows({ ProjectId: PROJECT }))).code).toBe("ResourceNotFound");
        expect((await fc.ListTriggerWorkflows({ ProjectId: "111" })).Data!.TotalCount).toBe(0);
      } finally {
        await fixed.stop();
      }
    },
  );

  it("DuplicateName for a task name in a workflow and a workflow name in a project", async () => {
    const wf = await newWorkflow("dup_wf");
    await c.CreateTriggerTask(taskBody(wf, "same"));
    expect((await sdkError(c.CreateTriggerTask(taskBody(wf, "same")))).code).toBe("InvalidParameter.DuplicateName");
    expect(
      (await sdkError(c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "dup_wf", ParentFolderPath: "/" })))
        .code,
    ).toBe("InvalidParameter.DuplicateName");
  });

  it("FailedOperation deleting a task with dependents or a non-empty workflow", async () => {
    const wf = await newWorkflow("fo_wf");
    const a = (await c.CreateTriggerTask(taskBody(wf, "a"))).Data!.TaskId!;
    await c.CreateTriggerTask(taskBody(wf, "b", { upstream: [a] }));
    expect((await sdkError(c.DeleteTriggerTask({ ProjectId: PROJECT, TaskId: a }))).code).toBe("FailedOperation");
    expect((await sdkError(c.DeleteTriggerWorkflow({ ProjectId: PROJECT, WorkflowId: wf }))).code).toBe(
      "FailedOperation",
    );
  });

  it("InvalidParameterValue for an update that changes a task's workflow or type", async () => {
    const wf = await newWorkflow("imm_wf");
    const other = await newWorkflow("imm_other");
    const a = (await c.CreateTriggerTask(taskBody(wf, "a"))).Data!.TaskId!;
    const task = (base: Record<string, string>) => ({
      ProjectId: PROJECT,
      TaskId: a,
      Task: {
        TriggerTaskBaseAttribute: { TaskName: "a", OwnerUin: "1", TaskDescription: "", ...base },
        TriggerTaskConfiguration: {},
        TriggerTaskSchedulerConfiguration: {},
      },
    });
    expect((await sdkError(c.UpdateTriggerTask(task({ WorkflowId: other }) as never))).code).toBe(
      "InvalidParameterValue",
    );
    expect((await sdkError(c.UpdateTriggerTask(task({ TaskTypeId: "30" }) as never))).code).toBe(
      "InvalidParameterValue",
    );
  });

  it("InvalidAction for an action it does not implement", async () => {
    const e = await sdkError(c.request("DescribeInstances", { ProjectId: PROJECT }));
    expect(e.code).toBe("InvalidAction");
    expect(e.message).toMatch(/DescribeInstances/);
  });
});
