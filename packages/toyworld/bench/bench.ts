// Toy-world throughput: renders/s, dataset samples/s and scorer images/s, printed as a table.
// The training step rate to compare against is the model's (≈ 155–190 ms/sample on this CPU, §7 of
// DESIGN.md): the data pipeline must stay ≥ 10× faster than that.
import {
  DATASET_KINDS,
  renderReference,
  renderScene,
  sampleAt,
  scoreImage,
  suiteItem,
  generateSubject,
} from '../src/index';

// On a shared machine wall time depends on the neighbours; CPU time (this process) is the work itself.
type Row = { what: string; size: string; perSec: number; msEach: number; perCpuSec: number };
const rows: Row[] = [];

function measure(what: string, size: number, fn: (i: number) => void, budgetMs = 1500): void {
  for (let i = 0; i < 3; i++) fn(i); // warm-up (JIT)
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) fn(n++);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  rows.push({
    what,
    size: `${size}²`,
    perSec: (n * 1000) / ms,
    msEach: ms / n,
    perCpuSec: (n * 1000) / cpuMs,
  });
}

for (const size of [32, 64]) {
  measure('render: subject reference', size, (i) => renderReference(generateSubject(i), size));
  const scenes = Array.from({ length: 16 }, (_, i) => suiteItem('four-subject', i).scene);
  measure('render: 4-subject scene', size, (i) => renderScene(scenes[i % 16]!, size));
  for (const kind of DATASET_KINDS)
    measure(`dataset sample: ${kind}`, size, (i) => sampleAt(kind, 1, i, { size, refSize: 32 }));
}
for (const size of [32, 64])
  for (const name of ['two-subject', 'four-subject'] as const) {
    const items = Array.from({ length: 8 }, (_, i) => suiteItem(name, i));
    const images = items.map((it) => renderScene(it.scene, size).image);
    measure(
      `scorer: ${name}`,
      size,
      (i) => scoreImage(images[i % 8]!, items[i % 8]!.subjects, items[i % 8]!.prompt),
      3000,
    );
  }

const w = Math.max(...rows.map((r) => r.what.length));
const { loadavg, cpus } = await import('node:os');
console.log(
  `node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} (one thread used)\n`,
);
console.log(`| ${'what'.padEnd(w)} | size | per second (wall) | ms each (wall) | per CPU-second |`);
console.log(`|${'-'.repeat(w + 2)}|------|------------------:|---------------:|---------------:|`);
for (const r of rows)
  console.log(
    `| ${r.what.padEnd(w)} | ${r.size.padEnd(4)} | ${r.perSec.toFixed(0).padStart(17)} | ${r.msEach.toFixed(3).padStart(14)} | ${r.perCpuSec.toFixed(0).padStart(14)} |`,
  );
