#!/usr/bin/env python3
"""The KeOps anisotropic kernels tutorial with the anisocl Python package.

Three points y = (0.2, 0.7), (0.5, 0.3), (0.7, 0.5) with weights b = 1, 1,
0.5, summed on the 100 x 100 cell centres of the unit square for an
isotropic, a diagonal and a full metric, each uniform (one gamma) and
variable (one gamma per y_j): the six panels of ``anisocl demo`` (the same
data as cli/tutorial.c and the same grid as cli/grid.c), so the values agree
with its .npy files.

Usage: anisotropic_kernels.py OUTDIR [--kernel F] [--dtype float32|float64]
                                     [--device D] [--res 100]

Writes OUTDIR/<case>.npy (shape (res, res), row r = y index) and, when
matplotlib is installed, OUTDIR/anisotropic_kernels.png.
"""

import argparse
import os
import sys

import numpy as np

import anisocl


def inv2(sigma):
    """The tutorial states each metric as scales sigma: gamma = 1 / sigma^2."""
    return 1.0 / (sigma * sigma)


Y = np.array([[0.2, 0.7], [0.5, 0.3], [0.7, 0.5]])
B = np.array([1.0, 1.0, 0.5])

# (title, file stem, gamma): a 1-d gamma is one metric for every pair; a
# (3, K) gamma is one metric per y_j (gamma_var="j").
CASES = [
    ("Isotropic Uniform kernel", "isotropic_uniform", np.array([inv2(0.1)])),
    ("Diagonal Uniform kernel", "diagonal_uniform", np.array([inv2(0.2), inv2(0.1)])),
    ("Fully-Anisotropic Uniform kernel", "fully_anisotropic_uniform",
     np.array([inv2(0.2), inv2(0.25), inv2(0.25), inv2(0.1)])),
    ("Isotropic Variable kernel", "isotropic_variable",
     np.array([[inv2(0.15)], [inv2(0.07)], [inv2(0.3)]])),
    ("Diagonal Variable kernel", "diagonal_variable",
     np.array([[inv2(0.2), inv2(0.1)], [inv2(0.05), inv2(0.15)], [inv2(0.2), inv2(0.2)]])),
    ("Fully-Anisotropic Variable kernel", "fully_anisotropic_variable",
     np.array([[inv2(0.2), inv2(0.25), inv2(0.25), inv2(0.1)],
               [inv2(0.1), 0.0, 0.0, inv2(0.12)],
               [inv2(0.3), -inv2(0.25), -inv2(0.25), inv2(0.12)]])),
]


def grid(res):
    """The res x res cell centres of the unit square, (res*res, 2): as
    numpy.meshgrid(ticks, ticks) flattened, x varies along a row."""
    ticks = (np.arange(res) + 0.5) / res
    u, v = np.meshgrid(ticks, ticks)
    return np.stack([u.ravel(), v.ravel()], axis=1)


def compute(res=100, kernel="gaussian", dtype=np.float64, device=None):
    """{stem: (title, (res, res) array)} for the six panels."""
    context = anisocl.default_context(device)
    with context.array(grid(res).astype(dtype)) as x, \
            context.array(Y.astype(dtype)) as y, context.array(B.astype(dtype)) as b:
        panels = {}
        for title, stem, gamma in CASES:
            values = context.kernel_sum(x, y, b, gamma.astype(dtype),
                                        gamma_var="fixed" if gamma.ndim == 1 else "j",
                                        kernel=kernel)
            panels[stem] = (title, values.reshape(res, res))
    return panels


def draw(panels, path):
    """The 2 x 3 figure, as the KeOps tutorial draws it; False without
    matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axes = plt.subplots(2, 3, figsize=(12, 8))
    for axis, (title, values) in zip(axes.ravel(), panels.values()):
        axis.imshow(-values, cmap="RdBu", vmin=-1, vmax=1, origin="lower",
                    extent=(0, 1, 0, 1))
        axis.scatter(Y[:, 0], Y[:, 1], c="k", s=10)
        axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True


def main(argv=None):
    """Command line: see the module's docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--kernel", default="gaussian", choices=anisocl.kernel_names())
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    parser.add_argument("--device", default=None)
    parser.add_argument("--res", type=int, default=100)
    args = parser.parse_args(argv)
    panels = compute(args.res, args.kernel, np.dtype(args.dtype), args.device)
    os.makedirs(args.outdir, exist_ok=True)
    for stem, (title, values) in panels.items():
        path = os.path.join(args.outdir, stem + ".npy")
        np.save(path, values)
        print("wrote %s (%s)" % (path, title))
    figure = os.path.join(args.outdir, "anisotropic_kernels.png")
    if draw(panels, figure):
        print("wrote %s (2 x 3 panels)" % figure)
    else:
        print("no figure: matplotlib is not installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
