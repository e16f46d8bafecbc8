import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export { PROJECT, sdkClient, sdkError, taskBody, b64 } from "../../../test/sdk.js";
export const repoRootFromEmulatorTest = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
