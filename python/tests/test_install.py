"""pip install of python/ into a fresh virtual environment (system site
packages, so numpy is there without network; no build isolation, so
setuptools is the system's): the installed package loads the library from
ANISOCL_LIBRARY, and from the build tree recorded at install time."""

import os
import shutil
import subprocess
import sys

import pytest

import anisocl

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

CHECK = """
import anisocl, numpy
out = anisocl.kernel_sum(numpy.zeros((1, 2)), numpy.zeros((1, 2)), numpy.ones(1), 1.0)
assert out.tolist() == [1.0], out
print(anisocl.__file__)
print(anisocl.library_path)
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    if os.environ.get("ANISOCL_SKIP_INSTALL_TEST"):
        pytest.skip("ANISOCL_SKIP_INSTALL_TEST is set")
    root = tmp_path_factory.mktemp("install")
    env_dir = root / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip",
                           "--system-site-packages", str(env_dir)],
                          capture_output=True, text=True, timeout=120)
    if made.returncode != 0:
        pytest.skip("python3 -m venv failed (Debian: apt-get install python3-venv): %s"
                    % made.stderr.strip()[-300:])
    python = str(env_dir / "bin" / "python")
    if subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode:
        pytest.skip("no pip for %s (Debian: apt-get install python3-pip)" % sys.executable)
    # a copy, so that the build leaves nothing in the (maybe read-only) source tree
    source = root / "src"
    shutil.copytree(SOURCE, str(source), ignore=shutil.ignore_patterns(
        "__pycache__", "build", "*.egg-info", ".pytest_cache"))
    build_tree = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(anisocl.library_path))))
    env = clean_env(ANISOCL_BUILD_TREE=build_tree)
    installed = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-index",
                                "--no-build-isolation", "--disable-pip-version-check",
                                str(source)], capture_output=True, text=True, env=env,
                               cwd=str(root), timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python, root


def clean_env(**changes):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "ANISOCL_LIBRARY", "PYTHONHOME")}
    env.update(changes)
    return env


def run(python, cwd, **changes):
    done = subprocess.run([python, "-c", CHECK], capture_output=True, text=True,
                          env=clean_env(**changes), cwd=str(cwd), timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_installed_package_uses_anisocl_library(venv):
    python, root = venv
    package, library = run(python, root, ANISOCL_LIBRARY=anisocl.library_path)
    assert package.startswith(str(root / "venv")), package
    assert os.path.samefile(library, anisocl.library_path)


def test_installed_package_finds_the_recorded_build_tree(venv):
    python, root = venv
    package, library = run(python, root)
    assert package.startswith(str(root / "venv")), package
    assert os.path.samefile(library, anisocl.library_path)
