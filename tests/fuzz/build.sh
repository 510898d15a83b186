#!/bin/sh
# Build the libFuzzer targets with clang, straight from the sources (no
# change to configure.ac or Makefile.am needed).
#
# Usage: tests/fuzz/build.sh
# Needs a configured tree (config.h; lib/cl_sources.c is made if missing)
# and clang with compiler-rt's libFuzzer: on Debian 12, packages clang and
# libclang-rt-14-dev (clang-15 carries it in libclang-common-15-dev).
#
# Environment:
#   FUZZ_CC              compiler (default: the first of clang, clang-15,
#                        clang-14 that links -fsanitize=fuzzer)
#   FUZZ_BUILD_DIR       where the binaries go (default tests/fuzz/build)
#   FUZZ_SANITIZERS      sanitizers besides fuzzer (default address,undefined)
#   FUZZ_VALIDATE_SANITIZERS   the same for fuzz_validate alone (default:
#                        FUZZ_SANITIZERS).  ASan works with PoCL here; set
#                        it to "undefined" should a PoCL version break under
#                        ASan.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_BUILD_DIR:-$top/tests/fuzz/build}
san=${FUZZ_SANITIZERS:-address,undefined}
vsan=${FUZZ_VALIDATE_SANITIZERS:-$san}

mkdir -p "$out"

# A compiler that can link a libFuzzer target.
probe_cc() {
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
		>"$out/probe.c"
	"$1" -fsanitize=fuzzer "$out/probe.c" -o "$out/probe" >/dev/null 2>&1
}
cc=""
for c in ${FUZZ_CC:-} clang clang-15 clang-14; do
	if command -v "$c" >/dev/null 2>&1 && probe_cc "$c"; then
		cc=$c
		break
	fi
done
rm -f "$out/probe.c" "$out/probe"
if [ -z "$cc" ]; then
	echo "fuzz/build.sh: no clang that links -fsanitize=fuzzer; on Debian 12 install" >&2
	echo "  clang libclang-rt-14-dev   (libFuzzer is only a Recommends of clang-14)" >&2
	exit 1
fi

if [ ! -f "$top/config.h" ]; then
	echo "fuzz/build.sh: no config.h: run ./configure (or scripts/setup.sh) first" >&2
	exit 1
fi
if [ ! -f "$top/lib/cl_sources.c" ]; then
	make -C "$top" lib/cl_sources.c
fi

CFLAGS_COMMON="-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all -pthread \
-Wall -Wextra -I$top -I$top/include -I$top/lib -I$top/cli"

echo "fuzz/build.sh: $cc ($("$cc" --version | head -n 1)), sanitizers fuzzer,$san / fuzzer,$vsan"

# The .npy reader: no OpenCL, no cairo.
# shellcheck disable=SC2086
"$cc" $CFLAGS_COMMON -fsanitize="fuzzer,$san" \
	"$top/tests/fuzz/fuzz_npy.c" "$top/cli/npy.c" "$top/cli/npy_convert.c" \
	"$top/cli/byte_order.c" -o "$out/fuzz_npy" -lm

# The library, compiled in (so that libFuzzer sees its coverage).
# shellcheck disable=SC2086
"$cc" $CFLAGS_COMMON -fsanitize="fuzzer,$vsan" \
	"$top/tests/fuzz/fuzz_validate.c" "$top"/lib/*.c \
	-o "$out/fuzz_validate" -lOpenCL -lm

echo "fuzz/build.sh: built $out/fuzz_npy $out/fuzz_validate"
