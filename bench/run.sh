#!/bin/sh
# Run the whole benchmark and write bench/results/{results.csv,results.md,
# pairs_per_second.png}.  From the top of a built tree:
#
#   bench/run.sh --quick     # about 3 minutes (plus KeOps' first compiles)
#   bench/run.sh             # the full run, see bench/README.md
#
# Any further arguments go to bench_anisocl (e.g. --sections square).
# KeOps runs when `python3 -c "import pykeops"` works; otherwise its
# script says so in one line and the tables have no KeOps column values.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/bench/results"
mode=--full
case "${1:-}" in
--quick | --full)
	mode=$1
	shift
	;;
esac
mkdir -p "$out"
if [ ! -x "$top/bench/bench_anisocl" ]; then
	echo "run.sh: bench/bench_anisocl is not built: run make first" >&2
	exit 1
fi

start=$(date +%s)
# The library's state when the run starts (others may change the tree
# during a long run): HEAD, and whether lib/, cl/, include/ differ from it.
state="$(cd "$top" && git describe --always --dirty 2>/dev/null || echo unknown)"
state="$state, started $(date -u +%H:%MZ)"
echo "== bench_anisocl $mode $*" >&2
"$top/bench/bench_anisocl" "$mode" "$@" >"$out/anisocl.csv"

: >"$out/keops.csv"
if command -v python3 >/dev/null 2>&1; then
	echo "== KeOps" >&2
	if [ "$mode" = --quick ]; then
		python3 "$top/bench/keops_bench.py" --quick --sizes 1e4 --dims 2,3 \
			>>"$out/keops.csv" || echo "# keops: script failed" >>"$out/keops.csv"
	else
		# Every mode at 1e4 (M = N = 1e5 takes KeOps over two minutes a
		# sum here), and M = 1e4 rows against N = 1e5 for three modes to
		# check that its pairs/s does not grow with N.
		python3 "$top/bench/keops_bench.py" --sizes 1e4 --dims 2,3 \
			--dtypes f32,f64 >>"$out/keops.csv" ||
			echo "# keops: script failed" >>"$out/keops.csv"
		python3 "$top/bench/keops_bench.py" --sizes "" --wide-n 1e5 --dims 2,3 \
			--dtypes f32 --modes fixed-iso,fixed-diag,fixed-full --reps 1 \
			>>"$out/keops.csv" || echo "# keops: wide-N run failed" >>"$out/keops.csv"
	fi
	cat "$out/anisocl.csv" "$out/keops.csv" >"$out/results.csv"
	echo "# tree at start: $state" >>"$out/results.csv"
	echo "# total wall time $(($(date +%s) - start)) s ($mode)" >>"$out/results.csv"
	python3 "$top/bench/report.py" "$out/results.csv" --md "$out/results.md" \
		--png "$out/pairs_per_second.png"
	echo "== wrote $out/results.csv, results.md, pairs_per_second.png" >&2
else
	cp "$out/anisocl.csv" "$out/results.csv"
	echo "# keops: python3 not found, KeOps not measured" >>"$out/results.csv"
	echo "== python3 not found: wrote $out/results.csv only (no table, no plot)" >&2
fi
