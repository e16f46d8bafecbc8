/** Extension key the deployer adds to every task it creates or updates, naming the owning project. */
export const OWNER_EXT_KEY = "wedata-kit.project";
/** Workflows carry the mark in `BundleInfo` (free text that round-trips through the API). */
export const BUNDLE_MARK = "wedata-kit";

export function workflowMark(project: string): string {
  return JSON.stringify({ managedBy: BUNDLE_MARK, project });
}

export function workflowOwner(bundleInfo: string | null | undefined): string | undefined {
  if (!bundleInfo) return undefined;
  try {
    const v = JSON.parse(bundleInfo) as { managedBy?: string; project?: string };
    return v.managedBy === BUNDLE_MARK ? v.project : undefined;
  } catch {
    return undefined;
  }
}

export function taskOwner(
  ext: ReadonlyArray<{ ParamKey?: string; ParamValue?: string }> | null | undefined,
): string | undefined {
  return ext?.find((e) => e.ParamKey === OWNER_EXT_KEY)?.ParamValue;
}
