import { describe, expect, it } from 'vitest';
import { edgesOf } from './routing-overlay';

describe('routing overlay outlines', () => {
  // 3×3: subject 0 in the top-left 2×2, background elsewhere
  const cells = [0, 0, -1, 0, 0, -1, -1, -1, -1];
  it('draws only the edges of a region, never its inside', () => {
    expect(edgesOf(cells, 3, 3, 0)).toEqual({ top: true, left: true, bottom: false, right: false });
    expect(edgesOf(cells, 3, 3, 4)).toEqual({ top: false, left: false, bottom: true, right: true });
  });
  it('a lone cell is outlined on all four sides', () => {
    expect(edgesOf([1], 1, 1, 0)).toEqual({ top: true, bottom: true, left: true, right: true });
  });
});
