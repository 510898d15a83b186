/*
 * Bad input: each case gets its own code, a message naming the argument
 * and what was expected, and leaves `out` untouched.  Also the special
 * sizes (M = 0, N = 0) and NaN/Inf propagation.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

#define SENTINEL 12345.0f
#define M_ 5
#define N_ 7
#define D_ 3
#define E_ 2

static float x[M_ * D_], y[N_ * D_], b[N_ * E_], gam[N_ * D_ * D_], out[M_ * E_];

static void fill_out(void)
{
	int k;

	for (k = 0; k < M_ * E_; ++k)
		out[k] = SENTINEL;
}

static int out_untouched(void)
{
	int k;

	for (k = 0; k < M_ * E_; ++k)
		if (out[k] != SENTINEL)
			return 0;
	return 1;
}

static aniso_shape good_shape(void)
{
	aniso_shape s = {M_, N_, D_, E_, D_, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32};

	return s;
}

/* Run a sum expected to fail with `code`, its message containing every
 * string of `words` (NULL-terminated). */
static void expect_error(aniso_ctx *ctx, const char *what, const aniso_shape *s,
			 const void *xp, const void *yp, const void *bp, const void *gp,
			 int code, const char *const *words)
{
	int err, ok;
	const char *msg;

	fill_out();
	err = aniso_sum(ctx, s, xp, yp, bp, gp, out);
	msg = aniso_ctx_errmsg(ctx);
	ok = err == code && out_untouched();
	for (; ok && words && *words; ++words)
		ok = strstr(msg, *words) != NULL;
	if (!tap_ok(ok, "%s: %s", what, aniso_err_name(code)))
		tap_diag("got %s (%d): \"%s\"", aniso_err_name(err), err, msg);
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_bad_arguments(aniso_ctx *ctx)
{
	aniso_shape s;

	fill_out();
	tap_ok(aniso_sum(NULL, NULL, x, y, b, gam, out) == ANISO_ERR_NULL_ARG && out_untouched(),
	       "ctx NULL: ERR_NULL_ARG");
	expect_error(ctx, "shape NULL", NULL, x, y, b, gam, ANISO_ERR_NULL_ARG, WORDS("shape"));
	s = good_shape();
	expect_error(ctx, "x NULL", &s, NULL, y, b, gam, ANISO_ERR_NULL_ARG, WORDS("x is NULL"));
	expect_error(ctx, "y NULL", &s, x, NULL, b, gam, ANISO_ERR_NULL_ARG, WORDS("y is NULL"));
	expect_error(ctx, "b NULL", &s, x, y, NULL, gam, ANISO_ERR_NULL_ARG, WORDS("b is NULL"));
	expect_error(ctx, "gamma NULL", &s, x, y, b, NULL, ANISO_ERR_NULL_ARG, WORDS("gamma is NULL"));
	fill_out();
	tap_ok(aniso_sum(ctx, &s, x, y, b, gam, NULL) == ANISO_ERR_NULL_ARG &&
		       strstr(aniso_ctx_errmsg(ctx), "out is NULL"),
	       "out NULL: ERR_NULL_ARG naming out");

	s = good_shape();
	s.D = 0;
	expect_error(ctx, "D = 0", &s, x, y, b, gam, ANISO_ERR_BAD_DIM, WORDS("D is 0", "at least 1"));
	s = good_shape();
	s.E = 0;
	expect_error(ctx, "E = 0", &s, x, y, b, gam, ANISO_ERR_BAD_DIM, WORDS("E is 0", "at least 1"));
	s = good_shape();
	s.K = 5;
	expect_error(ctx, "K = 5 with D = 3", &s, x, y, b, gam, ANISO_ERR_BAD_K,
		     WORDS("K is 5", "1 (isotropic)", "3 (diagonal", "9 (full"));
	s = good_shape();
	s.K = 0;
	expect_error(ctx, "K = 0", &s, x, y, b, gam, ANISO_ERR_BAD_K, WORDS("K is 0"));
	s = good_shape();
	s.gamma_var = ANISO_GAMMA_PER_J;
	s.gamma_rows = N_ + 1;
	expect_error(ctx, "per-j gamma with N+1 rows", &s, x, y, b, gam, ANISO_ERR_BAD_GAMMA_VAR,
		     WORDS("gamma_rows is 8", "ANISO_GAMMA_PER_J", "N = 7"));
	s = good_shape();
	s.gamma_var = ANISO_GAMMA_PER_I;
	s.gamma_rows = N_;
	expect_error(ctx, "per-i gamma with N rows", &s, x, y, b, gam, ANISO_ERR_BAD_GAMMA_VAR,
		     WORDS("gamma_rows is 7", "M = 5"));
	s = good_shape();
	s.gamma_rows = 2;
	expect_error(ctx, "fixed gamma with 2 rows", &s, x, y, b, gam, ANISO_ERR_BAD_GAMMA_VAR,
		     WORDS("gamma_rows is 2", "ANISO_GAMMA_FIXED"));
	s = good_shape();
	s.gamma_var = (aniso_gamma_var)7;
	expect_error(ctx, "gamma_var = 7", &s, x, y, b, gam, ANISO_ERR_BAD_GAMMA_VAR,
		     WORDS("gamma_var is 7"));
	s = good_shape();
	s.dtype = (aniso_dtype)9;
	expect_error(ctx, "dtype = 9", &s, x, y, b, gam, ANISO_ERR_BAD_DTYPE, WORDS("dtype is 9"));
	s = good_shape();
	s.M = SIZE_MAX / 2;
	s.gamma_rows = 1;
	expect_error(ctx, "M*D*4 overflows", &s, x, y, b, gam, ANISO_ERR_OVERFLOW,
		     WORDS("x:", "overflows"));
	/* D and E past their limits are refused before any size is worked
	 * out (D = 2^33 would overflow D*D); a row too large for the device
	 * is tested below with ANISOCL_MAX_ALLOC_BYTES. */
	s = good_shape();
	s.D = (size_t)1 << 33;
	s.K = 1;
	expect_error(ctx, "D = 2^33 past ANISO_MAX_D", &s, x, y, b, gam, ANISO_ERR_TOO_LARGE,
		     WORDS("D is 8589934592", "ANISO_MAX_D = 256"));
	s = good_shape();
	s.E = (size_t)1 << 30;
	expect_error(ctx, "E = 2^30 past ANISO_MAX_E", &s, x, y, b, gam, ANISO_ERR_TOO_LARGE,
		     WORDS("E is 1073741824", "ANISO_MAX_E = 256"));
}

static void test_no_fp64(void)
{
	aniso_ctx *ctx = NULL;
	aniso_shape s = good_shape();
	char why[512];
	double xd[M_ * D_] = {0}, yd[N_ * D_] = {0}, bd[N_ * E_] = {0}, gd[D_] = {1, 1, 1};

	setenv("ANISOCL_PRETEND_NO_FP64", "1", 1);
	if (aniso_ctx_create(&ctx, why, sizeof(why)) != ANISO_OK) {
		tap_ok(0, "context pretending no fp64: %s", why);
		unsetenv("ANISOCL_PRETEND_NO_FP64");
		return;
	}
	unsetenv("ANISOCL_PRETEND_NO_FP64");
	s.dtype = ANISO_FLOAT64;
	expect_error(ctx, "float64 on a device without fp64", &s, xd, yd, bd, gd,
		     ANISO_ERR_NO_FP64, WORDS("ANISO_FLOAT64", "float64"));
	aniso_ctx_free(ctx);
}

static void test_allocation_cap(void)
{
	aniso_ctx *ctx = NULL;
	aniso_shape s = good_shape();
	char why[512];

	/* An 8-byte cap: not even one row of x (12 bytes) fits, so the sum
	 * cannot be streamed either. */
	setenv("ANISOCL_MAX_ALLOC_BYTES", "8", 1);
	if (aniso_ctx_create(&ctx, why, sizeof(why)) != ANISO_OK) {
		tap_ok(0, "context with an allocation cap: %s", why);
		unsetenv("ANISOCL_MAX_ALLOC_BYTES");
		return;
	}
	unsetenv("ANISOCL_MAX_ALLOC_BYTES");
	expect_error(ctx, "a row over ANISOCL_MAX_ALLOC_BYTES=8", &s, x, y, b, gam,
		     ANISO_ERR_TOO_LARGE, WORDS("one row", "8 bytes"));
	aniso_ctx_free(ctx);
}

static void test_bad_device_spec(void)
{
	aniso_ctx *ctx = NULL;
	char why[512];
	int err;

	setenv("ANISOCL_DEVICE", "no-such-device-xyz", 1);
	err = aniso_ctx_create(&ctx, why, sizeof(why));
	unsetenv("ANISOCL_DEVICE");
	if (!tap_ok(err == ANISO_ERR_BAD_DEVICE_SPEC && !ctx && strstr(why, "no-such-device-xyz"),
		    "ANISOCL_DEVICE matching nothing: ERR_BAD_DEVICE_SPEC naming it"))
		tap_diag("got %d: %s", err, why);
	aniso_ctx_free(ctx);
	setenv("ANISOCL_DEVICE", "999", 1);
	err = aniso_ctx_create(&ctx, why, sizeof(why));
	unsetenv("ANISOCL_DEVICE");
	tap_ok(err == ANISO_ERR_BAD_DEVICE_SPEC && strstr(why, "999"),
	       "ANISOCL_DEVICE index past the last device: ERR_BAD_DEVICE_SPEC");
	aniso_ctx_free(ctx);
	/* The explicit choice overrides the variable. */
	setenv("ANISOCL_DEVICE", "no-such-device-xyz", 1);
	err = aniso_ctx_create_on("0", &ctx, why, sizeof(why));
	tap_ok(err == ANISO_OK && ctx, "aniso_ctx_create_on(\"0\") overrides ANISOCL_DEVICE");
	aniso_ctx_free(ctx);
	unsetenv("ANISOCL_DEVICE");
	err = aniso_ctx_create_on("no-such-device-xyz", &ctx, why, sizeof(why));
	tap_ok(err == ANISO_ERR_BAD_DEVICE_SPEC && strstr(why, "device=\"no-such-device-xyz\""),
	       "aniso_ctx_create_on with a name matching nothing: ERR_BAD_DEVICE_SPEC naming it");
	aniso_ctx_free(ctx);
}

static void test_special_sizes(aniso_ctx *ctx)
{
	aniso_shape s = good_shape();
	int err, k, zeros = 1;

	s.M = 0;
	fill_out();
	err = aniso_sum(ctx, &s, NULL, y, b, gam, NULL);
	tap_ok(err == ANISO_OK && out_untouched(), "M = 0 is a no-op (x and out may be NULL)");
	s = good_shape();
	s.N = 0;
	fill_out();
	err = aniso_sum(ctx, &s, x, NULL, NULL, gam, out);
	for (k = 0; k < M_ * E_; ++k)
		zeros &= out[k] == 0.0f;
	tap_ok(err == ANISO_OK && zeros, "N = 0 gives zeros (y and b may be NULL)");
}

/* NaN and Inf follow IEEE arithmetic: a NaN in x_i poisons row i only; an
 * Inf weight gives +-Inf where its kernel value is positive; an infinite
 * gamma gives exp(-Inf) = 0 for every pair with a non-zero difference. */
static void test_nan_inf(aniso_ctx *ctx)
{
	aniso_shape s = good_shape();
	float g[D_] = {1, 1, 1};
	int k, ok;

	for (k = 0; k < M_ * D_; ++k)
		x[k] = 0.1f * (float)k;
	for (k = 0; k < N_ * D_; ++k)
		y[k] = 0.05f * (float)k;
	for (k = 0; k < N_ * E_; ++k)
		b[k] = 1;
	x[1] = NAN;
	ok = aniso_sum(ctx, &s, x, y, b, g, out) == ANISO_OK && isnan(out[0]) && isnan(out[1]);
	for (k = E_; k < M_ * E_; ++k)
		ok &= isfinite(out[k]) && out[k] > 0;
	tap_ok(ok, "NaN in x_0 gives NaN in row 0 only");
	x[1] = 0.1f;
	b[0] = INFINITY;
	ok = aniso_sum(ctx, &s, x, y, b, g, out) == ANISO_OK;
	for (k = 0; k < M_; ++k)
		ok &= isinf(out[k * E_]) && out[k * E_] > 0 && isfinite(out[k * E_ + 1]);
	tap_ok(ok, "b_0 = +Inf gives +Inf in column 0, finite column 1");
	b[0] = 1;
	g[1] = INFINITY;
	ok = aniso_sum(ctx, &s, x, y, b, g, out) == ANISO_OK;
	for (k = 0; k < M_ * E_; ++k)
		ok &= out[k] == 0.0f;
	tap_ok(ok, "gamma = Inf on an axis where every difference is non-zero gives 0");
}

static void test_strerror(void)
{
	int code, ok = 1;

	for (code = 0; code >= -16; --code)
		ok &= strlen(aniso_strerror(code)) > 0 && strcmp(aniso_strerror(code), "unknown error") != 0 &&
		      strcmp(aniso_err_name(code), "UNKNOWN") != 0;
	tap_ok(ok, "every code has a message and a name");
	tap_ok(strcmp(aniso_strerror(-999), "unknown error") == 0 &&
		       strcmp(aniso_strerror(5), "unknown error") == 0,
	       "unknown codes say so");
}

/* The one metric rule: K = 1, D, D*D; D = 1 is isotropic; K = D*D decided
 * without an overflowing product; names for the valid ones only. */
static void test_metric_rule(void)
{
	const size_t big = (size_t)1 << (sizeof(size_t) * 4); /* big * big wraps to 0 */

	tap_ok(aniso_metric_of(1, 3) == ANISO_METRIC_ISO && aniso_metric_of(3, 3) == ANISO_METRIC_DIAG &&
		       aniso_metric_of(9, 3) == ANISO_METRIC_FULL && aniso_metric_of(1, 1) == ANISO_METRIC_ISO,
	       "aniso_metric_of: 1, D and D*D numbers, and D = 1 isotropic");
	tap_ok(aniso_metric_of(4, 3) == ANISO_METRIC_INVALID && aniso_metric_of(0, 3) == ANISO_METRIC_INVALID &&
		       aniso_metric_of(2, 0) == ANISO_METRIC_INVALID &&
		       aniso_metric_of(0, big) == ANISO_METRIC_INVALID,
	       "aniso_metric_of: other K invalid, K = 0 with a D whose square wraps to 0 too");
	tap_ok(strcmp(aniso_metric_name(ANISO_METRIC_ISO), "iso") == 0 &&
		       strcmp(aniso_metric_name(ANISO_METRIC_DIAG), "diag") == 0 &&
		       strcmp(aniso_metric_name(ANISO_METRIC_FULL), "full") == 0 &&
		       aniso_metric_name(ANISO_METRIC_INVALID) == NULL,
	       "aniso_metric_name: iso, diag, full; NULL for invalid");
}

int main(void)
{
	aniso_ctx *ctx = context_or_skip();

	if (!ctx)
		return tap_done();
	tap_plan(35);
	test_bad_arguments(ctx);
	test_no_fp64();
	test_allocation_cap();
	test_bad_device_spec();
	test_special_sizes(ctx);
	test_nan_inf(ctx);
	test_strerror();
	test_metric_rule();
	aniso_ctx_free(ctx);
	return tap_done();
}
