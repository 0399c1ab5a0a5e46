#!/usr/bin/env bash
# Builds the OpenBLAS matmul addon (blas.c → a Node addon, N-API 8, no node-gyp, no network).
# -O3: the elementwise loops (fused GELU) are vectorised only at -O3; -fopenmp-simd lets the
# layer-norm row sums vectorise (the `omp simd reduction` pragmas; no OpenMP runtime);
# -fno-math-errno lets sqrtf vectorise (the fused Adam update; sqrt is exact either way).
# usage: build.sh [OUT]   (default native/build/musar_blas-<hash>.node, the name the loader looks for:
#        the first 12 hex digits of sha256(blas.c ‖ build.sh), so an edited source is rebuilt)
# Needs a C compiler (cc/gcc) and OpenBLAS with its CBLAS header (Debian: gcc libopenblas-dev).
# Node's headers: $NODE_INCLUDE, else <node prefix>/include/node, /usr/include/node,
# /usr/local/include/node. src/model/native-matmul.ts runs this on demand (MUSAR_NATIVE=auto|on).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/build/musar_blas-$(cat "$here/blas.c" "$here/build.sh" | sha256sum | cut -c1-12).node}
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || { echo "build.sh: no C compiler ($cc)" >&2; exit 2; }
inc=${NODE_INCLUDE:-}
if [ -z "$inc" ]; then
  prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  for d in "$prefix/include/node" /usr/include/node /usr/local/include/node; do
    [ -f "$d/node_api.h" ] && { inc=$d; break; }
  done
fi
[ -n "$inc" ] && [ -f "$inc/node_api.h" ] || { echo "build.sh: node_api.h not found (set NODE_INCLUDE)" >&2; exit 2; }
blasinc=()
for d in /usr/include/openblas /usr/include/x86_64-linux-gnu/openblas-pthread; do
  [ -f "$d/cblas.h" ] && blasinc+=("-I$d")
done
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
"$cc" -O3 -fopenmp-simd -fno-math-errno -std=gnu11 -Wall -Wextra -shared -fPIC -fvisibility=hidden -I"$inc" "${blasinc[@]}" \
  "$here/blas.c" -o "$tmp" -lopenblas -lm
mv -f "$tmp" "$out"   # atomic: concurrent builds (worker threads, test files) never see half a file
# builds of older sources (other hashes) are never loaded again
find "$(dirname "$out")" -maxdepth 1 -name 'musar_blas-*.node' ! -name "$(basename "$out")" -delete
echo "$out"
