/**
 * A package-lock.json for a project outside the repository that depends on packed wedata-kit tarballs,
 * with every other package pinned to the version and integrity of the repository's own lock: `npm ci
 * --offline` then installs it from the cache `npm ci` filled, with no registry access (an install without a
 * lock would need the registry's package metadata, which that cache does not hold).
 */
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

export interface RepoLock {
  packages: Record<string, LockEntry>;
}

/**
 * @param project  the project's package.json (its wedata-kit dependencies already `file:` tarball specs)
 * @param tarballs the packed workspace packages by name, with their package.json and tarball path
 */
export function offlineLock(
  repo: RepoLock,
  project: { name: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> },
  tarballs: ReadonlyMap<string, { manifest: LockEntry & { name: string }; file: string; repoPath: string }>,
): object {
  const out: Record<string, LockEntry> = {
    "": {
      name: project.name,
      ...(project.dependencies && { dependencies: project.dependencies }),
      ...(project.devDependencies && { devDependencies: project.devDependencies }),
    },
  };
  // Where a dependency of the package at `from` (a repository lock path) resolves: Node's lookup, from the
  // package's own node_modules up to the top.
  const locate = (from: string, name: string): string | undefined => {
    for (let dir = from; ; ) {
      const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (repo.packages[key]) return key;
      if (!dir) return undefined;
      const up = dir.lastIndexOf("/node_modules/");
      dir = up >= 0 ? dir.slice(0, up) : "";
    }
  };
  const seen = new Set<string>();
  const visit = (from: string, deps: Record<string, string>, optional: Set<string>) => {
    for (const name of Object.keys(deps)) {
      const packed = tarballs.get(name);
      if (packed) {
        const key = `node_modules/${name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const m = packed.manifest;
        out[key] = {
          version: m.version,
          resolved: `file:${packed.file}`,
          ...(m.license !== undefined && { license: m.license }),
          ...(m.dependencies && { dependencies: m.dependencies }),
          ...(m.optionalDependencies && { optionalDependencies: m.optionalDependencies }),
          ...(m.bin !== undefined && { bin: m.bin }),
          ...(m.engines !== undefined && { engines: m.engines }),
        };
        visit(
          packed.repoPath,
          { ...m.dependencies, ...m.optionalDependencies },
          new Set(Object.keys(m.optionalDependencies ?? {})),
        );
        continue;
      }
      const at = locate(from, name);
      if (!at) {
        if (optional.has(name)) continue;
        throw new Error(`${name}, needed by ${from || "the project"}, is not in the repository's lock`);
      }
      const key = at.startsWith("packages/")
        ? at.replace(/^packages\/([^/]+)\//, (_, p) => `node_modules/@wedata-kit/${p}/`)
        : at;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = repo.packages[at] as LockEntry;
      out[key] = entry;
      const requiredPeers = Object.fromEntries(
        Object.entries(entry.peerDependencies ?? {}).filter(([p]) => !entry.peerDependenciesMeta?.[p]?.optional),
      );
      visit(
        at,
        { ...entry.dependencies, ...entry.optionalDependencies, ...requiredPeers },
        new Set(Object.keys(entry.optionalDependencies ?? {})),
      );
    }
  };
  visit("", { ...project.dependencies, ...project.devDependencies }, new Set());
  return { name: project.name, lockfileVersion: 3, requires: true, packages: out };
}
