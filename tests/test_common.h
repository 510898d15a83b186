/* Helpers shared by the library's test programs: random problems in both
 * dtypes and their comparison against the double-precision reference. */
#ifndef ANISOCL_TESTS_COMMON_H
#define ANISOCL_TESTS_COMMON_H

#include <stddef.h>

#include "anisocl.h"
#include "tap.h"

struct problem {
	aniso_shape shape;
	/* The radial profile (problem_make sets the Gaussian; change it
	 * before problem_check). */
	aniso_kernel kernel;
	/* The reduction (problem_make sets the sum). */
	aniso_reduction reduction;
	/* Double copies (the reference's input; rounded to float first when
	 * the dtype is float32, so both sides see the same numbers). */
	double *x, *y, *b, *gamma;
	/* The arrays in the dtype under test. */
	void *xt, *yt, *bt, *gammat;
};

/* Random problem: x, y uniform in [0,1)^D, b in [-1,1), and a gamma whose
 * metric is positive definite with exponents of order one (so terms are
 * neither all 1 nor all underflowing).  Full gammas get an antisymmetric
 * part, which must not change the result. */
int problem_make(struct problem *p, tap_rng *rng, aniso_dtype dtype, size_t M,
		 size_t N, size_t D, size_t E, size_t K, aniso_gamma_var var);
void problem_free(struct problem *p);

/* Run the sum and compare with the reference: |out - ref| <= tol *
 * sum_j |term| for every entry.  Returns 1 when it matches; describes the
 * worst entry in a diagnostic otherwise. */
int problem_check(aniso_ctx *ctx, const struct problem *p, double tol,
		  double *worst_ratio);
/* The comparison of problem_check, on a result computed by other means
 * (M x E numbers of the problem's dtype). */
int problem_compare(const struct problem *p, const void *out, double tol,
		    double *worst_ratio);

/* The logsumexp comparison (the header's promise): NaN and infinities
 * exactly, finite values |out - ref| <= tol (1 + sum_j p_j (|log f| + |b|)),
 * tol the dtype's; worst (may be NULL) gets the largest error over that
 * bound.  problem_compare and problem_check use it for a problem whose
 * reduction is logsumexp (their tol and worst_ratio then are in the same
 * units as the sum's). */
int problem_compare_lse(const struct problem *p, const void *out, double *worst);

/* Tolerances relative to sum_j |term_ij| (see test_accuracy.c). */
#define TOL_FLOAT64 1e-12
#define TOL_FLOAT32 1e-5

double dtype_tolerance(aniso_dtype dtype);
const char *gamma_var_label(aniso_gamma_var var);
const char *metric_label(size_t K, size_t D);

/* A context, or NULL with the TAP "skip all" line printed. */
aniso_ctx *context_or_skip(void);

#endif
