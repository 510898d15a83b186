"""Errors: which exception, and a message naming the argument, its shape and
what was expected (checked in Python), or the library's own message."""

import os
import subprocess
import sys

import numpy as np
import pytest

import anisocl
from conftest import D, M, N


@pytest.fixture
def xyb(rng):
    return rng.random((M, D)), rng.random((N, D)), rng.random(N)


@pytest.mark.parametrize("change, pattern", [
    (dict(x=np.ones(M)), r"^x: shape \(7,\) is not \(M, D\)$"),
    (dict(y=np.ones((N, 3))), r"^y: shape \(5, 3\) has D = 3 columns but x has D = 2; "
                              r"expected \(N, 2\)$"),
    (dict(y=np.ones(N)), r"^y: shape \(5,\) is not \(N, D\)$"),
    (dict(b=np.ones(4)), r"^b: shape \(4,\) has 4 rows but y has N = 5; expected \(5,\) "
                         r"or \(5, E\)$"),
    (dict(b=np.ones((N, 2, 1))), r"^b: shape \(5, 2, 1\) is neither \(N,\) nor \(N, E\)$"),
    (dict(b=np.ones((N, 0))), r"^b: shape \(5, 0\) has E = 0 columns$"),
    (dict(gamma=np.ones(3)), r"^gamma: shape \(3,\) gives K = 3, which is not 1, D = 2 or "
                             r"D\*D = 4$"),
    (dict(gamma=np.ones((1, 2, 2))), r"^gamma: shape \(1, 2, 2\) has 3 dimensions; expected "
                                     r"\(K,\) or \(rows, K\)$"),
    (dict(gamma=np.ones((4, 2))), r"^gamma: shape \(4, 2\) has 4 rows; a \(rows, K\) gamma "
                                  r"needs 1 row \(fixed\), M = 7 \(one per point of x\) or "
                                  r"N = 5 \(one per point of y\)$"),
    (dict(gamma=np.ones((N, 2)), gamma_var="i"), r"^gamma: shape \(5, 2\) has 5 rows but "
                                                 r"gamma_var='i' needs 7 \(one row per x_i, M\)$"),
    (dict(gamma=np.ones(2), gamma_var="j"), r"^gamma: shape \(2,\) is one gamma for all pairs; "
                                            r"gamma_var='j' needs a \(5, K\) array$"),
    (dict(gamma_var="k"), r"^gamma_var: 'k' is not 'fixed', 'i' or 'j'$"),
    (dict(kernel="gauss"), r"^kernel: 'gauss' is not a radial profile; expected one of "
                           r"gaussian, laplace, cauchy, imq$"),
    (dict(reduction="max"), r"^reduction: 'max' is not supported by this "
                            r"library; expected one of 'sum', 'logsumexp'$"),
])
def test_bad_arguments(xyb, change, pattern):
    args = dict(zip(("x", "y", "b"), xyb), gamma=1.0)
    args.update(change)
    with pytest.raises(ValueError, match=pattern):
        anisocl.kernel_sum(**args)


def test_mixed_and_unsupported_dtypes(xyb):
    x, y, b = xyb
    with pytest.raises(ValueError, match=r"^mixed dtypes: x is float64, y is float32, b is "
                       r"float64; convert them to one dtype"):
        anisocl.kernel_sum(x, y.astype(np.float32), b, 1.0)
    with pytest.raises(ValueError, match=r"^gamma: dtype int64 is not supported; expected "
                       r"float32 or float64$"):
        anisocl.kernel_sum(x, y, b, np.array([1, 2], dtype=np.int64))
    with pytest.raises(ValueError, match="not an array of numbers"):
        anisocl.kernel_sum(x, y, b, "wide")


def test_library_refusal_carries_its_message(ctx):
    # D = 257 passes Python's checks; the library names its limit
    x = np.zeros((1, 257))
    with pytest.raises(anisocl.ArgumentError, match="ANISO_MAX_D") as info:
        anisocl.kernel_sum(x, x, np.ones(1), 1.0)
    assert isinstance(info.value, ValueError)
    assert info.value.name == "ERR_TOO_LARGE" and info.value.code == -8


@pytest.mark.parametrize("spec", ["no-such-device", 99])
def test_bad_device_spec(ctx, xyb, spec):
    with pytest.raises(anisocl.DeviceError, match="matches none of the") as info:
        anisocl.kernel_sum(*xyb, 1.0, device=spec)
    assert isinstance(info.value, RuntimeError)
    assert info.value.name == "ERR_BAD_DEVICE_SPEC"
    with pytest.raises(anisocl.DeviceError, match=str(spec)):
        anisocl.Context(spec)


def test_exception_hierarchy():
    assert issubclass(anisocl.DeviceError, RuntimeError)
    assert issubclass(anisocl.NotConvergedError, RuntimeError)
    assert issubclass(anisocl.ArgumentError, ValueError)
    for cls in (anisocl.DeviceError, anisocl.NotConvergedError, anisocl.ArgumentError):
        assert issubclass(cls, anisocl.AnisoclError)


def run_python(code, **env_changes):
    env = dict(os.environ)
    env.update(env_changes)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60)


def test_library_not_found_message(tmp_path):
    missing = str(tmp_path / "libanisocl.so")
    done = run_python("import anisocl", ANISOCL_LIBRARY=missing)
    assert done.returncode != 0
    assert "ImportError: anisocl: ANISOCL_LIBRARY=%s cannot be loaded" % missing in done.stderr
    assert "set it to the path of libanisocl.so" in done.stderr
