import { describe, expect, it } from "vitest";
import { compiledSchema } from "./compile.js";
import { CreateTriggerTaskRequestSchema, CreateTriggerWorkflowRequestSchema } from "./schemas.js";
import { seededRandom } from "../../../test/helpers.js";

/** Seeded variations of a valid payload: each field kept, removed, or replaced by a value of another kind. */
function variants(base: Record<string, unknown>, seed: number, count: number): unknown[] {
  const rnd = seededRandom(seed);
  const odd = [
    undefined,
    null,
    "",
    "x",
    "12",
    "UTC+8",
    "/abs",
    "ALL",
    "ZW5j",
    "not base64!",
    -1,
    0,
    1,
    4,
    7,
    1.5,
    1441,
    100,
    Number.NaN,
    true,
    [],
    [{ ParamKey: "k", ParamValue: "v" }],
    [{ ParamKey: "k" }],
    [{ TaskId: "t" }],
    {},
    { extra: 1 },
  ];
  const mutate = (v: unknown, depth: number): unknown => {
    if (Array.isArray(v)) return v.map((x) => mutate(x, depth + 1));
    if (v && typeof v === "object") {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const r = rnd();
        if (r < 0.02) continue; // removed
        o[k] = r < 0.06 ? odd[Math.floor(rnd() * odd.length)] : mutate(x, depth + 1);
      }
      if (rnd() < 0.01) o.Unexpected = "key";
      return o;
    }
    return v;
  };
  return Array.from({ length: count }, () => mutate(base, 0));
}

const task = {
  ProjectId: "2378393617299558400",
  TriggerTaskBaseAttribute: { TaskName: "load", TaskTypeId: "35", WorkflowId: "$ref:workflow/w", TaskFolderPath: "/a" },
  TriggerTaskConfiguration: {
    CodeContent: "ZWNobyBoaQo=",
    ResourceGroup: "rg",
    TaskExtConfigurationList: [{ ParamKey: "k", ParamValue: "v" }],
    TaskSchedulingParameterList: [{ ParamKey: "bizdate", ParamValue: "${yyyyMMdd}" }],
  },
  TriggerTaskSchedulerConfiguration: {
    RunPriorityType: 6,
    RetryWaitMinute: 5,
    MaxRetryNumber: 4,
    ExecutionTTLMinute: -1,
    WaitExecutionTotalTTLMinute: 30,
    AllowRedoType: "ALL",
    UpstreamDependencyConfigList: [{ TaskId: "$ref:task/w/extract" }],
    ParamTaskOutList: [{ ParamKey: "n", ParamValue: "$[0]" }],
    ParamTaskInList: [{ ParamKey: "m", ParamDesc: "p.extract.n", FromTaskId: "t", FromParamKey: "n", Type: "TASK" }],
    AllowDownstreamDependency: 1,
  },
};
const workflow = {
  ProjectId: "2378393617299558400",
  WorkflowName: "w",
  ParentFolderPath: "/etl",
  WorkflowParams: [{ ParamKey: "k", ParamValue: "v" }],
  TriggerWorkflowSchedulerConfigurations: [
    { TriggerMode: "TIME_TRIGGER", ScheduleTimeZone: "UTC+8", CrontabExpression: "0 0 2 * * ? *", Recursive: 0 },
  ],
  TriggerWorkflowRunConfiguration: { MaxConcurrentNum: 1, QueuingMode: 0 },
};

describe("the compiled schemas", () => {
  it.each([
    ["task", CreateTriggerTaskRequestSchema, task],
    ["workflow", CreateTriggerWorkflowRequestSchema, workflow],
  ] as const)("accept exactly what the %s schema accepts, on 4,000 variations", (_name, schema, base) => {
    const fast = compiledSchema(schema);
    expect(fast).not.toBe(schema);
    let valid = 0;
    for (const v of variants(base, 11, 4000)) {
      const expected = schema.safeParse(v).success;
      expect(fast.validate(v), JSON.stringify(v)).toBe(expected);
      if (expected) valid++;
    }
    expect(valid).toBeGreaterThan(400);
    expect(valid).toBeLessThan(3600);
    expect(compiledSchema(schema)).toBe(fast);
  });
});
