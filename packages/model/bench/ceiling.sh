#!/usr/bin/env bash
# One process, then two independent processes at once, each timing tiny generation (s/image).
# Prints the throughput ratio: the hardware ceiling for the 1 -> 2 worker-thread speed-up.
set -euo pipefail
cd "$(dirname "$0")/.."
one=$(npx tsx bench/ceiling.ts "${1:-4}")
npx tsx bench/ceiling.ts "${1:-4}" > /tmp/ceiling.a & npx tsx bench/ceiling.ts "${1:-4}" > /tmp/ceiling.b; wait
a=$(cat /tmp/ceiling.a); b=$(cat /tmp/ceiling.b)
python3 -c "one=$one; a=$a; b=$b; print(f'| one process | two processes (each) | throughput ratio |'); print('|---|---|---|'); print(f'| {one:.3f} s/image | {a:.3f}, {b:.3f} s/image | {2*one/max(a,b):.2f}x |')"
