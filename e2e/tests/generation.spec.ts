// Issue 6's e2e, embedded mode (PGlite + in-process runner with compute threads): an operator
// submits a generation from the dashboard, sees its progress while it runs, and its outputs reach
// the review queue. While it runs, dashboard requests are timed (p95 ≤ 100 ms: compute is off
// the web server's event loop).
import { expect, test, type APIRequestContext } from '@playwright/test';
import { signInAs } from './helpers';

async function trpc<T>(
  request: APIRequestContext,
  path: string,
  input: unknown,
  method: 'query' | 'mutation' = 'mutation',
): Promise<T> {
  const response =
    method === 'mutation'
      ? await request.post(`/api/trpc/${path}`, { data: input })
      : await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
  const body = await response.json();
  if (!response.ok()) throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.result.data as T;
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!;

/** Sequential dashboard requests (the generation list) for `ms`; their latencies. */
async function timeDashboard(request: APIRequestContext, ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const t0 = performance.now();
    await trpc(request, 'generation.list', { limit: 20, offset: 0 }, 'query');
    latencies.push(performance.now() - t0);
  }
  return latencies;
}

test('a generation submitted from the dashboard shows progress and lands in the review queue', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const tag = Date.now().toString(36);
  // Admin: two toy subjects with consent for generation.
  await signInAs(page, 'admin');
  const names = [`Gen A ${tag}`, `Gen B ${tag}`];
  for (const [i, name] of names.entries()) {
    const s = await trpc<{ id: string }>(page.request, 'subjects.createToy', {
      seed: 900 + i,
      views: 1,
      name,
    });
    await trpc(page.request, 'consents.grant', {
      subjectId: s.id,
      scope: 'generate',
      grantedBy: 'E2E rights holder',
      evidence: 'signed release (e2e)',
    });
  }

  // Operator: the request form.
  const operator = await browser.newPage();
  await signInAs(operator, 'operator');
  await operator.goto('/generation');
  const idle = await timeDashboard(operator.request, 3000);
  for (const name of names) await operator.getByLabel(name).check();
  await operator.getByLabel('Prompt').fill('a star toy left of a heart toy');
  // Long enough that the latency window below falls inside the compute, even on a quiet machine
  // with the shipped (merged-adapter) model.
  await operator.getByLabel('Images').fill('12');
  await operator.getByLabel('Steps').fill('100');
  await operator.getByRole('button', { name: 'Generate', exact: true }).click();

  const row = operator.getByTestId('generation-row').filter({ hasText: names[0]! }).first();
  await expect(row).toBeVisible();
  // Progress while it runs: state running and some steps done, before it finishes.
  await expect(row).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
  // honest progress, per sampling step: an image of 12 part-way through its 100 steps, the share
  // of all 1,200 steps, and what a step runs (the conditional pass and, as the shipped card sets
  // different prompt and reference guidance, two guidance passes)
  await expect(row.getByTestId('progress-text')).toHaveText(
    /^image ([1-9]|1[0-2]) of 12 · step ([1-9]|[1-9]\d) of 100 · \d{1,2}%$/,
    { timeout: 60_000 },
  );
  await expect(row.getByTestId('progress-cost')).toHaveText(
    'each step: 3 network passes (conditional + 2 guidance)',
  );
  const bar = row.getByRole('progressbar');
  await expect(bar).toHaveAttribute('max', '1200');
  await expect
    .poll(async () => Number(await bar.getAttribute('value')), { timeout: 30_000 })
    .toBeGreaterThan(0);

  // Dashboard latency while the generation computes.
  const busy = await timeDashboard(operator.request, 4000);
  const stillRunning = (await row.getAttribute('data-state')) === 'running';
  console.log(
    `dashboard p95: idle ${p95(idle).toFixed(1)} ms (${idle.length} requests), while generating ${p95(busy).toFixed(1)} ms (${busy.length} requests, still running: ${stillRunning})`,
  );
  test.info().annotations.push({
    type: 'p95-ms',
    description: `idle ${p95(idle).toFixed(1)}, generating ${p95(busy).toFixed(1)}`,
  });

  await expect(row).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
  await expect(row.getByTestId('outputs-count')).toHaveText('12/12 stored · in review queue');
  // the operator sees the images, each with its review state
  await expect(row.getByTestId('request-output')).toHaveCount(12);
  await expect(row.getByTestId('request-output').first()).toHaveAttribute(
    'data-state',
    'pending_review',
  );
  expect(stillRunning).toBe(true);
  // ≤ 100 ms, or — on a machine already slower than that when idle (a loaded CI host) — no worse
  // than idle by more than a quarter: the compute runs in a worker thread, not on this event loop.
  expect(p95(busy)).toBeLessThanOrEqual(Math.max(100, p95(idle) * 1.25));

  // Reviewer: the outputs are in the review queue, with routing maps and scores.
  const reviewer = await browser.newPage();
  await signInAs(reviewer, 'reviewer');
  const held = await trpc<{ items: { outputId: string }[] }>(reviewer.request, 'review.next', {
    hold: 5,
  });
  const items = await Promise.all(
    held.items.map((i) =>
      trpc<{ prompt: string; routingMap: unknown; scores: unknown }>(
        reviewer.request,
        'review.item',
        { outputId: i.outputId },
        'query',
      ),
    ),
  );
  const ours = items.filter((i) => i.prompt === 'a star toy left of a heart toy');
  expect(ours.length).toBeGreaterThanOrEqual(1);
  expect(ours[0]!.routingMap).not.toBeNull();
  expect(ours[0]!.scores).not.toBeNull();
});
