import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const JOURNAL = join('meta', '_journal.json');

/** Where the committed migrations are: MUSAR_MIGRATIONS_DIR, else beside this package's source,
 * else found by walking up from the working directory (bundlers move this file). */
export function migrationsFolder(): string {
  const fromEnv = process.env.MUSAR_MIGRATIONS_DIR;
  if (fromEnv) return resolve(fromEnv);
  const candidates: string[] = [];
  try {
    // Built at run time so bundlers do not try to trace the folder as an asset.
    const here = fileURLToPath(import.meta.url);
    candidates.push(resolve(dirname(here), ['..', 'migrations'].join('/')));
  } catch {
    // not a file: URL once bundled
  }
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    candidates.push(join(dir, 'db', 'migrations'), join(dir, 'migrations'));
    if (dirname(dir) === dir) break;
  }
  const found = candidates.find((dir) => existsSync(join(dir, JOURNAL)));
  if (!found) throw new Error(`Cannot find db/migrations (set MUSAR_MIGRATIONS_DIR)`);
  return found;
}
