"""Installs the pure-Python package and records, in anisocl/_build_info.py of
the installed copy, where the C library was built: the build tree (the
folder above this one, or ANISOCL_BUILD_TREE for a build elsewhere) and the
libdir that `make install` uses there (from its anisocl.pc).  Nothing is
compiled.  The metadata is in pyproject.toml."""

import os
import re

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def _pc_libdir(tree):
    """libdir of the build tree's anisocl.pc, ${...} expanded; None without one."""
    try:
        with open(os.path.join(tree, "anisocl.pc")) as pc:
            lines = pc.read().splitlines()
    except OSError:
        return None
    variables = {}
    for line in lines:
        match = re.match(r"^(\w+)=(.*)$", line)
        if match:
            variables[match.group(1)] = match.group(2).strip()

    def expand(value, depth=0):
        if depth > 8:
            return value
        return re.sub(r"\$\{(\w+)\}",
                      lambda m: expand(variables.get(m.group(1), ""), depth + 1), value)

    libdir = variables.get("libdir")
    return expand(libdir) if libdir else None


class BuildPyWithInfo(build_py):
    """build_py that also writes anisocl/_build_info.py."""

    def run(self):
        super().run()
        tree = os.path.abspath(os.environ.get("ANISOCL_BUILD_TREE") or os.path.dirname(HERE))
        info = os.path.join(self.build_lib, "anisocl", "_build_info.py")
        with open(info, "w") as out:
            out.write('"""Written by setup.py when the package was installed."""\n')
            out.write("BUILD_TREE = %r\n" % tree)
            out.write("INSTALL_LIBDIR = %r\n" % _pc_libdir(tree))


setup(cmdclass={"build_py": BuildPyWithInfo})
