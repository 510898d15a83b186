"""Shared fixtures.  Every sum in the suite uses D = 2 with E = 1 (float64)
or E = 3 (float32) and N < 2048, so that the few programs compiled are
shared between the tests (and, in float64, with anisocl demo's)."""

import os
import sys

import numpy as np
import pytest

# Two PoCL devices on the host's cores for test_multi.py, unless the caller
# chose (as tests/test_multi.c does): PoCL reads POCL_DEVICES once, at the
# process's first OpenCL call, so it is set here before any test runs.  The
# other tests use the default device, device 0, as with one device.
os.environ.setdefault("POCL_DEVICES", "pthread pthread")

sys.path.insert(0, os.path.dirname(__file__))

import anisocl  # noqa: E402

SEED = int(os.environ.get("ANISOCL_TEST_SEED", "20240611"))


def pytest_report_header(config):
    return "anisocl: library %s at %s; seed %d (ANISOCL_TEST_SEED)" % (
        anisocl.library_version(), anisocl.library_path, SEED)


@pytest.fixture(scope="session")
def ctx():
    """The default context of the module-level functions."""
    try:
        return anisocl.default_context()
    except anisocl.DeviceError as exc:
        pytest.skip("no OpenCL device: %s" % exc)


@pytest.fixture
def rng(request):
    """A generator seeded per test (the seed and the test's name), so a
    failure replays with ANISOCL_TEST_SEED."""
    return np.random.default_rng([SEED, sum(map(ord, request.node.name))])


# Shapes shared by the tests: M != N so that a (rows, K) gamma's mode can
# be told from its rows.
M, N, D = 7, 5, 2
