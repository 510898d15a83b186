"""Contexts, device arrays, kernel sums and solves over the C library."""

import ctypes
import threading
import warnings
import weakref

import numpy as np

from . import _lib
from ._errors import NotConvergedError, error_for

__all__ = ["Context", "MultiContext", "DeviceArray", "NoteWarning", "kernel_sum", "solve",
           "devices", "default_context", "kernel_names", "library_version"]

_lib_c = _lib.lib

_FLOAT32, _FLOAT64 = 0, 1
_DTYPE_CODES = {np.dtype(np.float32): _FLOAT32, np.dtype(np.float64): _FLOAT64}

_GAMMA_FIXED, _GAMMA_PER_I, _GAMMA_PER_J = 0, 1, 2
_GAMMA_VARS = {"fixed": _GAMMA_FIXED, "i": _GAMMA_PER_I, "j": _GAMMA_PER_J}
_GAMMA_VAR_NAMES = {v: k for k, v in _GAMMA_VARS.items()}

# The aniso_options fields each reduction name sets ("sum" is every field's
# default, which every library knows).  A new reduction is one entry here
# (and its field at the end of _lib.Options if it needs a new one).
_REDUCTIONS = {"sum": {}, "logsumexp": {"reduction": 1}}

# What kernel_grad differentiates with respect to: aniso_wrt.
_WRT = {"x": 0, "y": 1, "b": 2, "gamma": 3}


class NoteWarning(UserWarning):
    """The library's notes after a successful call: trouble that costs time
    but does not change the result (e.g. a disk cache that cannot be
    written)."""


def library_version():
    """The version string of the C library loaded (e.g. ``"0.1.0"``)."""
    return _lib_c.aniso_version_string().decode()


def kernel_names():
    """The radial profiles the library knows, in the order of its enum:
    ``["gaussian", "laplace", "cauchy", "imq"]``."""
    names = []
    while True:
        name = _lib_c.aniso_kernel_name(len(names))
        if not name:
            return names
        names.append(name.decode())


def _options(kernel, reduction, tolerance=0.0):
    """aniso_options for a kernel name, a reduction name and a tolerance."""
    if not isinstance(kernel, str):
        raise ValueError("kernel: %r is not a name; expected one of %s"
                         % (kernel, ", ".join(kernel_names())))
    code = ctypes.c_int(0)
    if _lib_c.aniso_kernel_from_name(kernel.encode(), ctypes.byref(code)) != 0:
        raise ValueError("kernel: '%s' is not a radial profile; expected one of %s"
                         % (kernel, ", ".join(kernel_names())))
    if reduction not in _REDUCTIONS:
        raise ValueError("reduction: %r is not supported by this library; expected "
                         "one of %s" % (reduction, ", ".join(repr(r) for r in _REDUCTIONS)))
    try:
        tolerance = float(tolerance)
    except (TypeError, ValueError):
        raise ValueError("tolerance: %r is not a number >= 0" % (tolerance,)) from None
    if not (tolerance >= 0 and np.isfinite(tolerance)):
        raise ValueError("tolerance: %r is not a finite number >= 0 (0: the exact sum)"
                         % (tolerance,))
    return _lib.make_options(kernel=code.value, tolerance=tolerance, **_REDUCTIONS[reduction])


def _shape_text(shape):
    return "(%s)" % ", ".join(str(n) for n in shape) if len(shape) != 1 else "(%d,)" % shape[0]


# ----------------------------------------------------------------------------
# Inputs: one dtype, contiguous host arrays or device arrays
# ----------------------------------------------------------------------------

def _dtype_of(named):
    """The dtype of a call: that of its NumPy and device arrays (they must
    agree); Python numbers, NumPy scalars and lists take it; float64 when no
    argument is an array."""
    typed = []
    for name, value in named:
        if isinstance(value, DeviceArray):
            typed.append((name, value.dtype))
        elif isinstance(value, np.ndarray):
            if value.dtype not in _DTYPE_CODES:
                raise ValueError("%s: dtype %s is not supported; expected float32 or float64"
                                 % (name, value.dtype))
            typed.append((name, value.dtype))
    kinds = {dtype for _, dtype in typed}
    if len(kinds) > 1:
        listing = ", ".join("%s is %s" % (name, dtype) for name, dtype in typed)
        raise ValueError("mixed dtypes: %s; convert them to one dtype (float32 or float64), "
                         "e.g. with .astype(numpy.float64)" % listing)
    return kinds.pop() if kinds else np.dtype(np.float64)


def _as_input(name, value, dtype):
    """A host array (C-contiguous, dtype: converted at most once) or the
    device array itself; and its shape as given."""
    if isinstance(value, DeviceArray):
        value._check_open(name)
        return value, value.shape
    array = np.asarray(value)
    if not isinstance(value, np.ndarray) and array.dtype.kind not in "biuf":
        raise ValueError("%s: %r is not an array of numbers" % (name, value))
    shape = array.shape
    return np.ascontiguousarray(array, dtype=dtype).reshape(shape), shape


def _gamma_layout(M, N, gamma_shape, gamma_var, x_name="x", y_name="y"):
    """(rows, K, gamma_var code) of a gamma, with the command line's rules
    (cli/shapes.c): a 0-d or 1-d gamma is one row of K numbers for all
    pairs; a (rows, K) gamma is fixed when rows = 1, per i when only rows = M,
    per j when only rows = N, and refused when rows = M = N (say which)."""
    text = _shape_text(gamma_shape)
    if gamma_var is not None and gamma_var not in _GAMMA_VARS:
        raise ValueError("gamma_var: %r is not 'fixed', 'i' or 'j'" % (gamma_var,))
    if len(gamma_shape) > 2:
        raise ValueError("gamma: shape %s has %d dimensions; expected (K,) or (rows, K)"
                         % (text, len(gamma_shape)))
    if len(gamma_shape) < 2:
        if gamma_var not in (None, "fixed"):
            raise ValueError("gamma: shape %s is one gamma for all pairs; gamma_var='%s' "
                             "needs a (%d, K) array" % (text, gamma_var,
                                                        M if gamma_var == "i" else N))
        return 1, (gamma_shape[0] if gamma_shape else 1), _GAMMA_FIXED
    rows, K = gamma_shape
    if gamma_var is None:
        if rows == 1:
            return rows, K, _GAMMA_FIXED
        if rows == M and rows == N:
            raise ValueError(
                "gamma: shape %s has %d rows, which is both M (the points of %s) and N "
                "(the points of %s): pass gamma_var='i' (one row per x_i) or gamma_var='j' "
                "(one row per y_j)" % (text, rows, x_name, y_name))
        if rows == M:
            return rows, K, _GAMMA_PER_I
        if rows == N:
            return rows, K, _GAMMA_PER_J
        raise ValueError(
            "gamma: shape %s has %d rows; a (rows, K) gamma needs 1 row (fixed), M = %d "
            "(one per point of %s) or N = %d (one per point of %s)"
            % (text, rows, M, x_name, N, y_name))
    var = _GAMMA_VARS[gamma_var]
    want = {_GAMMA_FIXED: 1, _GAMMA_PER_I: M, _GAMMA_PER_J: N}[var]
    if rows != want:
        raise ValueError("gamma: shape %s has %d rows but gamma_var='%s' needs %d (%s)"
                         % (text, rows, gamma_var, want,
                            {_GAMMA_FIXED: "one row for all pairs",
                             _GAMMA_PER_I: "one row per x_i, M",
                             _GAMMA_PER_J: "one row per y_j, N"}[var]))
    return rows, K, var


def _check_K(K, D, gamma_shape):
    if K not in (1, D, D * D):
        raise ValueError("gamma: shape %s gives K = %d, which is not 1, D = %d or D*D = %d"
                         % (_shape_text(gamma_shape), K, D, D * D))


def _sum_shapes(xs, ys, bs, gs, gamma_var):
    """Checks the shapes of a sum: (M, N, D, E, rows, K, gamma_var code)."""
    if len(xs) != 2:
        raise ValueError("x: shape %s is not (M, D)" % _shape_text(xs))
    M, D = xs
    if len(ys) != 2:
        raise ValueError("y: shape %s is not (N, D)" % _shape_text(ys))
    if ys[1] != D:
        raise ValueError("y: shape %s has D = %d columns but x has D = %d; expected (N, %d)"
                         % (_shape_text(ys), ys[1], D, D))
    N = ys[0]
    if len(bs) not in (1, 2):
        raise ValueError("b: shape %s is neither (N,) nor (N, E)" % _shape_text(bs))
    if bs[0] != N:
        raise ValueError("b: shape %s has %d rows but y has N = %d; expected (%d,) or (%d, E)"
                         % (_shape_text(bs), bs[0], N, N, N))
    E = bs[1] if len(bs) == 2 else 1
    if E == 0:
        raise ValueError("b: shape %s has E = 0 columns" % _shape_text(bs))
    rows, K, var = _gamma_layout(M, N, gs, gamma_var)
    _check_K(K, D, gs)
    return M, N, D, E, rows, K, var


def _ptr(array):
    return array.ctypes.data_as(ctypes.c_void_p) if array.size else None


def _library_error(code, message):
    """The exception for a library code with its message (else the code's
    own text), mapped by :func:`error_for`."""
    return error_for(code, message or _lib_c.aniso_strerror(code).decode(),
                     _lib_c.aniso_err_name(code).decode())


# ----------------------------------------------------------------------------
# Context
# ----------------------------------------------------------------------------

class _LibraryHandle:
    """What :class:`Context` and :class:`MultiContext` share: a handle of
    the C library, made by a create function that writes its reason for a
    refusal into a buffer, freed by a finalizer (on :meth:`close` or
    garbage collection), and called under a lock, each call raising the
    library's error or warning with its notes.  A subclass names what it
    holds in ``_describe()``."""

    def _open(self, create, spec, free, errmsg, why_size):
        handle = ctypes.c_void_p()
        why = ctypes.create_string_buffer(why_size)
        code = create(spec.encode() if spec else None, ctypes.byref(handle), why, len(why))
        if code != 0:
            raise _library_error(code, why.value.decode(errors="replace"))
        self._handle = handle.value
        self._errmsg = errmsg
        self._lock = threading.RLock()
        self._finalizer = weakref.finalize(self, free, handle.value)

    def __repr__(self):
        return "<anisocl.%s on %s%s>" % (type(self).__name__, self._describe(),
                                         " (closed)" if self.closed else "")

    @property
    def closed(self):
        """Whether :meth:`close` was called."""
        return not self._finalizer.alive

    def close(self):
        """Release what the library holds for it (a context's device arrays
        stay usable until they are closed themselves).  Calling it again
        does nothing."""
        with self._lock:
            self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _live_handle(self):
        if self.closed:
            raise ValueError("the anisocl.%s on %s is closed"
                             % (type(self).__name__, self._describe()))
        return self._handle

    def _call(self, function, *args):
        """function(handle, *args) under the lock; raises the library's
        error with its message, warns with its notes (at the caller of the
        method that called this)."""
        with self._lock:
            handle = self._live_handle()
            code = function(handle, *args)
            message = (self._errmsg(handle) or b"").decode(errors="replace").strip()
        if code != 0:
            raise _library_error(code, message)
        if message:
            warnings.warn(message, NoteWarning, stacklevel=3)


class Context(_LibraryHandle):
    """An OpenCL device and what the library keeps for it (compiled
    programs, buffers).

    ``device`` is an index from :func:`devices` (what ``anisocl devices``
    prints), a case-insensitive substring of the device or platform name, or
    None for the library's choice (``ANISOCL_DEVICE``, else the first GPU,
    else the first CPU).  Raises :class:`DeviceError` when no device matches.

    Use it as a context manager or call :meth:`close`; it is also released
    when garbage-collected.  Device arrays made by :meth:`array` keep the
    device context alive in the C library, so they and the context may be
    closed in any order."""

    def __init__(self, device=None):
        self._open(_lib_c.aniso_ctx_create_on, None if device is None else str(device),
                   _lib_c.aniso_ctx_free, _lib_c.aniso_ctx_errmsg, 1024)
        self.device = device
        self.device_name = _lib_c.aniso_ctx_device_name(self._handle).decode()
        self.has_fp64 = bool(_lib_c.aniso_ctx_has_fp64(self._handle))

    def _describe(self):
        return self.device_name

    # -- device arrays -------------------------------------------------------

    def array(self, host, dtype=None):
        """A copy of a NumPy array (or anything ``numpy.asarray`` takes) on
        the device: a :class:`DeviceArray` to pass to :meth:`kernel_sum` in
        place of a host array, so that it is sent once for many sums.
        dtype: float32 or float64 (default: the array's own, float64 for
        Python numbers and lists)."""
        if dtype is None:
            dtype = _dtype_of([("host", host)])
        dtype = np.dtype(dtype)
        if dtype not in _DTYPE_CODES:
            raise ValueError("dtype: %s is not supported; expected float32 or float64" % dtype)
        values, shape = _as_input("host", host, dtype)
        if isinstance(values, DeviceArray):
            values = values.read()
        return DeviceArray(self, shape, dtype, values)

    def empty(self, shape, dtype=np.float64):
        """A device array of shape (rows, cols), (n,) or () with undefined
        contents, e.g. for ``out=`` of :meth:`kernel_sum`."""
        dtype = np.dtype(dtype)
        if dtype not in _DTYPE_CODES:
            raise ValueError("dtype: %s is not supported; expected float32 or float64" % dtype)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        return DeviceArray(self, shape, dtype, None)

    # -- sums ----------------------------------------------------------------

    def kernel_sum(self, x, y, b, gamma, gamma_var=None, kernel="gaussian",
                   reduction="sum", out=None, tolerance=0.0):
        """out_ie = Σ_j f(q_ij) b_je with q_ij = (x_i − y_j)ᵀ Γ (x_i − y_j).

        x: (M, D); y: (N, D); b: (N, E) or (N,); gamma: a number or (K,) for
        one metric, or (rows, K) with rows 1, M (one per x_i) or N (one per
        y_j); K = 1 (γ·Id), D (diag) or D·D (full, row-major).  Each may be a
        NumPy array (any order or strides: copied once to a C-contiguous
        array) or a :class:`DeviceArray` of this context.  All arrays must
        share one dtype, float32 or float64 (Python numbers and lists take
        it); the result has it.

        gamma_var: "fixed", "i" or "j"; None infers it from gamma's shape as
        ``anisocl sum`` does, and refuses to guess when rows = M = N.
        kernel: "gaussian" exp(−q), "laplace" exp(−√q), "cauchy" 1/(1 + q),
        "imq" 1/√(1 + q).  reduction: "sum", or "logsumexp" for
        out_ie = log Σ_j f(q_ij) exp(b_je) (b are log-weights; N = 0 gives
        −inf).  tolerance: 0 for the exact sum; T > 0 skips the pairs of
        far blocks of points with |out_ie − exact_ie| ≤ T Σ_j |b_je|, or for
        logsumexp |exp(out_ie) − exp(exact_ie)| ≤ T Σ_j exp(b_je) (NumPy
        inputs and result only).

        Returns an (M, E) array, or (M,) when b is 1-D; with ``out`` (a
        :class:`DeviceArray` of shape (M, E), or (M,) for a 1-D b) the
        result stays on the device, in out, which is returned.  Raises
        ValueError for shapes, dtypes and arguments, :class:`DeviceError`
        for device and build failures."""
        options = _options(kernel, reduction, tolerance)
        named = [("x", x), ("y", y), ("b", b), ("gamma", gamma)]
        if out is not None:
            if not isinstance(out, DeviceArray):
                raise ValueError("out: expected an anisocl.DeviceArray, got %s"
                                 % type(out).__name__)
            named.append(("out", out))
        dtype = _dtype_of(named)
        inputs = [_as_input(name, value, dtype) for name, value in named[:4]]
        (xv, xs), (yv, ys), (bv, bs), (gv, gs) = inputs
        M, N, D, E, rows, K, var = _sum_shapes(xs, ys, bs, gs, gamma_var)
        result_shape = (M, E) if len(bs) == 2 else (M,)
        if out is not None or any(isinstance(v, DeviceArray) for v, _ in inputs):
            return self._sum_arrays(options, dtype, (xv, yv, bv, gv),
                                    ((M, D), (N, D), (N, E), (rows, K)),
                                    var, out, result_shape)
        shape = _lib.Shape(M, N, D, E, K, rows, var, _DTYPE_CODES[dtype])
        result = np.empty((M, E), dtype=dtype)
        self._call(_lib_c.aniso_sum_ex, ctypes.byref(shape), ctypes.byref(options),
                   _ptr(xv), _ptr(yv), _ptr(bv), _ptr(gv), _ptr(result))
        return result.reshape(result_shape)

    def _sum_arrays(self, options, dtype, values, layouts, var, out, result_shape):
        temporary = []
        try:
            handles = []
            for name, value, (rows, cols) in zip(("x", "y", "b", "gamma"), values, layouts):
                if not isinstance(value, DeviceArray):
                    value = DeviceArray(self, value.shape, dtype, value)
                    temporary.append(value)
                handles.append(value._handle_as(self, name, rows, cols))
            if out is None:
                target = DeviceArray(self, result_shape, dtype, None)
                temporary.append(target)
            else:
                if out.shape != result_shape:
                    raise ValueError("out: shape %s does not match the result's %s"
                                     % (_shape_text(out.shape), _shape_text(result_shape)))
                target = out
            M, E = layouts[0][0], layouts[2][1]
            out_handle = target._handle_as(self, "out", M, E)
            self._call(_lib_c.aniso_sum_arrays_ex, ctypes.byref(options), *handles,
                       var, out_handle)
            return out if out is not None else target.read()
        finally:
            for array in temporary:
                array.close()

    # -- solves --------------------------------------------------------------

    def kernel_grad(self, x, y, b, gamma, a, wrt, gamma_var=None, kernel="gaussian",
                    reduction="sum", forward=None):
        """The gradient of L = Σ_ie a_ie out_ie, out = kernel_sum(x, y, b,
        gamma, ...), with respect to the input ``wrt`` names: "x", "y", "b"
        or "gamma"; returns an array shaped like that input (for gamma, like
        the gamma given: a number gives a 0-d array, (K,) a (K,) one).

        a: the cotangent, shaped like the sum's result, (M, E) or (M,) for a
        1-D b.  With c_ij = Σ_e a_ie b_je and f' = df/dq: Σ_j c_ij f'(q_ij)
        (Γ + Γᵀ)(x_i − y_j) for x, minus the same summed over i for y,
        Σ_i a_ie f(q_ij) for b, Σ c_ij f'(q_ij) ∂q/∂γ for gamma.  A full Γ is
        used as given (not symmetrised).  Laplace at q = 0 (x_i = y_j): that
        pair adds 0 to the gradients with respect to x, y and gamma.  With
        reduction="logsumexp" the pairs weigh by the softmax weights
        p_ije = exp(log f(q_ij) + b_je − out_ie): c_ij = Σ_e a_ie p_ije with
        (log f)' in place of f', and Σ_i a_ie p_ije for b.  forward: the
        result kernel_sum gave for these inputs (shaped like a); the
        logsumexp gradients then use it instead of computing it again (one
        pass over the pairs instead of two; a stale one gives a wrong
        gradient).  Other arguments as :meth:`kernel_sum`."""
        options = _options(kernel, reduction)
        if wrt not in _WRT:
            raise ValueError("wrt: %r is not one of 'x', 'y', 'b', 'gamma'" % (wrt,))
        named = [("x", x), ("y", y), ("b", b), ("gamma", gamma), ("a", a)]
        for name, value in named:
            if isinstance(value, DeviceArray):
                raise ValueError("%s: kernel_grad takes NumPy arrays (a DeviceArray was "
                                 "given)" % name)
        dtype = _dtype_of(named)
        (xv, xs), (yv, ys), (bv, bs), (gv, gs), (av, as_) = [
            _as_input(name, value, dtype) for name, value in named]
        M, N, D, E, rows, K, var = _sum_shapes(xs, ys, bs, gs, gamma_var)
        expected_a = (M, E) if len(bs) == 2 else (M,)
        if tuple(as_) != expected_a and not (len(bs) == 2 and E == 1 and tuple(as_) == (M,)):
            raise ValueError("a: shape %s is not %s, the shape of the sum's result"
                             % (_shape_text(as_), _shape_text(expected_a)))
        shape = _lib.Shape(M, N, D, E, K, rows, var, _DTYPE_CODES[dtype])
        result_shape = {"x": (M, D), "y": (N, D), "b": tuple(bs),
                        "gamma": tuple(gs)}[wrt]
        result = np.empty((max(1, int(np.prod(result_shape))),), dtype=dtype)
        forward_ptr = None
        if forward is not None:
            if isinstance(forward, DeviceArray):
                raise ValueError("forward: kernel_grad takes NumPy arrays (a DeviceArray "
                                 "was given)")
            fv, fs = _as_input("forward", forward, dtype)
            if tuple(fs) != tuple(as_):
                raise ValueError("forward: shape %s is not %s, the shape of the sum's result"
                                 % (_shape_text(fs), _shape_text(as_)))
            forward_ptr = _ptr(fv)
        self._call(_lib_c.aniso_grad_with_out, ctypes.byref(shape), ctypes.byref(options),
                   _WRT[wrt], _ptr(xv), _ptr(yv), _ptr(bv), _ptr(gv), _ptr(av),
                   forward_ptr, _ptr(result))
        return result[:int(np.prod(result_shape))].reshape(result_shape)

    def solve(self, x, b, gamma, lam, tol=1e-10, max_iter=1000, gamma_var=None,
              kernel="gaussian", return_info=False):
        """Solve (K + λI) a = b, K_ij = f(q(x_i, x_j)), by conjugate gradients
        whose products are kernel sums on the device (no N × N matrix): kernel
        ridge regression, a Gaussian process's posterior mean, RBF
        interpolation.

        x: (N, D); b: (N, E) or (N,); gamma: one PSD metric (a number, (K,)
        or (1, K)); lam > 0.  Stops when every column's relative residual
        ‖(K + λI)a − b‖/‖b‖ is at most tol.  float64 reaches 1e-10 and
        below, float32 about 1e-7.  Returns a, shaped like b; with
        return_info, (a, {"iterations": ..., "residuals": ...}).

        Raises ValueError for shapes, lam ≤ 0, a gamma that is not PSD or
        one gamma per point (K would not be symmetric: the library's
        message), :class:`NotConvergedError` (with ``.residuals`` and
        ``.iterations``) when tol is not reached within max_iter."""
        options = _options(kernel, "sum")
        named = [("x", x), ("b", b), ("gamma", gamma)]
        dtype = _dtype_of(named)
        (xv, xs), (bv, bs), (gv, gs) = [
            _as_input(name, value.read() if isinstance(value, DeviceArray) else value, dtype)
            for name, value in named]
        if len(xs) != 2:
            raise ValueError("x: shape %s is not (N, D)" % _shape_text(xs))
        N, D = xs
        if len(bs) not in (1, 2) or bs[0] != N:
            raise ValueError("b: shape %s is not (%d,) or (%d, E), N = %d as x has"
                             % (_shape_text(bs), N, N, N))
        E = bs[1] if len(bs) == 2 else 1
        if E == 0:
            raise ValueError("b: shape %s has E = 0 columns" % _shape_text(bs))
        if gamma_var is None and len(gs) == 2 and gs[0] == N and N > 1:
            # one row per point: the library refuses it with its reason
            rows, K, var = gs[0], gs[1], _GAMMA_PER_J
        else:
            rows, K, var = _gamma_layout(N, N, gs, gamma_var)
        _check_K(K, D, gs)
        shape = _lib.Shape(N, N, D, E, K, rows, var, _DTYPE_CODES[dtype])
        a = np.empty((N, E), dtype=dtype)
        iterations = (ctypes.c_size_t * E)()
        residuals = (ctypes.c_double * E)()
        try:
            self._call(_lib_c.aniso_solve, ctypes.byref(shape), ctypes.byref(options),
                       _ptr(xv), _ptr(gv), _ptr(bv), ctypes.c_double(lam),
                       ctypes.c_double(tol), ctypes.c_size_t(max_iter), _ptr(a),
                       iterations, residuals)
        except NotConvergedError as exc:
            exc.iterations = np.array(iterations[:], dtype=np.int64)
            exc.residuals = np.array(residuals[:])
            exc.tol, exc.max_iter = tol, max_iter
            raise
        a = a.reshape(bs)
        if return_info:
            return a, {"iterations": np.array(iterations[:], dtype=np.int64),
                       "residuals": np.array(residuals[:])}
        return a

    def linear_operator(self, x, gamma, gamma_var=None, kernel="gaussian", lam=0.0):
        """The kernel matrix K (+ lam·I) of the points x with themselves as a
        ``scipy.sparse.linalg.LinearOperator`` (see :class:`KernelOperator`),
        x and gamma kept on this context's device."""
        from ._linop import KernelOperator
        return KernelOperator(x, gamma, gamma_var=gamma_var, kernel=kernel, lam=lam,
                              device=self)


# ----------------------------------------------------------------------------
# Several devices
# ----------------------------------------------------------------------------

def _device_list_text(devices):
    """The C library's device list ("0,1", "all", ...) for a MultiContext's
    ``devices``: None, a string as the library takes it, an index, or a
    list of indices and name substrings."""
    if devices is None or isinstance(devices, str):
        return devices
    if isinstance(devices, (int, np.integer)) and not isinstance(devices, bool):
        return str(int(devices))
    if not isinstance(devices, (list, tuple)):
        raise ValueError("devices: %r is not a device list; expected a string (\"0,1\", "
                         "\"all\"), a list of indices or names ([0, 1]), or None"
                         % (devices,))
    if not devices:
        raise ValueError("devices: the list is empty; expected at least one device "
                         "(or None for ANISOCL_DEVICE, else the default device)")
    items = []
    for k, item in enumerate(devices):
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            items.append(str(int(item)))
        elif isinstance(item, str) and item and "," not in item:
            items.append(item)
        else:
            raise ValueError("devices: item %d (%r) is not a device index or a name "
                             "substring without commas" % (k, item))
    return ",".join(items)


class MultiContext(_LibraryHandle):
    """Several OpenCL devices that share each sum: the C library's
    ``aniso_multi`` (include/anisocl.h, "Several devices").

    ``devices``: a string as ``anisocl sum --device`` and ``ANISOCL_DEVICE``
    take it (``"0,1"``, ``"gpu,cpu"``, ``"all"`` for every device of
    :func:`devices`), an index, a list of indices and name substrings
    (``[0, 1]``), or None for ``ANISOCL_DEVICE`` (itself a list), else the
    one device :class:`Context` would take.  Raises :class:`DeviceError`
    when an item names no device or names one a second time (the message
    names the item), ValueError for a list that is not one.

    :meth:`kernel_sum` splits the rows (M ≥ 128 per device) or the
    j-blocks (fewer rows) among the devices and runs them at once; on
    devices of one kind (same model and driver) the result is bitwise that
    of :meth:`Context.kernel_sum` on one of them.  Only exact sums of host
    NumPy arrays: no tolerance, no :class:`DeviceArray`.

    ``device_names`` lists the devices in the set's order.  Use it as a
    context manager or call :meth:`close`; it is also released when
    garbage-collected.  Calls from several threads take turns."""

    def __init__(self, devices=None):
        self._open(_lib_c.aniso_multi_create, _device_list_text(devices),
                   _lib_c.aniso_multi_free, _lib_c.aniso_multi_errmsg, 2048)
        self.devices = devices
        contexts = [_lib_c.aniso_multi_ctx(self._handle, k)
                    for k in range(_lib_c.aniso_multi_count(self._handle))]
        self.device_names = tuple(_lib_c.aniso_ctx_device_name(c).decode() for c in contexts)
        self.has_fp64 = all(_lib_c.aniso_ctx_has_fp64(c) for c in contexts)

    def _describe(self):
        return "%d device%s (%s)" % (len(self.device_names),
                                     "" if len(self.device_names) == 1 else "s",
                                     ", ".join(self.device_names))

    def __len__(self):
        """The number of devices."""
        return len(self.device_names)

    def kernel_sum(self, x, y, b, gamma, gamma_var=None, kernel="gaussian", reduction="sum"):
        """out_ie = Σ_j f(q_ij) b_je, q_ij = (x_i − y_j)ᵀ Γ (x_i − y_j), on
        every device of the set.  Arguments, shapes, dtypes, result and
        errors as :meth:`Context.kernel_sum`, for NumPy arrays (and
        numbers, lists): a :class:`DeviceArray` belongs to one device and
        is refused with a ValueError naming the argument.  A failure on
        one device raises its error with a message starting "device <item>
        (<name>): "."""
        options = _options(kernel, reduction)
        named = [("x", x), ("y", y), ("b", b), ("gamma", gamma)]
        for name, value in named:
            if isinstance(value, DeviceArray):
                raise ValueError("%s: MultiContext.kernel_sum takes NumPy arrays (a "
                                 "DeviceArray was given: it lives on one device)" % name)
        dtype = _dtype_of(named)
        (xv, xs), (yv, ys), (bv, bs), (gv, gs) = [
            _as_input(name, value, dtype) for name, value in named]
        M, N, D, E, rows, K, var = _sum_shapes(xs, ys, bs, gs, gamma_var)
        shape = _lib.Shape(M, N, D, E, K, rows, var, _DTYPE_CODES[dtype])
        result = np.empty((M, E), dtype=dtype)
        self._call(_lib_c.aniso_multi_sum, ctypes.byref(shape), ctypes.byref(options),
                   _ptr(xv), _ptr(yv), _ptr(bv), _ptr(gv), _ptr(result))
        return result.reshape((M, E) if len(bs) == 2 else (M,))


# ----------------------------------------------------------------------------
# Device arrays
# ----------------------------------------------------------------------------

def _device_layout(shape):
    """The rows x cols of the C array holding a NumPy shape."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], 1
    if len(shape) == 2:
        return shape
    raise ValueError("shape %s: a device array has at most 2 dimensions" % _shape_text(shape))


class DeviceArray:
    """An array on a context's device (made by :meth:`Context.array` or
    :meth:`Context.empty`).  ``shape`` and ``dtype`` as in NumPy;
    :meth:`read` (or ``numpy.asarray``) copies it back, :meth:`write`
    replaces its contents.  Close it with :meth:`close` or a ``with`` block
    (also released when garbage-collected)."""

    def __init__(self, context, shape, dtype, host):
        self.context = context
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        rows, cols = _device_layout(self.shape)
        self._views = {}
        handle = ctypes.c_void_p()
        if host is not None and host.shape != self.shape:
            host = host.reshape(self.shape)
        context._call(_lib_c.aniso_array_create, _DTYPE_CODES[self.dtype], rows, cols,
                      None if host is None else _ptr(host), ctypes.byref(handle))
        self._views[(rows, cols)] = handle.value
        self._handle = handle.value
        # every C array over this buffer (views included), freed together
        self._handles = [handle.value]
        self._finalizer = weakref.finalize(self, _free_arrays, self._handles)

    def __repr__(self):
        return "<anisocl.DeviceArray shape=%s dtype=%s on %s%s>" % (
            _shape_text(self.shape), self.dtype, self.context.device_name,
            " (closed)" if self.closed else "")

    @property
    def ndim(self):
        """Number of dimensions (0, 1 or 2)."""
        return len(self.shape)

    @property
    def size(self):
        """Number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def closed(self):
        """Whether :meth:`close` was called."""
        return not self._finalizer.alive

    def close(self):
        """Free the device memory.  Calling it again does nothing."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _check_open(self, name):
        if self.closed:
            raise ValueError("%s: the device array is closed" % name)

    def _handle_as(self, context, name, rows, cols):
        """The C array with layout rows x cols (a view over the same buffer
        when the layout differs: a 1-d gamma is one row of K numbers)."""
        self._check_open(name)
        if context is not self.context:
            raise ValueError("%s: a device array of another context (%s); expected one made "
                             "by this context" % (name, self.context.device_name))
        key = (rows, cols)
        if key not in self._views:
            view = ctypes.c_void_p()
            context._call(_lib_c.aniso_array_wrap, _DTYPE_CODES[self.dtype], rows, cols,
                          _lib_c.aniso_array_cl_mem(self._handle), ctypes.byref(view))
            self._views[key] = view.value
            self._handles.append(view.value)
        return self._views[key]

    def read(self):
        """A new NumPy array with the contents."""
        self._check_open("array")
        host = np.empty(self.shape, dtype=self.dtype)
        code = _lib_c.aniso_array_read(self._handle, _ptr(host))
        if code != 0:
            raise error_for(code, "reading a device array: %s"
                            % _lib_c.aniso_strerror(code).decode(),
                            _lib_c.aniso_err_name(code).decode())
        return host

    def write(self, host):
        """Replace the contents with host (of this shape; converted to this
        dtype when it is not a NumPy array of another dtype)."""
        self._check_open("array")
        dtype = _dtype_of([("array", self), ("host", host)])
        values, shape = _as_input("host", host, dtype)
        if shape != self.shape:
            raise ValueError("host: shape %s does not match the device array's %s"
                             % (_shape_text(shape), _shape_text(self.shape)))
        code = _lib_c.aniso_array_write(self._handle, _ptr(values))
        if code != 0:
            raise error_for(code, "writing a device array: %s"
                            % _lib_c.aniso_strerror(code).decode(),
                            _lib_c.aniso_err_name(code).decode())

    to_numpy = read

    def __array__(self, dtype=None, copy=None):
        values = self.read()
        return values if dtype is None else values.astype(dtype)


def _free_arrays(handles):
    for handle in handles:
        _lib_c.aniso_array_free(handle)


# ----------------------------------------------------------------------------
# Module-level functions on cached contexts
# ----------------------------------------------------------------------------

_contexts = {}
_contexts_lock = threading.Lock()


def default_context(device=None):
    """The context the module-level functions use for ``device`` (None: the
    library's default), made on first use and kept; a :class:`Context` is
    returned as it is."""
    if isinstance(device, Context):
        return device
    key = None if device is None else str(device)
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None or context.closed:
            context = Context(device)
            _contexts[key] = context
        return context


def kernel_sum(x, y, b, gamma, gamma_var=None, kernel="gaussian", reduction="sum",
               device=None, tolerance=0.0):
    """out_ie = Σ_j f(q_ij) b_je, q_ij = (x_i − y_j)ᵀ Γ (x_i − y_j), on the
    device ``device`` (an index, a name substring, a :class:`Context`, or
    None for the default).  See :meth:`Context.kernel_sum` for the
    arguments; returns an (M, E) array, or (M,) when b is 1-D."""
    return default_context(device).kernel_sum(x, y, b, gamma, gamma_var=gamma_var,
                                              kernel=kernel, reduction=reduction,
                                              tolerance=tolerance)


def kernel_grad(x, y, b, gamma, a, wrt, gamma_var=None, kernel="gaussian", reduction="sum",
                device=None, forward=None):
    """The gradient of Σ_ie a_ie kernel_sum(...)_ie with respect to x, y, b or
    gamma (``wrt``), shaped like that input, on the device ``device``.  See
    :meth:`Context.kernel_grad`."""
    return default_context(device).kernel_grad(x, y, b, gamma, a, wrt, gamma_var=gamma_var,
                                               kernel=kernel, reduction=reduction,
                                               forward=forward)


def solve(x, b, gamma, lam, tol=1e-10, max_iter=1000, gamma_var=None, kernel="gaussian",
          device=None, return_info=False):
    """Solve (K + λI) a = b by conjugate gradients on the device; returns a,
    shaped like b.  See :meth:`Context.solve`."""
    return default_context(device).solve(x, b, gamma, lam, tol=tol, max_iter=max_iter,
                                         gamma_var=gamma_var, kernel=kernel,
                                         return_info=return_info)


def _device_list():
    count = ctypes.c_size_t(0)
    code = _lib_c.aniso_device_list(None, 0, ctypes.byref(count), None, None, 0)
    if code != 0:
        raise error_for(code, "listing OpenCL devices: %s" % _lib_c.aniso_strerror(code).decode(),
                        _lib_c.aniso_err_name(code).decode())
    infos = (_lib.DeviceInfo * max(count.value, 1))()
    default = ctypes.c_int(-1)
    why = ctypes.create_string_buffer(128)
    code = _lib_c.aniso_device_list(infos, count.value, ctypes.byref(count),
                                    ctypes.byref(default), why, len(why))
    # ANISOCL_DEVICE naming nothing: the list is fine, there is no default
    if code != 0 and _lib_c.aniso_err_name(code) != b"ERR_BAD_DEVICE_SPEC":
        raise error_for(code, "listing OpenCL devices: %s" % _lib_c.aniso_strerror(code).decode(),
                        _lib_c.aniso_err_name(code).decode())
    listing = []
    for info in infos[:count.value]:
        listing.append({
            "index": info.index,
            "platform": info.platform.decode(errors="replace"),
            "name": info.name.decode(errors="replace"),
            "type": "GPU" if info.is_gpu else "CPU" if info.is_cpu else "other",
            "default": info.index == default.value,
            "compute_units": info.compute_units,
            "global_mem_bytes": info.global_mem_bytes,
            "max_alloc_bytes": info.max_alloc_bytes,
            "has_fp64": bool(info.has_fp64),
        })
    return listing, why.value.decode(errors="replace")


def devices():
    """The OpenCL devices: a list of dicts with ``index`` (what ``device=``
    and ``ANISOCL_DEVICE`` take), ``platform``, ``name``, ``type`` ("GPU",
    "CPU" or "other"), ``default`` (whether the library picks it without a
    device spec), ``compute_units``, ``global_mem_bytes``,
    ``max_alloc_bytes`` and ``has_fp64``."""
    return _device_list()[0]
