#!/bin/sh
# ThreadSanitizer over the threads test and the several-devices test:
# builds the library with tests/test_threads, then with tests/test_multi,
# with clang -fsanitize=thread (outside the autotools build, which has one
# sanitizer setting) and runs each; any race report fails.  Run it from a configured build folder, in or out of the source
# tree (`tests/tsan.sh`, or `../src/tests/tsan.sh` from a VPATH build):
# config.h and the generated lib/cl_sources.c are taken from there, the
# sources from the tree this script is in.
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
if [ ! -f "$builddir/config.h" ]; then
	echo "tsan.sh: no config.h in $builddir: run it from a configured build folder" >&2
	exit 2
fi
if [ ! -f "$builddir/lib/cl_sources.c" ]; then
	make -C "$builddir" lib/cl_sources.c
fi
out=$builddir/tests/tsan-build
mkdir -p "$out"
# The library's own sources (the generated one lives in the build folder;
# in an in-tree build it is also matched by the glob, hence the filter).
sources=""
for f in "$srcdir"/lib/*.c; do
	[ "$(basename "$f")" = cl_sources.c ] || sources="$sources $f"
done
# The threads test, and the several-devices test (a host thread per
# device; its OpenCL shim needs -ldl).
for test in test_threads test_multi; do
	# shellcheck disable=SC2086
	${TSAN_CC:-clang} -fsanitize=thread -g -O1 -I"$srcdir/include" -I"$srcdir/lib" \
		-I"$builddir" $sources "$builddir/lib/cl_sources.c" \
		"$srcdir/tests/$test.c" "$srcdir/tests/test_common.c" \
		"$srcdir/tests/tap.c" "$srcdir/tests/reference.c" \
		-o "$out/$test" -lOpenCL -lpthread -lm -ldl
	ANISOCL_CACHE_DIR="$out/cache" TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
		"$out/$test"
done
echo "tsan: no data race reported"
