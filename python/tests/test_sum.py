"""anisocl.kernel_sum against the double reference: every gamma mode and
dtype, the profiles, memory layouts, 1-D b, and gamma_var inference."""

import numpy as np
import pytest

import anisocl
from _reference import assert_close, random_gamma
from conftest import D, M, N

METRICS = {"iso": 1, "diag": D, "full": D * D}
# float64 sums use a 1-D b (E = 1, as anisocl demo), float32 ones E = 3.
E_OF = {np.float64: None, np.float32: 3}


def data(rng, dtype, E=None):
    x = rng.random((M, D)).astype(dtype)
    y = rng.random((N, D)).astype(dtype)
    b = rng.standard_normal(N if E is None else (N, E)).astype(dtype)
    return x, y, b


# Three float32 modes use the other radial profiles, so that every profile
# is checked without programs of its own (each costs a compile); the rest,
# float64 (shared with anisocl demo) included, are Gaussian.
PROFILE_OF = {(np.float32, "iso", "i"): "laplace", (np.float32, "diag", "j"): "cauchy",
              (np.float32, "full", "fixed"): "imq"}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("metric", list(METRICS))
@pytest.mark.parametrize("gamma_var", ["fixed", "i", "j"])
def test_every_mode_against_reference(ctx, rng, dtype, metric, gamma_var):
    x, y, b = data(rng, dtype, E_OF[dtype])
    K = METRICS[metric]
    rows = {"fixed": 1, "i": M, "j": N}[gamma_var]
    gamma = random_gamma(rng, rows, K, D).astype(dtype)
    kernel = PROFILE_OF.get((dtype, metric, gamma_var), "gaussian")
    out = anisocl.kernel_sum(x, y, b, gamma, gamma_var=gamma_var, kernel=kernel)
    assert out.dtype == dtype
    assert out.shape == ((M,) if b.ndim == 1 else (M, b.shape[1]))
    assert_close(out, x, y, b, gamma, gamma_var, kernel)
    # inferred from the shape (M != N): the same sum, bit for bit
    same = anisocl.kernel_sum(x, y, b, gamma, kernel=kernel)
    np.testing.assert_array_equal(same, out)


def test_every_profile_is_checked():
    assert set(PROFILE_OF.values()) | {"gaussian"} == set(anisocl.kernel_names())


def test_scalar_and_vector_gamma_are_one_row(ctx, rng):
    x, y, b = data(rng, np.float64)
    scalar = anisocl.kernel_sum(x, y, b, 4.0)
    np.testing.assert_array_equal(scalar, anisocl.kernel_sum(x, y, b, np.array(4.0)))
    np.testing.assert_array_equal(scalar, anisocl.kernel_sum(x, y, b, [4.0]))
    np.testing.assert_array_equal(scalar, anisocl.kernel_sum(x, y, b, [[4.0]]))
    assert_close(scalar, x, y, b, 4.0, "fixed")
    # a vector of K = D numbers is one diagonal metric, even if D == M or N
    diag = anisocl.kernel_sum(x, y, b, [4.0, 9.0])
    np.testing.assert_array_equal(diag, anisocl.kernel_sum(x, y, b, [[4.0, 9.0]]))


def test_fortran_order_and_views(ctx, rng):
    x, y, b = data(rng, np.float64)
    gamma = random_gamma(rng, 1, D * D, D)[0]
    expected = anisocl.kernel_sum(x, y, b, gamma)
    big = rng.random((2 * N, D + 3))
    big[::2, 1:1 + D] = y                      # y as a strided view
    wide_b = np.zeros((N, 4))
    wide_b[:, 2] = b                           # b as a column view
    wide_g = np.zeros((D * D, 3))
    wide_g[:, 1] = gamma                       # gamma as a column view
    views = (np.asfortranarray(x), big[::2, 1:1 + D], wide_b[:, 2], wide_g[:, 1])
    assert not any(v.flags.c_contiguous for v in views)
    np.testing.assert_array_equal(anisocl.kernel_sum(*views), expected)
    # Fortran order by transposition; a (1, K) row in Fortran order
    xt = np.ascontiguousarray(x.T).T
    np.testing.assert_array_equal(
        anisocl.kernel_sum(xt, y, b, np.asfortranarray(gamma[None, :])), expected)


def test_b_1d_and_column(ctx, rng):
    x, y, b = data(rng, np.float64)
    flat = anisocl.kernel_sum(x, y, b, 3.0)
    column = anisocl.kernel_sum(x, y, b[:, None], 3.0)
    assert flat.shape == (M,) and column.shape == (M, 1)
    np.testing.assert_array_equal(flat, column[:, 0])


def test_python_numbers_take_the_arrays_dtype(ctx, rng):
    x, y, b = data(rng, np.float32, 3)
    out = anisocl.kernel_sum(x, y.tolist(), b, 2.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, anisocl.kernel_sum(x, y, b, np.float32(2.0)))
    # no array at all: float64
    assert anisocl.kernel_sum([[0.0, 0.0]], [[0.0, 0.0]], [1.0], 1.0).dtype == np.float64


def test_gamma_var_inference(ctx, rng):
    x, y, b = data(rng, np.float64)
    per_i = random_gamma(rng, M, D, D)
    per_j = random_gamma(rng, N, D, D)
    np.testing.assert_array_equal(anisocl.kernel_sum(x, y, b, per_i),
                                  anisocl.kernel_sum(x, y, b, per_i, gamma_var="i"))
    np.testing.assert_array_equal(anisocl.kernel_sum(x, y, b, per_j),
                                  anisocl.kernel_sum(x, y, b, per_j, gamma_var="j"))
    one = per_j[:1]
    np.testing.assert_array_equal(anisocl.kernel_sum(x, y, b, one),
                                  anisocl.kernel_sum(x, y, b, one[0]))


def test_gamma_var_ambiguous_refused(ctx, rng):
    x, _, _ = data(rng, np.float64)
    b = rng.standard_normal(M)
    gamma = random_gamma(rng, M, D, D)
    with pytest.raises(ValueError, match=r"gamma: shape \(7, 2\) has 7 rows, which is both M "
                       r"\(the points of x\) and N \(the points of y\): pass gamma_var='i'"):
        anisocl.kernel_sum(x, x, b, gamma)
    out_i = anisocl.kernel_sum(x, x, b, gamma, gamma_var="i")
    out_j = anisocl.kernel_sum(x, x, b, gamma, gamma_var="j")
    assert_close(out_i, x, x, b, gamma, "i")
    assert_close(out_j, x, x, b, gamma, "j")


def test_empty_sizes(ctx, rng):
    x, y, b = data(rng, np.float64)
    assert anisocl.kernel_sum(x[:0], y, b, 1.0).shape == (0,)
    zeros = anisocl.kernel_sum(x, y[:0], b[:0], 1.0)
    np.testing.assert_array_equal(zeros, np.zeros(M))
