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
 *
 * `make check` runs a covering set; ANISOCL_TEST_FULL=1 (`make check-full`)
 * the whole matrix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

static const size_t DIMS[] = {1, 2, 3, 4, 7};
static const size_t SIZES[] = {1, 2, 31, 32, 33, 127, 128, 129, 997};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static size_t metric_K(int metric, size_t D)
{
	return metric == 0 ? 1 : metric == 1 ? D : D * D;
}

static void check_case_profile(aniso_ctx *ctx, tap_rng *rng, const char *label,
			       aniso_kernel kernel, aniso_dtype dtype, size_t M, size_t N,
			       size_t D, size_t E, size_t K, aniso_gamma_var var)
{
	struct problem p;
	double worst = 0;
	int ok;

	if (dtype == ANISO_FLOAT64 && !aniso_ctx_has_fp64(ctx)) {
		tap_skip("device has no float64", "%s %s float64 %s %s D=%zu E=%zu M=%zu N=%zu",
			 label, aniso_kernel_name(kernel), metric_label(K, D),
			 gamma_var_label(var), D, E, M, N);
		return;
	}
	ok = problem_make(&p, rng, dtype, M, N, D, E, K, var) == 0;
	p.kernel = kernel;
	ok = ok && problem_check(ctx, &p, dtype_tolerance(dtype), &worst);
	tap_ok(ok, "%s %s %s %s %s D=%zu E=%zu M=%zu N=%zu (worst %.2g of tolerance)", label,
	       aniso_kernel_name(kernel), dtype == ANISO_FLOAT64 ? "float64" : "float32",
	       metric_label(K, D), gamma_var_label(var), D, E, M, N,
	       worst / dtype_tolerance(dtype));
	problem_free(&p);
}

/* The Gaussian, aniso_sum's profile. */
static void check_case(aniso_ctx *ctx, tap_rng *rng, const char *label,
		       aniso_dtype dtype, size_t M, size_t N, size_t D, size_t E,
		       size_t K, aniso_gamma_var var)
{
	check_case_profile(ctx, rng, label, ANISO_KERNEL_GAUSSIAN, dtype, M, N, D, E, K, var);
}

/* The other profiles (Laplace, Cauchy, IMQ): every dtype x metric, D
 * cycling through DIMS, the gamma variation and E turning with them; all
 * three variations of each metric when every_var, else one.  Returns the
 * number of cases. */
static int other_profiles(aniso_ctx *ctx, aniso_ctx *tiled, tap_rng *rng, int every_var,
			  size_t *c)
{
	int kernel, dt, metric, var, cases = 0;

	for (kernel = ANISO_KERNEL_LAPLACE; kernel <= ANISO_KERNEL_IMQ; ++kernel)
		for (dt = 0; dt < 2; ++dt)
			for (metric = 0; metric < 3; ++metric)
				for (var = 0; var < 3; ++var) {
					size_t D = DIMS[(size_t)(kernel + 2 * dt + metric + var) %
							COUNT(DIMS)];

					if (!every_var && var != (kernel + dt + metric) % 3)
						continue;
					if (ctx)
						check_case_profile(ctx, rng, "loop", (aniso_kernel)kernel,
								   (aniso_dtype)dt,
								   SIZES[*c % COUNT(SIZES)],
								   SIZES[(3 * *c + 1) % COUNT(SIZES)], D,
								   1 + 2 * (size_t)((dt + var) % 2),
								   metric_K(metric, D),
								   (aniso_gamma_var)var);
					++*c;
					++cases;
				}
	/* The tiled strategy once per profile, across a tile edge. */
	for (kernel = ANISO_KERNEL_LAPLACE; kernel <= ANISO_KERNEL_IMQ; ++kernel, ++cases)
		if (ctx && tiled)
			check_case_profile(tiled, rng, "tiled", (aniso_kernel)kernel,
					   ANISO_FLOAT32, 33, 700 + 31 * (size_t)kernel, 3, 3, 9,
					   (aniso_gamma_var)(kernel % 3));
		else if (ctx)
			tap_ok(0, "tiled context for the %s profile", aniso_kernel_name((aniso_kernel)kernel));
	return cases;
}

/* The tiled strategy on every mode, both dtypes, across tile edges.  c
 * continues the size cycle of the caller. */
static void run_tiled(aniso_ctx *tiled, const char *why, tap_rng *rng, size_t c)
{
	int dt, metric, var;

	for (dt = 0; dt < 2; ++dt)
		for (metric = 0; metric < 3; ++metric)
			for (var = 0; var < 3; ++var, ++c) {
				if (!tiled) {
					tap_ok(0, "tiled context: %s", why);
					continue;
				}
				check_case(tiled, rng, "tiled", (aniso_dtype)dt,
					   SIZES[c % COUNT(SIZES)], 700 + SIZES[(5 * c) % COUNT(SIZES)],
					   3, 3, metric_K(metric, 3), (aniso_gamma_var)var);
			}
}

/* The whole matrix: every mode x dtype x D x E, sizes cycling through the
 * boundaries, the large sizes for every mode and dtype, 10^4 x 10^4 for
 * every mode.  About 220 programs to compile (two to three minutes on two
 * cores): `make check-full` runs it. */
static void run_full(aniso_ctx *ctx, aniso_ctx *tiled, const char *why, tap_rng *rng)
{
	size_t d, e, c = 0;
	int dt, metric, var;

	size_t dry = 0;

	tap_plan(2 * 9 * (int)(COUNT(DIMS) * 2) + 2 * 9 * 2 + 9 + 2 * 9 +
		 other_profiles(NULL, NULL, rng, 1, &dry));
	for (dt = 0; dt < 2; ++dt)
		for (metric = 0; metric < 3; ++metric)
			for (var = 0; var < 3; ++var)
				for (d = 0; d < COUNT(DIMS); ++d)
					for (e = 1; e <= 3; e += 2, ++c)
						check_case(ctx, rng, "loop", (aniso_dtype)dt,
							   SIZES[c % COUNT(SIZES)],
							   SIZES[(3 * c + 1) % COUNT(SIZES)], DIMS[d], e,
							   metric_K(metric, DIMS[d]), (aniso_gamma_var)var);
	for (dt = 0; dt < 2; ++dt)
		for (metric = 0; metric < 3; ++metric)
			for (var = 0; var < 3; ++var) {
				check_case(ctx, rng, "loop", (aniso_dtype)dt, 997, 10000, 3, 1,
					   metric_K(metric, 3), (aniso_gamma_var)var);
				check_case(ctx, rng, "loop", (aniso_dtype)dt, 2, 10000, 2, 3,
					   metric_K(metric, 2), (aniso_gamma_var)var);
			}
	for (metric = 0; metric < 3; ++metric)
		for (var = 0; var < 3; ++var)
			check_case(ctx, rng, "loop", ANISO_FLOAT32, 10000, 10000, 2, 1,
				   metric_K(metric, 2), (aniso_gamma_var)var);
	run_tiled(tiled, why, rng, c);
	other_profiles(ctx, tiled, rng, 1, &c);
}

/*
 * A covering set (`make check`): every mode x dtype x strategy, each D of
 * DIMS and each E with every metric, sizes at every boundary, many j-blocks
 * and a single row against many j; about 54 programs.  Compiling is what
 * costs here (a program is specialised by D, E, K, gamma variation, dtype
 * and the work-group, which depends on N), so each program runs several
 * shapes.
 */
static void run_covering(aniso_ctx *ctx, aniso_ctx *tiled, const char *why, tap_rng *rng)
{
	size_t c = 0, s, dry = 0;
	int dt, metric, var;

	tap_plan(2 * 9 * 3 + 2 * 9 + 3 + 2 * 9 + other_profiles(NULL, NULL, rng, 0, &dry));
	/* N < 2048: one work-group size, so the three shapes share a
	 * program.  D takes each value of DIMS with every metric across the
	 * two dtypes, E both values. */
	for (dt = 0; dt < 2; ++dt)
		for (metric = 0; metric < 3; ++metric)
			for (var = 0; var < 3; ++var) {
				size_t D = DIMS[(size_t)(3 * dt + metric + var) % COUNT(DIMS)];
				size_t E = 1 + 2 * (size_t)((dt + metric + var) % 2);

				for (s = 0; s < 3; ++s, ++c)
					check_case(ctx, rng, "loop", (aniso_dtype)dt,
						   SIZES[c % COUNT(SIZES)],
						   SIZES[(3 * c + 1) % COUNT(SIZES)], D, E,
						   metric_K(metric, D), (aniso_gamma_var)var);
			}
	/* Many j-blocks (float32, 997 rows) and one vector of rows against
	 * 10^4 terms (float64: a work-group of one work-item). */
	for (metric = 0; metric < 3; ++metric)
		for (var = 0; var < 3; ++var) {
			check_case(ctx, rng, "loop", ANISO_FLOAT32, 997, 10000, 3, 1,
				   metric_K(metric, 3), (aniso_gamma_var)var);
			check_case(ctx, rng, "loop", ANISO_FLOAT64, 2, 10000, 2, 3,
				   metric_K(metric, 2), (aniso_gamma_var)var);
		}
	/* 10^4 x 10^4 once per metric, on programs compiled above. */
	for (metric = 0; metric < 3; ++metric)
		check_case(ctx, rng, "loop", ANISO_FLOAT32, 10000, 10000, 3, 1,
			   metric_K(metric, 3), (aniso_gamma_var)metric);
	run_tiled(tiled, why, rng, c);
	other_profiles(ctx, tiled, rng, 0, &c);
}

int main(void)
{
	aniso_ctx *ctx, *tiled = NULL;
	const char *full = getenv("ANISOCL_TEST_FULL");
	tap_rng rng;
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

	if (full && strcmp(full, "1") == 0)
		run_full(ctx, tiled, why, &rng);
	else
		run_covering(ctx, tiled, why, &rng);
	aniso_ctx_free(tiled);
	aniso_ctx_free(ctx);
	return tap_done();
}
