// The fault suite (issue 15): SIGKILL of the server process — the web server's job system with its
// runner, and the services its requests call — during a generation, a retrain, a revocation and a
// review decision; then a restart. After each: nothing lost, nothing duplicated, nothing stuck
// `running`, within one lease period (the restart reclaims what the dead process held:
// src/queue/reclaim.ts — pg-boss alone would wait for the job's expiry, 15 min to 4 h).
// On PGlite (a data folder, as `npm start`) and on PostgreSQL. Child processes on loopback only,
// every wait bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresTestDatabase } from '@musar/core/testing/jobs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The review lease in the child (MUSAR_REVIEW_LEASE_SECONDS); the longest a recovery may take. */
const LEASE_SECONDS = 8;
/** Recovery bound for jobs: far under the generate job's 15 min expiry. */
const RECOVERY_MS = 120_000;

type TChild = {
  proc: ChildProcess;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the child's JSON answers, read loosely
  send(cmd: string, args?: object, ms?: number): Promise<any>;
  lines: string[];
  waitLine(re: RegExp, ms?: number): Promise<void>;
};

function startChild(env: Record<string, string>): Promise<TChild> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'fault-child.ts')], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      MUSAR_THREADS: '1',
      MUSAR_REVIEW_LEASE_SECONDS: String(LEASE_SECONDS),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiting = new Map<number, (m: { result?: unknown; error?: string }) => void>();
  const watchers: { re: RegExp; done: () => void }[] = [];
  let next = 0;
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of [...watchers])
      if (w.re.test(line)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.done();
      }
    if (!line.startsWith('{"fault":true')) return;
    const m = JSON.parse(line) as { rid?: number; result?: unknown; error?: string };
    if (m.rid !== undefined) waiting.get(m.rid)?.(m);
  });
  proc.stderr!.on('data', (d: Buffer) => lines.push(d.toString()));
  const child: TChild = {
    proc,
    lines,
    waitLine: (re, ms = 90_000) =>
      new Promise((resolve, reject) => {
        if (lines.some((l) => re.test(l))) return resolve();
        const t = setTimeout(
          () => reject(new Error(`no line ${re} in ${ms} ms:\n${lines.slice(-20).join('\n')}`)),
          ms,
        );
        watchers.push({ re, done: () => (clearTimeout(t), resolve()) });
      }),
    send: (cmd, args = {}, ms = 120_000) =>
      new Promise((resolve, reject) => {
        const rid = next++;
        const t = setTimeout(
          () => reject(new Error(`${cmd}: no answer in ${ms} ms:\n${lines.slice(-20).join('\n')}`)),
          ms,
        );
        waiting.set(rid, (m) => {
          clearTimeout(t);
          if (cmd === 'state') lastSeen = { ...(m.result as object), logs: lines.slice(-8) };
          if (m.error) reject(new Error(`${cmd}: ${m.error}`));
          else resolve(m.result);
        });
        proc.stdin!.write(`${JSON.stringify({ rid, cmd, ...args })}\n`);
      }),
  };
  return child.waitLine(/"ready":true/, 180_000).then(() => child);
}

async function kill9(c: TChild): Promise<void> {
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGKILL');
  await exited;
}

let lastSeen: unknown = null;
async function until<T>(
  what: string,
  fn: () => Promise<T | false | null | undefined>,
  ms = RECOVERY_MS,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end)
      throw new Error(`timed out: ${what}; last state: ${JSON.stringify(lastSeen)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe.each(
  (process.env.FAULT_DRIVERS ?? 'pglite,postgres').split(',') as ('pglite' | 'postgres')[],
)('kill -9 of the server process (%s)', (driver) => {
  it(
    'during a generation, a retrain, a revocation and a review decision: restart recovers all',
    { timeout: 900_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'musar-fault-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const env: Record<string, string> = { MUSAR_DATA_DIR: dir, DATABASE_URL: '' };
      if (driver === 'postgres') {
        const pg = await createPostgresTestDatabase();
        await pg.handle.close();
        cleanups.push(() => pg.drop());
        env.FAULT_DATABASE_URL = pg.url;
      }
      let child = await startChild(env);
      cleanups.push(async () => void (child.proc.exitCode === null && child.proc.kill('SIGKILL')));
      const seed = await child.send('seed');
      const report: Record<string, unknown> = {};

      // 1. A generation: killed mid-sampling, its job `active` and the request `running`.
      const gen = await child.send('generate', { subjectIds: seed.toys, count: 3, steps: 40 });
      await until('the generation to make progress', async () => {
        const s = await child.send('state', { requestId: gen.requestId });
        return s.request.state === 'running' && s.request.progress > 0;
      });
      await kill9(child);
      let t0 = Date.now();
      child = await startChild(env);
      const afterRestart = await child.send('state', { requestId: gen.requestId });
      expect(afterRestart.request.state).not.toBe('running'); // reclaimed at start, before any work
      expect(afterRestart.active.generate ?? 0).toBeLessThanOrEqual(1); // no phantom: at most its new attempt
      const done = await until('the generation to succeed after the restart', async () => {
        const s = await child.send('state', { requestId: gen.requestId });
        return s.request.state === 'succeeded' && s;
      });
      report.generationRecoveredMs = Date.now() - t0;
      expect(done.outputs).toBe(3);
      expect(done.distinctIndexes).toBe(3);
      expect(done.running).toBe(0);
      expect(done.audit['generation.reclaimed']).toBe(1);
      expect(done.audit['generation.complete']).toBe(1);

      // 2. A retrain: killed while training; the restart puts the candidate back (`interrupted`,
      // its job waiting for its retry) — not `running` with nobody training it.
      await child.send('approve', { requestId: seed.requestId });
      const rt = await child.send('retrain');
      expect(rt?.jobId).toBeTruthy();
      await until(
        'the retrain to train',
        async () => {
          const s = await child.send('state', {});
          return s.training.some(
            (t: { job_id: string; status: string; step: number }) =>
              t.job_id === rt.jobId && t.status === 'running' && t.step >= 1,
          );
        },
        240_000,
      );
      await kill9(child);
      t0 = Date.now();
      child = await startChild(env);
      const rs = await child.send('state', {});
      report.retrainRecoveredMs = Date.now() - t0;
      const cands = rs.training.filter((t: { job_id: string }) => t.job_id === rt.jobId);
      expect(cands).toHaveLength(1); // one candidate per job, never two
      expect(cands[0].status).toBe('interrupted');
      expect(cands[0].state).toBe('candidate');
      expect(rs.retrainJobs.find((j: { id: string }) => j.id === rt.jobId)).toMatchObject({
        state: 'retry',
      });
      expect(rs.audit['model.retrain_reclaimed']).toBe(1);
      expect(rs.active.retrain ?? 0).toBe(0);

      // 3. A revocation: the server is killed while it runs (after 0–400 ms); whatever it reached,
      // the cascade committed whole or not at all. Then it is run again to the end.
      const subjectId = seed.itemSubjects[0];
      child.proc.stdin!.write(
        `${JSON.stringify({ rid: -1, cmd: 'revoke', admin: seed.admin, subjectId })}\n`,
      );
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
      await kill9(child);
      child = await startChild(env);
      const rv = await child.send('state', { subjectId });
      const revoked = rv.consent.every(Boolean);
      report.revocationCommittedBeforeKill = revoked;
      if (revoked) expect(Object.keys(rv.subjectOutputs)).toEqual(['withdrawn']);
      else {
        expect(rv.consent.some(Boolean)).toBe(false);
        expect(rv.subjectOutputs.withdrawn ?? 0).toBe(0);
      }
      await child.send('revoke', { admin: seed.admin, subjectId });
      const rv2 = await child.send('state', { subjectId });
      expect(rv2.consent.every(Boolean)).toBe(true);
      expect(Object.keys(rv2.subjectOutputs)).toEqual(['withdrawn']);

      // 4. Review decisions: two reviewers decide back to back; the server is killed mid-stream.
      const decideArgs = { reviewers: seed.reviewers, reviewRequestId: seed.reviewRequestId };
      child.proc.stdin!.write(`${JSON.stringify({ rid: -2, cmd: 'decideLoop', ...decideArgs })}\n`);
      await child.waitLine(/"decidedSome":true/);
      await kill9(child);
      t0 = Date.now();
      child = await startChild(env);
      const d1 = await child.send('state', decideArgs);
      expect(d1.reviews.dup).toBe(0); // never two live decisions by one reviewer on one item
      expect(d1.reviews.settled_wrong).toBe(0); // no item decided without its decision row
      // The dead process's leases run out within one lease period; then every item is claimable.
      await until(
        'the leases of the dead process to run out',
        async () => (await child.send('state', decideArgs)).reviews.leased === 0,
        (LEASE_SECONDS + 5) * 1000,
      );
      report.leasesFreedMs = Date.now() - t0;
      await child.send('decideLoop', decideArgs);
      const d2 = await child.send('state', decideArgs);
      expect(d2.reviews.dup).toBe(0);
      expect(d2.reviews.settled_wrong).toBe(0);

      // Finally: nothing stuck, no phantom active jobs in the metrics.
      const end = await child.send('state', {});
      expect(end.running).toBe(0);
      expect(
        end.training.filter(
          (t: { status: string }) => t.status === 'running' && !end.active.retrain,
        ),
      ).toEqual([]);
      expect(end.metrics.join('\n')).toMatch(/queue="generate",state="active"[^}]*\} 0/);
      console.log(`fault suite (${driver}):`, JSON.stringify(report));
      child.proc.stdin!.end();
      await new Promise((r) => child.proc.once('exit', r));
    },
  );
});
