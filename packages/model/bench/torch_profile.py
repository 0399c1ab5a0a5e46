"""PyTorch counterpart of bench/profile.ts: torch.autograd.profiler over one training step and one
guided sampling step of the speed anchor's DiT (../shared/anchors/torch_dit_ref.py, tiny shape),
top ops by self CPU time, grouped into the same classes as profile.ts.

usage: python3 packages/model/bench/torch_profile.py [--root REPO_ROOT] [--batch 32] [--gen-batch 4]
       [--subjects 0] [--reps 3] [--threads 1] [--top 12] [--json]

The anchor script runs its own timing at import, so only its imports, literal constants and class
definitions are executed here (read with ast); the model is built from its DiT class. The training
step is the base task (prompt only, no references; --subjects 2 adds two references per sample):
rectified-flow interpolation, prompt dropout, forward, MSE, backward, global-norm clip at 1, Adam,
EMA, as our Trainer does. The sampling step is what our sampler evaluates per step at batch 4 with
classifier-free guidance (p = r = 3): the conditional rows against cached keys/values of prompt +
2 references, the reference-free rows against the null prompt's, the guided combination and the
Euler update. Markdown tables go to stdout; --json adds one JSON line at the end (for profile.ts).
"""

import argparse
import ast
import json
import statistics
import sys
import time
from pathlib import Path

CLASSES = ["matmul", "elementwise", "reductions", "softmax/norm", "data movement", "other"]

MATMUL = {"mm", "addmm", "bmm", "matmul", "linear", "baddbmm", "addbmm", "dot", "mv", "addmv"}
ELEMENTWISE = {
    "add", "add_", "sub", "sub_", "rsub", "mul", "mul_", "div", "div_", "neg", "exp", "log",
    "sin", "cos", "tanh", "tanh_backward", "sigmoid", "sigmoid_backward", "gelu",
    "gelu_backward", "silu", "silu_backward", "pow", "sqrt", "sqrt_", "rsqrt", "square",
    "addcmul_", "addcdiv_", "lerp_", "maximum", "minimum", "clamp", "clamp_", "clamp_min",
    "where", "abs", "sign", "ge", "lt", "gt", "le", "eq", "reciprocal", "mse_loss_backward",
    "threshold_backward", "relu", "masked_fill", "masked_fill_",
}
REDUCTIONS = {
    "sum", "mean", "max", "min", "amax", "amin", "norm", "linalg_vector_norm", "prod", "argmax",
    "var", "std", "var_mean", "std_mean", "mse_loss", "_foreach_norm",
}
SOFTMAX_NORM = {
    "softmax", "_softmax", "_softmax_backward_data", "log_softmax", "_log_softmax",
    "layer_norm", "native_layer_norm", "native_layer_norm_backward", "group_norm",
    "native_group_norm",
}
DATA = {
    "cat", "stack", "transpose", "t", "permute", "view", "reshape", "_reshape_alias",
    "_unsafe_view", "clone", "contiguous", "copy_", "split", "chunk", "unsafe_split",
    "split_with_sizes", "unsafe_chunk", "slice", "select", "narrow", "index_select", "index",
    "index_put_", "embedding", "embedding_backward", "embedding_dense_backward", "expand",
    "expand_as", "as_strided", "unbind", "unsqueeze", "squeeze", "squeeze_", "unsqueeze_",
    "flatten", "to", "_to_copy", "repeat", "slice_backward", "select_backward", "narrow_copy",
    "detach", "detach_", "alias", "scatter_add", "scatter_add_", "pad", "constant_pad_nd",
    "transpose_", "t_", "view_as",
}


def op_class(name: str) -> str:
    """Class of a profiler event: aten ops by name; autograd/optimizer wrappers are 'framework'."""
    if not name.startswith("aten::"):
        return "framework"
    op = name[len("aten::"):]
    if op.startswith("_foreach_"):
        return "reductions" if op == "_foreach_norm" else "elementwise"
    for cls, names in (
        ("matmul", MATMUL),
        ("elementwise", ELEMENTWISE),
        ("reductions", REDUCTIONS),
        ("softmax/norm", SOFTMAX_NORM),
        ("data movement", DATA),
    ):
        if op in names:
            return cls
    return "other"


def load_anchor(path: Path) -> dict:
    """The anchor's imports, literal constants (before its first class) and classes; no main."""
    tree = ast.parse(path.read_text(), str(path))
    keep: list[ast.stmt] = []
    seen_class = False
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            keep.append(node)
        elif isinstance(node, ast.ClassDef):
            seen_class = True
            keep.append(node)
        elif isinstance(node, ast.Assign) and not seen_class:
            try:
                ast.literal_eval(node.value)
            except ValueError:
                continue
            keep.append(node)
    ns: dict = {"__name__": "torch_dit_ref"}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(path), "exec"), ns)  # noqa: S102
    missing = [n for n in ("DiT", "D", "P", "NT", "NR", "NX") if n not in ns]
    if missing:
        raise RuntimeError(f"{path}: names not found: {', '.join(missing)}")
    return ns


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[3]))
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--gen-batch", type=int, default=4)
    ap.add_argument("--subjects", type=int, default=0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    anchor = Path(args.root) / ".." / "shared" / "anchors" / "torch_dit_ref.py"
    try:
        import torch
        import torch.nn.functional as F
        from torch.autograd.profiler import profile, record_function
    except ImportError as e:
        print(f"PyTorch not importable ({e}); no PyTorch profile.")
        if args.json:
            print(json.dumps({"error": f"torch not importable: {e}"}))
        return
    if not anchor.exists():
        print(f"PyTorch anchor not found at {anchor}; no PyTorch profile.")
        if args.json:
            print(json.dumps({"error": f"anchor not found: {anchor}"}))
        return

    ns = load_anchor(anchor)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    D, P, NT, NR, NX = ns["D"], ns["P"], ns["NT"], ns["NR"], ns["NX"]
    pix = P * P * 3
    m = ns["DiT"]()
    params = [p for p in m.parameters()]

    # --- training step (base task: prompt only) ------------------------------------------------
    B = args.batch
    text = torch.randint(1, 64, (B, NT))
    refs = torch.randn(B, args.subjects * NR, pix)
    x0 = torch.rand(B, NX, pix) * 2 - 1
    opt = torch.optim.Adam(params, 3e-4)
    ema = [p.detach().clone() for p in params]

    def train_step() -> float:
        m.train()
        with record_function("forward+backward"):
            t = torch.sigmoid(torch.randn(B))
            eps = torch.randn_like(x0)
            tb = t[:, None, None]
            xt = (1 - tb) * x0 + tb * eps
            keep = (torch.rand(B) >= 0.1).long()
            loss = F.mse_loss(m(xt, t, text * keep[:, None], refs), eps - x0)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            value = loss.item()
        with record_function("update"):
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            with torch.no_grad():
                torch._foreach_mul_(ema, 0.999)
                torch._foreach_add_(ema, params, alpha=0.001)
        return value

    # --- one guided sampling step (batch G, 2 subjects) ------------------------------------------
    G = args.gen_batch
    m.eval()
    with torch.no_grad():
        gtext = torch.randint(1, 64, (G, NT))
        grefs = torch.randn(G, 2 * NR, pix)
        cache = m.cond_kv(gtext, grefs)
        free = m.cond_kv(torch.zeros_like(gtext), grefs[:, :0])
    x = torch.randn(G, NX, pix)
    tg = torch.full((G,), 0.95)

    def sample_step() -> float:
        with torch.no_grad():
            v = m.forward_x(x, tg, cache)
            vf = m.forward_x(x, tg, free)
            v = vf + 3 * (v - vf)
            return float((x - v / 20).sum())

    def measure(step, reps: int) -> dict:
        step()  # warm-up
        walls = []
        for _ in range(reps):
            t0 = time.perf_counter()
            step()
            walls.append((time.perf_counter() - t0) * 1e3)
        # One profiler per rep; per op the median over reps of its self time (a shared machine).
        per_rep: list[dict[str, tuple[float, int]]] = []
        updates: list[float] = []
        profiled = 0.0
        for _ in range(reps):
            with profile() as prof:
                t0 = time.perf_counter()
                step()
                profiled += (time.perf_counter() - t0) * 1e3 / reps
            events = prof.key_averages()
            per_rep.append({e.key: (e.self_cpu_time_total / 1e3, e.count) for e in events})
            updates.append(sum(e.cpu_time_total / 1e3 for e in events if e.key == "update"))
        update = statistics.median_high(updates)
        names = {n for r in per_rep for n in r}
        ops = [
            {
                "name": n,
                "class": op_class(n),
                "ms": statistics.median_high([r.get(n, (0.0, 0))[0] for r in per_rep]),
                "calls": statistics.median_high([r.get(n, (0.0, 0))[1] for r in per_rep]),
            }
            for n in names
        ]
        ops.sort(key=lambda o: -o["ms"])
        by_class = {c: {"ms": 0.0, "calls": 0.0} for c in [*CLASSES, "framework"]}
        for o in ops:
            by_class[o["class"]]["ms"] += o["ms"]
            by_class[o["class"]]["calls"] += o["calls"]
        return {
            "wall": statistics.median_high(walls),
            "profiledWall": profiled,
            "total": sum(o["ms"] for o in ops),
            "update": update,
            "classes": by_class,
            "top": ops[: args.top],
            "ops": len(ops),
        }

    train = measure(train_step, args.reps)
    sample = measure(sample_step, args.reps)
    head = (
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
        f"{sum(p.numel() for p in params)} parameters, "
        f"anchor {Path('..', 'shared', 'anchors', anchor.name)}"
    )
    print(head, "\n")
    for title, r in (
        (f"training step, batch {B}, {args.subjects} subjects", train),
        (f"sampling step, batch {G} + {G} guidance rows, 2 subjects", sample),
    ):
        print(
            f"PyTorch {title}: wall {r['wall']:.1f} ms/rep unprofiled (median of {args.reps}), "
            f"{r['profiledWall']:.1f} ms/rep under the profiler; self CPU time of all "
            f"{r['ops']} ops {r['total']:.1f} ms/rep (each op's median over the reps, summed):\n"
        )
        print("| op (self CPU) | class | ms/rep | calls/rep | share |")
        print("|---|---|---|---|---|")
        for o in r["top"]:
            print(
                f"| {o['name']} | {o['class']} | {o['ms']:.2f} | {o['calls']:.0f} | "
                f"{100 * o['ms'] / r['total']:.1f}% |"
            )
        rest = r["total"] - sum(o["ms"] for o in r["top"])
        print(
            f"| other ({max(0, r['ops'] - len(r['top']))} ops) | | {rest:.2f} | | "
            f"{100 * rest / r['total']:.1f}% |\n"
        )
    if args.json:
        print(json.dumps({"head": head, "train": train, "sample": sample}))


if __name__ == "__main__":
    sys.exit(main())
