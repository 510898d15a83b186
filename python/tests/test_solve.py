"""anisocl.solve against numpy.linalg.solve on the dense K; the
LinearOperator with SciPy's own solvers."""

import inspect

import numpy as np
import pytest

import anisocl
from _reference import terms
from conftest import D

N_SOLVE = 40
GAMMA = np.array([20.0, 8.0])   # diagonal, PSD


def dense(x, gamma=GAMMA, lam=0.0, gamma_var="fixed"):
    return terms(x, x, gamma, gamma_var) + lam * np.eye(len(x))


def test_solve_float64_against_dense(ctx, rng):
    x = rng.random((N_SOLVE, D))
    b = rng.standard_normal(N_SOLVE)
    lam = 1e-2
    a, info = anisocl.solve(x, b, GAMMA, lam, tol=1e-12, return_info=True)
    assert a.shape == b.shape and a.dtype == np.float64
    expected = np.linalg.solve(dense(x, lam=lam), b)
    assert np.abs(a - expected).max() <= 1e-8 * np.abs(expected).max()
    assert info["residuals"].shape == (1,) and info["residuals"][0] <= 1e-12
    assert info["iterations"][0] >= 1
    residual = np.linalg.norm(dense(x, lam=lam) @ a - b) / np.linalg.norm(b)
    assert residual <= 1.5e-12


def test_solve_float32_columns(ctx, rng):
    x = rng.random((N_SOLVE, D)).astype(np.float32)
    b = rng.standard_normal((N_SOLVE, 3)).astype(np.float32)
    a = anisocl.solve(x, b, GAMMA.astype(np.float32), 1.0, tol=1e-5)
    assert a.shape == (N_SOLVE, 3) and a.dtype == np.float32
    expected = np.linalg.solve(dense(x, lam=1.0), b.astype(np.float64))
    assert np.abs(a - expected).max() <= 1e-4 * np.abs(expected).max()


def test_not_converged(ctx, rng):
    x = rng.random((N_SOLVE, D))
    b = rng.standard_normal(N_SOLVE)
    with pytest.raises(anisocl.NotConvergedError, match="did not reach tol = 1e-12 in 2 "
                       "iterations") as info:
        anisocl.solve(x, b, GAMMA, 1e-3, tol=1e-12, max_iter=2)
    error = info.value
    assert isinstance(error, RuntimeError)
    assert error.iterations.tolist() == [2]
    assert error.residuals.shape == (1,) and error.residuals[0] > 1e-12
    assert error.tol == 1e-12 and error.max_iter == 2


@pytest.mark.parametrize("change, pattern", [
    (dict(gamma=np.full((N_SOLVE, D), 5.0)), "per-point gamma makes K non-symmetric"),
    (dict(gamma=np.full((N_SOLVE, D), 5.0), gamma_var="i"), "per-point gamma"),
    (dict(lam=0.0), "lambda is 0: expected a finite number > 0"),
    (dict(gamma=np.array([5.0, -1.0])), "PSD|semi-definite"),
    (dict(b=np.ones(3)), r"b: shape \(3,\) is not \(40,\) or \(40, E\)"),
    (dict(kernel="nope"), "kernel: 'nope' is not a radial profile"),
])
def test_solve_refusals(ctx, rng, change, pattern):
    args = dict(x=rng.random((N_SOLVE, D)), b=np.ones(N_SOLVE), gamma=GAMMA, lam=1.0)
    args.update(change)
    with pytest.raises(ValueError, match=pattern):
        anisocl.solve(**args)


def scipy_tolerance(function, value):
    """SciPy renamed cg's tol to rtol (1.12) and removed tol (1.14)."""
    name = "rtol" if "rtol" in inspect.signature(function).parameters else "tol"
    return {name: value, "atol": 0.0}


def test_linear_operator_with_scipy_cg(ctx, rng):
    linalg = pytest.importorskip("scipy.sparse.linalg")
    x = rng.random((N_SOLVE, D))
    b = rng.standard_normal(N_SOLVE)
    lam = 1e-2
    operator = anisocl.KernelOperator(x, GAMMA, lam=lam, device=ctx)
    assert isinstance(operator, linalg.LinearOperator)
    assert operator.shape == (N_SOLVE, N_SOLVE) and operator.dtype == np.float64
    A = dense(x, lam=lam)
    np.testing.assert_allclose(operator @ b, A @ b, rtol=0, atol=1e-12 * np.abs(A).sum())
    a, status = linalg.cg(operator, b, **scipy_tolerance(linalg.cg, 1e-11), maxiter=1000)
    assert status == 0
    expected = np.linalg.solve(A, b)
    assert np.abs(a - expected).max() <= 1e-7 * np.abs(expected).max()
    operator.close()


def test_linear_operator_matmat_and_transpose(ctx, rng):
    linalg = pytest.importorskip("scipy.sparse.linalg")
    x32 = rng.random((N_SOLVE, D)).astype(np.float32)
    V = rng.standard_normal((N_SOLVE, 3)).astype(np.float32)
    operator = ctx.linear_operator(x32, GAMMA.astype(np.float32))
    assert operator.dtype == np.float32
    np.testing.assert_allclose(operator.matmat(V), dense(x32) @ V, rtol=0, atol=1e-4)
    # a per-i gamma: K is not symmetric; rmatvec applies its transpose
    x = rng.random((N_SOLVE, D))
    per_i = rng.uniform(5, 30, (N_SOLVE, 1))
    v = rng.standard_normal(N_SOLVE)
    with pytest.raises(ValueError, match="pass gamma_var='i'"):
        ctx.linear_operator(x, per_i)
    K = dense(x, per_i, gamma_var="i")
    op_i = ctx.linear_operator(x, per_i, gamma_var="i", lam=1.0)
    np.testing.assert_allclose(op_i.matvec(v), K @ v + v, atol=1e-12 * N_SOLVE)
    np.testing.assert_allclose(op_i.rmatvec(v), K.T @ v + v, atol=1e-12 * N_SOLVE)
    a, status = linalg.gmres(op_i, v, **scipy_tolerance(linalg.gmres, 1e-10), restart=N_SOLVE)
    assert status == 0
    np.testing.assert_allclose(a, np.linalg.solve(K + np.eye(N_SOLVE), v), atol=1e-8)
