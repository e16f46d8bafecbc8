/*
 * Build-time check: the compiler's payload types equal the SDK's request types, field for field.
 * When the SDK adds, removes or retypes a field, `npm run typecheck` fails here.
 */
import type {
  CreateTriggerTaskRequest,
  CreateTriggerWorkflowRequest,
} from "tencentcloud-sdk-nodejs/tencentcloud/services/wedata/v20250806/wedata_models.js";
import type { TaskPayload, WorkflowPayload } from "./schemas.js";

type Loose<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends readonly (infer U)[]
      ? Loose<U>[]
      : T extends object
        ? { [K in keyof T]-?: Loose<Exclude<T[K], undefined>> }
        : T;
type Equals<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

/** Same keys, same optionality, same scalar types (enums widen to string). */
export type TaskPayloadMatchesSdk = Assert<Equals<Loose<TaskPayload>, Loose<CreateTriggerTaskRequest>>>;
export type WorkflowPayloadMatchesSdk = Assert<Equals<Loose<WorkflowPayload>, Loose<CreateTriggerWorkflowRequest>>>;
type OptionalKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];
export type TaskOptionalityMatches = Assert<
  Equals<
    OptionalKeys<TaskPayload["TriggerTaskSchedulerConfiguration"]>,
    OptionalKeys<CreateTriggerTaskRequest["TriggerTaskSchedulerConfiguration"]>
  >
>;
export type TaskBaseOptionalityMatches = Assert<
  Equals<
    OptionalKeys<TaskPayload["TriggerTaskBaseAttribute"]>,
    OptionalKeys<CreateTriggerTaskRequest["TriggerTaskBaseAttribute"]>
  >
>;
export type WorkflowOptionalityMatches = Assert<
  Equals<OptionalKeys<WorkflowPayload>, OptionalKeys<CreateTriggerWorkflowRequest>>
>;

/** A payload the compiler emits is a valid SDK request. */
export const taskPayloadIsSdkRequest = (p: TaskPayload): CreateTriggerTaskRequest => p;
export const workflowPayloadIsSdkRequest = (p: WorkflowPayload): CreateTriggerWorkflowRequest => p;
