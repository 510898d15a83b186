/*
 * The size limits: D = 256 with a full gamma (K = 65536) in each gamma
 * mode, both dtypes and both kernel strategies, against the double
 * reference; D = E = 256 together; and D or E past ANISO_MAX_D /
 * ANISO_MAX_E refused with ANISO_ERR_TOO_LARGE and a message that names the
 * limit.  (A full D = 200 gamma used to take PoCL 93 s to compile and then
 * crash its worker with 40000 doubles of private gamma per work-item.)
 * M and N stay small: the kernels' cost is the compile, about a second
 * each, and the reference's is M N D^2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

static int contains(const char *text, const char *word)
{
	return strstr(text, word) != NULL;
}

static void check_large(aniso_ctx *ctx, tap_rng *rng, aniso_dtype dtype, size_t M, size_t N,
			size_t D, size_t E, size_t K, aniso_gamma_var var, const char *how)
{
	struct problem p;
	double worst = 0;
	int ok;

	if (dtype == ANISO_FLOAT64 && !aniso_ctx_has_fp64(ctx)) {
		tap_skip("no float64 on this device", "float64 D = %zu", D);
		return;
	}
	ok = problem_make(&p, rng, dtype, M, N, D, E, K, var) == 0 &&
	     problem_check(ctx, &p, dtype_tolerance(dtype), &worst);
	if (!tap_ok(ok, "%s %s %s D = %zu E = %zu K = %zu (M = %zu, N = %zu)%s: matches the reference "
		    "(worst %.2g of the tolerance)",
		    dtype == ANISO_FLOAT64 ? "float64" : "float32", metric_label(K, D),
		    gamma_var_label(var), D, E, K, M, N, how, worst))
		tap_diag("message: %s", aniso_ctx_errmsg(ctx));
	problem_free(&p);
}

/* A shape past a limit: ANISO_ERR_TOO_LARGE, the message names the limit,
 * out untouched; through host arrays and through device arrays. */
static void check_refused(aniso_ctx *ctx, size_t D, size_t E, const char *limit)
{
	const size_t M = 2, N = 3;
	aniso_shape s = {M, N, D, E, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32};
	aniso_array *x = NULL, *y = NULL, *b = NULL, *g = NULL, *o = NULL;
	float *xs = calloc(M * D, sizeof(float)), *ys = calloc(N * D, sizeof(float));
	float *bs = calloc(N * E, sizeof(float)), gs[1] = {1}, *out = malloc(M * E * sizeof(float));
	const char *text;
	char expect[64];
	size_t k;
	int err, untouched = 1;

	snprintf(expect, sizeof(expect), "%s is %zu", D > ANISO_MAX_D ? "D" : "E",
		 D > ANISO_MAX_D ? D : E);
	for (k = 0; k < M * E; ++k)
		out[k] = 42.0f;
	err = aniso_sum(ctx, &s, xs, ys, bs, gs, out);
	text = aniso_ctx_errmsg(ctx);
	for (k = 0; k < M * E; ++k)
		untouched &= out[k] == 42.0f;
	if (!tap_ok(err == ANISO_ERR_TOO_LARGE && contains(text, limit) && contains(text, expect) &&
			    untouched,
		    "aniso_sum with D = %zu, E = %zu: %s, message names %s", D, E, aniso_err_name(err),
		    limit))
		tap_diag("message: %s", text);
	err = aniso_array_create(ctx, ANISO_FLOAT32, M, D, xs, &x);
	if (!err)
		err = aniso_array_create(ctx, ANISO_FLOAT32, N, D, ys, &y);
	if (!err)
		err = aniso_array_create(ctx, ANISO_FLOAT32, N, E, bs, &b);
	if (!err)
		err = aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, gs, &g);
	if (!err)
		err = aniso_array_create(ctx, ANISO_FLOAT32, M, E, NULL, &o);
	if (!err)
		err = aniso_sum_arrays(ctx, x, y, b, g, ANISO_GAMMA_FIXED, o);
	text = aniso_ctx_errmsg(ctx);
	if (!tap_ok(err == ANISO_ERR_TOO_LARGE && contains(text, limit),
		    "aniso_sum_arrays with D = %zu, E = %zu: %s, message names %s", D, E,
		    aniso_err_name(err), limit))
		tap_diag("message: %s", text);
	aniso_array_free(o);
	aniso_array_free(g);
	aniso_array_free(b);
	aniso_array_free(y);
	aniso_array_free(x);
	free(out);
	free(bs);
	free(ys);
	free(xs);
}

int main(void)
{
	const size_t D = ANISO_MAX_D, K = ANISO_MAX_D * ANISO_MAX_D;
	aniso_ctx *ctx, *tiled = NULL;
	tap_rng rng;

	ctx = context_or_skip();
	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	tap_plan(11);
	check_large(ctx, &rng, ANISO_FLOAT32, 5, 7, D, 1, K, ANISO_GAMMA_FIXED, "");
	check_large(ctx, &rng, ANISO_FLOAT64, 5, 7, D, 1, K, ANISO_GAMMA_FIXED, "");
	check_large(ctx, &rng, ANISO_FLOAT32, 3, 6, D, 2, K, ANISO_GAMMA_PER_I, "");
	check_large(ctx, &rng, ANISO_FLOAT64, 3, 6, D, 1, K, ANISO_GAMMA_PER_I, "");
	check_large(ctx, &rng, ANISO_FLOAT64, 3, 4, D, 1, K, ANISO_GAMMA_PER_J, "");
	check_large(ctx, &rng, ANISO_FLOAT32, 3, 5, D, ANISO_MAX_E, 1, ANISO_GAMMA_FIXED, "");
	/* The GPU strategy (local tiles of y, b and per-j gamma) on this
	 * device: per-j gamma rows of 65536 numbers cannot be tiled. */
	setenv("ANISOCL_STRATEGY", "tiled", 1);
	if (aniso_ctx_create(&tiled, NULL, 0) == ANISO_OK)
		check_large(tiled, &rng, ANISO_FLOAT32, 3, 4, D, 1, K, ANISO_GAMMA_PER_J,
			    ", tiled strategy");
	else
		tap_ok(0, "a context for the tiled strategy");
	unsetenv("ANISOCL_STRATEGY");
	aniso_ctx_free(tiled);
	check_refused(ctx, ANISO_MAX_D + 1, 1, "ANISO_MAX_D = 256");
	check_refused(ctx, 2, ANISO_MAX_E + 1, "ANISO_MAX_E = 256");
	aniso_ctx_free(ctx);
	return tap_done();
}
