#!/usr/bin/env python3
"""Kernel solve (K + lambda I) a = b: `anisocl solve` (conjugate gradients on
the device's kernel sums, no N x N matrix) against a dense solve in
NumPy/SciPy (K built in memory, Cholesky), side by side in one run.

Usage: bench/solve_bench.py [--n 20000] [--d 3] [--gamma 100] [--lam 1]
                            [--tol 1e-8] [--dense-max 30000]
Needs numpy and scipy (pip install numpy scipy); run from a built tree.
Prints the iterations, residuals and wall times; the figure the issue asks
for is the default: N = 2e4 points uniform in the unit cube, D = 3, float64,
Gaussian, G = 100 Id, lambda = 1, relative residual <= 1e-8.
"""
import argparse
import os

# The pip wheels' multithreaded OpenBLAS crashed in potrf at N = 2e4 here
# (segmentation fault, 2 threads; 1 thread works): the dense baseline runs
# on one thread unless the caller says otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import subprocess
import sys
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--d", type=int, default=3)
    parser.add_argument("--gamma", type=float, default=100.0)
    parser.add_argument("--lam", type=float, default=1.0)
    parser.add_argument("--tol", type=float, default=1e-8)
    parser.add_argument("--dense-max", type=int, default=30000,
                        help="largest N for the dense solve (8 N^2 bytes)")
    parser.add_argument("--program", default=os.path.join(os.path.dirname(__file__), "..",
                                                           "anisocl"))
    args = parser.parse_args()
    try:
        import numpy as np
        import scipy.linalg
    except ImportError:
        print("solve_bench: needs numpy and scipy (pip install numpy scipy)", file=sys.stderr)
        return 1

    rng = np.random.default_rng(20261127)
    x = rng.random((args.n, args.d))
    b = rng.random(args.n) * 2 - 1
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: os.path.join(tmp, name + ".npy") for name in ("x", "b", "g", "a")}
        np.save(paths["x"], x)
        np.save(paths["b"], b)
        np.save(paths["g"], np.array([args.gamma]))
        command = [args.program, "solve", "-x", paths["x"], "-b", paths["b"], "-g", paths["g"],
                   "--lambda", str(args.lam), "--tol", str(args.tol), "-o", paths["a"]]
        # The first run compiles the kernel (cached on disk); the second is
        # the one timed.
        subprocess.run(command[:1] + ["solve", "-x", paths["x"], "-b", paths["b"], "-g",
                                      paths["g"], "--lambda", "1", "--max-iter", "1",
                                      "--tol", "1e30", "-o", paths["a"], "--quiet"],
                       check=False, capture_output=True)
        start = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True)
        cg_seconds = time.perf_counter() - start
        if run.returncode != 0:
            print("solve_bench: anisocl solve failed: " + run.stderr.strip(), file=sys.stderr)
            return 1
        report = run.stderr.strip().splitlines()[-1]
        a = np.load(paths["a"])
    print(f"N = {args.n}, D = {args.d}, float64, gaussian, G = {args.gamma:g} Id, "
          f"lambda = {args.lam:g}, tol = {args.tol:g}")
    print(f"anisocl solve (CG, device sums): {cg_seconds:.2f} s wall, {report}")

    if args.n > args.dense_max:
        print(f"dense: skipped (N > --dense-max {args.dense_max}: K needs "
              f"{8 * args.n * args.n / 1e9:.1f} GB)")
        return 0
    start = time.perf_counter()
    sq = np.sum(x * x, axis=1)
    kernel = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    np.maximum(kernel, 0, out=kernel)
    kernel *= -args.gamma
    np.exp(kernel, out=kernel)
    build_seconds = time.perf_counter() - start
    kernel[np.diag_indices_from(kernel)] += args.lam
    start = time.perf_counter()
    # cho_factor/cho_solve (LAPACK potrf/potrs): scipy 1.17's
    # solve(assume_a="pos") crashed here at N = 2e4.
    a_dense = scipy.linalg.cho_solve(scipy.linalg.cho_factor(kernel, overwrite_a=True), b)
    solve_seconds = time.perf_counter() - start
    # cho_factor overwrote K: build it again for the residuals.
    kernel = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    np.maximum(kernel, 0, out=kernel)
    kernel *= -args.gamma
    np.exp(kernel, out=kernel)
    residual_cg = np.linalg.norm(kernel @ a + args.lam * a - b) / np.linalg.norm(b)
    residual_dense = np.linalg.norm(kernel @ a_dense + args.lam * a_dense - b) / np.linalg.norm(b)
    print(f"dense (NumPy K, scipy.linalg.cho_factor + cho_solve): {build_seconds:.2f} s to build "
          f"K ({8 * args.n * args.n / 1e9:.1f} GB) + {solve_seconds:.2f} s to solve")
    print(f"residuals by the dense K: anisocl {residual_cg:.3g}, dense {residual_dense:.3g}; "
          f"max |a - a_dense| / max |a_dense| = "
          f"{np.max(np.abs(a - a_dense)) / np.max(np.abs(a_dense)):.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
