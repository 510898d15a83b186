"""examples/anisotropic_kernels.py against anisocl demo's .npy files."""

import importlib.util
import os
import shutil
import subprocess

import numpy as np
import pytest

import anisocl

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "examples", "anisotropic_kernels.py")


def anisocl_program():
    """The command-line program: ANISOCL_PROGRAM (tests/test_python.sh sets
    it), else the build tree of the library loaded, else PATH."""
    candidates = [os.environ.get("ANISOCL_PROGRAM"),
                  os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
                      os.path.abspath(anisocl.library_path)))), "anisocl"),
                  shutil.which("anisocl")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def load_example():
    spec = importlib.util.spec_from_file_location("anisotropic_kernels", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_matches_anisocl_demo(ctx, tmp_path, capsys):
    program = anisocl_program()
    if program is None:
        pytest.skip("the anisocl program is not built (set ANISOCL_PROGRAM)")
    if not ctx.has_fp64:
        pytest.skip("%s has no float64" % ctx.device_name)
    example = load_example()
    assert example.main([str(tmp_path / "py")]) == 0
    assert "wrote" in capsys.readouterr().out
    done = subprocess.run([program, "demo", "-o", str(tmp_path / "c"), "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stems = [stem for _, stem, _ in example.CASES]
    for stem in stems:
        c = np.load(str(tmp_path / "c" / (stem + ".npy")))
        py = np.load(str(tmp_path / "py" / (stem + ".npy")))
        assert c.dtype == py.dtype == np.float64
        assert c.shape == py.shape == (100, 100)
        assert np.abs(c - py).max() <= 1e-12, stem
        assert c.max() > 0.9   # a real picture, not zeros
    if importlib.util.find_spec("matplotlib") is None:
        return
    assert (tmp_path / "py" / "anisotropic_kernels.png").stat().st_size > 0
