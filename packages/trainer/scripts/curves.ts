// Learning-curve charts for docs/learning-curves.md, drawn from the training logs.
//   npx tsx packages/trainer/scripts/curves.ts --out docs/curves/base.png [--title T] [--metrics a,b] SOURCE...
// A SOURCE is a run's train.log (its `eval` events), a packed run state (its curve), or a JSON-lines
// file of points ({run, samples, <metric>…}); `name=path` renames a run. One panel per metric,
// quality against samples seen (log scale), one line per run.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

type TPoint = { run: string; samples: number; metric: string; value: number };
const METRICS = [
  'shape',
  'body',
  'count',
  'relation',
  'background',
  'fidelity',
  'accent',
  'pattern',
  'glyph',
  'leakage',
];

function readPoints(source: string): TPoint[] {
  const [name, path] = source.includes('=')
    ? (source.split('=', 2) as [string, string])
    : [null, source];
  const run = name ?? basename(dirname(path)) + '/' + basename(path);
  let rows: Record<string, unknown>[];
  if (path.endsWith('.safetensors')) {
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    const meta = (
      JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as {
        __metadata__: Record<string, string>;
      }
    ).__metadata__;
    rows = (JSON.parse(meta['state.json']!) as { curve?: Record<string, unknown>[] }).curve ?? [];
  } else {
    rows = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.event === undefined || r.event === 'eval');
  }
  // plus the per-arrangement numbers of multi-subject curve points (`fidelity.above`, …)
  const perArrangement = (r: Record<string, unknown>) =>
    Object.keys(r).filter((k) => /^(fidelity|leakage)\./.test(k));
  return rows.flatMap((r) =>
    [...METRICS, ...perArrangement(r)]
      .filter((m) => typeof r[m] === 'number')
      .map((metric) => ({
        run: name ?? (typeof r.run === 'string' ? r.run : run),
        samples: Number(r.samples),
        metric,
        value: r[metric] as number,
      })),
  );
}

const { values, positionals } = parseArgs({
  options: {
    out: { type: 'string' },
    title: { type: 'string' },
    metrics: { type: 'string' },
    /** Only points from this many samples on, on a linear axis (to see a fork up close). */
    from: { type: 'string' },
  },
  allowPositionals: true,
});
if (!values.out || positionals.length === 0) {
  console.error(
    'usage: curves.ts --out FILE.png [--title T] [--metrics a,b] [--from SAMPLES] SOURCE...',
  );
  process.exit(2);
}
const from = values.from === undefined ? undefined : Number(values.from);
if (from !== undefined && !(from >= 0)) {
  console.error(`--from must be a number of samples (got ${values.from})`);
  process.exit(2);
}
const points = positionals
  .flatMap(readPoints)
  .filter((p) => from === undefined || p.samples >= from);
const wanted = values.metrics ? values.metrics.split(',') : METRICS;
const metrics = wanted.filter((m) => points.some((p) => p.metric === m));
const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: values.title ?? 'learning curve',
  data: { values: points.filter((p) => metrics.includes(p.metric)) },
  facet: { field: 'metric', type: 'nominal', sort: metrics, title: null },
  columns: Math.min(3, metrics.length),
  spec: {
    width: 260,
    height: 170,
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'samples',
        type: 'quantitative',
        scale: from === undefined ? { type: 'log' } : { zero: false },
        title: 'samples seen',
      },
      y: {
        field: 'value',
        type: 'quantitative',
        scale: from === undefined ? { domain: [0, 1] } : { zero: false },
        title: null,
      },
      color: {
        field: 'run',
        type: 'nominal',
        legend: { orient: 'bottom', columns: 2, labelLimit: 400 },
      },
    },
  },
  config: { background: 'white' },
};
const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
const svg = await view.toSVG();
writeFileSync(
  values.out,
  new Resvg(svg, { fitTo: { mode: 'zoom', value: 1.5 }, font: { loadSystemFonts: true } })
    .render()
    .asPng(),
);
console.log(
  `${values.out}: ${points.length} points, ${new Set(points.map((p) => p.run)).size} runs, ${metrics.join(', ')}`,
);
