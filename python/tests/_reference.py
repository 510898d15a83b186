"""An independent double-precision reference for the tests: the dense M x N
matrix of terms, built with NumPy broadcasting (small sizes only)."""

import numpy as np

PROFILES = {
    "gaussian": lambda q: np.exp(-q),
    "laplace": lambda q: np.exp(-np.sqrt(np.maximum(q, 0.0))),
    "cauchy": lambda q: 1.0 / (1.0 + q),
    "imq": lambda q: 1.0 / np.sqrt(1.0 + np.maximum(q, 0.0)),
}


def metrics(gamma, D):
    """(rows, D, D) matrices from a gamma of K numbers per row."""
    g = np.atleast_2d(np.asarray(gamma, dtype=np.float64))
    if g.shape[1] == 1:
        return g[:, :, None] * np.eye(D)
    if g.shape[1] == D:
        return g[:, :, None] * np.eye(D)[None]
    return g.reshape(-1, D, D)


def terms(x, y, gamma, gamma_var, kernel="gaussian"):
    """(M, N) matrix f(q_ij) in double."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    G = metrics(gamma, x.shape[1])
    d = x[:, None, :] - y[None, :, :]
    if gamma_var == "fixed":
        q = np.einsum("mnk,kl,mnl->mn", d, G[0], d)
    elif gamma_var == "i":
        q = np.einsum("mnk,mkl,mnl->mn", d, G, d)
    else:
        q = np.einsum("mnk,nkl,mnl->mn", d, G, d)
    return PROFILES[kernel](q)


def kernel_sum(x, y, b, gamma, gamma_var, kernel="gaussian"):
    """(result, bound): Σ_j f(q_ij) b_j and Σ_j |f(q_ij) b_j| (the scale
    the library's error is stated against), in double, shaped like
    anisocl.kernel_sum's result."""
    T = terms(x, y, gamma, gamma_var, kernel)
    b = np.asarray(b, dtype=np.float64)
    return T @ b, np.abs(T) @ np.abs(b)


# float64: ~1e-12 of Σ|term| (include/anisocl.h); float32: 1e-5 (each term
# carries a few ulp of exp and of the metric in single precision).
TOLERANCE = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5}


def assert_close(result, x, y, b, gamma, gamma_var, kernel="gaussian"):
    """result within TOLERANCE[dtype] · Σ|term| of the reference, shape equal."""
    expected, bound = kernel_sum(x, y, b, gamma, gamma_var, kernel)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    tol = TOLERANCE[result.dtype] * np.maximum(bound, 1e-300)
    error = np.abs(result.astype(np.float64) - expected)
    assert np.all(error <= tol), "worst error %g, bound %g" % (error.max(), tol.max())


def random_gamma(rng, rows, K, D):
    """rows PSD metrics of K numbers each (K = D·D: A Aᵀ + I scaled)."""
    if K == D * D and D > 1:
        A = rng.standard_normal((rows, D, D))
        G = A @ A.transpose(0, 2, 1) + np.eye(D)
        return (3.0 * G).reshape(rows, K)
    return rng.uniform(1.0, 10.0, size=(rows, K))
