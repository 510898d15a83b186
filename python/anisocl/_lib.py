"""Finding and declaring the C library (libanisocl) through ctypes.

The library is looked for, in this order:

1. ``ANISOCL_LIBRARY``: the path of the shared library (``.../libanisocl.so``);
2. the build tree this package came from: ``lib/.libs/libanisocl.so`` in the
   folder recorded when the package was installed (``_build_info``: the source
   tree above ``python/``, or ``ANISOCL_BUILD_TREE`` at install time), or
   found by walking up from this file when the package is used in place
   (``PYTHONPATH=python``);
3. the library folder of ``make install`` recorded at install time (from the
   build tree's ``anisocl.pc``);
4. the system: ``ctypes.util.find_library("anisocl")``, then
   ``libanisocl.so.0`` through the dynamic loader's own search
   (``LD_LIBRARY_PATH``, ``ld.so.cache``).

No compiler is needed: every signature is declared here from
``include/anisocl.h``.
"""

import ctypes
import ctypes.util
import os

__all__ = ["lib", "library_path", "Shape", "Options", "DeviceInfo"]

_SONAME = "libanisocl.so.0"
_BUILD_TREE_LIB = os.path.join("lib", ".libs", "libanisocl.so")


def _recorded():
    """What setup.py recorded at install time (empty when used in place)."""
    try:
        from . import _build_info  # written by setup.py into the installed copy
    except ImportError:
        return None, None
    return (getattr(_build_info, "BUILD_TREE", None),
            getattr(_build_info, "INSTALL_LIBDIR", None))


def _build_tree_candidates():
    build_tree, _ = _recorded()
    if build_tree:
        yield os.path.join(build_tree, _BUILD_TREE_LIB)
    # Used in place: python/anisocl/_lib.py -> walk up to a folder holding
    # lib/.libs/libanisocl.so (the source tree, when built in place).
    here = os.path.dirname(os.path.abspath(__file__))
    for _ in range(4):
        here = os.path.dirname(here)
        yield os.path.join(here, _BUILD_TREE_LIB)


def _candidates():
    """(path or name, where it came from) in the order they are tried."""
    for path in _build_tree_candidates():
        if os.path.isfile(path):
            yield path, "the build tree"
    _, libdir = _recorded()
    if libdir:
        path = os.path.join(libdir, _SONAME)
        if os.path.isfile(path):
            yield path, "make install's prefix"
    found = ctypes.util.find_library("anisocl")
    if found:
        yield found, "the system (ctypes.util.find_library)"
    yield _SONAME, "the dynamic loader's search path"


def _load():
    explicit = os.environ.get("ANISOCL_LIBRARY")
    if explicit:
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as exc:
            raise ImportError(
                "anisocl: ANISOCL_LIBRARY=%s cannot be loaded: %s; set it to the "
                "path of libanisocl.so (lib/.libs/libanisocl.so in a built source "
                "tree, or the libdir of make install)" % (explicit, exc)) from exc
    tried = []
    for path, where in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            tried.append("%s (%s): %s" % (path, where, exc))
    raise ImportError(
        "anisocl: the C library libanisocl was not found.  Build it "
        "(scripts/setup.sh, or ./configure && make) and either set "
        "ANISOCL_LIBRARY=/path/to/lib/.libs/libanisocl.so, or run make install "
        "(and ldconfig) so that the system finds libanisocl.so.0.  Tried: "
        + "; ".join(tried))


class Shape(ctypes.Structure):
    """aniso_shape."""
    _fields_ = [("M", ctypes.c_size_t), ("N", ctypes.c_size_t),
                ("D", ctypes.c_size_t), ("E", ctypes.c_size_t),
                ("K", ctypes.c_size_t), ("gamma_rows", ctypes.c_size_t),
                ("gamma_var", ctypes.c_int), ("dtype", ctypes.c_int)]


class Options(ctypes.Structure):
    """aniso_options.  struct_size is this structure's own size, set by
    make_options: never call aniso_options_init on it, which writes the
    library's (possibly larger) structure.  The library reads only the first
    struct_size bytes and gives later fields their defaults."""
    _fields_ = [("struct_size", ctypes.c_size_t),
                ("kernel", ctypes.c_int),
                ("reduction", ctypes.c_int),
                ("tolerance", ctypes.c_double)]


def make_options(**fields):
    """An Options with every default (zero) except fields."""
    options = Options()
    options.struct_size = ctypes.sizeof(Options)
    for name, value in fields.items():
        setattr(options, name, value)
    return options


class DeviceInfo(ctypes.Structure):
    """aniso_device_info."""
    _fields_ = [("index", ctypes.c_int),
                ("platform", ctypes.c_char * 128),
                ("name", ctypes.c_char * 128),
                ("is_gpu", ctypes.c_int), ("is_cpu", ctypes.c_int),
                ("compute_units", ctypes.c_uint),
                ("global_mem_bytes", ctypes.c_ulonglong),
                ("max_alloc_bytes", ctypes.c_ulonglong),
                ("has_fp64", ctypes.c_int)]


def _declare(lib):
    vp, sz, i, d = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_double
    cp = ctypes.c_char_p
    szp = ctypes.POINTER(ctypes.c_size_t)
    dp = ctypes.POINTER(ctypes.c_double)
    sh = ctypes.POINTER(Shape)
    op = ctypes.POINTER(Options)
    table = {
        "aniso_version_number": (ctypes.c_uint, []),
        "aniso_version_string": (cp, []),
        "aniso_strerror": (cp, [i]),
        "aniso_err_name": (cp, [i]),
        "aniso_ctx_create_on": (i, [cp, ctypes.POINTER(vp), ctypes.c_char_p, sz]),
        "aniso_ctx_free": (None, [vp]),
        "aniso_ctx_errmsg": (cp, [vp]),
        "aniso_ctx_device_name": (cp, [vp]),
        "aniso_ctx_has_fp64": (i, [vp]),
        "aniso_sum_ex": (i, [vp, sh, op, vp, vp, vp, vp, vp]),
        "aniso_kernel_name": (cp, [i]),
        "aniso_kernel_from_name": (i, [cp, ctypes.POINTER(ctypes.c_int)]),
        "aniso_gamma_check": (i, [i, sz, sz, sz, vp, szp]),
        "aniso_array_create": (i, [vp, i, sz, sz, vp, ctypes.POINTER(vp)]),
        "aniso_array_wrap": (i, [vp, i, sz, sz, vp, ctypes.POINTER(vp)]),
        "aniso_array_cl_mem": (vp, [vp]),
        "aniso_array_free": (None, [vp]),
        "aniso_array_write": (i, [vp, vp]),
        "aniso_array_read": (i, [vp, vp]),
        "aniso_array_rows": (sz, [vp]),
        "aniso_array_cols": (sz, [vp]),
        "aniso_sum_arrays_ex": (i, [vp, op, vp, vp, vp, vp, i, vp]),
        "aniso_solve": (i, [vp, sh, op, vp, vp, vp, d, d, sz, vp, szp, dp]),
        "aniso_grad": (i, [vp, sh, op, i, vp, vp, vp, vp, vp, vp]),
        "aniso_grad_with_out": (i, [vp, sh, op, i, vp, vp, vp, vp, vp, vp, vp]),
        "aniso_device_list": (i, [ctypes.POINTER(DeviceInfo), sz, szp,
                                  ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, sz]),
        "aniso_multi_create": (i, [cp, ctypes.POINTER(vp), ctypes.c_char_p, sz]),
        "aniso_multi_free": (None, [vp]),
        "aniso_multi_sum": (i, [vp, sh, op, vp, vp, vp, vp, vp]),
        "aniso_multi_errmsg": (cp, [vp]),
        "aniso_multi_count": (sz, [vp]),
        "aniso_multi_ctx": (vp, [vp, sz]),
    }
    for name, (restype, argtypes) in table.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


lib, library_path = _load()
_declare(lib)
