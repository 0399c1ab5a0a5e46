// One benchmark worker process: drains the `bench_noop` queue with pg-boss fetch/complete in a
// tight loop (no polling delay), batch size from argv, then prints how many jobs it completed.
import { createDb } from '@musar/db';
import { createBoss } from '@musar/core/jobs/boss';

const [url, batchArg] = process.argv.slice(2);
const batchSize = Number(batchArg ?? 1);
const handle = await createDb({ url: url!, maxConnections: 2 });
const boss = createBoss(handle);
await boss.start();
console.log('ready');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
let done = 0;
let idle = 0;
while (idle < 3) {
  const jobs = await boss.fetch('bench_noop', { batchSize });
  if (jobs.length === 0) {
    idle++;
    await new Promise((r) => setTimeout(r, 20));
    continue;
  }
  idle = 0;
  await boss.complete(
    'bench_noop',
    jobs.map((j) => j.id),
  );
  done += jobs.length;
}
console.log(JSON.stringify({ done }));
await boss.stop({ graceful: false, wait: true });
await handle.close();
process.exit(0);
