// Issue 15, Lower: the worker's /metrics server (no authentication) was bound to all interfaces.
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseWorkerEnv } from './config';
import { serveMetrics } from './http';
import type { TMetrics } from '@musar/runner/metrics';

const metrics = { registry: new Registry() } as unknown as TMetrics;

describe('worker metrics server', () => {
  it('binds loopback unless METRICS_HOST says otherwise', async () => {
    expect(parseWorkerEnv({}).METRICS_HOST).toBe('127.0.0.1');
    expect(parseWorkerEnv({ METRICS_HOST: '0.0.0.0' }).METRICS_HOST).toBe('0.0.0.0');
    expect(() => parseWorkerEnv({ METRICS_HOST: 'not a host; rm -rf' })).toThrow(/METRICS_HOST/);
    const local = await serveMetrics(metrics, 0);
    try {
      expect((local.address() as AddressInfo).address).toBe('127.0.0.1');
      const res = await fetch(`http://127.0.0.1:${(local.address() as AddressInfo).port}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      local.close();
    }
    const all = await serveMetrics(metrics, 0, () => true, '0.0.0.0');
    try {
      expect((all.address() as AddressInfo).address).toBe('0.0.0.0');
    } finally {
      all.close();
    }
  });
});
