import { describe, expect, it } from 'vitest';
import { ZRoutingParams } from '@musar/model/routing';
import { ROUTING_CAPS, ZRoutingOverrides } from './routing-params';

const issues = (v: unknown) => {
  const r = ZRoutingOverrides.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the product routing schema (the model schema + the product caps)', () => {
  it('takes any subset of the parameters and fills in no defaults (a config or the model decides)', () => {
    const full = { startStep: 4, layers: [2, 3], beta: 8, threshold: 0.3, smoothing: 1 };
    expect(ZRoutingOverrides.parse(full)).toEqual(full);
    expect(ZRoutingOverrides.parse({ strength: [1, 1.5, 2] })).toEqual({ strength: [1, 1.5, 2] });
    expect(ZRoutingOverrides.parse({})).toEqual({});
  });

  it('refuses what the model refuses (its own bounds)', () => {
    expect(issues({ layers: [-1] })).toEqual(['layers.0: Too small: expected number to be >=0']);
    expect(issues({ threshold: 1.5 })).toEqual(['threshold: Too big: expected number to be <=1']);
    expect(issues({ startStep: 1.5 })).toHaveLength(1);
    expect(issues({ beta: 0 })).toEqual(['beta: Too small: expected number to be >0']);
    expect(issues({ beta: Number.NaN })).toHaveLength(1);
    expect(issues({ smoothing: -1 })).toHaveLength(1);
    expect(issues({ strength: [0] })).toHaveLength(1);
  });

  it('refuses beyond the product caps what the model itself would take', () => {
    const beyond = {
      startStep: ROUTING_CAPS.startStep + 1,
      layers: [ROUTING_CAPS.layer + 1],
      beta: Infinity,
      smoothing: ROUTING_CAPS.smoothing + 1,
      strength: [ROUTING_CAPS.strength + 1],
    };
    expect(ZRoutingParams.safeParse(beyond).success).toBe(true);
    expect(issues(beyond)).toEqual([
      'startStep: Too big: expected number to be <=1000',
      'layers.0: Too big: expected number to be <=64',
      'beta: Invalid input: expected number, received Infinity',
      'smoothing: Too big: expected number to be <=8',
      'strength.0: Too big: expected number to be <=10',
    ]);
    expect(issues({ beta: 2e6 })).toEqual(['beta: Too big: expected number to be <=1000000']);
    expect(issues({ strength: [1, 1, 1, 1, 1] })).toEqual([
      'strength: Too big: expected array to have <=4 items',
    ]);
    expect(issues({ layers: Array(65).fill(0) })).toHaveLength(1);
  });

  it('refuses unknown keys and the fixed map (the product reads routing from attention)', () => {
    expect(issues({ smoothing: 2, gamma: 1 })).toEqual([': Unrecognized key: "gamma"']);
    expect(issues({ fixedMap: [0] })).toEqual([': Unrecognized key: "fixedMap"']);
    expect(ZRoutingParams.safeParse({ fixedMap: [0] }).success).toBe(true);
  });

  it('every value it takes, the model takes too', () => {
    const atCaps = {
      startStep: ROUTING_CAPS.startStep,
      layers: Array(ROUTING_CAPS.layers).fill(ROUTING_CAPS.layer),
      beta: ROUTING_CAPS.beta,
      threshold: 1,
      smoothing: ROUTING_CAPS.smoothing,
      strength: Array(ROUTING_CAPS.subjects).fill(ROUTING_CAPS.strength),
    };
    expect(ZRoutingOverrides.parse(atCaps)).toEqual(atCaps);
    expect(ZRoutingParams.parse(atCaps)).toEqual(atCaps);
  });
});
