#!/bin/sh
# Build the libFuzzer targets, replay the saved crash inputs, then fuzz each
# target for a bounded time, or for a fixed number of inputs.
#
# Usage: tests/fuzz/run.sh [SECONDS]     (default 60 per target)
#        FUZZ_RUNS=N FUZZ_SEED=S tests/fuzz/run.sh
#                                        (N inputs per target: with a fixed
#                                        seed, the same inputs whatever the
#                                        machine's load; CI runs this)
#
# Each target starts from a copy of its seed corpus (tests/fuzz/corpus/NAME)
# in a temporary folder, so the committed seeds do not grow.  Prints how
# many inputs each target ran; exits non-zero when a target crashed, found a
# sanitizer error or broke one of its invariants.  Crash inputs are kept in
# tests/fuzz/build/artifacts/ (copy one to tests/fuzz/regressions/NAME/ once
# the bug is fixed, so every later run replays it).
#
# Environment: FUZZ_TARGETS (default "npy validate"), FUZZ_SEED (fixes
# libFuzzer's random seed, so that a run can be repeated: CI sets it; the
# default, a fresh seed each run, explores further), FUZZ_RUNS (a count of
# inputs per target instead of a time budget), FUZZ_BUILD_DIR,
# FUZZ_CC and FUZZ_*SANITIZERS as for build.sh; ANISOCL_DEVICE picks the
# device of fuzz_validate; ANISOCL_CACHE_DIR (default
# /tmp/anisocl-fuzz-cache) keeps its compiled kernels between runs.
set -eu

seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS]" >&2
	exit 2
	;;
esac
runs=${FUZZ_RUNS:-}
case $runs in
*[!0-9]*)
	echo "$0: FUZZ_RUNS=$runs: expected a count of inputs" >&2
	exit 2
	;;
esac
if [ -n "$runs" ]; then
	budget="-runs=$runs"
	what="$runs inputs"
else
	budget="-max_total_time=$seconds"
	what="$seconds s"
fi

here=$(cd "$(dirname "$0")" && pwd)
build=${FUZZ_BUILD_DIR:-$here/build}
export FUZZ_BUILD_DIR="$build"
"$here/build.sh"

artifacts=$build/artifacts
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/anisocl-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Sanitizers stop at the first error, with a stack.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ANISOCL_CACHE_DIR="${ANISOCL_CACHE_DIR:-/tmp/anisocl-fuzz-cache}"

failed=""
summary=""
for target in ${FUZZ_TARGETS:-npy validate}; do
	bin=$build/fuzz_$target
	log=$work/$target.log
	opts="-rss_limit_mb=4096 -timeout=120 -print_final_stats=1"
	if [ -n "${FUZZ_SEED:-}" ]; then
		opts="$opts -seed=$FUZZ_SEED"
	fi
	asan="abort_on_error=0"
	if [ "$target" = validate ]; then
		# PoCL leaks (its device threads, LLVM and compiler state are
		# never freed, by design) and LeakSanitizer would blame every
		# input for them: leaks are not checked in this target.  The
		# .npy target keeps leak checking.
		asan="$asan:detect_leaks=0"
		opts="$opts -detect_leaks=0"
	fi

	# Saved crash inputs of bugs since fixed: each must pass.
	if [ -d "$here/regressions/$target" ] &&
		[ -n "$(ls -A "$here/regressions/$target" 2>/dev/null)" ]; then
		echo "== fuzz_$target: replaying tests/fuzz/regressions/$target"
		# shellcheck disable=SC2086
		if ! ASAN_OPTIONS="$asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$bin" $opts \
			"$here/regressions/$target"/* >"$log.replay" 2>&1; then
			tail -n 40 "$log.replay"
			echo "== fuzz_$target: a regression input fails again"
			failed="$failed $target(regression)"
		fi
	fi

	if [ -f "$here/$target.dict" ]; then
		opts="$opts -dict=$here/$target.dict"
	fi

	corpus=$work/corpus-$target
	mkdir -p "$corpus"
	cp "$here/corpus/$target"/* "$corpus"/
	echo "== fuzz_$target: fuzzing for $what"
	rc=0
	# shellcheck disable=SC2086
	ASAN_OPTIONS="$asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$bin" $opts \
		$budget -artifact_prefix="$artifacts/$target-" \
		"$corpus" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	grep -E '^#[0-9]+.*(INITED|DONE)' "$log" | tail -n 2 || true
	if [ "$rc" -ne 0 ]; then
		tail -n 60 "$log"
		echo "== fuzz_$target: FAILED (exit $rc); crash input in $artifacts/"
		failed="$failed $target"
	fi
	summary="$summary
fuzz_$target: ${execs:-?} executions ($what), exit $rc"
done

echo "== summary$summary"
if [ -n "$failed" ]; then
	echo "== failed:$failed"
	exit 1
fi
echo "== no crash"
