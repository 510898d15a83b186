/*
 * One sum, checked against the double reference: the unit of work of the
 * simulator stage (tests/oclgrind.sh), which runs each case in a process of
 * its own (Oclgrind's uninitialised-value checker reports false positives
 * once a buffer is reallocated in the same process).
 *
 * Usage: tests/sum_case DTYPE METRIC VAR D E M N [PROFILE [REDUCTION [OF]]]
 *   DTYPE  float32 | float64      METRIC  iso | diag | full
 *   VAR    fixed | i | j          D, E, M, N  sizes
 *   PROFILE    gaussian (default) | laplace | cauchy | imq
 *   REDUCTION  sum (default) | logsumexp | grad-x | grad-y | grad-b |
 *              grad-gamma (the gradient of sum_ie a_ie out_ie for a random
 *              cotangent a, against reference_grad_reduction)
 *   OF         for a gradient, the reduction of out: sum (default) |
 *              logsumexp
 * Prints one TAP line; exits 0 when the result is within the accuracy
 * suite's tolerance, 1 when not, 2 on a usage error.  The seed is fixed
 * (ANISOCL_TEST_SEED overrides it) so that a failure replays.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "test_common.h"

/* The gradient with respect to wrt of the sum of p with a random
 * cotangent, against reference_grad: 1 when within tol of sum |term|. */
static int grad_check(aniso_ctx *ctx, const struct problem *p, tap_rng *rng, aniso_wrt wrt,
		      double tol, double *worst)
{
	const aniso_shape *s = &p->shape;
	const size_t elem = s->dtype == ANISO_FLOAT64 ? 8 : 4;
	const size_t rows = wrt == ANISO_WRT_X ? s->M : wrt == ANISO_WRT_GAMMA ? s->gamma_rows : s->N;
	const size_t cols = wrt <= ANISO_WRT_Y ? s->D : wrt == ANISO_WRT_B ? s->E : s->K;
	double *a = malloc((s->M * s->E + 1) * sizeof(double));
	void *at = malloc((s->M * s->E + 1) * elem), *got = malloc((rows * cols + 1) * elem);
	double *ref = malloc((rows * cols + 1) * sizeof(double));
	double *scale = malloc((rows * cols + 1) * sizeof(double));
	aniso_options options;
	size_t k;
	int ok = a && at && got && ref && scale;

	*worst = 0;
	for (k = 0; ok && k < s->M * s->E; ++k) {
		a[k] = 2 * tap_uniform(rng) - 1;
		if (s->dtype == ANISO_FLOAT64)
			((double *)at)[k] = a[k];
		else
			a[k] = ((float *)at)[k] = (float)a[k];
	}
	aniso_options_init(&options);
	options.kernel = p->kernel;
	options.reduction = p->reduction;
	if (ok && aniso_grad(ctx, s, &options, wrt, p->xt, p->yt, p->bt, p->gammat, at, got) !=
			  ANISO_OK) {
		tap_diag("aniso_grad: %s", aniso_ctx_errmsg(ctx));
		ok = 0;
	}
	if (ok)
		reference_grad_reduction((int)p->kernel, (int)p->reduction, (int)wrt, s->M, s->N,
					 s->D, s->E, s->K, (int)s->gamma_var, p->x, p->y, p->b,
					 p->gamma, a, ref, scale);
	for (k = 0; ok && k < rows * cols; ++k) {
		double v = s->dtype == ANISO_FLOAT64 ? ((double *)got)[k] : ((float *)got)[k];
		double r = fabs(v - ref[k]) / (scale[k] + 1e-300);

		if (!(r <= *worst))
			*worst = r;
	}
	ok = ok && *worst <= tol;
	free(scale);
	free(ref);
	free(got);
	free(at);
	free(a);
	return ok;
}

static int parse_size(const char *text, size_t *value)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 10);

	if (!*text || *end || text[0] == '-')
		return -1;
	*value = (size_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	aniso_dtype dtype;
	aniso_gamma_var var;
	aniso_kernel kernel = ANISO_KERNEL_GAUSSIAN;
	aniso_reduction reduction = ANISO_REDUCTION_SUM;
	aniso_wrt wrt = ANISO_WRT_X;
	int grad = 0;
	size_t D, E, M, N, K;
	struct problem p;
	aniso_ctx *ctx;
	tap_rng rng;
	double worst = 0;
	const char *seed = getenv("ANISOCL_TEST_SEED");
	int ok;

	if (argc > 9 && strncmp(argv[9], "grad-", 5) == 0) {
		grad = 1;
		if (aniso_wrt_from_name(argv[9] + 5, &wrt) != ANISO_OK)
			argc = 0; /* a usage error below */
	}
	if (argc < 8 || argc > 11 || (argc > 8 && aniso_kernel_from_name(argv[8], &kernel)) ||
	    (argc > 9 && !grad && aniso_reduction_from_name(argv[9], &reduction)) ||
	    (argc > 10 && (!grad || aniso_reduction_from_name(argv[10], &reduction))) ||
	    (strcmp(argv[1], "float32") && strcmp(argv[1], "float64")) ||
	    (strcmp(argv[2], "iso") && strcmp(argv[2], "diag") && strcmp(argv[2], "full")) ||
	    (strcmp(argv[3], "fixed") && strcmp(argv[3], "i") && strcmp(argv[3], "j")) ||
	    parse_size(argv[4], &D) || parse_size(argv[5], &E) || parse_size(argv[6], &M) ||
	    parse_size(argv[7], &N) || D == 0 || E == 0) {
		fprintf(stderr,
			"usage: %s float32|float64 iso|diag|full fixed|i|j D E M N "
			"[gaussian|laplace|cauchy|imq [sum|logsumexp|grad-x|grad-y|grad-b|grad-gamma "
			"[sum|logsumexp]]]\n",
			argv[0]);
		return 2;
	}
	dtype = strcmp(argv[1], "float64") == 0 ? ANISO_FLOAT64 : ANISO_FLOAT32;
	K = strcmp(argv[2], "iso") == 0 ? 1 : strcmp(argv[2], "diag") == 0 ? D : D * D;
	var = argv[3][0] == 'f' ? ANISO_GAMMA_FIXED
				: argv[3][0] == 'i' ? ANISO_GAMMA_PER_I : ANISO_GAMMA_PER_J;
	ctx = context_or_skip();
	if (!ctx)
		return tap_done();
	tap_plan(1);
	tap_rng_seed(&rng, seed ? strtoull(seed, NULL, 10) : 20261127);
	ok = problem_make(&p, &rng, dtype, M, N, D, E, K, var) == 0;
	p.kernel = kernel;
	p.reduction = reduction;
	if (grad)
		ok = ok && grad_check(ctx, &p, &rng, wrt, dtype_tolerance(dtype), &worst);
	else
		ok = ok && problem_check(ctx, &p, dtype_tolerance(dtype), &worst);
	tap_ok(ok, "%s %s %s D=%zu E=%zu M=%zu N=%zu %s %s%s%s on %s (worst %.2g of tolerance)",
	       argv[1], argv[2], argv[3], D, E, M, N, aniso_kernel_name(kernel),
	       grad ? argv[9] : aniso_reduction_name(reduction), grad ? " of " : "",
	       grad ? aniso_reduction_name(reduction) : "", aniso_ctx_device_name(ctx),
	       worst / dtype_tolerance(dtype));
	problem_free(&p);
	aniso_ctx_free(ctx);
	return tap_done();
}
