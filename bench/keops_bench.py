#!/usr/bin/env python3
"""KeOps on the same cases as bench_anisocl, for the ratio in the report.

Prints CSV lines with bench_anisocl's columns (impl = keops) on stdout and
progress on stderr.  When pykeops cannot be imported it prints one line
saying so and exits 0, so that bench/run.sh goes on without it.

    python3 bench/keops_bench.py [--quick] [--sizes 1e4] [--dims 2,3]
        [--dtypes f32,f64] [--modes all] [--reps 3] [--max-sum-seconds 60]
        [--wide-n 1e5]

The formula is KeOps' own anisotropic Gaussian:
    (-Vi(x).weightedsqdist(Vj(y), g)).exp() @ b
with g a parameter (fixed gamma), Vi(G) (one row per i) or Vj(G) (one row
per j), of 1, D or D*D numbers per row.  The first call of every formula
compiles it with g++ (seconds to a minute); it is made on a small problem
and never timed.  KeOps keeps its default summation (block sums).
"""
import argparse
import math
import os
import sys
import time

VARS = ("fixed", "per_i", "per_j")
KINDS = ("iso", "diag", "full")
SEED = 20261125


def flops_per_pair(kind, D, E):
    """The constant of bench/bench_util.c: diff D, metric, exp 1, 2E."""
    metric = {"iso": 2 * D + 1, "diag": 3 * D, "full": 2 * D * D + 2 * D}[kind]
    return D + metric + 1 + 2 * E


def parse_list(text, conv=float):
    return [conv(float(v)) for v in text.split(",") if v]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", default="1e4")
    ap.add_argument("--dims", default="2,3")
    ap.add_argument("--dtypes", default="f32,f64")
    ap.add_argument("--modes", default="all")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--max-sum-seconds", type=float, default=60.0)
    ap.add_argument("--max-case-seconds", type=float, default=90.0)
    ap.add_argument("--wide-n", default="",
                    help="also run M = 1e4 rows against these N (e.g. 1e5): "
                         "the pairs/s of M = N = 1e5 without its minutes")
    ap.add_argument("--header", action="store_true")
    args = ap.parse_args()

    cols = ("section,impl,device,dtype,D,E,mode,M,N,reps,median_s,min_s,max_s,"
            "pairs_per_s,gflops,flops_per_pair,status,note")
    if args.header:
        print(cols)
    try:
        import numpy as np
        import pykeops
        from pykeops.numpy import Pm, Vi, Vj
    except Exception as exc:  # ImportError, or a broken install
        print(f"# keops: pykeops is not importable ({exc.__class__.__name__}: {exc}); "
              "KeOps baseline not measured (pip install pykeops numpy)", flush=True)
        return 0

    threads = os.environ.get("OMP_NUM_THREADS", str(os.cpu_count()))
    device = f"KeOps {pykeops.__version__} CPU ({threads} threads)"
    modes = [(v, k) for v in VARS for k in KINDS
             if args.modes == "all" or f"{v}-{k}" in args.modes]
    dims = parse_list(args.dims, int)
    sizes = parse_list(args.sizes, int)
    wide = parse_list(args.wide_n, int) if args.wide_n else []
    dtypes = [d for d in ("f32", "f64") if d in args.dtypes]
    if args.quick:
        modes = [m for m in modes if m in (("fixed", "iso"), ("fixed", "diag"), ("fixed", "full"))]
        dtypes = ["f32"]
    rng = np.random.default_rng(SEED)

    def data(M, N, D, kind, var, dt):
        K = {"iso": 1, "diag": D, "full": D * D}[kind]
        rows = {"fixed": 1, "per_i": M, "per_j": N}[var]
        x = rng.random((M, D)).astype(dt)
        y = rng.random((N, D)).astype(dt)
        b = (0.5 + rng.random((N, 1))).astype(dt)
        if kind == "full":
            # Symmetric and diagonally dominant, as bench_util.c makes it.
            g = (rng.random((rows, D, D)) - 0.5) * 0.8 / D
            g = g + g.transpose(0, 2, 1)
            g[:, range(D), range(D)] = 1.0 + rng.random((rows, D))
            g = g.reshape(rows, K)
        else:
            g = 0.5 + rng.random((rows, K))
        return x, y, b, np.ascontiguousarray(g.astype(dt))

    def formula(x, y, b, g, var):
        if var == "fixed":
            gl = Pm(g[0])
        elif var == "per_i":
            gl = Vi(g)
        else:
            gl = Vj(g)
        return (-Vi(x).weightedsqdist(Vj(y), gl)).exp() @ b

    def row(section, dt, D, kind, var, M, N, times, status, note=""):
        fpp = flops_per_pair(kind, D, 1)
        if times:
            t = sorted(times)
            n = len(t)
            med = t[n // 2] if n % 2 else 0.5 * (t[n // 2 - 1] + t[n // 2])
            p = M * N / med
            vals = f"{n},{med:.6g},{t[0]:.6g},{t[-1]:.6g},{p:.6g},{p * fpp * 1e-9:.6g}"
        else:
            vals = "0,,,,,"
        print(f'{section},keops,"{device}",{dt},{D},1,{var}-{kind},{M},{N},{vals},'
              f'{fpp},{status},"{note}"', flush=True)

    def run(section, dt, D, kind, var, M, N, note=""):
        npdt = np.float32 if dt == "f32" else np.float64
        label = f"keops {dt} D={D} {var}-{kind} M={M} N={N}"
        # First call on a small problem: compiles, never timed.
        t0 = time.perf_counter()
        formula(*data(64, 64, D, kind, var, npdt), var)
        t_compile = time.perf_counter() - t0
        x, y, b, g = data(M, N, D, kind, var, npdt)
        # Warm-up on a part of the rows, which also estimates the case.
        mw = max(64, min(M, int(2e7 // N)))
        xw = x[:mw]
        gw = g[:mw] if var == "per_i" else g
        t0 = time.perf_counter()
        formula(xw, y, b, gw, var)
        est = (time.perf_counter() - t0) * M / mw
        if est > args.max_sum_seconds:
            print(f"  {label}: skipped (est {est:.0f} s per sum)", file=sys.stderr)
            row(section, dt, D, kind, var, M, N, None, "skipped",
                f"skipped: one sum estimated at {est:.0f} s ({M * N / est:.3g} pairs/s on {mw} rows)")
            return
        reps = args.reps
        if est * reps > args.max_case_seconds:
            reps = max(min(reps, 3), int(args.max_case_seconds / est))
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            formula(x, y, b, g, var)
            times.append(time.perf_counter() - t0)
        med = sorted(times)[len(times) // 2]
        print(f"  {label}: {M * N / med:.3g} pairs/s (median {med:.3g} s; "
              f"first call {t_compile:.1f} s)", file=sys.stderr)
        row(section, dt, D, kind, var, M, N, times, "ok",
            (note + "; " if note else "") + f"first (compiling) call {t_compile:.1f} s, excluded")

    print(f"# keops: {device}", file=sys.stderr)
    for dt in dtypes:
        for D in dims:
            for var, kind in modes:
                for n in sizes:
                    run("square", dt, D, kind, var, n, n)
                for n in wide:
                    run("wide", dt, D, kind, var, 10000, n,
                        "M = 1e4 rows against N: stands for M = N at this N")
    return 0


if __name__ == "__main__":
    sys.exit(main())
