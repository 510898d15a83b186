#!/bin/sh
# The GPU path on a simulator: the tiled strategy (local-memory tiles and
# barriers, what GPUs run) and the combine pass, on Oclgrind, which reports
# data races, out-of-bounds and uninitialised accesses, barrier divergence
# and API misuse.  Any diagnostic, or a result off the double reference,
# fails.  A TAP script: `make check-oclgrind` runs it (.ci/run does).
#
# Facts that shaped it:
#  - Oclgrind is used through its `oclgrind` wrapper, which preloads its
#    runtime in place of the ICD loader: Debian's package installs no ICD
#    file (through the loader, point OCL_ICD_VENDORS at a folder holding
#    one that names /usr/lib/oclgrind/liboclgrind-rt-icd.so).
#  - Kernels are built with -cl-opt-disable: optimised builds with E = 1
#    hit "Undefined external function: llvm.experimental.noalias.scope.decl"
#    (Oclgrind issue 223, LLVM 14).
#  - One sum per process (tests/sum_case): the uninitialised-value checker
#    reports false positives once a buffer is reallocated in one process.
#  - First two planted defects (every barrier removed; a tile load that
#    reads past the end of y) must be reported, so a simulator that checks
#    nothing cannot pass this stage.
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-.}

if ! command -v oclgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP oclgrind is not installed (Debian package oclgrind)"
	exit 0
fi
if [ -n "${ANISOCL_SANITIZER_FLAGS:-}" ]; then
	echo "1..0 # SKIP built with sanitizers, which the simulator's preload does not mix with"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/anisocl-oclgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
export ANISOCL_CACHE=off
export ANISOCL_STRATEGY=tiled
count=0
failed=0

# run_case WGSIZE DTYPE METRIC VAR D E M N: one sum under the simulator.
run_case()
{
	wg=$1
	shift
	count=$((count + 1))
	log=$work/log.$count
	"$builddir/libtool" --mode=execute oclgrind --data-races --uninitialized \
		--check-api --max-wgsize "$wg" --build-options -cl-opt-disable \
		--log "$log" "$builddir/tests/sum_case" "$@" >"$work/out.$count" 2>&1
	status=$?
	if [ "$status" -eq 0 ] && [ ! -s "$log" ]; then
		echo "ok $count - $* (work-group limit $wg, $ANISOCL_STRATEGY): correct, no diagnostic"
	else
		failed=$((failed + 1))
		echo "not ok $count - $* (work-group limit $wg, $ANISOCL_STRATEGY): exit $status"
		head -n 20 "$log" "$work/out.$count" 2>/dev/null | sed 's/^/# /'
	fi
}

# Shapes at the edges: partial tiles, one row, one term, a single row
# against many terms, N = 600 for several j-blocks and the combine pass.
SHAPES="37:53 1:300 1:1 53:1 300:37 37:600"
nshapes=6
echo "1..48"

# plant NAME SED-EXPRESSION PATTERN: a kernel folder with one defect
# planted, which the simulator must report (a log line matching PATTERN).
plant()
{
	count=$((count + 1))
	rm -rf "$work/cl"
	mkdir -p "$work/cl"
	cp "$srcdir"/cl/*.cl "$work/cl/"
	sed -i "$2" "$work/cl/reduce_j.cl"
	if cmp -s "$srcdir/cl/reduce_j.cl" "$work/cl/reduce_j.cl"; then
		failed=$((failed + 1))
		echo "not ok $count - planted $1: the edit no longer applies to cl/reduce_j.cl"
		return
	fi
	ANISOCL_KERNEL_DIR="$work/cl" "$builddir/libtool" --mode=execute oclgrind \
		--data-races --max-wgsize 16 --build-options -cl-opt-disable \
		--log "$work/planted.log" "$builddir/tests/sum_case" float32 iso fixed 2 1 37 53 \
		>/dev/null 2>&1
	if grep -qi "$3" "$work/planted.log"; then
		echo "ok $count - planted $1 is reported: $(grep -ci "$3" "$work/planted.log") diagnostic line(s)"
	else
		failed=$((failed + 1))
		echo "not ok $count - planted $1 went unreported: this stage checks nothing"
	fi
}
plant "missing barrier" '/barrier(CLK_LOCAL_MEM_FENCE);/d' "race"
plant "tile over-read" 's/q < tile_len \* D;/q < WG * D;/' "invalid read"

# Every dtype x metric x gamma variation, shapes and work-group limits
# cycling, D in 1..3 and E in {1, 3}.
n=0
for dtype in float32 float64; do
	for metric in iso diag full; do
		for var in fixed i j; do
			shape=$(echo "$SHAPES" | cut -d' ' -f$((n % nshapes + 1)))
			wg=16
			[ $((n % 2)) -eq 0 ] || wg=64
			run_case $wg $dtype $metric $var $((n % 3 + 1)) $((n % 2 * 2 + 1)) \
				"${shape%:*}" "${shape#*:}"
			n=$((n + 1))
		done
	done
done
# Every shape under both work-group limits, on the hardest mode.
for shape in $SHAPES; do
	for wg in 16 64; do
		[ "$shape" = 37:600 ] && [ "$wg" = 64 ] && continue
		run_case $wg float32 full j 3 3 "${shape%:*}" "${shape#*:}"
	done
done
# The CPU strategy (vector lanes, no barriers) too: out-of-bounds reads of
# rows past M would show here.
ANISOCL_STRATEGY=loop
for shape in 37:53 1:300 53:1 37:600; do
	run_case 64 float64 diag i 3 1 "${shape%:*}" "${shape#*:}"
done
ANISOCL_STRATEGY=tiled
run_case 64 float32 iso j 2 3 2 600
# The logsumexp reduction: its (max, sum) partials and their combine pass
# (N = 600), its careful fold (block starts), each with another profile.
run_case 16 float32 full j 3 3 37 600 gaussian logsumexp
run_case 64 float64 diag i 2 1 37 600 cauchy logsumexp
run_case 16 float32 iso fixed 1 3 1 600 laplace logsumexp
# The gradients: row weights, results D or K wide, the roles swapped for
# the sums over i, and a fixed gamma's rows added on the device.
run_case 16 float64 full j 3 2 37 600 gaussian grad-x
run_case 64 float32 diag i 2 3 37 600 laplace grad-y
run_case 16 float64 iso fixed 2 1 53 37 cauchy grad-b
run_case 64 float32 full fixed 3 1 37 600 imq grad-gamma
run_case 16 float64 diag j 3 3 53 37 gaussian grad-gamma
run_case 64 float64 full i 2 1 1 300 laplace grad-x
# The gradients of logsumexp: the forward sum, both sides packed
# (pack_softmax_side), 2E weights per row and per tile entry, the
# gradient with respect to b of its own formula.
run_case 16 float32 full j 3 2 37 600 cauchy grad-x logsumexp
run_case 64 float64 diag i 2 3 53 37 gaussian grad-b logsumexp
run_case 16 float64 iso fixed 2 1 37 600 imq grad-gamma logsumexp
[ "$count" -eq 48 ] || echo "# planned 48 cases, ran $count"
[ "$failed" -eq 0 ] && [ "$count" -eq 48 ]
