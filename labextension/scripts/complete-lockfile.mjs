// Adds to package-lock.json the platform-specific optional packages that the
// npm registry reachable here does not serve (e.g. @rspack/binding-darwin-arm64).
//
// `npm install` leaves them out of the lockfile when it cannot fetch them, and
// `npm ci` then refuses the lockfile ("Missing: <name>@ from lock file"). With
// an entry that names its os/cpu/libc, npm ci skips the package, without
// fetching it, wherever that platform does not match. Run this after any
// `npm install` that changed the lockfile: `npm run lock:complete`.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCKFILE = new URL('../package-lock.json', import.meta.url);
const ABI_LIBC = { gnu: 'glibc', gnueabihf: 'glibc', musl: 'musl' };

/** Platform fields of a napi-rs binary package, from its name's suffix. */
function platformOf(name) {
  const match =
    /-(darwin|linux|win32|freebsd|android)-([a-z0-9]+)(?:-([a-z]+))?$/.exec(
      name
    );
  if (match) {
    const [, os, cpu, abi] = match;
    const libc = ABI_LIBC[abi];
    return libc
      ? { cpu: [cpu], libc: [libc], os: [os] }
      : { cpu: [cpu], os: [os] };
  }
  return name.endsWith('-wasm32-wasi') ? { cpu: ['wasm32'] } : null;
}

const lock = JSON.parse(readFileSync(LOCKFILE, 'utf8'));
const added = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(
    entry.optionalDependencies ?? {}
  )) {
    const key = `node_modules/${name}`;
    const platform = platformOf(name);
    if (lock.packages[key] || !platform || !/^\d+\.\d+\.\d+/.test(version)) {
      continue;
    }
    const { cpu, libc, os } = platform;
    lock.packages[key] = {
      version,
      cpu,
      ...(entry.dev ? { dev: true } : {}),
      ...(libc ? { libc } : {}),
      ...(entry.license ? { license: entry.license } : {}),
      optional: true,
      ...(os ? { os } : {})
    };
    added.push(
      `${name}@${version} (optional dependency of ${path.replace(/^node_modules\//, '')})`
    );
  }
}
const [root, ...rest] = Object.entries(lock.packages);
rest.sort(([a], [b]) => a.localeCompare(b, 'en'));
lock.packages = Object.fromEntries([root, ...rest]);
writeFileSync(LOCKFILE, JSON.stringify(lock, null, 2) + '\n');
console.log(
  added.length ? `Added:\n  ${added.join('\n  ')}` : 'Nothing to add.'
);
