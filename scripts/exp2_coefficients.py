#!/usr/bin/python3
"""The polynomial of the kernels' exp2 on CPU devices (cl/real.cl, EXP2_POLY).

2^x = 2^n * 2^f with n = floor(x) and f = x - n in [0, 1); 2^f is

    p(f) = 1 + f * (c1 + c2 f + ... + cd f^(d-1)),

so that p(0) = 1 exactly (a pair at distance 0 weighs exactly 1).  The
coefficients minimise the largest relative error |p(f) / 2^f - 1| over
[0, 1]: Lawson's iteration (weighted least squares whose weights grow where
the error is largest) on a dense grid, in 50-digit arithmetic, then each
coefficient rounded to the dtype.  The script prints the coefficients and
the largest relative error of the rounded polynomial evaluated in the dtype
by Horner's rule with one rounding per step (as an FMA does), against
mpmath's 2^f, over a grid finer than the fit's.

    /usr/bin/python3 scripts/exp2_coefficients.py       # needs numpy, mpmath
"""
import sys

import mpmath
import numpy as np

mpmath.mp.dps = 50


def fit(degree, points=600, rounds=60):
    """Near-minimax c1..cd for the relative error of p on [0, 1]."""
    grid = [mpmath.mpf(k) / (points - 1) for k in range(points)]
    target = [mpmath.power(2, f) for f in grid]
    weights = [mpmath.mpf(1) / points] * points
    coeffs = None
    for _ in range(rounds):
        # Relative error (1 + f g(f) - 2^f) / 2^f, linear in c1..cd.
        rows = [[f ** (k + 1) / t for k in range(degree)] for f, t in zip(grid, target)]
        rhs = [(t - 1) / t for t, f in zip(target, grid)]
        a = mpmath.matrix(degree, degree)
        v = mpmath.matrix(degree, 1)
        for row, r, w in zip(rows, rhs, weights):
            for i in range(degree):
                v[i] += w * row[i] * r
                for j in range(degree):
                    a[i, j] += w * row[i] * row[j]
        coeffs = mpmath.lu_solve(a, v)
        errors = [abs(sum(c * x for c, x in zip(coeffs, row)) - r) for row, r in zip(rows, rhs)]
        total = sum(w * e for w, e in zip(weights, errors))
        weights = [w * e / total for w, e in zip(weights, errors)]
    return [coeffs[i] for i in range(degree)]


def worst_error(coeffs, dtype, points=20001):
    """Largest |p(f) / 2^f - 1| with p evaluated in dtype, FMA-like."""
    rounded = [dtype(float(c)) for c in coeffs]
    worst = 0.0
    for k in range(points):
        f = dtype(k / (points - 1))
        acc = rounded[-1]
        for c in reversed(rounded[:-1]):
            acc = dtype(mpmath.mpf(float(acc)) * mpmath.mpf(float(f)) + mpmath.mpf(float(c)))
        p = dtype(mpmath.mpf(float(acc)) * mpmath.mpf(float(f)) + 1)
        exact = mpmath.power(2, mpmath.mpf(float(f)))
        worst = max(worst, float(abs(mpmath.mpf(float(p)) / exact - 1)))
    return worst


def main():
    for name, dtype, degree in (("float32", np.float32, 6), ("float64", np.float64, 11)):
        coeffs = fit(degree)
        eps = float(np.finfo(dtype).eps)
        print(f"{name}, degree {degree}: largest relative error "
              f"{worst_error(coeffs, dtype):.3g} ({worst_error(coeffs, dtype) / eps:.2f} eps)")
        for k, c in enumerate(coeffs, start=1):
            print(f"  c{k} = {mpmath.nstr(c, 21 if dtype is np.float64 else 12)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
