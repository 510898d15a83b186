#!/bin/sh
# ThreadSanitizer over the threads test: builds the library and
# tests/test_threads with clang -fsanitize=thread (outside the autotools
# build, which has one sanitizer setting) and runs it; any race report
# fails.  Needs a configured tree (config.h).  Usage: tests/tsan.sh
set -eu
cd "$(dirname "$0")/.."
out=tests/tsan-build
mkdir -p "$out"
${TSAN_CC:-clang} -fsanitize=thread -g -O1 -Iinclude -Ilib -I. \
	lib/*.c tests/test_threads.c tests/test_common.c tests/tap.c tests/reference.c \
	-o "$out/test_threads" -lOpenCL -lpthread -lm
ANISOCL_CACHE_DIR="$PWD/$out/cache" TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	"$out/test_threads"
echo "tsan: no data race reported"
