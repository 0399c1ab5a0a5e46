// Signed distance functions of the shapes in unit coordinates: the shape fits the disc of
// radius 1, y points down (image convention), negative inside.
import { dcos, dsin } from './rng';
import type { TShape } from './subject';

type Polygon = { xs: Float64Array; ys: Float64Array };

function polygon(points: [number, number][]): Polygon {
  return { xs: Float64Array.from(points, (p) => p[0]), ys: Float64Array.from(points, (p) => p[1]) };
}

function regular(n: number, radius: number, phase: number): Polygon {
  return polygon(
    Array.from({ length: n }, (_, i) => {
      const a = phase + (i * 2 * Math.PI) / n;
      return [radius * dcos(a), radius * dsin(a)] as [number, number];
    }),
  );
}

function star(points: number, outer: number, inner: number): Polygon {
  return polygon(
    Array.from({ length: points * 2 }, (_, i) => {
      const a = -Math.PI / 2 + (i * Math.PI) / points;
      const r = i % 2 === 0 ? outer : inner;
      return [r * dcos(a), r * dsin(a)] as [number, number];
    }),
  );
}

function heart(): Polygon {
  // the classic parametric heart, scaled into the unit disc and centred on its bounding box
  const n = 28;
  const raw = Array.from({ length: n }, (_, i) => {
    const t = (i * 2 * Math.PI) / n;
    const s = dsin(t);
    const x = 16 * s * s * s;
    const y = -(13 * dcos(t) - 5 * dcos(2 * t) - 2 * dcos(3 * t) - dcos(4 * t));
    return [x, y] as [number, number];
  });
  const ys = raw.map((p) => p[1]);
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  return polygon(raw.map(([x, y]) => [x / 17.5, (y - cy) / 17.5] as [number, number]));
}

const POLYGONS: Partial<Record<TShape, Polygon>> = {
  triangle: regular(3, 1, -Math.PI / 2),
  diamond: polygon([
    [0, -1],
    [0.78, 0],
    [0, 1],
    [-0.78, 0],
  ]),
  hexagon: regular(6, 0.95, 0),
  star: star(5, 1, 0.5),
  heart: heart(),
};

export function sdPolygon(px: number, py: number, poly: Polygon): number {
  const { xs, ys } = poly;
  const n = xs.length;
  let d = (px - xs[0]!) * (px - xs[0]!) + (py - ys[0]!) * (py - ys[0]!);
  let s = 1;
  for (let i = 0, j = n - 1; i < n; j = i, i++) {
    const vix = xs[i]!;
    const viy = ys[i]!;
    const ex = xs[j]! - vix;
    const ey = ys[j]! - viy;
    const wx = px - vix;
    const wy = py - viy;
    let t = (wx * ex + wy * ey) / (ex * ex + ey * ey);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const bx = wx - ex * t;
    const by = wy - ey * t;
    const dd = bx * bx + by * by;
    if (dd < d) d = dd;
    const c1 = py >= viy;
    const c2 = py < ys[j]!;
    const c3 = ex * wy > ey * wx;
    if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) s = -s;
  }
  return s * Math.sqrt(d);
}

export function sdBox(px: number, py: number, hx: number, hy: number): number {
  const dx = Math.abs(px) - hx;
  const dy = Math.abs(py) - hy;
  const ox = dx > 0 ? dx : 0;
  const oy = dy > 0 ? dy : 0;
  const inside = dx > dy ? dx : dy;
  return Math.sqrt(ox * ox + oy * oy) + (inside < 0 ? inside : 0);
}

export function sdShape(shape: TShape, x: number, y: number): number {
  switch (shape) {
    case 'circle':
      return Math.sqrt(x * x + y * y) - 0.95;
    case 'square':
      return sdBox(x, y, 0.8, 0.8);
    case 'cross': {
      const a = sdBox(x, y, 0.95, 0.38);
      const b = sdBox(x, y, 0.38, 0.95);
      return a < b ? a : b;
    }
    default:
      return sdPolygon(x, y, POLYGONS[shape]!);
  }
}

/** Area (unit²) and centroid of each shape, computed once numerically: the scorer's initial pose. */
export const SHAPE_MOMENTS: Record<TShape, { area: number; cx: number; cy: number }> = (() => {
  const n = 200;
  const out = {} as Record<TShape, { area: number; cx: number; cy: number }>;
  for (const shape of [
    'circle',
    'square',
    'triangle',
    'diamond',
    'hexagon',
    'star',
    'cross',
    'heart',
  ] as TShape[]) {
    let inside = 0;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = -1 + (2 * (i + 0.5)) / n;
        const y = -1 + (2 * (j + 0.5)) / n;
        if (sdShape(shape, x, y) >= 0) continue;
        inside++;
        sx += x;
        sy += y;
      }
    out[shape] = { area: (4 * inside) / (n * n), cx: sx / inside, cy: sy / inside };
  }
  return out;
})();
