// Renders runs/ablation/cells*.json as the markdown tables of docs/results.md.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TMetrics } from '../src/evaluate';

const dir = process.argv[2] ?? 'runs/ablation';
type TCell = { model: string; routing: string; suite: string; metrics: TMetrics; command: string };
const files = (await readdir(dir)).filter((f) => f.startsWith('cells') && f.endsWith('.json'));
const cells: TCell[] = [];
let truth: Record<string, TMetrics> = {};
let count = 0;
for (const f of files) {
  const j = JSON.parse(await readFile(join(dir, f), 'utf8')) as {
    cells: TCell[];
    truth: Record<string, TMetrics>;
    count: number;
  };
  cells.push(...j.cells);
  truth = { ...truth, ...j.truth };
  count = j.count;
}
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const order = ['base', 'single-ref', 'naive-diptych', 'static-routing', 'musar', 'oracle'];
for (const suite of ['two-subject', 'three-subject', 'four-subject']) {
  const rows = cells
    .filter((c) => c.suite === suite)
    .sort(
      (a, b) =>
        order.indexOf(a.model) - order.indexOf(b.model) || a.routing.localeCompare(b.routing),
    );
  if (!rows.length) continue;
  console.log(`\n### ${suite} (${count} held-out items)\n`);
  console.log(
    '| model | routing | fidelity | shape | body | accent | pattern | glyph | leakage ↓ | seam ↓ | seam rate ↓ | count | relation | background |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const t = truth[suite];
  if (t)
    console.log(
      `| ground-truth renders | – | ${f2(t.fidelity)} | ${f2(t.shape)} | ${f2(t.body)} | ${f2(t.accent)} | ${f2(t.pattern)} | ${f2(t.glyph)} | ${f2(t.leakage)} | ${f2(t.seam)} | ${f2(t.seamRate)} | ${f2(t.count)} | ${f2(t.relation)} | ${f2(t.background)} |`,
    );
  for (const c of rows) {
    const m = c.metrics;
    console.log(
      `| ${c.model} | ${c.routing} | ${f2(m.fidelity)} | ${f2(m.shape)} | ${f2(m.body)} | ${f2(m.accent)} | ${f2(m.pattern)} | ${f2(m.glyph)} | ${f2(m.leakage)} | ${f2(m.seam)} | ${f2(m.seamRate)} | ${f2(m.count)} | ${f2(m.relation)} | ${f2(m.background)} |`,
    );
  }
}
