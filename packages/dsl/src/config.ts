/** A deployment target: one WeData project in one region. */
export interface TargetConfig {
  /** `ProjectId`, a 19-digit string. */
  readonly projectId: string;
  /** API region, e.g. `ap-guangzhou`. */
  readonly region: string;
  /** Override the API endpoint, e.g. `http://127.0.0.1:8080` for an emulator (also `WEDATA_ENDPOINT`). */
  readonly endpoint?: string;
  /** Project identifier used in input-parameter descriptions (`<project>.<task>.<param>`). */
  readonly projectIdentifier?: string;
}

/** The project file `wedata.config.ts`: which pipeline files to compile and where to deploy them. */
export interface ProjectConfig {
  /** Project name, shown in plans. */
  readonly name?: string;
  /** Pipeline files, relative to the config file; each module's exported workflows are compiled. */
  readonly pipelines: readonly string[];
  /** Targets by name. */
  readonly targets: Readonly<Record<string, TargetConfig>>;
  /** Target used when `--target` is not given; default the first. */
  readonly defaultTarget?: string;
}

/**
 * Declare the project. The CLI finds `wedata.config.ts` in the working directory (or `--cwd`).
 * @example
 * export default defineConfig({
 *   pipelines: ["pipelines/daily.ts"],
 *   targets: { prod: { projectId: "1460947878944567296", region: "ap-guangzhou" } },
 * });
 */
export function defineConfig<const C extends ProjectConfig>(config: C): C {
  return config;
}
