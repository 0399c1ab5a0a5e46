// Routing maps at token resolution: per target token, the subject index (0..k-1) or -1 for
// background. The worker stores them as JSON; we accept a flat square array, rows, or
// { rows, cols, cells }, and write a correction back in the same layout as the original.
import { ServiceError } from '../common/errors';

export type TGrid = { rows: number; cols: number; cells: number[] };
type Layout = 'flat' | 'rows' | 'object';

const isIntArray = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x));

/** The grid of a stored routing map and its layout, or null when there is none / it is unreadable. */
export function readRoutingMap(value: unknown): (TGrid & { layout: Layout }) | null {
  if (isIntArray(value)) {
    const side = Math.round(Math.sqrt(value.length));
    return side > 0 && side * side === value.length
      ? { rows: side, cols: side, cells: value, layout: 'flat' }
      : null;
  }
  if (Array.isArray(value) && value.length > 0 && value.every(isIntArray)) {
    const cols = value[0]!.length;
    if (cols === 0 || !value.every((r) => r.length === cols)) return null;
    return { rows: value.length, cols, cells: value.flat(), layout: 'rows' };
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const cells = o.cells ?? o.map ?? o.data;
    const rows = Number(o.rows ?? o.grid ?? o.height);
    const cols = Number(o.cols ?? o.grid ?? o.width);
    if (
      isIntArray(cells) &&
      Number.isInteger(rows) &&
      Number.isInteger(cols) &&
      rows * cols === cells.length
    ) {
      return { rows, cols, cells, layout: 'object' };
    }
  }
  return null;
}

/** The correction in the original map's layout, so retraining reads both the same way. */
export function writeRoutingMap(grid: TGrid, layout: Layout): unknown {
  if (layout === 'flat') return grid.cells;
  if (layout === 'rows')
    return Array.from({ length: grid.rows }, (_, r) =>
      grid.cells.slice(r * grid.cols, (r + 1) * grid.cols),
    );
  return { rows: grid.rows, cols: grid.cols, cells: grid.cells };
}

/** Refuses a repaint whose size differs from the output's map or that names an unknown subject. */
export function validateRepaint(
  repaint: TGrid,
  original: TGrid | null,
  subjectCount: number,
): void {
  if (!original)
    throw new ServiceError('PRECONDITION_FAILED', 'This output has no routing map to repaint');
  if (
    repaint.rows !== original.rows ||
    repaint.cols !== original.cols ||
    repaint.cells.length !== original.rows * original.cols
  ) {
    throw new ServiceError(
      'BAD_REQUEST',
      `Repaint is ${repaint.rows}×${repaint.cols} with ${repaint.cells.length} cells; this output's routing map is ${original.rows}×${original.cols} (${original.rows * original.cols} cells)`,
    );
  }
  const bad = repaint.cells.find((c) => !Number.isInteger(c) || c < -1 || c >= subjectCount);
  if (bad !== undefined) {
    throw new ServiceError(
      'BAD_REQUEST',
      `Repaint names unknown subject ${bad}: this output has ${subjectCount} subjects (0..${subjectCount - 1}) and -1 for background`,
    );
  }
}

/** Intersection over union of one subject's region in two maps; null when neither has it. */
export function regionIoU(a: number[], b: number[], subject: number): number | null {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] === subject;
    const y = b[i] === subject;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? null : inter / union;
}
