"""``python -m anisocl devices``: the OpenCL devices, as ``anisocl devices``
prints them; ``python -m anisocl info``: the library loaded."""

import sys


def _bytes(n):
    return "%.1f GiB" % (n / 2.0 ** 30) if n >= 2 ** 30 else "%.0f MiB" % (n / 2.0 ** 20)


def _devices():
    from ._core import _device_list
    listing, why = _device_list()
    if not listing:
        print("anisocl: no OpenCL device found (is an ICD such as PoCL installed under "
              "/etc/OpenCL/vendors?)", file=sys.stderr)
        return 4
    platform = None
    for d in listing:
        if d["platform"] != platform:
            platform = d["platform"]
            print("Platform: %s" % platform)
            print("      #  %-40s %-5s %4s %10s %10s %4s"
                  % ("device", "type", "CUs", "memory", "max alloc", "fp64"))
        print("  %s %3d  %-40.40s %-5s %4d %10s %10s %4s"
              % ("*" if d["default"] else " ", d["index"], d["name"], d["type"],
                 d["compute_units"], _bytes(d["global_mem_bytes"]),
                 _bytes(d["max_alloc_bytes"]), "yes" if d["has_fp64"] else "no"))
    default = [d for d in listing if d["default"]]
    if default:
        print("* default: device %d (%s); set ANISOCL_DEVICE or pass device= to choose "
              "another" % (default[0]["index"], why))
    else:
        print("no default device: ANISOCL_DEVICE matches none")
    return 0


def main(argv=None):
    """Entry point of ``python -m anisocl``."""
    argv = sys.argv[1:] if argv is None else argv
    usage = "usage: python -m anisocl devices | info"
    if argv in (["-h"], ["--help"]):
        print(usage)
        return 0
    if argv == ["devices"]:
        return _devices()
    if argv == ["info"]:
        from . import library_path, library_version, __version__
        print("anisocl %s (Python package), library %s at %s"
              % (__version__, library_version(), library_path))
        return 0
    print(usage, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
