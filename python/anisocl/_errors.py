"""Exceptions: the library's negative codes as Python exception classes."""

__all__ = ["AnisoclError", "ArgumentError", "DeviceError", "NotConvergedError",
           "error_for"]


class AnisoclError(Exception):
    """Base of the errors the C library reports.

    Attributes: ``code`` (the negative ``ANISO_ERR_*`` value), ``name``
    (e.g. ``"ERR_BAD_K"``) and ``message`` (the library's message: the
    argument at fault and what was expected, the failing OpenCL call, or the
    device's build log)."""

    def __init__(self, message, code=None, name=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.name = name


class ArgumentError(AnisoclError, ValueError):
    """The library refused an argument or a shape (a ``ValueError``)."""


class DeviceError(AnisoclError, RuntimeError):
    """No device, a device spec that names none, no float64, an OpenCL call
    or a kernel build that failed, out of memory (a ``RuntimeError``)."""


class NotConvergedError(AnisoclError, RuntimeError):
    """A solve did not reach its tolerance within max_iter iterations.

    ``iterations`` and ``residuals`` hold each column's iteration count and
    final relative residual ‖(K + λI)a − b‖/‖b‖ (NumPy arrays of E entries);
    ``tol`` and ``max_iter`` what was asked."""

    def __init__(self, message, code=None, name=None, iterations=None,
                 residuals=None, tol=None, max_iter=None):
        super().__init__(message, code, name)
        self.iterations = iterations
        self.residuals = residuals
        self.tol = tol
        self.max_iter = max_iter


# Library codes (include/anisocl.h) that are the caller's arguments.
_ARGUMENT_CODES = {
    -1,   # ERR_NULL_ARG
    -2,   # ERR_BAD_DIM
    -3,   # ERR_BAD_K
    -4,   # ERR_BAD_GAMMA_VAR
    -5,   # ERR_BAD_DTYPE
    -7,   # ERR_OVERFLOW
    -8,   # ERR_TOO_LARGE (D or E over ANISO_MAX_D/E, a row larger than the device)
    -15,  # ERR_SHAPE
    -16,  # ERR_BAD_ARG
}
NOT_CONVERGED = -17


def error_for(code, message, name=None):
    """The exception for a library code and its message."""
    if code == NOT_CONVERGED:
        return NotConvergedError(message, code, name)
    if code in _ARGUMENT_CODES:
        return ArgumentError(message, code, name)
    return DeviceError(message, code, name)
