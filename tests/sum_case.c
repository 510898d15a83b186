/*
 * One sum, checked against the double reference: the unit of work of the
 * simulator stage (tests/oclgrind.sh), which runs each case in a process of
 * its own (Oclgrind's uninitialised-value checker reports false positives
 * once a buffer is reallocated in the same process).
 *
 * Usage: tests/sum_case DTYPE METRIC VAR D E M N [PROFILE [REDUCTION]]
 *   DTYPE  float32 | float64      METRIC  iso | diag | full
 *   VAR    fixed | i | j          D, E, M, N  sizes
 *   PROFILE    gaussian (default) | laplace | cauchy | imq
 *   REDUCTION  sum (default) | logsumexp
 * Prints one TAP line; exits 0 when the result is within the accuracy
 * suite's tolerance, 1 when not, 2 on a usage error.  The seed is fixed
 * (ANISOCL_TEST_SEED overrides it) so that a failure replays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

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
	size_t D, E, M, N, K;
	struct problem p;
	aniso_ctx *ctx;
	tap_rng rng;
	double worst = 0;
	const char *seed = getenv("ANISOCL_TEST_SEED");
	int ok;

	if (argc < 8 || argc > 10 || (argc > 8 && aniso_kernel_from_name(argv[8], &kernel)) ||
	    (argc > 9 && aniso_reduction_from_name(argv[9], &reduction)) || (strcmp(argv[1], "float32") && strcmp(argv[1], "float64")) ||
	    (strcmp(argv[2], "iso") && strcmp(argv[2], "diag") && strcmp(argv[2], "full")) ||
	    (strcmp(argv[3], "fixed") && strcmp(argv[3], "i") && strcmp(argv[3], "j")) ||
	    parse_size(argv[4], &D) || parse_size(argv[5], &E) || parse_size(argv[6], &M) ||
	    parse_size(argv[7], &N) || D == 0 || E == 0) {
		fprintf(stderr,
			"usage: %s float32|float64 iso|diag|full fixed|i|j D E M N "
			"[gaussian|laplace|cauchy|imq [sum|logsumexp]]\n",
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
	ok = ok && problem_check(ctx, &p, dtype_tolerance(dtype), &worst);
	tap_ok(ok, "%s %s %s D=%zu E=%zu M=%zu N=%zu %s %s on %s (worst %.2g of tolerance)",
	       argv[1], argv[2], argv[3], D, E, M, N, aniso_kernel_name(kernel),
	       aniso_reduction_name(reduction), aniso_ctx_device_name(ctx),
	       worst / dtype_tolerance(dtype));
	problem_free(&p);
	aniso_ctx_free(ctx);
	return tap_done();
}
