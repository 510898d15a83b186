/*
 * Accuracy of every gamma mode against the independent double-precision
 * reference (tests/reference.c), on random data with a printed seed.
 *
 * Tolerances are relative to S = sum_j |term_ij|, the natural scale of a
 * sum whose terms have both signs:
 *  - float64: 1e-12 S.  Each term carries a few ulp (2.2e-16) from the
 *    metric (about D + 2 roundings), exp2 (a few ulp) and the product with
 *    b; the sum is compensated, so the total stays near 10 ulp of S.
 *  - float32: 1e-5 S.  The same count with ulp = 1.2e-7: the error of a
 *    term exp(-s) is about s * (D + 4) ulp relative, and s * exp(-s) <= 1/e,
 *    so even D = 7 stays near 1e-6 S; 1e-5 leaves room for exp2's 3 ulp
 *    allowance in the OpenCL specification.
 * Sizes include 1, 2, the group and chunk boundaries of the kernels
 * (32 and 128, each +-1), a prime near 1000 and 10^4.
 */
#include <stdio.h>
#include <stdlib.h>

#include "test_common.h"

static const size_t DIMS[] = {1, 2, 3, 4, 7};
static const size_t SIZES[] = {1, 2, 31, 32, 33, 127, 128, 129, 997};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static size_t metric_K(int metric, size_t D)
{
	return metric == 0 ? 1 : metric == 1 ? D : D * D;
}

static void check_case(aniso_ctx *ctx, tap_rng *rng, const char *label,
		       aniso_dtype dtype, size_t M, size_t N, size_t D, size_t E,
		       size_t K, aniso_gamma_var var)
{
	struct problem p;
	double worst = 0;
	int ok;

	if (dtype == ANISO_FLOAT64 && !aniso_ctx_has_fp64(ctx)) {
		tap_skip("device has no float64", "%s float64 %s %s D=%zu E=%zu M=%zu N=%zu",
			 label, metric_label(K, D), gamma_var_label(var), D, E, M, N);
		return;
	}
	ok = problem_make(&p, rng, dtype, M, N, D, E, K, var) == 0 &&
	     problem_check(ctx, &p, dtype_tolerance(dtype), &worst);
	tap_ok(ok, "%s %s %s %s D=%zu E=%zu M=%zu N=%zu (worst %.2g of tolerance)", label,
	       dtype == ANISO_FLOAT64 ? "float64" : "float32", metric_label(K, D),
	       gamma_var_label(var), D, E, M, N, worst / dtype_tolerance(dtype));
	problem_free(&p);
}

int main(void)
{
	aniso_ctx *ctx, *tiled = NULL;
	tap_rng rng;
	size_t d, e, c = 0;
	int dt, metric, var;
	char why[1024];

	ctx = context_or_skip();
	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	/* The GPU strategy (local-memory tiles) also runs on CPU devices:
	 * check it here so that it is tested where CI has no GPU. */
	setenv("ANISOCL_STRATEGY", "tiled", 1);
	if (aniso_ctx_create(&tiled, why, sizeof(why)) != ANISO_OK)
		tiled = NULL;
	unsetenv("ANISOCL_STRATEGY");

	tap_plan(2 * 9 * (int)(COUNT(DIMS) * 2) + 2 * 9 * 2 + 9 + 2 * 9);
	/* Every mode x dtype x D x E, sizes cycling through the boundaries. */
	for (dt = 0; dt < 2; ++dt)
		for (metric = 0; metric < 3; ++metric)
			for (var = 0; var < 3; ++var)
				for (d = 0; d < COUNT(DIMS); ++d)
					for (e = 1; e <= 3; e += 2, ++c)
						check_case(ctx, &rng, "loop", (aniso_dtype)dt,
							   SIZES[c % COUNT(SIZES)],
							   SIZES[(3 * c + 1) % COUNT(SIZES)], DIMS[d], e,
							   metric_K(metric, DIMS[d]), (aniso_gamma_var)var);
	/* Larger sizes: a prime near 1000 against 10^4 (many j-blocks), and
	 * small M against large N. */
	for (dt = 0; dt < 2; ++dt)
		for (metric = 0; metric < 3; ++metric)
			for (var = 0; var < 3; ++var) {
				check_case(ctx, &rng, "loop", (aniso_dtype)dt, 997, 10000, 3, 1,
					   metric_K(metric, 3), (aniso_gamma_var)var);
				check_case(ctx, &rng, "loop", (aniso_dtype)dt, 2, 10000, 2, 3,
					   metric_K(metric, 2), (aniso_gamma_var)var);
			}
	/* 10^4 x 10^4 once per mode (float32, the common case). */
	for (metric = 0; metric < 3; ++metric)
		for (var = 0; var < 3; ++var)
			check_case(ctx, &rng, "loop", ANISO_FLOAT32, 10000, 10000, 2, 1,
				   metric_K(metric, 2), (aniso_gamma_var)var);
	/* The tiled strategy on every mode, both dtypes, across tile edges. */
	for (dt = 0; dt < 2; ++dt)
		for (metric = 0; metric < 3; ++metric)
			for (var = 0; var < 3; ++var, ++c) {
				if (!tiled) {
					tap_ok(0, "tiled context: %s", why);
					continue;
				}
				check_case(tiled, &rng, "tiled", (aniso_dtype)dt,
					   SIZES[c % COUNT(SIZES)], 700 + SIZES[(5 * c) % COUNT(SIZES)],
					   3, 3, metric_K(metric, 3), (aniso_gamma_var)var);
			}
	aniso_ctx_free(tiled);
	aniso_ctx_free(ctx);
	return tap_done();
}
