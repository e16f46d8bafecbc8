import { DslError } from "./errors.js";
import { callerLocation, shownLocation, type SourceLocation } from "./source-location.js";

/** The target a project is being compiled for, as `wedata.config.ts` declares it. */
export interface CurrentTarget {
  /** Its name in `targets` (`dev`, `prod`, ...). */
  readonly name: string;
  readonly projectId: string;
  readonly region: string;
  readonly projectIdentifier?: string;
  /** Every target the config declares. */
  readonly declared: readonly string[];
}

/** One value chosen by `byTarget()`, for the plan to show. */
export interface TargetValue {
  readonly loc: SourceLocation;
  readonly target: string;
  readonly value: unknown;
}

/** Set by whatever loads the pipeline files (the CLI, `buildProject`) for the time they load. */
export const CURRENT_TARGET = Symbol.for("wedata-kit.target");
/** Where the loader collects the values `byTarget()` chose. */
export const TARGET_VALUES = Symbol.for("wedata-kit.target-values");

type Slots = { [CURRENT_TARGET]?: CurrentTarget; [TARGET_VALUES]?: TargetValue[] };

function loading(what: string): CurrentTarget {
  const t = (globalThis as Slots)[CURRENT_TARGET];
  if (!t)
    throw new DslError(
      "E_NO_TARGET",
      `${what} is read while the project is compiled for a target, and none is being compiled now`,
      callerLocation(),
      "load pipeline files through wedata (compile, plan, deploy, run) or buildProject() from @wedata-kit/cli, " +
        "not by importing them directly",
    );
  return t;
}

/**
 * The target the project is being compiled for (`--target`, else `defaultTarget`): its name, ProjectId, region
 * and project identifier. For values that differ per target, `byTarget()` is shorter and checked.
 * @example const suffix = currentTarget().name === "prod" ? "" : `_${currentTarget().name}`;
 */
export function currentTarget(): CurrentTarget {
  return loading("currentTarget()");
}

/**
 * A value that differs per target: the one for the target being compiled. Every target the config declares
 * needs a value (or give `fallback`), and a name the config does not declare is an error, so a typo
 * (`prdo`) cannot silently deploy the fallback. The value chosen is shown by `wedata plan`.
 * @example task("load").dlcSql("sql/load.sql", { engine: byTarget({ dev: "dlc_dev", prod: "dlc_prod" }) })
 * @example task("load").resourceGroup(byTarget({ prod: "rg_big" }, "rg_shared"))
 */
export function byTarget<T>(values: Readonly<Record<string, T>>, fallback?: T): T {
  const loc = shownLocation();
  const t = loading("byTarget()");
  const unknown = Object.keys(values).filter((k) => !t.declared.includes(k));
  if (unknown.length > 0)
    throw new DslError(
      "E_BY_TARGET_UNKNOWN",
      `byTarget() names ${unknown.map((k) => `"${k}"`).join(", ")}, which wedata.config.ts does not declare ` +
        `(targets: ${t.declared.join(", ")})`,
      loc,
      "use the target names of wedata.config.ts",
    );
  const has = Object.hasOwn(values, t.name);
  if (!has && fallback === undefined)
    throw new DslError(
      "E_BY_TARGET_MISSING",
      `byTarget() has no value for target "${t.name}" (it has ${Object.keys(values).join(", ") || "none"})`,
      loc,
      `add ${t.name}: ... to it, or pass a fallback as its second argument`,
    );
  const value = has ? (values[t.name] as T) : (fallback as T);
  (globalThis as Slots)[TARGET_VALUES]?.push({ loc, target: t.name, value });
  return value;
}
