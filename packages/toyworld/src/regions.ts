/**
 * Region map at a patch grid: for each of grid×grid patches of an H×W owner map, the subject index
 * with the most pixels in the patch, or -1 when subjects cover less than `minCoverage` of it.
 */
export function regionMapAtGrid(
  ownerMap: Int8Array,
  H: number,
  W: number,
  grid: number,
  minCoverage = 0.25,
): Int8Array {
  if (ownerMap.length !== H * W)
    throw new Error(`regionMapAtGrid: ownerMap has ${ownerMap.length} entries, expected ${H}x${W}`);
  if (H % grid !== 0 || W % grid !== 0)
    throw new Error(`regionMapAtGrid: grid ${grid} must divide ${H}x${W}`);
  const ph = H / grid;
  const pw = W / grid;
  const out = new Int8Array(grid * grid).fill(-1);
  const counts = new Int32Array(128);
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      counts.fill(0);
      let covered = 0;
      for (let y = gy * ph; y < (gy + 1) * ph; y++) {
        for (let x = gx * pw; x < (gx + 1) * pw; x++) {
          const o = ownerMap[y * W + x]!;
          if (o >= 0) {
            counts[o]!++;
            covered++;
          }
        }
      }
      if (covered === 0 || covered < minCoverage * ph * pw) continue;
      let best = 0;
      for (let s = 1; s < counts.length; s++) if (counts[s]! > counts[best]!) best = s;
      out[gy * grid + gx] = best;
    }
  }
  return out;
}

/**
 * The inverse of `regionMapAtGrid`: a g×g region map (row-major, -1 = background) expanded to a
 * size×size pixel owner map, each pixel taking its nearest cell.
 */
export function ownerMapFromGrid(cells: ArrayLike<number>, g: number, size: number): Int8Array {
  if (cells.length !== g * g)
    throw new Error(`ownerMapFromGrid: ${cells.length} cells, expected ${g}x${g}`);
  const out = new Int8Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      out[y * size + x] = cells[Math.floor((y * g) / size) * g + Math.floor((x * g) / size)]!;
  return out;
}
