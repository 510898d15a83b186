"""Contexts, device arrays, devices() and python -m anisocl."""

import gc
import subprocess
import sys

import numpy as np
import pytest

import anisocl
from _reference import assert_close
from conftest import D, M, N


def test_devices(ctx):
    listing = anisocl.devices()
    assert listing
    for index, device in enumerate(listing):
        assert device["index"] == index
        assert {"index", "platform", "name", "type", "default"} <= set(device)
        assert device["type"] in ("GPU", "CPU", "other")
    assert sum(d["default"] for d in listing) == 1
    default = [d for d in listing if d["default"]][0]
    assert ctx.device_name == default["name"]


def test_python_m_anisocl_devices(ctx):
    done = subprocess.run([sys.executable, "-m", "anisocl", "devices"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Platform: " in done.stdout
    for device in anisocl.devices():
        assert device["name"][:40] in done.stdout
    assert "* default: device" in done.stdout


def test_context_by_index_and_name(ctx, rng):
    x, y, b = rng.random((M, D)), rng.random((N, D)), rng.random(N)
    expected = anisocl.kernel_sum(x, y, b, 2.0)
    device = [d for d in anisocl.devices() if d["default"]][0]
    with anisocl.Context(device["index"]) as by_index:
        np.testing.assert_array_equal(by_index.kernel_sum(x, y, b, 2.0), expected)
        assert by_index.device_name == device["name"]
    assert by_index.closed
    with pytest.raises(ValueError, match="is closed"):
        by_index.kernel_sum(x, y, b, 2.0)
    by_index.close()  # again: nothing
    # module functions: one cached context per spec; a Context passes through
    assert anisocl.default_context(device["index"]) is anisocl.default_context(device["index"])
    assert anisocl.default_context(ctx) is ctx
    np.testing.assert_array_equal(anisocl.kernel_sum(x, y, b, 2.0, device=ctx), expected)


def test_device_arrays_same_y_many_x(ctx, rng):
    y, b = rng.random((N, D)), rng.random(N)
    gamma = np.array([30.0, 5.0])
    with ctx.array(y) as dy, ctx.array(b) as db, ctx.array(gamma) as dg:
        assert dy.shape == (N, D) and db.shape == (N,) and dg.shape == (D,)
        assert dy.dtype == np.float64
        for _ in range(3):
            x = rng.random((M, D))
            out = ctx.kernel_sum(x, dy, db, dg)   # a 1-D gamma: one row of K (a view)
            assert out.shape == (M,)
            np.testing.assert_array_equal(out, anisocl.kernel_sum(x, y, b, gamma))
            assert_close(out, x, y, b, gamma, "fixed")
        # per-j gamma on the device; the result kept there in out
        per_j = rng.uniform(1, 10, (N, 1))
        x = rng.random((M, D))
        with ctx.array(per_j) as dj, ctx.array(x) as dx, ctx.empty((M,)) as out:
            assert ctx.kernel_sum(dx, dy, db, dj, out=out) is out
            np.testing.assert_array_equal(out.read(), anisocl.kernel_sum(x, y, b, per_j))
            np.testing.assert_array_equal(np.asarray(out), out.read())
            with pytest.raises(ValueError, match=r"out: shape \(7,\) does not match the "
                               r"result's \(7, 1\)"):
                ctx.kernel_sum(dx, dy, b[:, None], dj, out=out)
    assert dy.closed and out.closed


def test_device_array_write_read(ctx, rng):
    values = rng.random((N, D))
    with ctx.array(values) as array:
        np.testing.assert_array_equal(array.read(), values)
        array.write(np.asfortranarray(values * 2))
        np.testing.assert_array_equal(array.read(), values * 2)
        array.write((values * 3).tolist())
        np.testing.assert_array_equal(array.read(), values * 3)
        with pytest.raises(ValueError, match=r"host: shape \(5,\) does not match the device "
                           r"array's \(5, 2\)"):
            array.write(values[:, 0])
        with pytest.raises(ValueError, match="mixed dtypes"):
            array.write(values.astype(np.float32))
    with pytest.raises(ValueError, match="the device array is closed"):
        array.read()
    small = ctx.array(np.ones(3, dtype=np.float32))
    assert small.dtype == np.float32 and small.size == 3 and small.ndim == 1
    assert ctx.array([1.0, 2.0], dtype=np.float32).dtype == np.float32


def test_device_arrays_checked(ctx, rng):
    x, y, b = rng.random((M, D)), rng.random((N, D)), rng.random(N)
    with ctx.array(y.astype(np.float32)) as y32:
        with pytest.raises(ValueError, match="mixed dtypes: x is float64, y is float32"):
            ctx.kernel_sum(x, y32, b, 1.0)
    with anisocl.Context() as other:
        foreign = other.array(y)
        with pytest.raises(ValueError, match="y: a device array of another context"):
            ctx.kernel_sum(x, foreign, b, 1.0)
    with pytest.raises(ValueError, match=r"y: shape \(5, 3\) has D = 3"):
        with ctx.array(np.ones((N, 3))) as wide:
            ctx.kernel_sum(x, wide, b, 1.0)
    # after the context's close the array is still readable (the library's
    # arrays keep their context alive), and frees in any order
    np.testing.assert_array_equal(foreign.read(), y)
    foreign.close()


def test_release_by_garbage_collection(rng):
    y = rng.random((N, D))
    context = anisocl.Context()
    array = context.array(y)
    view_source = context.array(np.array([2.0, 3.0]))
    context.kernel_sum(rng.random((M, D)), array, np.ones(N), view_source)
    finalizers = (context._finalizer, array._finalizer, view_source._finalizer)
    del context, view_source
    gc.collect()
    np.testing.assert_array_equal(array.read(), y)   # the context lives on in the array
    del array
    gc.collect()
    assert not any(f.alive for f in finalizers)


def test_library_notes_are_warnings(tmp_path, monkeypatch, rng):
    # a disk cache folder that is a file: the sum succeeds, with a note
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("ANISOCL_CACHE_DIR", str(blocker))
    with anisocl.Context() as context:   # reads the variable when made
        x, y, b = rng.random((M, D)), rng.random((N, D)), rng.random(N)
        with pytest.warns(anisocl.NoteWarning, match="note:"):
            out = context.kernel_sum(x, y, b, 2.0)
    assert_close(out, x, y, b, 2.0, "fixed")
