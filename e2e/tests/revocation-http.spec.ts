// Issue 15 #4 at HTTP level, against the production build: a revocation made through the
// dashboard's tRPC route must run the cascade's job hooks (registered by the instrumentation hook,
// a different bundle of the same process). Two generations of a demo subject — one running on the
// embedded runner's only compute thread, one queued behind it — are revoked over HTTP; the
// pg-boss jobs of both must be `cancelled` (the hook), and the running one stopped through the
// hook's NOTIFY. Without the hooks the cascade only marks the requests, and the jobs end
// `completed` (the runner skips a cancelled request, or stops it at its next poll).
import { expect, test, type APIRequestContext } from '@playwright/test';
import { BASE_URL } from '../playwright.config';
import { demoCredentials } from './helpers';

type Role = 'admin' | 'operator';

async function signedIn(request: APIRequestContext, role: Role) {
  const { email, password } = demoCredentials()[role];
  const res = await request.post('/api/auth/sign-in/email', {
    data: { email, password },
    headers: { origin: BASE_URL },
  });
  expect(res.status()).toBe(200);
  return { cookie: res.headers()['set-cookie']!.split(';')[0]!, origin: BASE_URL };
}

async function trpc<T>(
  request: APIRequestContext,
  headers: Record<string, string>,
  path: string,
  input: unknown,
  method: 'GET' | 'POST' = 'POST',
): Promise<T> {
  const res =
    method === 'POST'
      ? await request.post(`/api/trpc/${path}`, {
          data: input,
          headers: { ...headers, 'content-type': 'application/json' },
        })
      : await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers,
        });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  expect(res.status(), `${path}: ${JSON.stringify(body.error)}`).toBe(200);
  return body.result!.data;
}

/** pg-boss's view, fleet-wide, as the web process's /metrics reads it at scrape time (states
 * before `completed`: created, retry, active). */
async function generateJobs(request: APIRequestContext): Promise<Record<string, number>> {
  const text = await (await request.get('/metrics')).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^musar_queue_jobs\{queue="generate",state="(\w+)"[^}]*\} (\d+)/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

test('revoking through HTTP cancels the queued and running generation jobs (job hooks in the tRPC bundle)', async ({
  request,
}) => {
  test.setTimeout(120_000);
  const operator = await signedIn(request, 'operator');
  const admin = await signedIn(request, 'admin');
  const { items } = await trpc<{ items: { id: string; name: string }[] }>(
    request,
    admin,
    'subjects.list',
    {},
    'GET',
  );
  expect(items.length).toBeGreaterThanOrEqual(3); // demo mode's toy subjects
  const [victim, other] = [items[0]!.id, items[1]!.id];

  const create = (seed: number) =>
    trpc<{ id: string }>(request, operator, 'generation.create', {
      subjectIds: [victim, other],
      prompt: 'a toy next to a toy',
      count: 16,
      steps: 50,
      seed,
    });
  const running = await create(1);
  const queued = await create(2);
  await expect
    .poll(
      async () =>
        (
          await trpc<{ state: string; progress: number }>(
            request,
            operator,
            'generation.get',
            { requestId: running.id },
            'GET',
          )
        ).progress,
      { timeout: 60_000 },
    )
    .toBeGreaterThan(0);
  expect(
    (
      await trpc<{ state: string }>(
        request,
        operator,
        'generation.get',
        { requestId: queued.id },
        'GET',
      )
    ).state,
  ).toBe('queued');

  const res = await trpc<{ cascade: { cancelledRequestIds: string[] } }>(
    request,
    admin,
    'consents.revokeAll',
    {
      subjectId: victim,
      reason: 'e2e: revoked over HTTP',
      scopes: ['generate'],
    },
  );
  expect(res.cascade.cancelledRequestIds.sort()).toEqual([running.id, queued.id].sort());

  // Both jobs cancelled in pg-boss by the hook, in the revoking transaction: at once neither is
  // waiting nor active any more (/metrics counts the states before `completed`).
  const after = await generateJobs(request);
  expect(after.created ?? 0).toBe(0);
  expect(after.active ?? 0).toBe(0);
  // … and the queued one is never fetched (no `skipped` outcome from the runner).
  await new Promise((r) => setTimeout(r, 3000));
  expect(await (await request.get('/metrics')).text()).not.toMatch(
    /musar_jobs_total\{[^}]*outcome="skipped"[^}]*\} [1-9]/,
  );
  for (const id of [running.id, queued.id])
    expect(
      (await trpc<{ state: string }>(request, operator, 'generation.get', { requestId: id }, 'GET'))
        .state,
    ).toBe('cancelled');

  // The running attempt was stopped by the hook's NOTIFY (not by its fallback poll).
  const csv = await (await request.get('/api/export/audit', { headers: admin })).text();
  const stopped = csv
    .split('\n')
    .find((l) => l.includes('generation.stopped') && l.includes(running.id));
  expect(stopped, 'generation.stopped audit entry').toBeDefined();
  expect(stopped).toMatch(/""via"":""notify""/);

  // Consent given again, so the specs after this one find the demo subject usable.
  await trpc(request, admin, 'consents.grant', {
    subjectId: victim,
    scope: 'generate',
    grantedBy: 'e2e',
    evidence: 'granted again after the revocation test',
  });
});
