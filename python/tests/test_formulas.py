"""The logsumexp reduction and kernel_grad against NumPy references written
here: logsumexp by a max-shifted sum over the dense terms, the gradients by
central finite differences of kernel_sum in float64 and by closed forms."""

import numpy as np
import pytest

import anisocl
from _reference import metrics, random_gamma, terms
from conftest import D, M, N


def test_logsumexp_against_reference(ctx, rng):
    x, y = rng.random((M, D)), rng.random((N, D))
    b = rng.standard_normal(N) * 30.0                   # log-weights of any size
    gamma = random_gamma(rng, 1, D, D)[0]
    out = anisocl.kernel_sum(x, y, b, gamma, reduction="logsumexp")
    logs = np.log(terms(x, y, gamma, "fixed")) + b[None, :]
    top = logs.max(axis=1)
    expected = top + np.log(np.exp(logs - top[:, None]).sum(axis=1))
    # The header's bound: 1e-12 (1 + Σ_j p_j (|log f| + |b|)).
    p = np.exp(logs - expected[:, None])
    bound = 1e-12 * (1 + (p * np.abs(logs)).sum(axis=1) + (p * np.abs(b)).sum(axis=1))
    assert out.shape == (M,)
    assert np.all(np.abs(out - expected) <= bound)


def test_logsumexp_of_huge_weights_is_exact(ctx):
    x = np.array([[0.0, 0.0]])
    y = np.array([[0.0, 0.0], [5.0, 5.0]])
    b = np.array([1e30, -1e30])
    assert anisocl.kernel_sum(x, y, b, 1.0, reduction="logsumexp")[0] == 1e30


def test_bad_reduction_name(ctx):
    with pytest.raises(ValueError, match="reduction: 'max'"):
        anisocl.kernel_sum(np.zeros((2, 2)), np.zeros((3, 2)), np.ones(3), 1.0,
                           reduction="max")


def loss(x, y, b, gamma, a, gamma_var):
    return float(np.sum(a * anisocl.kernel_sum(x, y, b, gamma, gamma_var=gamma_var)))


@pytest.mark.parametrize("wrt", ["x", "y", "b", "gamma"])
def test_grad_against_finite_differences(ctx, rng, wrt):
    x, y, b = rng.random((M, D)), rng.random((N, D)), rng.standard_normal(N)
    gamma = random_gamma(rng, 1, D * D, D)              # (1, K): fixed, full
    a = rng.standard_normal(M)
    inputs = {"x": x, "y": y, "b": b, "gamma": gamma}
    grad = anisocl.kernel_grad(x, y, b, gamma, a, wrt)
    assert grad.shape == inputs[wrt].shape and grad.dtype == np.float64
    numeric = np.zeros_like(inputs[wrt])
    h = 1e-6
    for index in np.ndindex(*inputs[wrt].shape):
        plus = {k: v.copy() for k, v in inputs.items()}
        minus = {k: v.copy() for k, v in inputs.items()}
        plus[wrt][index] += h
        minus[wrt][index] -= h
        numeric[index] = (loss(plus["x"], plus["y"], plus["b"], plus["gamma"], a, "fixed") -
                          loss(minus["x"], minus["y"], minus["b"], minus["gamma"], a, "fixed")
                          ) / (2 * h)
    assert np.max(np.abs(grad - numeric)) <= 1e-6 * np.max(np.abs(numeric))


def test_grad_x_closed_form_per_j_float32(ctx, rng):
    x = rng.random((M, D)).astype(np.float32)
    y = rng.random((N, D)).astype(np.float32)
    b = rng.standard_normal((N, 3)).astype(np.float32)
    gamma = random_gamma(rng, N, D, D).astype(np.float32)   # per j, diagonal
    a = rng.standard_normal((M, 3)).astype(np.float32)
    grad = anisocl.kernel_grad(x, y, b, gamma, a, "x", gamma_var="j")
    G = metrics(gamma.astype(np.float64), D)                # (N, D, D)
    d = x.astype(np.float64)[:, None, :] - y.astype(np.float64)[None, :, :]
    c = a.astype(np.float64) @ b.astype(np.float64).T       # (M, N)
    fp = -terms(x, y, gamma, "j")                           # f' of the Gaussian
    sym = G + G.transpose(0, 2, 1)
    pair = np.einsum("nkl,mnl->mnk", sym, d) * (c * fp)[:, :, None]
    expected = pair.sum(axis=1)
    bound = 1e-5 * np.abs(pair).sum(axis=1)
    assert grad.shape == (M, D) and grad.dtype == np.float32
    assert np.all(np.abs(grad - expected) <= bound)


def test_grad_errors(ctx):
    x, y, b = np.zeros((2, 2)), np.zeros((3, 2)), np.ones(3)
    with pytest.raises(ValueError, match="wrt: 'z'"):
        anisocl.kernel_grad(x, y, b, 1.0, np.ones(2), "z")
    with pytest.raises(ValueError, match=r"a: shape \(3,\) is not \(2,\)"):
        anisocl.kernel_grad(x, y, b, 1.0, np.ones(3), "x")


@pytest.mark.parametrize("wrt", ["x", "b"])
def test_logsumexp_grad_closed_form(ctx, rng, wrt):
    """Softmax weights p_ij = f_ij exp(b_j − out_i), written here in NumPy:
    dL/dx_i = Σ_j a_i p_ij (−1) (Γ + Γᵀ)(x_i − y_j) and dL/db_j = Σ_i a_i p_ij
    for the Gaussian, with b of size 30 (the bound adds the exponent's
    inputs, as the header says)."""
    x, y = rng.random((M, D)), rng.random((N, D))
    b = rng.standard_normal(N) * 30.0
    gamma = random_gamma(rng, 1, D * D, D)[0]
    a = rng.standard_normal(M)
    grad = anisocl.kernel_grad(x, y, b, gamma, a, wrt, reduction="logsumexp")
    log_f = np.log(terms(x, y, gamma, "fixed"))
    out = anisocl.kernel_sum(x, y, b, gamma, reduction="logsumexp")
    p = np.exp(log_f + b[None, :] - out[:, None])            # (M, N)
    weight = a[:, None] * p
    size = 1 + np.abs(log_f) + np.abs(b)[None, :] + np.abs(out)[:, None]
    if wrt == "b":
        expected = weight.sum(axis=0)
        bound = 1e-12 * (np.abs(weight) * size).sum(axis=0)
    else:
        G = gamma.reshape(D, D)
        d = x[:, None, :] - y[None, :, :]
        pair = -weight[:, :, None] * np.einsum("kl,mnl->mnk", G + G.T, d)
        expected = pair.sum(axis=1)
        bound = 1e-12 * (np.abs(pair) * size[:, :, None]).sum(axis=1)
    assert grad.shape == {"x": x, "b": b}[wrt].shape
    assert np.all(np.abs(grad - expected) <= bound)


def test_truncated_sum_within_its_bound(ctx, rng):
    """tolerance=T: |out − exact| ≤ T Σ_j |b_j| (+ rounding), against the
    dense NumPy sum; narrow kernels, so that pairs are skipped."""
    x, y = rng.random((3000, 2)), rng.random((4000, 2))
    b = rng.standard_normal(4000)
    exact = (np.exp(-2000.0 * ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)) * b).sum(1)
    out = anisocl.kernel_sum(x, y, b, 2000.0, tolerance=1e-6)
    assert np.all(np.abs(out - exact) <= 1e-6 * np.abs(b).sum() + 1e-12 * np.abs(b).sum())
    with pytest.raises(ValueError, match="tolerance"):
        anisocl.kernel_sum(x, y, b, 2000.0, tolerance=-1.0)


def test_truncated_logsumexp_within_its_bound(ctx, rng):
    """reduction="logsumexp", tolerance=T: exact − log(1 + T Σ_j exp(b_j) /
    exp(out)) ≤ out ≤ exact (+ rounding), against the dense NumPy
    logsumexp; narrow kernels, so that pairs are skipped."""
    x, y = rng.random((3000, 2)), rng.random((4000, 2))
    b = rng.uniform(-1, 1, 4000)
    t = -2000.0 * ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1) + b
    top = t.max(1)
    exact = top + np.log(np.exp(t - top[:, None]).sum(1))
    out = anisocl.kernel_sum(x, y, b, 2000.0, reduction="logsumexp", tolerance=1e-6)
    rounding = 1e-12 * (1 + np.abs(exact))
    assert np.all(out <= exact + rounding)
    assert np.all(exact <= np.logaddexp(out, np.log(1e-6 * np.exp(b).sum())) + rounding)


def test_logsumexp_grad_given_forward_is_the_same(ctx, rng):
    """forward=kernel_sum(...): the same gradient, bit for bit (the library
    computes that very sum when not given it)."""
    x, y = rng.random((M, D)), rng.random((N, D))
    b = rng.standard_normal(N) * 3.0
    gamma = random_gamma(rng, 1, D * D, D)[0]
    a = rng.standard_normal(M)
    out = anisocl.kernel_sum(x, y, b, gamma, reduction="logsumexp")
    for wrt in ("x", "y", "b", "gamma"):
        plain = anisocl.kernel_grad(x, y, b, gamma, a, wrt, reduction="logsumexp")
        given = anisocl.kernel_grad(x, y, b, gamma, a, wrt, reduction="logsumexp", forward=out)
        assert np.array_equal(plain, given)
    with pytest.raises(ValueError, match="forward: shape"):
        anisocl.kernel_grad(x, y, b, gamma, a, "x", reduction="logsumexp", forward=out[:-1])
