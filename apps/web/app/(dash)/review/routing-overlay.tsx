'use client';
// The output at pixel-exact scale. The routing map is off by default (`o` shows it) and, when
// shown, only outlines each subject's region in the subject's colour: the pixels the reviewer
// judges are never tinted. In paint mode the same grid is the canvas of the repaint (filled, so
// the painted cells are plain to see), with a keyboard cursor.
import { colorOf, type TItem } from './review-types';

type Props = {
  item: TItem;
  cells: number[] | null;
  showOverlay: boolean;
  painting: boolean;
  cursor: number;
  onPaint: (index: number) => void;
  scale: number;
};

/** Region edges of cell i: a side is drawn where the neighbour belongs to another subject. */
export function edgesOf(cells: number[], rows: number, cols: number, i: number) {
  const c = cells[i]!;
  const r = Math.floor(i / cols);
  const k = i % cols;
  const differs = (j: number | null) => j === null || cells[j] !== c;
  return {
    top: differs(r > 0 ? i - cols : null),
    bottom: differs(r < rows - 1 ? i + cols : null),
    left: differs(k > 0 ? i - 1 : null),
    right: differs(k < cols - 1 ? i + 1 : null),
  };
}

function cellStyle(
  cells: number[],
  rows: number,
  cols: number,
  i: number,
  painting: boolean,
  cursor: number,
) {
  const c = cells[i]!;
  if (painting) {
    return {
      background: colorOf(c),
      opacity: 0.45,
      outline: i === cursor ? '2px solid #0f172a' : undefined,
      outlineOffset: -2,
    };
  }
  if (c < 0) return {};
  const e = edgesOf(cells, rows, cols, i);
  const line = `2px solid ${colorOf(c)}`;
  return {
    borderTop: e.top ? line : undefined,
    borderBottom: e.bottom ? line : undefined,
    borderLeft: e.left ? line : undefined,
    borderRight: e.right ? line : undefined,
  };
}

export function RoutingOverlay({
  item,
  cells,
  showOverlay,
  painting,
  cursor,
  onPaint,
  scale,
}: Props) {
  const map = item.routingMap;
  const w = (item.width ?? 32) * scale;
  const h = (item.height ?? 32) * scale;
  return (
    <div
      className="relative shrink-0 ring-1 ring-slate-300"
      style={{ width: w, maxWidth: '100%', aspectRatio: `${w} / ${h}` }}
      data-testid="output-view"
    >
      {item.image ? (
        <img
          src={item.image}
          alt="Generated output"
          width={w}
          height={h}
          className="block h-full w-full"
          style={{ imageRendering: 'pixelated' }}
        />
      ) : (
        <div className="flex h-full items-center justify-center bg-slate-100 text-slate-500">
          No image
        </div>
      )}
      {map && cells && (showOverlay || painting) ? (
        <div
          className="absolute inset-0 grid"
          style={{
            gridTemplateColumns: `repeat(${map.cols}, 1fr)`,
            gridTemplateRows: `repeat(${map.rows}, 1fr)`,
          }}
          data-testid="routing-overlay"
          data-style={painting ? 'fill' : 'outline'}
          aria-label="Routing map overlay"
        >
          {cells.map((c, i) => (
            <div
              key={i}
              data-cell={i}
              data-subject={c}
              onClick={painting ? () => onPaint(i) : undefined}
              style={cellStyle(cells, map.rows, map.cols, i, painting, cursor)}
            />
          ))}
        </div>
      ) : null}
    </div>
  );
}

export function Legend({ item }: { item: TItem }) {
  return (
    <ul className="flex flex-wrap gap-3 text-xs" aria-label="Routing legend">
      {item.subjects.map((s) => (
        <li key={s.id} className="flex items-center gap-1">
          <span
            className="inline-block h-3 w-3 rounded-sm"
            style={{ background: colorOf(s.index) }}
          />
          <span>
            {s.index + 1} · {s.name}
          </span>
        </li>
      ))}
      <li className="flex items-center gap-1">
        <span className="inline-block h-3 w-3 rounded-sm ring-1 ring-slate-300" />
        <span>0 · background</span>
      </li>
    </ul>
  );
}
