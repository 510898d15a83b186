/*
 * libFuzzer target for the library's argument validation, through the
 * public API only: aniso_sum on host arrays, and aniso_array_create with
 * aniso_sum_arrays on device arrays (see fuzz_arrays below).
 *
 * Input layout (missing bytes read as 0):
 *   byte 0      the entry point: 3 (mod 4) device arrays, else aniso_sum
 *   byte 1      flags: bit 7 turns the NULL bits on; then bit 0..4 make x, y,
 *               b, gamma, out NULL, bit 5 the shape pointer, bit 6 the ctx
 *   then        dtype, D, E, K, M, N, gamma_var, gamma_rows, each as a
 *               selector byte (plus a few raw bytes for the selectors that
 *               want a free value), biased towards 0, 1, 2, D, D*D, the
 *               device's allocation limit, SIZE_MAX and overflow edges
 *   the rest    element values for the arrays of a shape that is run
 *
 * The fuzzer decides on its own, from the rules anisocl.h documents, whether
 * the shape is valid: dtype 0 or 1 (1 only with float64 on the device),
 * 0 < D <= ANISO_MAX_D, 0 < E <= ANISO_MAX_E, D*D representable, K in {1, D, D*D}, gamma_var in {0, 1, 2}
 * with gamma_rows = 1, M or N, no size_t overflow in rows * cols * element
 * size for x, y, b, gamma and out, and (since aniso_sum streams problems
 * larger than the device in chunks of rows) one row of each array no
 * larger than the device's largest allocation.
 *
 * The largest allocation is capped at 2048 bytes (ANISOCL_MAX_ALLOC_BYTES,
 * unless already set; set it to 0 for the device's own limit) so that the
 * small problems run here are streamed in many chunks, and rows too wide
 * for the device are reachable.
 *
 * What it passes, so that the fuzzer itself never reads or writes out of
 * bounds:
 *  - invalid shape: 64-byte arrays (or NULL, as the flags say).  aniso_sum
 *    must fail with a known negative code, leave out untouched and leave a
 *    message in aniso_ctx_errmsg.  Returning ANISO_OK would mean the
 *    library goes on to use arrays far larger than it was given: abort().
 *  - valid shape, M = 0: the 64-byte arrays; a no-op that leaves out as it is.
 *  - valid shape, N = 0 (M > 0): out of exactly M*E elements (when that is at
 *    most 1 MiB); it must come back all zeros.
 *  - valid and small enough to run (M*N <= 4096, D <= 2, E <= 2): arrays of
 *    exactly the sizes the shape needs (ASan sees any overrun), filled from
 *    the input; the result must match a double-precision host reference.
 *    D and E are kept this small because each (D, E, K, gamma_var, dtype)
 *    compiles its own OpenCL program (1-3 s on PoCL); set ANISOCL_CACHE_DIR
 *    so that they are compiled once across runs.
 *  - valid but too big to run: not called.
 * A NULL where the call needs an array must make it fail; a NULL for an
 * array that is empty or unused may be accepted or refused.
 *
 * One context is created on the first input and kept; without a device every
 * input returns at once.  PoCL leaks a little by itself, so run with
 * ASAN_OPTIONS=detect_leaks=0 (tests/fuzz/run.sh does).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anisocl.h"

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_validate: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);                    \
			fprintf(stderr, "fuzz_validate: " __VA_ARGS__);        \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

#define DUMMY_BYTES 64
#define SENTINEL 0xA5
#define MAX_RUN_PAIRS 4096
#define MAX_RUN_D 2
#define MAX_RUN_E 2
/* The largest host array allocated for a call that is not run. */
#define MAX_ZERO_OUT_BYTES ((size_t)1 << 20)

enum { ARR_X, ARR_Y, ARR_B, ARR_GAMMA, ARR_OUT, ARR_COUNT };
static const char *const arr_names[ARR_COUNT] = {"x", "y", "b", "gamma", "out"};

/* ---- the one context and what we know about its device ---------------- */

static aniso_ctx *ctx;
static int no_device;
static unsigned long long max_alloc, global_mem;
static int has_fp64;
/* FUZZ_VALIDATE_VERBOSE=1: one line per input (shape, verdict, answer). */
static int verbose;

static int setup(void)
{
	aniso_device_info info[16];
	size_t count = 0;
	int def = -1;
	char err[256];

	if (ctx)
		return 1;
	if (no_device)
		return 0;
	/* Keep compiled programs between runs (kernel builds dominate). */
	setenv("ANISOCL_CACHE_DIR", "/tmp/anisocl-fuzz-cache", 0);
	/* A tiny device: streaming and "a row does not fit" with small M, N. */
	setenv("ANISOCL_MAX_ALLOC_BYTES", "2048", 0);
	if (aniso_device_list(info, 16, &count, &def, NULL, 0) != ANISO_OK ||
	    def < 0 || (size_t)def >= count || (size_t)def >= 16 ||
	    aniso_ctx_create(&ctx, err, sizeof(err)) != ANISO_OK) {
		fprintf(stderr, "fuzz_validate: no OpenCL device, nothing to fuzz\n");
		no_device = 1;
		ctx = NULL;
		return 0;
	}
	verbose = getenv("FUZZ_VALIDATE_VERBOSE") != NULL;
	max_alloc = info[def].max_alloc_bytes;
	global_mem = info[def].global_mem_bytes;
	has_fp64 = aniso_ctx_has_fp64(ctx);
	fprintf(stderr, "fuzz_validate: device %s, max allocation %llu, global memory %llu, fp64 %d\n",
		aniso_ctx_device_name(ctx), max_alloc, global_mem, has_fp64);
	return 1;
}

/* ---- input decoding ----------------------------------------------------- */

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t rd8(struct reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static uint64_t rdn(struct reader *r, int bytes)
{
	uint64_t v = 0;
	int k;

	for (k = 0; k < bytes; ++k)
		v |= (uint64_t)rd8(r) << (8 * k);
	return v;
}

/* a * b, or SIZE_MAX when it overflows (only used to pick edge values). */
static size_t sat_mul(size_t a, size_t b)
{
	return a != 0 && b > SIZE_MAX / a ? SIZE_MAX : a * b;
}

static size_t pick_dim(struct reader *r, size_t elem)
{
	switch (rd8(r) % 22) {
	case 0: return 0;
	case 1: case 2: case 3: return 1;
	case 4: case 5: case 6: return 2;
	case 7: return 3;
	case 8: return 4;
	case 9: return 8;
	case 10: return 9;
	case 11: return rd8(r);
	case 12: return SIZE_MAX;
	case 13: return (size_t)1 << 32;            /* D*D overflows   */
	case 14: return ((size_t)1 << 32) + 1;
	case 15: return ((size_t)1 << 32) - 1;      /* D*D just fits   */
	case 16: return SIZE_MAX / 4 + 1;
	case 17: return (size_t)rdn(r, 8);
	case 18: return (size_t)1 << 31;
	case 19: return (size_t)(max_alloc / elem);     /* a row just fits  */
	case 20: return (size_t)(max_alloc / elem) + 1; /* one element more */
	default: return 16;
	}
}

static size_t pick_k(struct reader *r, size_t D)
{
	size_t DD = D * D; /* wraps on purpose for huge D */

	switch (rd8(r) % 16) {
	case 0: return 0;
	case 1: case 2: return 1;
	case 3: case 4: return D;
	case 5: case 6: return DD;
	case 7: return D + 1;
	case 8: return DD + 1;
	case 9: return DD - 1;
	case 10: return SIZE_MAX;
	case 11: return rd8(r);
	case 12: return (size_t)rdn(r, 8);
	case 13: return 2;
	case 14: return D - 1;
	default: return 4;
	}
}

/* M or N: small values, and the edges where x, y, b or out meet the
 * device's allocation limit or size_t. */
static size_t pick_rows(struct reader *r, size_t D, size_t E, size_t elem)
{
	size_t dx = sat_mul(D ? D : 1, elem), de = sat_mul(E ? E : 1, elem);

	switch (rd8(r) % 24) {
	case 0: case 1: return 0;
	case 2: case 3: case 4: return 1;
	case 5: case 6: return 2;
	case 7: return 3;
	case 8: case 9: return rd8(r);
	case 10: case 11: return (size_t)(rdn(r, 2) % 4097);
	case 12: return 64;
	case 13: return SIZE_MAX;
	/* where x or y fits one allocation exactly, or just not (streamed) */
	case 14: return (size_t)(max_alloc / dx);
	case 15: return (size_t)(max_alloc / dx) + 1;
	case 16: return (size_t)(max_alloc / de);
	case 17: return (size_t)(max_alloc / de) + 1;
	case 18: return SIZE_MAX / dx + 1;            /* bytes overflow     */
	case 19: return SIZE_MAX / dx;
	case 20: return (size_t)1 << 32;
	case 21: return (size_t)rdn(r, 8);
	case 22: return (size_t)(global_mem / sat_mul(4, dx)); /* near half of it */
	default: return 17;
	}
}

static int pick_gamma_var(struct reader *r)
{
	switch (rd8(r) % 12) {
	case 0: case 1: case 2: return ANISO_GAMMA_FIXED;
	case 3: case 4: case 5: return ANISO_GAMMA_PER_I;
	case 6: case 7: case 8: return ANISO_GAMMA_PER_J;
	case 9: return 3;
	case 10: return -1;
	default: return (int)(uint32_t)rdn(r, 4);
	}
}

static size_t pick_gamma_rows(struct reader *r, int gamma_var, size_t M, size_t N)
{
	size_t expected = gamma_var == ANISO_GAMMA_PER_I ? M
			  : gamma_var == ANISO_GAMMA_PER_J ? N : 1;

	switch (rd8(r) % 12) {
	case 0: case 1: case 2: case 3: return expected;
	case 4: return 1;
	case 5: return M;
	case 6: return N;
	case 7: return 0;
	case 8: return expected + 1;
	case 9: return expected - 1;
	case 10: return SIZE_MAX;
	default: return (size_t)rdn(r, 8);
	}
}

static int pick_dtype(struct reader *r)
{
	switch (rd8(r) % 10) {
	case 0: case 1: case 2: case 3: return ANISO_FLOAT32;
	case 4: case 5: case 6: case 7: return ANISO_FLOAT64;
	case 8: return 2;
	default: return (int)(uint32_t)rdn(r, 4);
	}
}

/* A shape in the input's order: dtype, D, E, K, M, N, gamma_var,
 * gamma_rows.  The raw dtype and gamma_var (either may be out of range)
 * come back too; returns the element size the picks assumed. */
static size_t pick_shape(struct reader *r, aniso_shape *s, int *dtype, int *gamma_var)
{
	size_t elem;

	memset(s, 0, sizeof(*s));
	*dtype = pick_dtype(r);
	s->dtype = (aniso_dtype)*dtype;
	elem = *dtype == ANISO_FLOAT64 ? 8 : 4;
	s->D = pick_dim(r, elem);
	s->E = pick_dim(r, elem);
	s->K = pick_k(r, s->D);
	s->M = pick_rows(r, s->D, s->E, elem);
	s->N = pick_rows(r, s->D, s->E, elem);
	*gamma_var = pick_gamma_var(r);
	s->gamma_var = (aniso_gamma_var)*gamma_var;
	s->gamma_rows = pick_gamma_rows(r, *gamma_var, s->M, s->N);
	return elem;
}

/* ---- the documented rules, computed here independently ------------------ */

/* rows * cols * elem, or -1 on overflow. */
static int array_bytes(size_t rows, size_t cols, size_t elem, size_t *bytes)
{
	if (rows != 0 && cols > SIZE_MAX / rows)
		return -1;
	if (rows * cols != 0 && elem > SIZE_MAX / (rows * cols))
		return -1;
	*bytes = rows * cols * elem;
	return 0;
}

/*
 * 1 when aniso_sum must accept the shape (given arrays of the right sizes),
 * 0 when it must refuse it; bytes[] holds each array's size when there is
 * no overflow.  why names the first rule broken.
 *
 * aniso_sum streams problems larger than the device in chunks of rows, so
 * the device's limits refuse a shape only when a single row cannot be
 * held: a row of x or y (D elements), of b or out (E) or of gamma (K)
 * larger than the largest allocation.  That is checked only for M > 0 and
 * N > 0; with M = 0 or N = 0 the device is not used.  Other limits (half
 * the global memory for one row of everything) may refuse a shape too, but
 * only one with rows far too big for this fuzzer to run: those shapes are
 * never passed (see below).
 */
static int shape_valid(const aniso_shape *s, size_t bytes[ARR_COUNT],
		       const char **why)
{
	size_t rows[ARR_COUNT], cols[ARR_COUNT], elem, expected, k;

	if (s->dtype != ANISO_FLOAT32 && s->dtype != ANISO_FLOAT64)
		return *why = "dtype", 0;
	if (s->D == 0 || s->E == 0)
		return *why = "D or E is 0", 0;
	if (s->D > ANISO_MAX_D || s->E > ANISO_MAX_E)
		return *why = "D or E above ANISO_MAX_D / ANISO_MAX_E", 0;
	/* K is checked against D*D, which must itself be a size. */
	if (s->D > SIZE_MAX / s->D)
		return *why = "D*D overflows", 0;
	if (s->K != 1 && s->K != s->D && s->K != s->D * s->D)
		return *why = "K", 0;
	switch ((int)s->gamma_var) {
	case ANISO_GAMMA_FIXED: expected = 1; break;
	case ANISO_GAMMA_PER_I: expected = s->M; break;
	case ANISO_GAMMA_PER_J: expected = s->N; break;
	default: return *why = "gamma_var", 0;
	}
	if (s->gamma_rows != expected)
		return *why = "gamma_rows", 0;
	if (s->dtype == ANISO_FLOAT64 && !has_fp64)
		return *why = "no fp64", 0;
	elem = s->dtype == ANISO_FLOAT64 ? sizeof(double) : sizeof(float);
	rows[ARR_X] = s->M, cols[ARR_X] = s->D;
	rows[ARR_Y] = s->N, cols[ARR_Y] = s->D;
	rows[ARR_B] = s->N, cols[ARR_B] = s->E;
	rows[ARR_GAMMA] = s->gamma_rows, cols[ARR_GAMMA] = s->K;
	rows[ARR_OUT] = s->M, cols[ARR_OUT] = s->E;
	for (k = 0; k < ARR_COUNT; ++k)
		if (array_bytes(rows[k], cols[k], elem, &bytes[k]) != 0)
			return *why = "bytes overflow", 0;
	if (s->M > 0 && s->N > 0)
		for (k = 0; k < ARR_COUNT; ++k)
			if ((unsigned long long)cols[k] * elem > max_alloc)
				return *why = "one row over the largest allocation", 0;
	*why = "valid";
	return 1;
}

/* ---- values and the host reference ------------------------------------- */

/* A value in [lo, hi] from the next input byte, or from a fixed pattern once
 * the input is used up. */
static double next_value(struct reader *r, size_t k, double lo, double hi)
{
	unsigned v = r->n ? rd8(r) : (unsigned)((k * 37 + 11) & 0xff);

	return lo + (hi - lo) * v / 255.0;
}

static void fill(void *p, size_t count, int dtype, struct reader *r,
		 double lo, double hi)
{
	size_t k;

	for (k = 0; k < count; ++k) {
		double v = next_value(r, k, lo, hi);

		if (dtype == ANISO_FLOAT64)
			((double *)p)[k] = v;
		else
			((float *)p)[k] = (float)v;
	}
}

static double get(const void *p, size_t k, int dtype)
{
	return dtype == ANISO_FLOAT64 ? ((const double *)p)[k]
				      : (double)((const float *)p)[k];
}

/* out_i = sum_j exp(-(x_i - y_j)^T G (x_i - y_j)) b_j, in double, with the
 * sum of |terms| for the tolerance; then compare. */
static void check_against_reference(const aniso_shape *s, const void *x,
				    const void *y, const void *b,
				    const void *gamma, const void *out)
{
	size_t i, j, e, k, l, D = s->D, E = s->E, K = s->K;
	double tol = s->dtype == ANISO_FLOAT64 ? 1e-10 : 1e-4;

	for (i = 0; i < s->M; ++i) {
		for (e = 0; e < E; ++e) {
			double sum = 0, mag = 0, got, bound;

			for (j = 0; j < s->N; ++j) {
				size_t row = s->gamma_var == ANISO_GAMMA_PER_I ? i
					     : s->gamma_var == ANISO_GAMMA_PER_J ? j : 0;
				double q = 0, term;

				for (k = 0; k < D; ++k) {
					double dk = get(x, i * D + k, s->dtype) -
						    get(y, j * D + k, s->dtype);

					if (K == D * D) {
						for (l = 0; l < D; ++l) {
							double dl = get(x, i * D + l, s->dtype) -
								    get(y, j * D + l, s->dtype);

							q += get(gamma, row * K + k * D + l, s->dtype) * dk * dl;
						}
					} else {
						double g = get(gamma, row * K + (K == 1 ? 0 : k), s->dtype);

						q += g * dk * dk;
					}
				}
				term = exp(-q) * get(b, j * E + e, s->dtype);
				sum += term;
				mag += fabs(term);
			}
			got = get(out, i * E + e, s->dtype);
			bound = tol * mag + 1e-30;
			CHECK(fabs(got - sum) <= bound,
			      "out[%zu][%zu] = %.17g, reference %.17g (bound %.3g); "
			      "M %zu N %zu D %zu E %zu K %zu gamma_var %d dtype %d",
			      i, e, got, sum, bound, s->M, s->N, D, E, K,
			      (int)s->gamma_var, (int)s->dtype);
		}
	}
}

/* ---- one input ------------------------------------------------------------ */

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	size_t k;

	for (k = 0; k < n; ++k)
		if (p[k] != v)
			return 0;
	return 1;
}

/* aniso_sum on host arrays. */
static void fuzz_sum(struct reader r)
{
	aniso_shape s;
	size_t bytes[ARR_COUNT] = {0}, have[ARR_COUNT], elem, k;
	void *arr[ARR_COUNT] = {NULL};
	void *pass[ARR_COUNT];
	int flags, null_arr[ARR_COUNT], null_shape, null_ctx, valid;
	int needed[ARR_COUNT], nonempty[ARR_COUNT];
	int dtype, gamma_var, ret, expect_ok, may_ok;
	enum { DUMMIES, ZERO_OUT, RUN } mode;
	const char *why = "";
	const char *msg;

	flags = rd8(&r);
	for (k = 0; k < ARR_COUNT; ++k)
		null_arr[k] = (flags & 0x80) && (flags >> k & 1);
	null_shape = (flags & 0x80) && (flags & 0x20);
	null_ctx = (flags & 0x80) && (flags & 0x40);

	elem = pick_shape(&r, &s, &dtype, &gamma_var);

	valid = shape_valid(&s, bytes, &why) && !null_shape && !null_ctx;

	/* Which arrays the call reads or writes, and which are not empty. */
	for (k = 0; k < ARR_COUNT; ++k) {
		nonempty[k] = valid && bytes[k] > 0;
		needed[k] = valid && s.M > 0 && (s.N > 0 || k == ARR_OUT) && bytes[k] > 0;
	}

	if (!valid || s.M == 0)
		mode = DUMMIES;
	else if (s.N == 0)
		mode = bytes[ARR_OUT] <= MAX_ZERO_OUT_BYTES ? ZERO_OUT : DUMMIES;
	else
		mode = s.M <= MAX_RUN_PAIRS && s.N <= MAX_RUN_PAIRS / s.M &&
		       s.D <= MAX_RUN_D && s.E <= MAX_RUN_E ? RUN : DUMMIES;
	/* A valid shape with arrays bigger than the dummies: the library would
	 * rightly use them all.  Not called. */
	if (valid && mode == DUMMIES && s.M > 0)
		return;

	/* The arrays: exact sizes for what runs, 64 bytes otherwise. */
	for (k = 0; k < ARR_COUNT; ++k) {
		size_t n = DUMMY_BYTES;

		if (mode == RUN || (mode == ZERO_OUT && k == ARR_OUT))
			n = bytes[k] ? bytes[k] : 1;
		arr[k] = malloc(n);
		CHECK(arr[k] != NULL, "malloc(%zu)", n);
		have[k] = n;
		if (k == ARR_OUT || mode != RUN)
			memset(arr[k], SENTINEL, n);
	}
	if (mode == RUN) {
		fill(arr[ARR_X], s.M * s.D, dtype, &r, -1, 1);
		fill(arr[ARR_Y], s.N * s.D, dtype, &r, -1, 1);
		fill(arr[ARR_B], s.N * s.E, dtype, &r, -1, 1);
		/* a full G need not be positive: |q| stays below 8 for D <= 2 */
		if (s.K == s.D * s.D && s.D > 1)
			fill(arr[ARR_GAMMA], s.gamma_rows * s.K, dtype, &r, -0.5, 0.5);
		else
			fill(arr[ARR_GAMMA], s.gamma_rows * s.K, dtype, &r, 0, 1);
	}
	for (k = 0; k < ARR_COUNT; ++k)
		pass[k] = null_arr[k] ? NULL : arr[k];

	/* What the answer may be. */
	expect_ok = valid;
	may_ok = valid;
	for (k = 0; k < ARR_COUNT; ++k) {
		if (null_arr[k] && needed[k])
			expect_ok = may_ok = 0; /* must be refused */
		else if (null_arr[k] && nonempty[k])
			expect_ok = 0;          /* either way      */
	}

	ret = aniso_sum(null_ctx ? NULL : ctx, null_shape ? NULL : &s,
			pass[ARR_X], pass[ARR_Y], pass[ARR_B], pass[ARR_GAMMA],
			pass[ARR_OUT]);
	msg = aniso_ctx_errmsg(ctx);
	if (verbose)
		fprintf(stderr, "fuzz_validate: dtype %d M %zu N %zu D %zu E %zu K %zu gamma_var %d "
			"gamma_rows %zu flags 0x%02x: %s, %s -> %d %s\n",
			dtype, s.M, s.N, s.D, s.E, s.K, gamma_var, s.gamma_rows, flags, why,
			mode == RUN ? "run" : mode == ZERO_OUT ? "zero out" : "dummies", ret,
			ret == ANISO_OK ? "" : null_ctx ? "(NULL ctx)" : msg);

	CHECK(ret <= 0, "aniso_sum returned %d", ret);
	CHECK(ret == ANISO_OK || strcmp(aniso_strerror(ret), "unknown error") != 0,
	      "aniso_sum returned the unlisted code %d", ret);
	if (ret == ANISO_OK) {
		CHECK(may_ok,
		      "aniso_sum accepted a shape it must refuse (%s): dtype %d M %zu N %zu D %zu "
		      "E %zu K %zu gamma_var %d gamma_rows %zu, NULL flags 0x%02x, arrays of %zu bytes",
		      why, dtype, s.M, s.N, s.D, s.E, s.K, gamma_var, s.gamma_rows, flags,
		      have[ARR_X]);
		for (k = 0; k < ARR_COUNT; ++k)
			CHECK(!needed[k] || (!null_arr[k] && bytes[k] <= have[k]),
			      "aniso_sum accepted %s of %zu bytes where %zu are needed", arr_names[k],
			      null_arr[k] ? (size_t)0 : have[k], bytes[k]);
		if (!null_ctx)
			CHECK(msg && msg[0] == '\0', "message after success: %s", msg);
	} else {
		CHECK(!expect_ok,
		      "aniso_sum refused a valid shape: %d (%s) \"%s\"; dtype %d M %zu N %zu D %zu "
		      "E %zu K %zu gamma_var %d gamma_rows %zu, NULL flags 0x%02x",
		      ret, aniso_err_name(ret), msg ? msg : "(null)", dtype, s.M, s.N, s.D, s.E,
		      s.K, gamma_var, s.gamma_rows, flags);
		if (null_ctx)
			CHECK(ret == ANISO_ERR_NULL_ARG, "NULL ctx gave %d", ret);
		else
			CHECK(msg && msg[0] != '\0', "no message for error %d (%s)", ret,
			      aniso_err_name(ret));
	}

	/* out: untouched on error and for M = 0, zeros for N = 0, else the sum. */
	if (ret != ANISO_OK || s.M == 0 || null_arr[ARR_OUT]) {
		CHECK(all_bytes(arr[ARR_OUT], have[ARR_OUT], SENTINEL),
		      "out was written by a call that returned %d (%s)", ret, aniso_err_name(ret));
	} else if (s.N == 0) {
		CHECK(all_bytes(arr[ARR_OUT], bytes[ARR_OUT], 0), "N = 0 but out is not all zeros");
	} else {
		check_against_reference(&s, arr[ARR_X], arr[ARR_Y], arr[ARR_B],
					arr[ARR_GAMMA], arr[ARR_OUT]);
	}
	/* The inputs are const. */
	if (mode != RUN)
		for (k = 0; k < ARR_OUT; ++k)
			CHECK(all_bytes(arr[k], have[k], SENTINEL), "%s was written", arr_names[k]);

	for (k = 0; k < ARR_COUNT; ++k)
		free(arr[k]);
}

/* ---- device arrays: aniso_array_create and aniso_sum_arrays ------------- */

/* Whether aniso_array_create must accept (1) or refuse (0) these; *bytes is
 * the array's size when accepted. */
static int array_valid(int dtype, size_t rows, size_t cols, size_t *bytes)
{
	if (dtype != ANISO_FLOAT32 && dtype != ANISO_FLOAT64)
		return 0;
	if (dtype == ANISO_FLOAT64 && !has_fp64)
		return 0;
	if (cols == 0)
		return 0;
	if (array_bytes(rows, cols, dtype == ANISO_FLOAT64 ? 8 : 4, bytes) != 0)
		return 0;
	return (unsigned long long)*bytes <= max_alloc;
}

/*
 * Input after the API byte: flags (bit 7 turns the others on; bits 0..4 pass
 * NULL for x, y, b, gamma, out to aniso_sum_arrays, bit 5 a NULL ctx, bit 6
 * a NULL handle pointer to one aniso_array_create), the shape as for
 * aniso_sum, then a dtype-mismatch byte and a perturbation byte that give
 * one array other rows or columns, then element values.
 *
 * Every array is created with exactly rows * cols elements of host data
 * when it is valid (at most the 2048-byte cap), with a 64-byte dummy
 * otherwise: aniso_array_create must then refuse it.  aniso_sum_arrays must
 * accept exactly the arrays that agree (one dtype; y D columns like x; b N
 * rows like y; out M x E) and whose shape is valid; on refusal out keeps its
 * contents.  A sum that runs (D, E <= 2, so few kernels) is compared with
 * the host reference.
 */
static void fuzz_arrays(struct reader r)
{
	int flags, dtype, gamma_var, dt[ARR_COUNT], ok[ARR_COUNT], ret, valid;
	size_t rows[ARR_COUNT], cols[ARR_COUNT], bytes[ARR_COUNT], sbytes[ARR_COUNT];
	size_t elem, k;
	aniso_shape s;
	aniso_array *arr[ARR_COUNT] = {NULL};
	void *host[ARR_COUNT] = {NULL};
	uint8_t mismatch, perturb;
	const char *why = "";
	const char *msg;

	flags = rd8(&r);
	elem = pick_shape(&r, &s, &dtype, &gamma_var);
	mismatch = rd8(&r);
	perturb = rd8(&r);

	rows[ARR_X] = s.M, cols[ARR_X] = s.D;
	rows[ARR_Y] = s.N, cols[ARR_Y] = s.D;
	rows[ARR_B] = s.N, cols[ARR_B] = s.E;
	rows[ARR_GAMMA] = s.gamma_rows, cols[ARR_GAMMA] = s.K;
	rows[ARR_OUT] = s.M, cols[ARR_OUT] = s.E;
	for (k = 0; k < ARR_COUNT; ++k)
		dt[k] = (mismatch & 3) == 0 && (mismatch >> (k + 2) & 1)
			? (dtype == ANISO_FLOAT32 ? ANISO_FLOAT64 : ANISO_FLOAT32) : dtype;
	if ((perturb & 7) == 0) {
		size_t *what = (perturb & 8) ? cols : rows;

		k = (perturb >> 4) % ARR_COUNT;
		what[k] = (perturb & 0x80) ? what[k] + 1 : what[k] - 1;
	}

	/* With the device's own limit (ANISOCL_MAX_ALLOC_BYTES=0) valid arrays
	 * can be huge: not created. */
	for (k = 0; k < ARR_COUNT; ++k)
		if (array_valid(dt[k], rows[k], cols[k], &bytes[k]) &&
		    bytes[k] > MAX_ZERO_OUT_BYTES)
			return;

	/* NULL handle pointer: refused, nothing created. */
	if ((flags & 0x80) && (flags & 0x40)) {
		ret = aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, NULL, NULL);
		CHECK(ret == ANISO_ERR_NULL_ARG, "aniso_array_create(..., NULL) gave %d", ret);
		CHECK(aniso_ctx_errmsg(ctx)[0] != '\0', "no message for a NULL handle pointer");
	}

	for (k = 0; k < ARR_COUNT; ++k) {
		size_t n;

		bytes[k] = 0;
		ok[k] = array_valid(dt[k], rows[k], cols[k], &bytes[k]);
		n = ok[k] ? (bytes[k] ? bytes[k] : 1) : DUMMY_BYTES;
		host[k] = malloc(n);
		CHECK(host[k] != NULL, "malloc(%zu)", n);
		memset(host[k], SENTINEL, n);
		if (ok[k] && k != ARR_OUT) {
			double lo = 0, hi = 1;

			if (k != ARR_GAMMA)
				lo = -1;
			else if (cols[k] > 1 && cols[k] == s.D * s.D)
				lo = -0.5, hi = 0.5;
			fill(host[k], bytes[k] / (dt[k] == ANISO_FLOAT64 ? 8 : 4), dt[k], &r, lo, hi);
		}
		arr[k] = NULL;
		ret = aniso_array_create(ctx, (aniso_dtype)dt[k], rows[k], cols[k], host[k], &arr[k]);
		if (ok[k]) {
			CHECK(ret == ANISO_OK && arr[k] != NULL,
			      "aniso_array_create(dtype %d, %zu x %zu) refused: %d \"%s\"", dt[k],
			      rows[k], cols[k], ret, aniso_ctx_errmsg(ctx));
			CHECK(aniso_array_rows(arr[k]) == rows[k] && aniso_array_cols(arr[k]) == cols[k],
			      "array %zu x %zu reports %zu x %zu", rows[k], cols[k],
			      aniso_array_rows(arr[k]), aniso_array_cols(arr[k]));
		} else {
			CHECK(ret < 0, "aniso_array_create(dtype %d, %zu x %zu) accepted (max %llu)",
			      dt[k], rows[k], cols[k], max_alloc);
			/* nothing to free: the handle must stay NULL */
			CHECK(arr[k] == NULL, "a refused aniso_array_create set the handle");
			CHECK(aniso_ctx_errmsg(ctx)[0] != '\0', "no message for error %d", ret);
		}
	}

	/* Must aniso_sum_arrays accept these? */
	valid = 1;
	why = "valid";
	for (k = 0; k < ARR_COUNT; ++k) {
		int null = (flags & 0x80) && (flags >> k & 1);

		if (null || !arr[k])
			valid = 0, why = "an array is NULL";
		if (null && arr[k]) {
			aniso_array_free(arr[k]);
			arr[k] = NULL;
		}
	}
	if ((flags & 0x80) && (flags & 0x20))
		valid = 0, why = "ctx is NULL";
	if (valid) {
		for (k = 0; k < ARR_COUNT; ++k)
			if (dt[k] != dt[ARR_X])
				valid = 0, why = "dtypes differ";
		if (cols[ARR_Y] != cols[ARR_X] || rows[ARR_B] != rows[ARR_Y] ||
		    rows[ARR_OUT] != rows[ARR_X] || cols[ARR_OUT] != cols[ARR_B])
			valid = 0, why = "shapes do not agree";
	}
	if (valid) {
		aniso_shape t;

		t.M = rows[ARR_X], t.N = rows[ARR_Y], t.D = cols[ARR_X], t.E = cols[ARR_B];
		t.K = cols[ARR_GAMMA], t.gamma_rows = rows[ARR_GAMMA];
		t.gamma_var = (aniso_gamma_var)gamma_var;
		t.dtype = (aniso_dtype)dt[ARR_X];
		s = t;
		valid = shape_valid(&s, sbytes, &why);
	}
	/* A valid sum that would compile a kernel for a wide D or E: skipped. */
	if (valid && s.M > 0 && s.N > 0 && (s.D > MAX_RUN_D || s.E > MAX_RUN_E))
		goto out;

	ret = aniso_sum_arrays((flags & 0x80) && (flags & 0x20) ? NULL : ctx, arr[ARR_X],
			       arr[ARR_Y], arr[ARR_B], arr[ARR_GAMMA], (aniso_gamma_var)gamma_var,
			       arr[ARR_OUT]);
	msg = aniso_ctx_errmsg(ctx);
	if (verbose)
		fprintf(stderr, "fuzz_validate: arrays x %zux%zu y %zux%zu b %zux%zu gamma %zux%zu "
			"out %zux%zu dtypes %d%d%d%d%d gamma_var %d flags 0x%02x: %s -> %d %s\n",
			rows[0], cols[0], rows[1], cols[1], rows[2], cols[2], rows[3], cols[3],
			rows[4], cols[4], dt[0], dt[1], dt[2], dt[3], dt[4], gamma_var, flags, why,
			ret, ret == ANISO_OK ? "" : msg);
	CHECK(ret <= 0 && (ret == ANISO_OK || strcmp(aniso_strerror(ret), "unknown error") != 0),
	      "aniso_sum_arrays returned %d", ret);
	if (valid)
		CHECK(ret == ANISO_OK, "aniso_sum_arrays refused valid arrays: %d (%s) \"%s\"", ret,
		      aniso_err_name(ret), msg);
	else
		CHECK(ret < 0, "aniso_sum_arrays accepted arrays it must refuse (%s)", why);
	if (ret != ANISO_OK && !((flags & 0x80) && (flags & 0x20)))
		CHECK(msg[0] != '\0', "no message for error %d", ret);

	/* out: unchanged on error and for M = 0; zeros for N = 0; else the sum. */
	if (arr[ARR_OUT] && bytes[ARR_OUT] > 0) {
		unsigned char *back = malloc(bytes[ARR_OUT]);
		int got;

		CHECK(back != NULL, "malloc");
		got = aniso_array_read(arr[ARR_OUT], back);
		CHECK(got == ANISO_OK, "aniso_array_read(out) gave %d", got);
		if (ret != ANISO_OK || s.M == 0)
			CHECK(all_bytes(back, bytes[ARR_OUT], SENTINEL), "out changed (%d)", ret);
		else if (s.N == 0)
			CHECK(all_bytes(back, bytes[ARR_OUT], 0), "N = 0 but out is not zeros");
		else
			check_against_reference(&s, host[ARR_X], host[ARR_Y], host[ARR_B],
						host[ARR_GAMMA], back);
		free(back);
	}
out:
	for (k = 0; k < ARR_COUNT; ++k) {
		aniso_array_free(arr[k]);
		free(host[k]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};

	if (!setup())
		return 0;
	/* First byte: which entry point; 3 in 4 inputs go to aniso_sum. */
	if (rd8(&r) % 4 == 3)
		fuzz_arrays(r);
	else
		fuzz_sum(r);
	return 0;
}
