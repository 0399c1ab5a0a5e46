// The workspace rules of docs/architecture.md, checked on the tree itself:
//   - apps run things, packages hold libraries: nothing depends on an app;
//   - the workspace dependency graph has no cycle;
//   - every package.json declares what its code imports (workspaces and npm packages alike);
//   - code does not reach into another workspace by a relative path.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
type TPkg = {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
type TWorkspace = { dir: string; pkg: TPkg; isApp: boolean };

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as TPkg & {
  workspaces: string[];
};

export function listWorkspaces(): TWorkspace[] {
  const dirs = rootPkg.workspaces.flatMap((pattern) =>
    pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2))).map((d) => join(pattern.slice(0, -2), d))
      : [pattern],
  );
  return dirs
    .filter((d) => {
      try {
        return statSync(join(root, d, 'package.json')).isFile();
      } catch {
        return false;
      }
    })
    .map((dir) => ({
      dir,
      pkg: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as TPkg,
      isApp: dir.startsWith('apps/'),
    }));
}

const declared = (p: TPkg) =>
  new Set([
    ...Object.keys(p.dependencies ?? {}),
    ...Object.keys(p.devDependencies ?? {}),
    ...Object.keys(p.peerDependencies ?? {}),
  ]);

/** The workspace → workspace edges that package.json files declare. */
export function workspaceGraph(workspaces: TWorkspace[]): Map<string, string[]> {
  const names = new Set(workspaces.map((w) => w.pkg.name));
  return new Map(
    workspaces.map((w) => [w.pkg.name, [...declared(w.pkg)].filter((d) => names.has(d))]),
  );
}

/** One cycle of the graph (as a path that returns to its start), or null. */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

const SKIP_DIRS = new Set(['node_modules', '.next', '.turbo', 'dist', 'test-results', 'build']);
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) out.push(...sourceFiles(join(dir, entry.name)));
    } else if (/\.(m?ts|tsx|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
/** The module specifiers a source file imports (static, side-effect and literal dynamic). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

const packageOf = (spec: string) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
const builtins = new Set(builtinModules);
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtins.has(packageOf(spec));
/** Tooling a workspace may take from the root's devDependencies: in tests, configs and benches. */
const isToolingFile = (file: string) =>
  /(\.test\.tsx?|\.config\.m?ts|\/bench\/|\/test\/|\/testing\/|\/scripts\/)/.test(file);

describe('workspace rules', () => {
  const workspaces = listWorkspaces();
  const graph = workspaceGraph(workspaces);

  it('finds a cycle when one is planted, and none in the tree', () => {
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toBeNull();
    expect(findCycle(graph)).toBeNull();
  });

  it('has the workspaces the layout names', () => {
    const names = workspaces.map((w) => `${w.dir} ${w.pkg.name}`);
    for (const expected of [
      'packages/core @musar/core',
      'packages/model @musar/model',
      'packages/trainer @musar/trainer',
      'packages/runner @musar/runner',
      'apps/worker @musar/worker',
      'apps/web @musar/web',
    ])
      expect(names).toContain(expected);
  });

  it('the database schema modules import each other without a cycle', () => {
    const dir = join(root, 'db/src/schema');
    const modules = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const schemaGraph = new Map(
      modules.map((f) => [
        f.replace(/\.ts$/, ''),
        importsOf(readFileSync(join(dir, f), 'utf8'))
          .filter((spec) => spec.startsWith('./'))
          .map((spec) => spec.slice(2).replace(/\.ts$/, '')),
      ]),
    );
    expect(schemaGraph.get('lineage')).toEqual(expect.arrayContaining(['models', 'generation']));
    expect(findCycle(schemaGraph)).toBeNull();
  });

  it('no workspace depends on an app', () => {
    const apps = new Set(workspaces.filter((w) => w.isApp).map((w) => w.pkg.name));
    const offenders = [...graph].flatMap(([from, tos]) =>
      tos.filter((to) => apps.has(to)).map((to) => `${from} → ${to}`),
    );
    expect(offenders).toEqual([]);
  });

  it('every import is declared in its package.json, and none reaches into another workspace', () => {
    const rootTools = declared(rootPkg);
    const problems: string[] = [];
    for (const w of workspaces) {
      const own = declared(w.pkg);
      const base = join(root, w.dir);
      for (const file of sourceFiles(base)) {
        const rel = relative(root, file);
        for (const spec of importsOf(readFileSync(file, 'utf8'))) {
          if (spec.startsWith('.')) {
            const target = relative(root, resolve(dirname(file), spec));
            const inside = !target.startsWith('..') && target.startsWith(w.dir + sep);
            // configs may point at the shared test setup in db/src/testing
            if (!inside && !(rel.includes('.config.') && target.startsWith('db' + sep)))
              problems.push(`${rel}: relative import '${spec}' leaves ${w.dir}`);
            continue;
          }
          if (isBuiltin(spec) || spec.startsWith('@/') || spec.includes('${')) continue;
          const name = packageOf(spec);
          if (name === w.pkg.name || own.has(name)) continue;
          if (isToolingFile(rel) && rootTools.has(name)) continue;
          problems.push(`${rel}: imports ${name}, not declared in ${w.dir}/package.json`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
