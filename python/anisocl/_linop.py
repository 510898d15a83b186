"""The kernel matrix as a SciPy LinearOperator (SciPy is imported here, on
first use, not with the package)."""

import numpy as np

from ._core import (DeviceArray, _as_input, _dtype_of, _gamma_layout, _check_K,
                    _GAMMA_VAR_NAMES, _GAMMA_PER_I, _GAMMA_PER_J, _shape_text,
                    default_context)

__all__ = ["KernelOperator"]

_CLASS = None


def _operator_class():
    """KernelOperator's real class, a LinearOperator subclass, made once."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    from scipy.sparse.linalg import LinearOperator

    class _KernelOperator(LinearOperator):
        __doc__ = KernelOperator.__doc__

        def __init__(self, x, gamma, gamma_var=None, kernel="gaussian", lam=0.0, device=None):
            context = default_context(device)
            dtype = _dtype_of([("x", x), ("gamma", gamma)])
            xv, xs = _as_input("x", x, dtype)
            gv, gs = _as_input("gamma", gamma, dtype)
            if len(xs) != 2:
                raise ValueError("x: shape %s is not (N, D)" % _shape_text(xs))
            N, D = xs
            _, K, var = _gamma_layout(N, N, gs, gamma_var)
            _check_K(K, D, gs)
            self.context = context
            self.kernel = kernel
            self.lam = float(lam)
            self.gamma_var = _GAMMA_VAR_NAMES[var]
            # kept on the device: every product sends only the vector
            self.x = xv if isinstance(xv, DeviceArray) else context.array(xv)
            self.gamma = gv if isinstance(gv, DeviceArray) else context.array(gv)
            # K^T: a per-i gamma of K is the per-j gamma of its transpose
            self._transposed_var = {_GAMMA_PER_I: "j", _GAMMA_PER_J: "i"}.get(var, "fixed")
            super().__init__(dtype=dtype, shape=(N, N))

        def _product(self, v, gamma_var):
            v = np.asarray(v)
            columns = v.reshape(v.shape[0], -1)
            out = self.context.kernel_sum(self.x, self.x, columns.astype(self.dtype, copy=False),
                                          self.gamma, gamma_var=gamma_var, kernel=self.kernel)
            if self.lam:
                out = out + self.lam * columns
            return out.reshape(v.shape)

        def _matvec(self, v):
            return self._product(v, self.gamma_var)

        def _matmat(self, V):
            return self._product(V, self.gamma_var)

        def _rmatvec(self, v):
            return self._product(v, self._transposed_var)

        def _rmatmat(self, V):
            return self._product(V, self._transposed_var)

        def close(self):
            """Free the device copies of x and gamma."""
            self.x.close()
            self.gamma.close()

    _CLASS = _KernelOperator
    return _CLASS


class KernelOperator:
    """K (+ lam·I) as a ``scipy.sparse.linalg.LinearOperator``, N × N with
    K_ij = f(q(x_i, x_j)): ``matvec`` / ``matmat`` are kernel sums on the
    device, so SciPy's solvers (``cg``, ``gmres``, ``eigsh``...) run on it
    without an N × N matrix.

    x: (N, D) (kept on the device); gamma and gamma_var as for
    :func:`anisocl.kernel_sum` with M = N (a (N, K) gamma needs gamma_var
    "i" or "j"; K is then not symmetric, use gmres rather than cg; ``rmatvec``
    applies the transpose); kernel: the radial profile; lam: added on the
    diagonal; device: an index, a name, a :class:`Context` or None.  The
    dtype is x's.  Requires SciPy (``ImportError`` without it).

    ``KernelOperator(...)`` returns an instance of a LinearOperator subclass
    (made when SciPy is first needed)."""

    def __new__(cls, x, gamma, gamma_var=None, kernel="gaussian", lam=0.0, device=None):
        return _operator_class()(x, gamma, gamma_var=gamma_var, kernel=kernel, lam=lam,
                                 device=device)
