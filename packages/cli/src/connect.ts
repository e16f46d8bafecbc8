import { workFolder } from "./project-files.js";
import { checkEndpoint, connectSdk, credentialsFromEnvironment, type WedataApi } from "@wedata-kit/deployer";
import type { TargetConfig } from "@wedata-kit/dsl";

export interface Connection {
  readonly api: WedataApi;
  /** How the target is reached, for the plan header; never includes credentials. */
  readonly description: string;
  readonly kind: "embedded" | "endpoint" | "cloud";
  close(): Promise<void>;
}

/**
 * Decide where a target lives: an explicit endpoint (WEDATA_ENDPOINT or the target's `endpoint`), the
 * real cloud when credentials are configured, or else an embedded emulator with its data under
 * `.wedata/local/` in the project, so repeated runs see their earlier deploys.
 */
export async function connectTarget(
  root: string,
  target: TargetConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Connection> {
  const endpoint = env.WEDATA_ENDPOINT ?? target.endpoint;
  const credentials = await credentialsFromEnvironment(env);
  if (endpoint) {
    checkEndpoint(endpoint, env.WEDATA_ENDPOINT ? "WEDATA_ENDPOINT" : "the target's endpoint");
    const { DEFAULT_KEY_PAIR } = await import("@wedata-kit/emulator");
    const creds = credentials ?? { secretId: DEFAULT_KEY_PAIR.secretId, secretKey: DEFAULT_KEY_PAIR.secretKey };
    return {
      api: connectSdk({ endpoint, region: target.region, credentials: creds }),
      description: `endpoint ${endpoint}`,
      kind: "endpoint",
      close: async () => {},
    };
  }
  if (credentials) {
    return {
      api: connectSdk({ region: target.region, credentials }),
      description: `WeData ${target.region} (wedata.tencentcloudapi.com)`,
      kind: "cloud",
      close: async () => {},
    };
  }
  const { startEmulator, DEFAULT_KEY_PAIR } = await import("@wedata-kit/emulator");
  const dataDir = workFolder(root).folder("local");
  const emu = await startEmulator({ dataDir, keys: [DEFAULT_KEY_PAIR] });
  return {
    api: connectSdk({
      endpoint: emu.url,
      region: target.region,
      credentials: { secretId: DEFAULT_KEY_PAIR.secretId, secretKey: DEFAULT_KEY_PAIR.secretKey },
    }),
    description: `embedded local emulator (no credentials; data in .wedata/local)`,
    kind: "embedded",
    close: () => emu.stop(),
  };
}
