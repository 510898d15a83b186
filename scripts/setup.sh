#!/bin/sh
# Install what is missing (Debian/Ubuntu), then configure and build anisocl.
# Usage: scripts/setup.sh [configure options...]
set -eu

cd "$(dirname "$0")/.."

# Debian packages the build, the tests and the demo need.  OpenCL runs on
# the CPU through PoCL when there is no GPU driver.  The Python package
# (python/) and its tests need NumPy, SciPy (its LinearOperator), pytest,
# and pip and venv (the test that installs it into a fresh environment).
# Open MPI (libopenmpi-dev, openmpi-bin): anisocl-mpi and its test.
PACKAGES="build-essential autoconf automake libtool pkg-config \
ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo libcairo2-dev \
python3-numpy python3-scipy python3-pytest python3-pip python3-venv \
libopenmpi-dev openmpi-bin"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		SUDO="sudo"
	fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
	./configure "$@"
fi
make -j"$(nproc 2>/dev/null || echo 2)"
