#!/bin/sh
# The anisocl program's command line: documented exit codes, one clear
# stderr line per failure naming the file or argument, and no output file
# created or damaged by a failed command.  Inputs are built here with printf
# (zeros for data), so only the shell and the program are needed.  Output
# is TAP; the tests that need an OpenCL device are skipped without one.

: "${top_builddir:=.}"
program="$(cd "$top_builddir" && pwd)/anisocl"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/anisocl-test-cli.XXXXXX") || {
	echo "1..0 # SKIP cannot create a temporary folder"
	exit 0
}
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

count=0
failed=0

ok() { # ok CONDITION-STATUS NAME; returns the status, for diagnostics
	count=$((count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $count - $2"
		return 0
	fi
	echo "not ok $count - $2"
	failed=1
	return 1
}

skip() { # skip REASON NAME
	count=$((count + 1))
	echo "ok $count - $2 # SKIP $1"
}

diag_output() {
	sed 's/^/# stdout: /' stdout
	sed 's/^/# stderr: /' stderr
}

# npy FILE DESCR SHAPE DATA-BYTES [FORTRAN]: a version 1.0 file, padded as
# numpy pads it, with zero data.
npy() {
	dict="{'descr': '$2', 'fortran_order': ${5:-False}, 'shape': $3, }"
	len=${#dict}
	total=$(( (10 + len + 1 + 63) / 64 * 64 ))
	hlen=$((total - 10))
	{
		printf '\223NUMPY\001\000'
		printf "\\$(printf '%03o' $((hlen % 256)))\\$(printf '%03o' $((hlen / 256)))"
		printf '%s' "$dict"
		printf "%$((hlen - len - 1))s\n" ""
		dd if=/dev/zero bs=1 count="$4" 2>/dev/null
	} >"$1"
}

run() {
	"$@" >stdout 2>stderr
	rc=$?
}

# fails CODE NAME TEXT COMMAND...: exit code CODE, one line on stderr that
# contains TEXT, and nothing written to out.npy or left behind.
fails() {
	code=$1 name=$2 text=$3
	shift 3
	before=$(ls -A | sort | tr '\n' ' ')
	run "$@"
	after=$(ls -A | sort | tr '\n' ' ')
	lines=$(wc -l <stderr)
	[ "$rc" -eq "$code" ] && [ "$lines" -eq 1 ] && grep -qF -- "$text" stderr &&
		[ "$before" = "$after" ]
	if ! ok $? "$name: exit $code, one line with \"$text\", no file written"; then
		echo "# exit $rc, $lines line(s) on stderr"
		[ "$before" = "$after" ] || echo "# files before: $before after: $after"
		diag_output
	fi
}

# ---- inputs ---------------------------------------------------------------
npy x.npy '<f8' '(4, 2)' 64
npy y.npy '<f8' '(3, 2)' 48
npy b.npy '<f8' '(3,)' 24
npy b2.npy '<f8' '(3, 2)' 48
npy g.npy '<f8' '(2,)' 16
npy g_scalar.npy '<f8' '()' 8
npy g_rows.npy '<f8' '(3, 4)' 96
npy g_i.npy '<f8' '(4, 1)' 32
npy x4.npy '<f4' '(4, 2)' 32
npy y3.npy '<f8' '(3, 3)' 72
npy b_rows.npy '<f8' '(5,)' 40
npy g_k3.npy '<f8' '(3,)' 24
npy g_wrong_rows.npy '<f8' '(2, 2)' 32
npy x1d.npy '<f8' '(8,)' 64
npy xi8.npy '<i8' '(4, 2)' 64
npy xf.npy '<f8' '(4, 2)' 64 True
npy y4.npy '<f8' '(4, 2)' 64
npy b4.npy '<f8' '(4,)' 32
npy g_44.npy '<f8' '(4, 2)' 64
npy g_one.npy '<f8' '(1,)' 8
# -1.0 and e0 = (1, 0, 0, 0), little-endian doubles
npy g_neg.npy '<f8' '()' 0 && printf '\000\000\000\000\000\000\360\277' >>g_neg.npy
npy b_e0.npy '<f8' '(4,)' 0 && printf '\000\000\000\000\000\000\360\077' >>b_e0.npy &&
	dd if=/dev/zero bs=1 count=24 2>/dev/null >>b_e0.npy
# D = 2^32: no data (M = N = 0), but D*D overflows a 64-bit size_t
npy x_wide.npy '<f8' '(0, 4294967296)' 0
npy y_wide.npy '<f8' '(0, 4294967296)' 0
npy b_empty.npy '<f8' '(0,)' 0
# malformed
printf 'PK\003\004 not numpy at all' >bad_magic.npy
printf '\223NUMPY\001\000\100' >truncated_prefix.npy
npy truncated_header.npy '<f8' '(4, 2)' 0
dd if=truncated_header.npy of=cut.npy bs=1 count=40 2>/dev/null && mv cut.npy truncated_header.npy
{ printf '\223NUMPY\001\000\377\177'; printf "{'descr': '<f8'}"; } >past_end.npy
npy short_data.npy '<f8' '(4, 2)' 60
npy long_data.npy '<f8' '(4, 2)' 72
npy unknown_dtype.npy '<q7' '(4, 2)' 64
npy absurd.npy '<f8' '(99999999999999999999999, 2)' 0
npy overflow.npy '<f8' '(4294967296, 4294967296, 2)' 0
npy version9.npy '<f8' '(4, 2)' 64
printf '\011' | dd of=version9.npy bs=1 seek=6 conv=notrunc 2>/dev/null

sum_args="-y y.npy -b b.npy -g g.npy"

# ---- help and usage (exit 1) -------------------------------------------------
run "$program" --help
[ "$rc" -eq 0 ] && grep -q 'Exit codes' stdout && grep -q '^  5  output' stdout &&
	grep -q '^  2  input file' stdout && grep -q '^  3  dtype or shape' stdout &&
	grep -q '^  4  device' stdout && grep -q '^  1  usage' stdout
ok $? "--help exits 0 and documents exit codes 0 to 5"
run "$program" sum --help
[ "$rc" -eq 0 ] && grep -q 'gamma-var' stdout && grep -q 'Exit codes' stdout && grep -q -- '--quiet' stdout &&
	grep -q -- '--kernel F' stdout && grep -q 'laplace exp(-sqrt q)' stdout
ok $? "sum --help exits 0 and describes --gamma-var, --kernel, --quiet and the exit codes"
run "$program"
[ "$rc" -eq 1 ]
ok $? "no command: exit 1"
fails 1 "unknown command" "unknown command 'frobnicate'" "$program" frobnicate
fails 1 "sum without -o" "-o OUT.npy is required" "$program" sum -x x.npy $sum_args
fails 1 "sum without -x" "-x X.npy is required" "$program" sum $sum_args -o out.npy
fails 1 "unknown option" "unknown option --frob" "$program" sum --frob -x x.npy $sum_args -o out.npy
fails 1 "option without its value" "needs a value" "$program" sum -x x.npy $sum_args -o
fails 1 "bad --gamma-var" "--gamma-var: 'k' is not fixed, i or j" \
	"$program" sum -x x.npy $sum_args --gamma-var k -o out.npy
fails 1 "bad --dtype" "--dtype: 'f16' is not f32 or f64" \
	"$program" sum -x x.npy $sum_args --dtype f16 -o out.npy
fails 1 "heatmap bad --dtype" "--dtype: 'f16' is not f32 or f64" \
	"$program" heatmap $sum_args --dtype f16 --values v.npy
fails 1 "demo bad --dtype" "--dtype: 'f16' is not f32 or f64" "$program" demo --dtype f16
fails 1 "bad --kernel" "--kernel: 'Gauss' is not gaussian, laplace, cauchy or imq" \
	"$program" sum -x x.npy $sum_args --kernel Gauss -o out.npy
fails 1 "bad --reduction" "--reduction: 'mean' is not sum or logsumexp" \
	"$program" sum -x x.npy $sum_args --reduction mean -o out.npy
fails 1 "bad --tolerance" "--tolerance: '-1' is not a finite number >= 0" \
	"$program" sum -x x.npy $sum_args --tolerance -1 -o out.npy
fails 1 "--tolerance with a device list" "--tolerance runs on one device" \
	"$program" sum -x x.npy $sum_args --tolerance 1e-3 --device 0,1 -o out.npy
run "$program" sum -x x.npy $sum_args -o exact.npy &&
	run "$program" sum -x x.npy $sum_args --tolerance 1e-3 -o truncated.npy
[ "$rc" -eq 0 ] && grep -q "note: tolerance 0.001: .*summed exactly" stderr &&
	cmp -s exact.npy truncated.npy
ok $? "--tolerance on 4 x 3 points: every block pair in reach, so the exact sum (a note says so), the same bytes" || diag_output
run "$program" sum -x x.npy $sum_args --reduction logsumexp -o exact.npy &&
	run "$program" sum -x x.npy $sum_args --reduction logsumexp --tolerance 1e-3 -o truncated.npy
[ "$rc" -eq 0 ] && grep -q "note: tolerance 0.001: .*summed exactly" stderr &&
	cmp -s exact.npy truncated.npy
ok $? "--tolerance with --reduction logsumexp: taken, the same fallback and bytes" || diag_output
rm -f exact.npy truncated.npy
fails 1 "heatmap bad --kernel" "--kernel: 'rbf' is not gaussian" \
	"$program" heatmap $sum_args --kernel rbf --values v.npy
fails 1 "demo bad --kernel" "--kernel: '' is not gaussian" "$program" demo --kernel ""
"$program" solve --help >stdout 2>stderr
grep -q -- '--lambda L' stdout && grep -q '6 did not converge' stdout
ok $? "solve --help describes --lambda and exit code 6"
fails 1 "solve without --lambda" "--lambda L is required" \
	"$program" solve -x x.npy -b b4.npy -g g.npy -o a.npy
fails 1 "solve --lambda 0" "--lambda: '0' is not > 0" \
	"$program" solve -x x.npy -b b4.npy -g g.npy --lambda 0 -o a.npy
fails 1 "solve --lambda not a number" "--lambda: 'one' is not a finite number" \
	"$program" solve -x x.npy -b b4.npy -g g.npy --lambda one -o a.npy
fails 1 "solve --max-iter 0" "--max-iter: '0' is not a whole number" \
	"$program" solve -x x.npy -b b4.npy -g g.npy --lambda 1 --max-iter 0 -o a.npy
fails 1 "solve --gamma-var j" "--gamma-var: solve takes only fixed" \
	"$program" solve -x x.npy -b b4.npy -g g.npy --lambda 1 --gamma-var j -o a.npy
fails 3 "solve with a gamma row per point" "g_44.npy (-g): shape (4, 2) has a row per point" \
	"$program" solve -x x.npy -b b4.npy -g g_44.npy --lambda 1 -o a.npy
fails 3 "solve with a gamma that is not PSD" "g_neg.npy (-g): not a positive semi-definite metric" \
	"$program" solve -x x.npy -b b4.npy -g g_neg.npy --lambda 1 -o a.npy
fails 3 "solve with B of the wrong length" "b.npy (-b)" \
	"$program" solve -x x.npy -b b.npy -g g.npy --lambda 1 -o a.npy
fails 6 "solve that does not converge" "b_e0.npy (-b): conjugate gradients did not reach tol = 1e-12 in 1 iterations" \
	"$program" solve -x x.npy -b b_e0.npy -g g.npy --lambda 1e-3 --tol 1e-12 --max-iter 1 --quiet -o a.npy
run "$program" solve -x x.npy -b b_e0.npy -g g.npy --lambda 1e-3 --tol 1e-12 --max-iter 5 -o a.npy
[ "$rc" -eq 0 ] && [ -f a.npy ] && grep -q 'column 0: 2 iterations, relative residual' stderr
ok $? "solve of (J + 1e-3 I) a = e0 (two eigenvalues): exit 0, 2 iterations reported"
rm -f a.npy
fails 1 "heatmap without output" "give -o FIG.png, --values V.npy or both" \
	"$program" heatmap $sum_args
fails 1 "heatmap --res 0" "--res: '0'" "$program" heatmap $sum_args --res 0 --values v.npy

# ---- input files (exit 2) -------------------------------------------------------
fails 2 "missing X" "missing.npy (-x): cannot read: No such file" \
	"$program" sum -x missing.npy $sum_args -o out.npy
fails 2 "folder as Y" ". (-y): cannot read" "$program" sum -x x.npy -y . -b b.npy -g g.npy -o out.npy
fails 2 "bad magic" "bad_magic.npy (-x): not a valid .npy file: not a .npy file (bad magic" \
	"$program" sum -x bad_magic.npy $sum_args -o out.npy
fails 2 "truncated prefix" "truncated_prefix.npy (-x): not a valid .npy file: truncated header: 9 bytes" \
	"$program" sum -x truncated_prefix.npy $sum_args -o out.npy
fails 2 "truncated header" "truncated_header.npy (-x): not a valid .npy file: header length 118 runs past the end" \
	"$program" sum -x truncated_header.npy $sum_args -o out.npy
fails 2 "header length past the end" "past_end.npy (-g): not a valid .npy file: header length 32767 runs past" \
	"$program" sum -x x.npy -y y.npy -b b.npy -g past_end.npy -o out.npy
fails 2 "data shorter than the shape" "short_data.npy (-x): not a valid .npy file: shape (4, 2) of '<f8' needs 64 data bytes but the file has 60 (truncated)" \
	"$program" sum -x short_data.npy $sum_args -o out.npy
fails 2 "data longer than the shape" "long_data.npy (-y): not a valid .npy file: shape (4, 2) of '<f8' needs 64 data bytes but the file has 72" \
	"$program" sum -x x.npy -y long_data.npy -b b.npy -g g.npy -o out.npy
fails 2 "unknown dtype" "unknown_dtype.npy (-b): not a valid .npy file: unknown dtype '<q7'" \
	"$program" sum -x x.npy -y y.npy -b unknown_dtype.npy -g g.npy -o out.npy
fails 2 "absurd dimension" "absurd.npy (-x): not a valid .npy file: absurd dimension" \
	"$program" sum -x absurd.npy $sum_args -o out.npy
fails 2 "shape overflowing size_t" "overflow.npy (-x): not a valid .npy file: absurd shape" \
	"$program" sum -x overflow.npy $sum_args -o out.npy
fails 2 "format version 9.0" "unsupported .npy format version 9.0" \
	"$program" sum -x version9.npy $sum_args -o out.npy

# Inputs that never end: refused from the first bytes, in bounded time and
# memory (a reader that reads everything first takes ~1 GB in 5 s).  The
# memory bound is left out under a sanitizer, whose shadow needs terabytes
# of address space.
bounded() { # bounded COMMAND...: at most 10 s and 100 MB
	if [ -n "${ANISOCL_SANITIZER_FLAGS:-}" ]; then
		timeout 10 "$@"
	else
		timeout 10 sh -c 'ulimit -v 102400 && exec "$@"' sh "$@"
	fi
}
ln -s /dev/zero zero.npy
ln -s /dev/urandom urandom.npy
fails 2 "X is /dev/zero" "zero.npy (-x): not a valid .npy file: not a .npy file (bad magic string)" \
	bounded "$program" sum -x zero.npy $sum_args -o out.npy
fails 2 "Y is /dev/urandom" "urandom.npy (-y): not a valid .npy file: not a .npy file (bad magic string)" \
	bounded "$program" sum -x x.npy -y urandom.npy -b b.npy -g g.npy -o out.npy
# a valid header, then a stream of zeros for ever
fails 2 "valid header, endless data" "/dev/stdin (-x): not a valid .npy file: shape (4, 2) of '<f8' needs 64 data bytes but more follow" \
	bounded sh -c 'cat x.npy /dev/zero | "$@"' sh "$program" sum -x /dev/stdin $sum_args -o out.npy
# a version 2.0 header 2 GiB long, of zeros for ever
fails 2 "endless header" "header length 2147483659 is over the 1048576 bytes this reader accepts" \
	bounded sh -c '{ printf "\223NUMPY\002\000\377\377\377\177"; cat /dev/zero; } | "$@"' \
	sh "$program" sum -x /dev/stdin $sum_args -o out.npy
rm -f zero.npy urandom.npy

# ---- dtypes and shapes (exit 3) ---------------------------------------------------
fails 3 "int64 input" "xi8.npy (-x): dtype '<i8' is not supported" \
	"$program" sum -x xi8.npy $sum_args -o out.npy
fails 3 "mixed dtypes name every array" "mixed dtypes: -x x4.npy is <f4, -y y.npy is <f8, -b b.npy is <f8, -g g.npy is <f8; pass --dtype" \
	"$program" sum -x x4.npy $sum_args -o out.npy
fails 3 "X not 2-d" "x1d.npy (-x): shape (8,) is not (M, D)" \
	"$program" sum -x x1d.npy $sum_args -o out.npy
fails 3 "Y with another D" "y3.npy (-y): shape (3, 3) has D = 3 columns but x.npy (-x) has D = 2" \
	"$program" sum -x x.npy -y y3.npy -b b.npy -g g.npy -o out.npy
fails 3 "B rows not N" "b_rows.npy (-b): shape (5,) has 5 rows but y.npy has N = 3" \
	"$program" sum -x x.npy -y y.npy -b b_rows.npy -g g.npy -o out.npy
fails 3 "K not 1, D or D*D" "g_k3.npy (-g): shape (3,) gives K = 3, which is not 1, D = 2 or D*D = 4" \
	"$program" sum -x x.npy -y y.npy -b b.npy -g g_k3.npy -o out.npy
fails 3 "2-d gamma rows neither 1, M nor N" "g_wrong_rows.npy (-g): shape (2, 2) has 2 rows; a (rows, K) gamma needs 1 row (fixed), M = 4 (one per point of x.npy (-x)) or N = 3 (one per point of y.npy)" \
	"$program" sum -x x.npy -y y.npy -b b.npy -g g_wrong_rows.npy -o out.npy
# M = N = 4: per i and per j give different sums; the program must not guess
fails 3 "2-d gamma with rows = M = N and no --gamma-var" "g_44.npy (-g): shape (4, 2) has 4 rows, which is both M (the points of x.npy (-x)) and N (the points of y4.npy): pass --gamma-var i (one row per x_i) or --gamma-var j (one row per y_j)" \
	"$program" sum -x x.npy -y y4.npy -b b4.npy -g g_44.npy -o out.npy
fails 3 "heatmap: rows = grid points = N and no --gamma-var" "g_44.npy (-g): shape (4, 2) has 4 rows, which is both M (the points of the unit square (heatmap)) and N (the points of y4.npy): pass --gamma-var i" \
	"$program" heatmap -y y4.npy -b b4.npy -g g_44.npy --res 2 --values v.npy
fails 3 "D*D overflowing is a shape error" "x_wide.npy (-x): D = 4294967296 columns are too many: D*D overflows" \
	"$program" sum -x x_wide.npy -y y_wide.npy -b b_empty.npy -g g_one.npy -o out.npy
fails 3 "per-i gamma rows not M" "g_rows.npy (-g): shape (3, 4) has 3 rows but --gamma-var i needs 4" \
	"$program" sum -x x.npy -y y.npy -b b.npy -g g_rows.npy --gamma-var i -o out.npy
fails 3 "--gamma-var fixed with several rows" "has 3 rows but --gamma-var fixed needs 1" \
	"$program" sum -x x.npy -y y.npy -b b.npy -g g_rows.npy --gamma-var fixed -o out.npy
fails 3 "1-d gamma with --gamma-var j" "g.npy (-g): shape (2,) is one gamma for all pairs; --gamma-var j needs a (3, K) array" \
	"$program" sum -x x.npy -y y.npy -b b.npy -g g.npy --gamma-var j -o out.npy
fails 3 "heatmap needs D = 2" "y3.npy (-y): shape (3, 3) has D = 3 columns but the unit square (heatmap) has D = 2" \
	"$program" heatmap -y y3.npy -b b.npy -g g.npy --values v.npy
fails 3 "heatmap needs E = 1" "b2.npy (-b): a heatmap needs one weight per point" \
	"$program" heatmap -y y.npy -b b2.npy -g g.npy --values v.npy

# ---- grad: usage, inputs and shapes (no device needed) --------------------------------
npy a.npy '<f8' '(4,)' 32
npy a_bad.npy '<f8' '(3,)' 24
npy a2.npy '<f8' '(4, 2)' 64
grad_args="-x x.npy -y y.npy -b b.npy -g g.npy"
run "$program" grad --help
[ "$rc" -eq 0 ] && grep -q -- '--wrt W' stdout && grep -q -- '-a A.npy' stdout && grep -q 'Exit codes' stdout
ok $? "grad --help exits 0 and describes --wrt, -a and the exit codes"
run "$program" --help
[ "$rc" -eq 0 ] && grep -q '^  grad ' stdout
ok $? "--help lists grad"
fails 1 "grad without -a" "-a A.npy is required" "$program" grad $grad_args --wrt x -o out.npy
fails 1 "grad without --wrt" "--wrt x|y|b|gamma is required" "$program" grad $grad_args -a a.npy -o out.npy
fails 1 "grad without -o" "-o OUT.npy is required" "$program" grad $grad_args -a a.npy --wrt x
fails 1 "grad --wrt z" "grad: --wrt: 'z' is not one of x, y, b, gamma" \
	"$program" grad $grad_args -a a.npy --wrt z -o out.npy
fails 1 "grad --kernel rbf" "--kernel" "$program" grad $grad_args -a a.npy --wrt x --kernel rbf -o out.npy
fails 1 "grad --dtype f16" "--dtype" "$program" grad $grad_args -a a.npy --wrt x --dtype f16 -o out.npy
fails 1 "grad --reduction max" "--reduction: 'max' is not sum or logsumexp" \
	"$program" grad $grad_args -a a.npy --wrt x --reduction max -o out.npy
fails 2 "grad with a missing A" "missing.npy (-a)" \
	"$program" grad $grad_args -a missing.npy --wrt x -o out.npy
fails 3 "grad with A of N rows" "a_bad.npy (-a): shape (3,): expected (M, E) = (4, 1) or (M,), the shape of the sum" \
	"$program" grad $grad_args -a a_bad.npy --wrt x -o out.npy
fails 3 "grad with A of E = 2 for B (N,)" "a2.npy (-a): shape (4, 2): expected (M, E) = (4, 1)" \
	"$program" grad $grad_args -a a2.npy --wrt b -o out.npy
fails 3 "grad with A float32 among float64" "a.npy" \
	"$program" grad -x x4.npy -y y.npy -b b.npy -g g.npy -a a.npy --wrt gamma -o out.npy
fails 3 "grad with gamma K = 3" "K = 3" "$program" grad -x x.npy -y y.npy -b b.npy -g g_k3.npy -a a.npy --wrt gamma -o out.npy

# ---- outputs (exit 5) and files left alone ------------------------------------------
printf 'precious' >existing.npy
fails 3 "failed sum leaves an existing OUT alone" "K = 3" \
	"$program" sum -x x.npy -y y.npy -b b.npy -g g_k3.npy -o existing.npy
[ "$(cat existing.npy)" = precious ]
ok $? "the existing OUT still holds its old bytes"

# ---- with a device -----------------------------------------------------------------
run "$program" devices
if [ "$rc" -ne 0 ]; then
	reason="no OpenCL device ($(head -n 1 stderr))"
	for name in "devices lists a default device" "--device that matches nothing" \
		"sum of zeros" "sum over an existing OUT" "--time" "Fortran-order X" "OUT into a missing folder" \
		"OUT is a folder" "OUT is a character device" "OUT is a full device" "OUT is a FIFO" \
		"OUT is a symbolic link" "OUT is a dangling symbolic link" "OUT of 255 characters" \
		"heatmap --values" "heatmap PNG" "demo into a file" "a note from the library" \
		"--quiet silences the note" "heatmap prints the note too" "demo prints the note once" \
		"2-d gamma with rows = M, not N" "heatmap: 2-d gamma with one row per grid point" \
		"2-d gamma with rows = M = N and --gamma-var"; do
		skip "$reason" "$name"
	done
else
	grep -q '^  \* ' stdout && grep -q '^\* default: device [0-9]' stdout && grep -q 'fp64' stdout
	ok $? "devices lists a default device (marked *) and why"
	fails 4 "--device that matches nothing" "--device: " \
		"$program" sum -x x.npy $sum_args --device no-such-device-here -o out.npy

	run "$program" sum -x x.npy $sum_args -o out.npy
	# (4,) float64: a 128-byte header and 32 bytes of data
	# (the OpenCL compiler may print its own notes on a first build: only
	# the program's lines count)
	[ "$rc" -eq 0 ] && [ "$(wc -c <out.npy)" -eq 160 ] && ! grep -q '^anisocl:' stderr &&
		[ "$(ls -A | grep -c '^\.anisocl-')" -eq 0 ]
	ok $? "sum of zeros: exit 0, (4,) float64 OUT of 160 bytes, no temporary file left" || diag_output

	run "$program" sum -x x.npy -y y.npy -b b2.npy -g g_scalar.npy -o existing.npy
	[ "$rc" -eq 0 ] && [ "$(wc -c <existing.npy)" -eq 192 ] && dd if=existing.npy bs=1 count=6 2>/dev/null | grep -q NUMPY
	ok $? "sum over an existing OUT replaces it whole with the (4, 2) result" || diag_output

	run "$program" sum -x x.npy $sum_args -o out.npy --time
	[ "$rc" -eq 0 ] && grep -q 'pairs/s' stderr && grep -q ' s, ' stderr
	ok $? "--time prints the compute time and pairs/s to stderr" || diag_output

	run "$program" sum -x xf.npy -y y.npy -b b.npy -g g.npy -o out.npy
	[ "$rc" -eq 0 ] && [ "$(wc -c <out.npy)" -eq 160 ]
	ok $? "a Fortran-order X is accepted (its conversion is checked in test_cli_sum)" || diag_output

	# gamma = -1 (a (1,) float64): not positive semi-definite
	npy gneg.npy '<f8' '(1,)' 0
	printf '\000\000\000\000\000\000\360\277' >>gneg.npy
	fails 3 "--check-gamma refuses a metric that is not PSD" \
		"gneg.npy (-g): row 0 is not a positive semi-definite metric" \
		"$program" sum --check-gamma -x x.npy -y y.npy -b b.npy -g gneg.npy -o out.npy
	run "$program" sum --check-gamma -x x.npy $sum_args -o out.npy
	[ "$rc" -eq 0 ] && [ -f out.npy ]
	ok $? "--check-gamma lets a PSD metric through" || diag_output
	rm -f out.npy gneg.npy

	# (rows, K) without --gamma-var: the one of M and N that rows equals
	run "$program" sum -x x.npy -y y.npy -b b.npy -g g_i.npy -o out.npy
	[ "$rc" -eq 0 ] && [ "$(wc -c <out.npy)" -eq 160 ]
	ok $? "2-d gamma with rows = M, not N: per i without --gamma-var" || diag_output
	run "$program" heatmap -y y.npy -b b.npy -g g_44.npy --res 2 --values v.npy
	[ "$rc" -eq 0 ] && [ "$(wc -c <v.npy)" -eq 160 ]
	ok $? "heatmap: 2-d gamma with one row per grid point (rows = R*R = 4, N = 3)" || diag_output
	run "$program" sum -x x.npy -y y4.npy -b b4.npy -g g_44.npy --gamma-var i -o out.npy
	[ "$rc" -eq 0 ] &&
		"$program" sum -x x.npy -y y4.npy -b b4.npy -g g_44.npy --gamma-var j -o out.npy 2>>stderr
	ok $? "2-d gamma with rows = M = N and --gamma-var i or j: accepted" || diag_output
	rm -f out.npy v.npy

	fails 5 "OUT into a missing folder" "-o no/such/folder/out.npy: cannot create a temporary file there" \
		"$program" sum -x x.npy $sum_args -o no/such/folder/out.npy
	mkdir adir
	fails 5 "OUT is a folder" "-o adir: is a folder, not a file" \
		"$program" sum -x x.npy $sum_args -o adir

	# An OUT that is a device or a FIFO is written into, never replaced
	# (the rename would turn /dev/null into a regular file).  Nodes made
	# here, never the real /dev ones: 1,3 is null and 1,7 is full.
	if mknod null c 1 3 2>/dev/null && mknod full c 1 7 2>/dev/null; then
		run "$program" sum -x x.npy $sum_args -o null
		[ "$rc" -eq 0 ] && [ -c null ] && [ ! -s stderr ]
		ok $? "OUT is a character device: exit 0, written into, still a device" || diag_output
		fails 5 "OUT is a full device" "-o full: write failed: No space left on device" \
			"$program" sum -x x.npy $sum_args -o full
		[ -c full ]
		ok $? "the full device is still a character device"
		rm -f null full
	else
		skip "mknod not permitted here" "OUT is a character device"
		skip "mknod not permitted here" "OUT is a full device"
		skip "mknod not permitted here" "the full device is still a character device"
	fi
	mkfifo fifo
	cat fifo >from_fifo &
	reader=$!
	run "$program" sum -x x.npy $sum_args -o fifo
	# the reader ends when the writer closes; with no writer it would wait
	# for ever
	if [ "$rc" -eq 0 ] && [ -p fifo ]; then
		wait "$reader"
	else
		kill "$reader" 2>/dev/null
		wait "$reader" 2>/dev/null
	fi
	[ "$rc" -eq 0 ] && [ -p fifo ] && [ "$(wc -c <from_fifo)" -eq 160 ] &&
		dd if=from_fifo bs=1 count=6 2>/dev/null | grep -q NUMPY
	ok $? "OUT is a FIFO: its reader gets the 160-byte result, the FIFO stays" || diag_output
	rm -f fifo from_fifo

	# A symbolic link is followed: its target is replaced, in its folder.
	mkdir sub
	printf 'old' >sub/target.npy
	ln -s sub/target.npy link.npy
	run "$program" sum -x x.npy $sum_args -o link.npy
	[ "$rc" -eq 0 ] && [ -L link.npy ] && [ "$(readlink link.npy)" = sub/target.npy ] &&
		[ "$(wc -c <sub/target.npy)" -eq 160 ] && [ -z "$(ls -A sub | grep -v '^target.npy$')" ]
	ok $? "OUT is a symbolic link: the link stays, its target gets the result" || diag_output
	ln -s new.npy sub/dangling.npy
	run "$program" sum -x x.npy $sum_args -o sub/dangling.npy
	[ "$rc" -eq 0 ] && [ -L sub/dangling.npy ] && [ "$(wc -c <sub/new.npy)" -eq 160 ] &&
		[ ! -e new.npy ] && [ "$(ls -A sub | grep -c '^\.anisocl-')" -eq 0 ]
	ok $? "OUT is a dangling symbolic link: its target is created next to the link" || diag_output
	rm -rf sub link.npy

	# NAME_MAX (255) characters: the temporary name must not add to it.
	long_name=$(printf '%0251d.npy' 0)
	run "$program" sum -x x.npy $sum_args -o "$long_name"
	[ "$rc" -eq 0 ] && [ "$(wc -c <"$long_name")" -eq 160 ] && [ "$(ls -A | grep -c '^\.anisocl-')" -eq 0 ]
	ok $? "OUT of 255 characters is written" || diag_output
	rm -f "$long_name"

	run "$program" heatmap -y y.npy -b b.npy -g g.npy --res 10 --values v.npy
	# (10, 10) float64: 128-byte header, 800 bytes of data
	[ "$rc" -eq 0 ] && [ "$(wc -c <v.npy)" -eq 928 ]
	ok $? "heatmap --values writes the (10, 10) grid" || diag_output

	run "$program" heatmap -y y.npy -b b.npy -g g.npy --res 10 -o fig.png
	if grep -q 'built without cairo' stderr; then
		skip "built without cairo" "heatmap PNG"
	else
		[ "$rc" -eq 0 ] && [ "$(od -An -c -N4 fig.png | tr -d ' ')" = '211PNG' ]
		ok $? "heatmap -o writes a PNG file" || diag_output
	fi

	printf 'not a folder' >afile
	fails 5 "demo into a file" "-o afile: " "$program" demo -o afile

	# A cache folder that is a file: the sum is right but every run
	# compiles again, which the user should hear about (once), unless
	# --quiet.  (A read-only folder would not do: root writes there.)
	run env ANISOCL_CACHE_DIR="$tmp/afile" "$program" sum -x x.npy $sum_args -o out.npy
	[ "$rc" -eq 0 ] && [ "$(grep -c '^anisocl:' stderr)" -eq 1 ] &&
		grep -q '^anisocl: note: disk cache not written' stderr && [ -f out.npy ]
	ok $? "a note from the library: exit 0, one line \"anisocl: note: disk cache not written\"" ||
		diag_output
	rm -f out.npy
	run env ANISOCL_CACHE_DIR="$tmp/afile" "$program" sum --quiet -x x.npy $sum_args -o out.npy
	[ "$rc" -eq 0 ] && ! grep -q '^anisocl:' stderr && [ -f out.npy ]
	ok $? "--quiet silences the note" || diag_output
	rm -f out.npy
	run env ANISOCL_CACHE_DIR="$tmp/afile" "$program" heatmap -y y.npy -b b.npy -g g.npy --res 4 \
		--values v.npy
	[ "$rc" -eq 0 ] && [ "$(grep -c '^anisocl: note: disk cache not written' stderr)" -eq 1 ]
	ok $? "heatmap prints the note too" || diag_output
	rm -f v.npy
	# six kernels, six unwritten entries: one line is enough
	run env ANISOCL_CACHE_DIR="$tmp/afile" "$program" demo -o demo_out
	[ "$rc" -eq 0 ] && [ "$(grep -c '^anisocl: note: disk cache not written' stderr)" -eq 1 ]
	ok $? "demo prints the note once" || diag_output
	rm -rf demo_out
fi

# ---- several devices: --device 0,1, --device all, ANISOCL_DEVICE=0,1 -----------------
# PoCL gives two devices on the same cores with POCL_DEVICES="pthread pthread"
# (which another driver ignores); a list must give the bytes of --device 0
# when the devices are of one kind.  Inputs with numbers in them: x, y and
# b cycle through 1/8 .. 8/8 with different steps.

# pattern FILE COUNT STEP: append COUNT float32 numbers (a multiple of 8),
# k/8 for k = 1 .. 8, each STEP eighths after the last
pattern() {
	set -- "$1" "$2" "$3" '\000\000\000\076' '\000\000\200\076' '\000\000\300\076' \
		'\000\000\000\077' '\000\000\040\077' '\000\000\100\077' '\000\000\140\077' \
		'\000\000\200\077'
	file=$1 pattern_count=$2 step=$3
	shift 3
	block="" k=0
	while [ $k -lt 8 ]; do
		eval "block=\"\$block\${$(( (k * step) % 8 + 1 ))}\""
		k=$((k + 1))
	done
	k=0
	while [ $k -lt $((pattern_count / 8)) ]; do
		printf "$block"
		k=$((k + 1))
	done >>"$file"
}
two_devices() {
	POCL_DEVICES="pthread pthread" "$@"
}
run two_devices "$program" devices
# each device's name: the 40 columns after its index
names=$(sed -n 's/^  [ *] *[0-9][0-9]*  //p' stdout | cut -c1-40)
if [ "$rc" -ne 0 ] || [ "$(printf '%s\n' "$names" | grep -c .)" -lt 2 ] ||
	[ "$(printf '%s\n' "$names" | sort -u | grep -c .)" -ne 1 ]; then
	reason="not two or more devices of one kind"
	for name in "--device 0,1 (rows split)" "--device all (j-blocks split)" \
		"ANISOCL_DEVICE=0,1" "--device 0,1 --time" "--device 0,9"; do
		skip "$reason" "$name"
	done
else
	npy mx.npy '<f4' '(304, 2)' 0 && pattern mx.npy 608 3
	npy mx16.npy '<f4' '(16, 2)' 0 && pattern mx16.npy 32 3
	npy my.npy '<f4' '(5000, 2)' 0 && pattern my.npy 10000 5
	npy mb.npy '<f4' '(5000,)' 0 && pattern mb.npy 5000 7
	npy mg.npy '<f4' '()' 0 && printf '\000\000\200\077' >>mg.npy
	margs="-y my.npy -b mb.npy -g mg.npy"
	run two_devices "$program" sum -x mx.npy $margs -o one.npy --device 0 &&
		run two_devices "$program" sum -x mx.npy $margs -o two.npy --device 0,1
	[ "$rc" -eq 0 ] && [ "$(wc -c <one.npy)" -eq 1344 ] && cmp -s one.npy two.npy
	ok $? "--device 0,1 (rows split): the bytes of --device 0" || diag_output
	run two_devices "$program" sum -x mx16.npy $margs -o one.npy --device 0 &&
		run two_devices "$program" sum -x mx16.npy $margs -o two.npy --device all
	[ "$rc" -eq 0 ] && [ "$(wc -c <one.npy)" -eq 192 ] && cmp -s one.npy two.npy
	ok $? "--device all (j-blocks split): the bytes of --device 0" || diag_output
	run two_devices env ANISOCL_DEVICE=0,1 "$program" sum -x mx16.npy $margs -o two.npy
	[ "$rc" -eq 0 ] && cmp -s one.npy two.npy
	ok $? "ANISOCL_DEVICE=0,1: the bytes of --device 0" || diag_output
	run two_devices "$program" sum -x mx.npy $margs -o two.npy --device 0,1 --time
	[ "$rc" -eq 0 ] && grep -q 'on 2 devices (--device 0,1)' stderr && grep -q 'pairs/s' stderr
	ok $? "--device 0,1 --time: the pairs/s of 2 devices" || diag_output
	rm -f one.npy two.npy
	fails 4 "--device 0,9" 'item "9"' \
		two_devices "$program" sum -x mx.npy $margs --device 0,9 -o out.npy
fi

echo "1..$count"
exit $failed
