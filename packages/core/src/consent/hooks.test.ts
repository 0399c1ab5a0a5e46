// Issue 15, finding 4: the hooks registered by one bundle's copy of this module (Next's
// instrumentation hook) were invisible to another copy (the tRPC route's), so revocations through
// the dashboard cancelled no job. Two fresh module instances stand in for the two bundles.
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(async () => {
  (await import('./hooks')).resetConsentJobHooks();
});

describe('consent job hooks', () => {
  it('hooks registered through one copy of the module are seen by another copy', async () => {
    vi.resetModules();
    const instrumentation = await import('./hooks');
    vi.resetModules();
    const route = await import('./hooks');
    expect(route).not.toBe(instrumentation); // really two module instances
    const cancelGenerationJobs = vi.fn(async () => {});
    instrumentation.registerConsentJobHooks({ cancelGenerationJobs });
    expect(route.consentJobHooks().cancelGenerationJobs).toBe(cancelGenerationJobs);
  });
});
