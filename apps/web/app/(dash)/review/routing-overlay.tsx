'use client';
// The output at pixel-exact scale with its routing map as a coloured overlay (toggle `o`); in
// paint mode the same grid is the canvas of the repaint, with a keyboard cursor.
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

export function RoutingOverlay({ item, cells, showOverlay, painting, cursor, onPaint, scale }: Props) {
  const map = item.routingMap;
  const w = (item.width ?? 32) * scale;
  const h = (item.height ?? 32) * scale;
  return (
    <div className="relative shrink-0 ring-1 ring-slate-300" style={{ width: w, height: h }} data-testid="output-view">
      {item.image ? (
        // eslint-disable-next-line @next/next/no-img-element
        <img src={item.image} alt="Generated output" width={w} height={h} style={{ imageRendering: 'pixelated', width: w, height: h }} />
      ) : (
        <div className="flex h-full items-center justify-center bg-slate-100 text-slate-500">No image</div>
      )}
      {map && cells && (showOverlay || painting) ? (
        <div
          className="absolute inset-0 grid"
          style={{ gridTemplateColumns: `repeat(${map.cols}, 1fr)`, gridTemplateRows: `repeat(${map.rows}, 1fr)` }}
          data-testid="routing-overlay"
          aria-label="Routing map overlay"
        >
          {cells.map((c, i) => (
            <div
              key={i}
              data-cell={i}
              data-subject={c}
              onClick={painting ? () => onPaint(i) : undefined}
              style={{ background: colorOf(c), opacity: 0.45, outline: painting && i === cursor ? '2px solid #0f172a' : undefined, outlineOffset: -2 }}
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
          <span className="inline-block h-3 w-3 rounded-sm" style={{ background: colorOf(s.index) }} />
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
