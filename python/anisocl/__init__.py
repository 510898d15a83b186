"""anisocl: anisotropic kernel sums on any OpenCL device, from NumPy.

    out_ie = Σ_j f(q_ij) b_je,   q_ij = (x_i − y_j)ᵀ Γ (x_i − y_j)

computed by the C library libanisocl (loaded through ctypes; see
``anisocl._lib`` for where it is looked for, and ``ANISOCL_LIBRARY`` to
name it).  The M × N matrix is never built.

- :func:`kernel_sum` (x, y, b, gamma, gamma_var=None, kernel="gaussian",
  reduction="sum", device=None): the sum (or logsumexp), (M, E) or (M,).
- :func:`kernel_grad` (x, y, b, gamma, a, wrt, ...): the gradient of
  Σ a·out with respect to x, y, b or gamma, shaped like that input.
- :func:`solve` (x, b, gamma, lam, ...): (K + λI) a = b by conjugate gradients.
- :func:`devices`: the OpenCL devices; ``python -m anisocl devices`` prints them.
- :class:`Context`: one device, device-resident arrays (:meth:`Context.array`),
  :meth:`Context.linear_operator`.
- :class:`MultiContext` ("0,1", "all", [0, 1]): one sum shared by several
  devices, :meth:`MultiContext.kernel_sum`; bitwise one device's result
  on devices of one kind.
- :class:`KernelOperator`: K as a SciPy LinearOperator.
- Errors: ValueError for shapes and arguments (:class:`ArgumentError` when
  the library refuses one), :class:`DeviceError` and
  :class:`NotConvergedError` (both RuntimeError).
"""

from ._errors import AnisoclError, ArgumentError, DeviceError, NotConvergedError
from ._core import (Context, DeviceArray, MultiContext, NoteWarning, default_context,
                    devices, kernel_grad, kernel_names, kernel_sum, library_version, solve)
from ._linop import KernelOperator
from ._lib import library_path

__version__ = "0.1.0"

__all__ = ["kernel_sum", "kernel_grad", "solve", "devices", "Context", "MultiContext",
           "DeviceArray", "KernelOperator",
           "default_context", "kernel_names", "library_version", "library_path",
           "AnisoclError", "ArgumentError", "DeviceError", "NotConvergedError",
           "NoteWarning"]
