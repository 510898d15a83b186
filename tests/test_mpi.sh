#!/bin/sh
# anisocl-mpi under mpirun: P = 1, 2 and 4 ranks (oversubscribed: this
# machine may have fewer cores) write, byte for byte, the OUT that
# `anisocl sum` writes on one device, on shapes that exercise the cut (M
# not divisible by P, M < P, fewer j-blocks than ranks, one j-block), every
# gamma mode, both dtypes, E = 1 and 2, logsumexp; and a rank that fails
# (no such device, or a j-block too large for its allocation cap, in the
# middle of the ring) makes every rank exit non-zero, with the reason, and
# writes no OUT, within a time limit.  Output is TAP.

: "${top_builddir:=.}"
build="$(cd "$top_builddir" && pwd)"
mpi="$build/anisocl-mpi"
one="$build/anisocl"
random="$build/tests/npy_random"
MPIRUN=${MPIRUN:-mpirun}

if [ ! -x "$mpi" ] || ! command -v "$MPIRUN" >/dev/null 2>&1; then
	echo "1..0 # SKIP anisocl-mpi or mpirun not built or found (configure found no MPI)"
	exit 0
fi
if ! "$one" devices >/dev/null 2>&1; then
	echo "1..0 # SKIP no OpenCL device"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/anisocl-test-mpi.XXXXXX") || {
	echo "1..0 # SKIP cannot create a temporary folder"
	exit 0
}
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# Open MPI refuses root unless told, and needs --oversubscribe for more
# ranks than cores.  TIMEOUT: no run may hang the suite.
OMPI_ALLOW_RUN_AS_ROOT=1
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_rmaps_base_oversubscribe
# Under --enable-sanitizers: Open MPI's leaks at exit are suppressed by
# library name (tests/lsan.supp), which needs its components still loaded
# and full stacks (Open MPI is built without frame pointers).
OMPI_MCA_mca_base_component_disable_dlclose=1
export OMPI_MCA_mca_base_component_disable_dlclose
if [ -n "${ANISOCL_SANITIZER_FLAGS:-}" ]; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
	export ASAN_OPTIONS
fi
mpirun_n() { # mpirun_n P COMMAND...
	p=$1
	shift
	timeout 60 "$MPIRUN" --oversubscribe -np "$p" "$@"
}

count=0
failed=0
ok() { # ok STATUS NAME
	count=$((count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $count - $2"
		return 0
	fi
	echo "not ok $count - $2"
	failed=1
	return 1
}
diag() {
	sed 's/^/# /' "$1"
}

# same NAME INPUT-ARGS...: anisocl sum once, then anisocl-mpi sum on 1, 2
# and 4 ranks, each OUT compared with cmp.
same() {
	name=$1
	shift
	rm -f ref.npy out.npy
	if ! "$one" sum "$@" -o ref.npy 2>stderr; then
		ok 1 "$name: anisocl sum"
		diag stderr
		return
	fi
	for p in 1 2 4; do
		rm -f out.npy
		mpirun_n "$p" "$mpi" sum "$@" -o out.npy >stdout 2>stderr
		rc=$?
		[ "$rc" -eq 0 ] && cmp -s ref.npy out.npy
		ok $? "$name: P = $p bitwise anisocl sum's" || { echo "# exit $rc"; diag stderr; }
	done
}

# ---- inputs --------------------------------------------------------------
"$random" x32.npy 1000 3 f32 1 && "$random" y32.npy 5000 3 f32 2 &&
	"$random" b32.npy 5000 2 f32 3 && "$random" g32.npy 1 0 f32 4 4 &&
	"$random" x37.npy 37 2 f64 5 && "$random" y37.npy 1500 2 f64 6 &&
	"$random" b37.npy 1500 0 f64 7 && "$random" gi37.npy 37 2 f64 8 9 &&
	"$random" x3.npy 3 2 f32 9 && "$random" y2100.npy 2100 2 f32 10 &&
	"$random" b2100.npy 2100 2 f32 11 && "$random" gj2100.npy 2100 4 f32 12 5 &&
	"$random" x50.npy 50 2 f64 13 && "$random" y400.npy 400 2 f64 14 &&
	"$random" b400.npy 400 1 f64 15 && "$random" g400.npy 1 1 f64 16 20 || {
	echo "1..0 # SKIP cannot write the inputs"
	exit 0
}

# float32, fixed isotropic gamma, E = 2, 10 j-blocks
same "f32 fixed iso, M = 1000, N = 5000, E = 2" -x x32.npy -y y32.npy -b b32.npy -g g32.npy
# float64, per-i diagonal gamma, M = 37 not divisible, 3 j-blocks (P = 4:
# one rank holds no y), b (N,) so OUT (M,)
same "f64 per-i diag, M = 37, N = 1500, b (N,)" -x x37.npy -y y37.npy -b b37.npy -g gi37.npy \
	--gamma-var i
# float32, per-j full gamma (K = D*D), M = 3 < P, logsumexp, cauchy
same "f32 per-j full, M = 3, N = 2100, logsumexp, cauchy" -x x3.npy -y y2100.npy -b b2100.npy \
	-g gj2100.npy --gamma-var j --reduction logsumexp --kernel cauchy
# float64, one j-block: one rank's slice holds every term
same "f64 fixed, one j-block (N = 400)" -x x50.npy -y y400.npy -b b400.npy -g g400.npy

# Rows in passes: a rank keeps its rows' partials over every j-block until
# y has gone round, so rows go round in passes under a budget (1 GiB; 8000
# and 100 bytes here: 100 rows, then 4 rows per pass, per-i gamma rows
# following their pass).  The same bytes as one pass, and as anisocl sum.
ANISOCL_MPI_PARTIAL_BYTES=8000
export ANISOCL_MPI_PARTIAL_BYTES
same "rows in passes of 100 (f32 fixed, M = 1000, 10 j-blocks)" -x x32.npy -y y32.npy \
	-b b32.npy -g g32.npy
ANISOCL_MPI_PARTIAL_BYTES=100
same "rows in passes of 4 (f64 per-i, M = 37, 3 j-blocks)" -x x37.npy -y y37.npy -b b37.npy \
	-g gi37.npy --gamma-var i
unset ANISOCL_MPI_PARTIAL_BYTES

# Many rows against many terms: the core's j-blocks (1536 terms here) are
# longer than a cap on a slice's block (lib/plan.c gives M >= 2^18 one block
# of all N; mpi/mpi_sum.c caps it so that y still travels in slices).
# ANISOCL_MPI_BLOCK_BYTES brings the cap down to 512 terms: then P = 2 and
# 4 must still give P = 1's bytes.
"$random" x20k.npy 20000 2 f32 17 && "$random" y20k.npy 20000 2 f32 18 &&
	"$random" b20k.npy 20000 1 f32 19 || exit 1
rm -f capped1.npy
ANISOCL_MPI_BLOCK_BYTES=4096 mpirun_n 1 "$mpi" sum -x x20k.npy -y y20k.npy -b b20k.npy \
	-g g32.npy -o capped1.npy 2>stderr
ok $? "capped j-blocks (512 of the core's 1536 terms): P = 1" || diag stderr
for p in 2 4; do
	rm -f out.npy
	ANISOCL_MPI_BLOCK_BYTES=4096 mpirun_n "$p" "$mpi" sum -x x20k.npy -y y20k.npy \
		-b b20k.npy -g g32.npy -o out.npy 2>stderr
	rc=$?
	[ "$rc" -eq 0 ] && cmp -s capped1.npy out.npy
	ok $? "capped j-blocks: P = $p bitwise P = 1's" || { echo "# exit $rc"; diag stderr; }
done

# ---- failures ------------------------------------------------------------
# no_out NAME TEXT RANKS COMMAND...: non-zero exit, each of RANKS ranks
# says TEXT, no out.npy, within the time limit.
no_out() {
	name=$1 text=$2 ranks=$3
	shift 3
	rm -f out.npy
	"$@" >stdout 2>stderr
	rc=$?
	said=$(grep -c -- "$text" stderr)
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$said" -eq "$ranks" ] && [ ! -e out.npy ]
	ok $? "$name: exit non-zero, $ranks ranks say why, no OUT" ||
		{ echo "# exit $rc, $said lines"; diag stderr; }
}
args="sum -x x32.npy -y y32.npy -b b32.npy -g g32.npy -o out.npy"
# shellcheck disable=SC2086
no_out "rank 1 of 2 on no such device" "rank 0: .*rank 1: .*99\|rank 1: .*rank 1: .*99" 2 \
	timeout 60 "$MPIRUN" --oversubscribe -np 1 "$mpi" $args : \
	-np 1 env ANISOCL_DEVICE=99 "$mpi" $args
# A j-block that does not fit rank 2's allocation cap: it fails inside the
# ring, the others have computed; all agree after it.
# shellcheck disable=SC2086
no_out "rank 2 of 4 fails in the ring" "rank 2: .*does not fit" 4 \
	timeout 60 "$MPIRUN" --oversubscribe -np 2 "$mpi" $args : \
	-np 1 env ANISOCL_MAX_ALLOC_BYTES=4096 "$mpi" $args : -np 1 "$mpi" $args
# Ranks that disagree on the j-blocks would exchange messages of different
# sizes: refused on every rank before the ring.
args20k="sum -x x20k.npy -y y20k.npy -b b20k.npy -g g32.npy -o out.npy"
# shellcheck disable=SC2086
no_out "rank 1 of 2 with another ANISOCL_MPI_BLOCK_BYTES" "the ranks disagree" 2 \
	timeout 60 "$MPIRUN" --oversubscribe -np 1 "$mpi" $args20k : \
	-np 1 env ANISOCL_MPI_BLOCK_BYTES=4096 "$mpi" $args20k
# One device per rank: a list is a usage error, OUT untouched.
echo "keep" >out.npy
mpirun_n 2 "$mpi" sum -x x32.npy -y y32.npy -b b32.npy -g g32.npy --device 0,1 \
	-o out.npy >stdout 2>stderr
rc=$?
[ "$rc" -eq 1 ] && [ "$(cat out.npy)" = keep ] && grep -q "one device per rank" stderr
ok $? "--device 0,1 is a usage error (one device per rank), OUT untouched" ||
	{ echo "# exit $rc"; diag stderr; }

mpirun_n 2 "$mpi" sum -x x32.npy -y y32.npy -b b32.npy -g g32.npy --tolerance 1e-3 \
	-o out.npy >stdout 2>stderr
rc=$?
[ "$rc" -eq 1 ] && [ "$(cat out.npy)" = keep ] && grep -q "exact sums only" stderr
ok $? "--tolerance is a usage error (exact sums only), OUT untouched" ||
	{ echo "# exit $rc"; diag stderr; }

echo "1..$count"
exit $failed
