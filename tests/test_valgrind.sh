#!/bin/sh
# valgrind memcheck over library test programs: no invalid access, no use
# of uninitialised memory and no definite leak, outside the suppressions of
# tests/valgrind.supp (the dynamic loader, PoCL and LLVM only).
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}

if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind is not installed"
	exit 0
fi
if [ -n "${ANISOCL_SANITIZER_FLAGS:-}" ]; then
	echo "1..0 # SKIP built with sanitizers ($ANISOCL_SANITIZER_FLAGS), which valgrind cannot run"
	exit 0
fi
# Every error path, 8 threads on one context, the caller's own OpenCL
# objects and buffers, and arrays that outlive their context.
programs="test_errors test_threads test_interop test_lifetime"
echo "1..$(echo $programs | wc -w)"
for program in $programs; do
	log=$(mktemp)
	"$builddir/libtool" --mode=execute valgrind --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite \
		--suppressions="$srcdir/tests/valgrind.supp" --num-callers=40 \
		"$builddir/tests/$program" >"$log.out" 2>"$log"
	status=$?
	if grep -q "^1..0 # SKIP" "$log.out"; then
		echo "ok - valgrind $program # SKIP $(sed -n 's/^1..0 # SKIP //p' "$log.out")"
	elif [ "$status" -eq 0 ]; then
		echo "ok - valgrind $program: $(grep -c '^ok' "$log.out") tests, no memcheck error"
	else
		echo "not ok - valgrind $program exited $status"
		grep -E "ERROR SUMMARY|Invalid|uninitialised|definitely lost|^not ok" "$log" "$log.out" |
			head -20 | sed 's/^/# /'
		# The program's own diagnostics (seed, library messages, build logs).
		grep -E "^#" "$log.out" | head -40 | sed 's/^/# /'
	fi
	rm -f "$log" "$log.out"
done
