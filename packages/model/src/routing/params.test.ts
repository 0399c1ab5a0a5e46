import { describe, expect, it } from 'vitest';
import { getPreset } from '../config';
import { InvalidRoutingError } from '../errors';
import { assertRoutingFits, parseRoutingParams, routingShapeOf, ZRoutingParams } from './params';

const ctx = { subjects: 2, grid: 6, depth: 2 };
const params = (p: object = {}) => parseRoutingParams(p, ctx);

describe('RoutingParams validation', () => {
  it('rejects NaN, bad lengths and out-of-range maps with InvalidRoutingError; accepts β = ∞', () => {
    expect(() => params({ beta: Number.NaN })).toThrow(InvalidRoutingError);
    expect(() => params({ threshold: Number.NaN })).toThrow(/threshold/);
    expect(() => params({ strength: [1] })).toThrow(/strength has 1 entries for 2 subjects/);
    expect(() => params({ layers: [5] })).toThrow(/< depth 2/);
    expect(() => params({ fixedMap: [0, 1] })).toThrow(/fixedMap needs 36 values/);
    expect(params({ beta: Infinity }).beta).toBe(Infinity);
    expect(params().layers).toEqual([]);
    expect(params()).toEqual(ZRoutingParams.parse({}));
  });

  it('checks values already parsed (defaults or not) against the model without parsing again', () => {
    expect(() => assertRoutingFits({}, ctx)).not.toThrow();
    expect(() => assertRoutingFits({ layers: [1], strength: [1, 2] }, ctx)).not.toThrow();
    expect(() => assertRoutingFits({ layers: [0, 2] }, ctx)).toThrow(
      new InvalidRoutingError('routing layers 0,2 must be < depth 2'),
    );
    expect(() => assertRoutingFits({ strength: [1, 1, 1] }, ctx)).toThrow(/3 entries for 2/);
    expect(() => assertRoutingFits({ fixedMap: Array(36).fill(2) }, ctx)).toThrow(/-1\.\.1/);
    expect(() => assertRoutingFits({ fixedMap: Array(36).fill(-1) }, ctx)).not.toThrow();
  });
});

describe('routingShapeOf', () => {
  const tiny = getPreset('tiny');
  const tinyShape = { depth: tiny.depth, grid: tiny.imageSize / tiny.patchSize };

  it('reads depth and grid from a stored config: the first config that names a depth', () => {
    expect(routingShapeOf({ depth: 3, imageSize: 32, patchSize: 4 })).toEqual({
      depth: 3,
      grid: 8,
    });
    expect(routingShapeOf({ ...getPreset('small') })).toEqual({
      depth: getPreset('small').depth,
      grid: getPreset('small').imageSize / getPreset('small').patchSize,
    });
    expect(routingShapeOf(null, {}, { depth: 2, imageSize: 48, patchSize: 4 })).toEqual({
      depth: 2,
      grid: 12,
    });
  });

  it('falls back to the tiny preset: no config, no depth, or a grid that does not divide', () => {
    expect(routingShapeOf()).toEqual(tinyShape);
    expect(routingShapeOf(undefined, { imageSize: 64 })).toEqual(tinyShape);
    expect(routingShapeOf({ depth: 5 })).toEqual({ depth: 5, grid: tinyShape.grid });
    expect(routingShapeOf({ depth: 5, imageSize: 30, patchSize: 4 })).toEqual({
      depth: 5,
      grid: tinyShape.grid,
    });
  });
});
