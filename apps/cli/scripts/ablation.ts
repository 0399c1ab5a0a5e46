// The ablation table of docs/results.md: every shipped model × {static routing only, dynamic
// routing} × held-out suites, each cell produced by the same code as `musar eval` (called in-process).
//   npx tsx apps/cli/scripts/ablation.ts --count 20 [--only musar,oracle] [--suites two-subject]
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSuiteDir } from '@musar/toyworld/io';
import { SUITE_NAMES, type TSuiteName } from '@musar/toyworld';
import { main as cli } from '../src/main';
import { groundTruthMetrics, type TMetrics } from '@musar/trainer';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20' },
    only: { type: 'string' },
    suites: { type: 'string' },
    out: { type: 'string', default: 'runs/ablation' },
  },
});
const count = Number(values.count);
const ROWS = [
  { id: 'base', label: 'untrained adapter (base only)' },
  { id: 'single-ref', label: 'single-reference LoRA' },
  { id: 'naive-diptych', label: 'naive diptych (no routing, one LoRA)' },
  { id: 'static-routing', label: '+ static routing (one LoRA)' },
  { id: 'musar', label: '+ dual-branch LoRA (MUSAR training)' },
  { id: 'oracle', label: 'oracle (multi-subject data)' },
];
const only = values.only?.split(',');
const suites = (values.suites?.split(',') ?? [...SUITE_NAMES]) as TSuiteName[];
const out = values.out!;

for (const suite of suites) {
  const dir = join(out, 'suites', suite);
  if (!existsSync(join(dir, 'suite.json'))) await writeSuiteDir(dir, suite, { count });
}

type TCell = {
  model: string;
  routing: 'static' | 'dynamic';
  suite: TSuiteName;
  metrics: TMetrics;
  seconds: number;
  command: string;
};
const cells: TCell[] = [];
for (const row of ROWS.filter((r) => !only || only.includes(r.id))) {
  for (const routing of ['static', 'dynamic'] as const)
    for (const suite of suites) {
      const o = join(out, row.id, routing, suite);
      const args = [
        'eval',
        '--model',
        `models/${row.id}`,
        '--suite',
        join(out, 'suites', suite),
        '--out',
        o,
        '--count',
        String(count),
        ...(routing === 'static' ? ['--no-routing'] : []),
      ];
      if (!existsSync(join(o, 'metrics.json'))) {
        const code = await cli(args, { out: () => undefined, err: () => undefined });
        if (code !== 0) throw new Error(`musar ${args.join(' ')} exited ${code}`);
      }
      const m = JSON.parse(await readFile(join(o, 'metrics.json'), 'utf8')) as {
        metrics: TMetrics;
        seconds: number;
      };
      cells.push({
        model: row.id,
        routing,
        suite,
        metrics: m.metrics,
        seconds: m.seconds,
        command: `node bin/musar.mjs ${args.join(' ')}`,
      });
      console.log(row.id, routing, suite, JSON.stringify(m.metrics));
    }
}
const truth = Object.fromEntries(suites.map((s) => [s, groundTruthMetrics(s, count, 32)]));
await mkdir(out, { recursive: true });
await writeFile(
  join(out, `cells${only ? '-' + only.join('_') : ''}.json`),
  JSON.stringify({ count, cells, truth }, null, 1),
);
