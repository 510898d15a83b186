"""anisocl.MultiContext (aniso_multi): one sum on several devices.  With
two devices of one kind (conftest.py sets PoCL's POCL_DEVICES="pthread
pthread": two devices on the same cores, which checks correctness and
determinism, not speed), the sum on both equals a Context's on device 0
bit for bit (np.array_equal), for the rows split (M = 1000) and the
j-blocks split (M = 16; N = 5000 gives several blocks), sum and
logsumexp, both dtypes and the three gamma modes.  Bad device lists,
device arrays and a closed set are refused."""

import threading

import numpy as np
import pytest

import anisocl
from _reference import random_gamma

D = 2
N_TERMS = 5000

# (dtype, gamma_var, K, reduction, M): each gamma mode with both splits,
# each dtype with both reductions; float64 with a 1-D b (E = 1), float32
# with E = 3, as the rest of the suite (conftest.py), to share programs.
# Both splits (M = 16: the j-blocks; M = 1000: the rows), both dtypes and
# reductions, the three gamma variations; tests/test_multi.c runs 17
# shapes, so four here, each a few programs to compile on both devices.
CASES = [
    (np.float64, "fixed", D, "sum", 16),
    (np.float32, "i", D * D, "sum", 1000),
    (np.float32, "i", D, "logsumexp", 16),
    (np.float32, "j", D * D, "logsumexp", 1000),
]


@pytest.fixture(scope="module")
def pair():
    """(Context on device 0, MultiContext on devices 0 and 1), skipped
    without two devices of one kind (the bitwise claim needs one kind)."""
    try:
        listing = anisocl.devices()
    except anisocl.DeviceError as exc:
        pytest.skip("no OpenCL device: %s" % exc)
    if len(listing) < 2:
        pytest.skip("two OpenCL devices needed (%d found; PoCL: POCL_DEVICES=\"pthread "
                    "pthread\")" % len(listing))
    if listing[0]["name"] != listing[1]["name"]:
        pytest.skip("devices 0 and 1 are of different kinds (%s, %s)"
                    % (listing[0]["name"], listing[1]["name"]))
    single, multi = anisocl.Context(0), anisocl.MultiContext("0,1")
    yield single, multi
    multi.close()
    single.close()


def case_data(rng, dtype, gamma_var, K, M):
    E = None if dtype == np.float64 else 3
    x = rng.random((M, D)).astype(dtype)
    y = rng.random((N_TERMS, D)).astype(dtype)
    b = rng.standard_normal(N_TERMS if E is None else (N_TERMS, E)).astype(dtype)
    rows = {"fixed": 1, "i": M, "j": N_TERMS}[gamma_var]
    gamma = random_gamma(rng, rows, K, D).astype(dtype)
    return x, y, b, gamma


@pytest.mark.parametrize("dtype, gamma_var, K, reduction, M", CASES,
                         ids=["%s-%s-K%d-%s-M%d" % (np.dtype(c[0]).name, c[1], c[2], c[3], c[4])
                              for c in CASES])
def test_multi_equals_one_device_bitwise(pair, rng, dtype, gamma_var, K, reduction, M):
    single, multi = pair
    x, y, b, gamma = case_data(rng, dtype, gamma_var, K, M)
    expected = single.kernel_sum(x, y, b, gamma, gamma_var=gamma_var, reduction=reduction)
    out = multi.kernel_sum(x, y, b, gamma, gamma_var=gamma_var, reduction=reduction)
    assert out.dtype == dtype and out.shape == expected.shape
    assert np.all(np.isfinite(out))
    assert np.array_equal(out, expected), "largest difference %g" % np.max(
        np.abs(out.astype(np.float64) - expected))


def test_multi_devices_and_lists(pair):
    _, multi = pair
    assert len(multi) == 2 and len(multi.device_names) == 2
    assert multi.device_names[0] == anisocl.devices()[0]["name"]
    assert "MultiContext on 2 devices" in repr(multi)
    for spec in ([0, 1], (0, "1"), "all"):
        with anisocl.MultiContext(spec) as other:
            assert other.device_names == multi.device_names
            assert other.devices == spec


def test_multi_default_is_anisocl_device(pair, monkeypatch):
    monkeypatch.setenv("ANISOCL_DEVICE", "1,0")
    with anisocl.MultiContext() as from_env:
        assert len(from_env) == 2
    monkeypatch.delenv("ANISOCL_DEVICE")
    with anisocl.MultiContext() as default:
        assert len(default) == 1


def test_multi_edges_and_threads(pair, rng):
    single, multi = pair
    x, y, b, gamma = case_data(rng, np.float64, "fixed", D, 16)
    assert multi.kernel_sum(x[:0], y, b, gamma).shape == (0,)
    np.testing.assert_array_equal(multi.kernel_sum(x, y[:0], b[:0], gamma, reduction="logsumexp"),
                                  np.full(16, -np.inf))
    expected = single.kernel_sum(x, y, b, gamma)
    results = [None] * 4

    def run(k):
        results[k] = multi.kernel_sum(x, y, b, gamma)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(results))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        assert np.array_equal(result, expected)


@pytest.mark.parametrize("spec, pattern", [
    ("0,no-such-device-xyz", r'item "no-such-device-xyz": device="no-such-device-xyz" '
                             r"matches none of the"),
    ([0, 99], r'device list "0,99": item "99"'),
    ("0,0", r'item "0" names device 0 \(.*\) again'),
], ids=["no-match", "index-99", "twice"])
def test_multi_bad_device_list(ctx, spec, pattern):
    with pytest.raises(anisocl.DeviceError, match=pattern) as info:
        anisocl.MultiContext(spec)
    assert info.value.name == "ERR_BAD_DEVICE_SPEC" and info.value.code == -10


@pytest.mark.parametrize("spec, pattern", [
    ([], r"^devices: the list is empty"),
    ([0, "gpu,cpu"], r"^devices: item 1 \('gpu,cpu'\) is not a device index"),
    ([0, True], r"^devices: item 1 \(True\)"),
    (1.5, r"^devices: 1.5 is not a device list"),
], ids=["empty", "comma-in-item", "bool-item", "float"])
def test_multi_list_not_a_list(spec, pattern):
    with pytest.raises(ValueError, match=pattern):
        anisocl.MultiContext(spec)


def test_multi_refusals_name_the_argument(pair, rng):
    single, multi = pair
    x, y, b, gamma = case_data(rng, np.float64, "fixed", D, 16)
    with single.array(y) as dy:
        with pytest.raises(ValueError, match=r"^y: MultiContext.kernel_sum takes NumPy arrays"):
            multi.kernel_sum(x, dy, b, gamma)
    with pytest.raises(TypeError, match="tolerance"):
        multi.kernel_sum(x, y, b, gamma, tolerance=1e-3)
    # Python's own checks, as Context's
    with pytest.raises(ValueError, match=r"^b: shape \(4,\) has 4 rows but y has N = 5000"):
        multi.kernel_sum(x, y, b[:4], gamma)
    # the library's refusal, named after the device that refused
    wide = np.zeros((1, 257))
    with pytest.raises(anisocl.ArgumentError, match=r"^device 0 \(.*\): .*ANISO_MAX_D") as info:
        multi.kernel_sum(wide, wide, np.ones(1), 1.0)
    assert info.value.name == "ERR_TOO_LARGE"


def test_multi_closed(ctx, rng):
    x, y, b, gamma = case_data(rng, np.float64, "fixed", D, 16)
    with anisocl.MultiContext() as multi:
        pass
    assert multi.closed and "(closed)" in repr(multi)
    with pytest.raises(ValueError, match=r"^the anisocl.MultiContext on \d+ devices? \(.*\) "
                                         r"is closed$"):
        multi.kernel_sum(x, y, b, gamma)
    multi.close()  # again: nothing
