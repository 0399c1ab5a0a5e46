/** A number with `d` decimals, or — when missing or not finite. */
export const f = (x: number | undefined, d = 1) =>
  x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d);

/** Appends a markdown table (and a blank line) to `out`. */
export function pushTable(out: string[], head: string[], body: string[][]): void {
  out.push(
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
    '',
  );
}
