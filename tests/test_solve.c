/*
 * aniso_solve: (K + lambda I) a = b by conjugate gradients, against a dense
 * Cholesky solve in double written here (K built from tests/reference.c's
 * quadratic form and profile), for every profile, float64 and float32, E =
 * 2 columns at once; the residual it reports checked independently; and
 * every refusal: lambda, tol, max_iter, shapes, per-point gamma, a metric
 * that is not PSD, non-convergence, with a untouched.
 *
 * Tolerances: the solve stops at a relative residual tol; the error of a
 * is then at most cond(K + lambda I) * tol relative, and cond <= (||K|| +
 * lambda) / lambda, about N f(0) / lambda + 1 = 301 here, so tol = 1e-10
 * gives a within 1e-7 of the dense solution (float64).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "test_common.h"

#define N_ 300
#define D_ 3
#define E_ 2

static double xs[N_ * D_], bs[N_ * E_];
static const double gamma_iso[1] = {100.0};

/* (K + lambda I) a in double, from the reference's pieces. */
static void dense_apply(int profile, const double *a, double lambda, double *out)
{
	reference_sum_profile(profile, N_, N_, D_, E_, 1, 0, xs, xs, a, gamma_iso, out, NULL);
	for (size_t k = 0; k < N_ * E_; ++k)
		out[k] += lambda * a[k];
}

/* The dense solution by Cholesky, in double: A = K + lambda I. */
static int dense_solve(int profile, double lambda, double *a)
{
	double *A = malloc((size_t)N_ * N_ * sizeof(double)), diff[D_];
	size_t i, j, k, e;
	int ok = A != NULL;

	for (i = 0; ok && i < N_; ++i)
		for (j = 0; j < N_; ++j) {
			for (k = 0; k < D_; ++k)
				diff[k] = xs[i * D_ + k] - xs[j * D_ + k];
			A[i * N_ + j] = reference_profile(profile, reference_sqdist(D_, 1, diff, gamma_iso)) +
					(i == j ? lambda : 0);
		}
	for (j = 0; ok && j < N_; ++j) { /* A = L L^T in the lower triangle */
		double d = A[j * N_ + j];

		for (k = 0; k < j; ++k)
			d -= A[j * N_ + k] * A[j * N_ + k];
		ok = d > 0;
		d = sqrt(d);
		A[j * N_ + j] = d;
		for (i = j + 1; ok && i < N_; ++i) {
			double v = A[i * N_ + j];

			for (k = 0; k < j; ++k)
				v -= A[i * N_ + k] * A[j * N_ + k];
			A[i * N_ + j] = v / d;
		}
	}
	for (e = 0; ok && e < E_; ++e) {
		for (i = 0; i < N_; ++i) { /* L z = b */
			double v = bs[i * E_ + e];

			for (k = 0; k < i; ++k)
				v -= A[i * N_ + k] * a[k * E_ + e];
			a[i * E_ + e] = v / A[i * N_ + i];
		}
		for (i = N_; i-- > 0;) { /* L^T a = z */
			double v = a[i * E_ + e];

			for (k = i + 1; k < N_; ++k)
				v -= A[k * N_ + i] * a[k * E_ + e];
			a[i * E_ + e] = v / A[i * N_ + i];
		}
	}
	free(A);
	return ok;
}

static aniso_shape solve_shape(aniso_dtype dtype)
{
	aniso_shape s = {N_, N_, D_, E_, 1, 1, ANISO_GAMMA_FIXED, dtype};

	return s;
}

static double rel_residual(int profile, const double *a, double lambda, size_t e)
{
	double *ka = malloc(N_ * E_ * sizeof(double)), r = 0, bn = 0;
	size_t i;

	dense_apply(profile, a, lambda, ka);
	for (i = 0; i < N_; ++i) {
		double t = ka[i * E_ + e] - bs[i * E_ + e];

		r += t * t;
		bn += bs[i * E_ + e] * bs[i * E_ + e];
	}
	free(ka);
	return sqrt(r / bn);
}

static void test_float64(aniso_ctx *ctx, int profile, double lambda)
{
	aniso_shape s = solve_shape(ANISO_FLOAT64);
	aniso_options o;
	double a[N_ * E_], dense[N_ * E_], res[E_], worst_diff = 0, scale = 0;
	size_t it[E_], k;
	int err, ok;

	aniso_options_init(&o);
	o.kernel = (aniso_kernel)profile;
	err = aniso_solve(ctx, &s, &o, xs, gamma_iso, bs, lambda, 1e-10, 1000, a, it, res);
	ok = err == ANISO_OK && dense_solve(profile, lambda, dense);
	for (k = 0; ok && k < N_ * E_; ++k) {
		worst_diff = fmax(worst_diff, fabs(a[k] - dense[k]));
		scale = fmax(scale, fabs(dense[k]));
	}
	ok = ok && worst_diff <= 1e-7 * scale && res[0] <= 1e-10 && res[1] <= 1e-10 &&
	     rel_residual(profile, a, lambda, 0) <= 2e-10 &&
	     rel_residual(profile, a, lambda, 1) <= 2e-10 && it[0] > 0 && it[1] > 0;
	if (!tap_ok(ok, "float64 %s, lambda = %g: %zu and %zu iterations, residuals %.2g %.2g, "
			"max |a - dense| = %.2g of max |a|",
		    aniso_kernel_name((aniso_kernel)profile), lambda, err ? 0 : it[0],
		    err ? 0 : it[1], err ? 0 : res[0], err ? 0 : res[1],
		    scale > 0 ? worst_diff / scale : 0))
		tap_diag("%s: %s", aniso_err_name(err), aniso_ctx_errmsg(ctx));
}

static void test_float32(aniso_ctx *ctx)
{
	aniso_shape s = solve_shape(ANISO_FLOAT32);
	float xf[N_ * D_], bf[N_ * E_], gf = 100.0f, af[N_ * E_];
	double a[N_ * E_], res[E_];
	size_t it[E_], k;
	int err;

	for (k = 0; k < N_ * D_; ++k)
		xf[k] = (float)xs[k];
	for (k = 0; k < N_ * E_; ++k)
		bf[k] = (float)bs[k];
	err = aniso_solve(ctx, &s, NULL, xf, &gf, bf, 1.0, 1e-5, 500, af, it, res);
	for (k = 0; k < N_ * E_; ++k)
		a[k] = af[k];
	/* The reference sees the float32 points, which are what was solved. */
	tap_ok(err == ANISO_OK && res[0] <= 1e-5 && res[1] <= 1e-5,
	       "float32, tol 1e-5: %zu iterations, residuals %.2g %.2g (%s)", err ? 0 : it[0],
	       err ? 0 : res[0], err ? 0 : res[1], aniso_err_name(err));
	memset(af, 0x7f, sizeof(af));
	err = aniso_solve(ctx, &s, NULL, xf, &gf, bf, 1.0, 1e-13, 200, af, it, res);
	tap_ok(err == ANISO_ERR_NOT_CONVERGED && af[0] == af[1] && *(unsigned char *)af == 0x7f &&
		       strstr(aniso_ctx_errmsg(ctx), "float32") != NULL && res[0] > 1e-13,
	       "float32, tol 1e-13: refused as not converged, naming float32, a untouched: %s",
	       aniso_ctx_errmsg(ctx));
	(void)a;
}

/* A call expected to fail with code, its message containing text, a
 * untouched. */
static void expect_refusal(aniso_ctx *ctx, const char *what, const aniso_shape *s,
			   const void *gamma, double lambda, double tol, size_t max_iter, int code,
			   const char *text)
{
	double a[N_ * E_];
	int err;

	a[0] = 12345;
	err = aniso_solve(ctx, s, NULL, xs, gamma, bs, lambda, tol, max_iter, a, NULL, NULL);
	if (!tap_ok(err == code && a[0] == 12345 && strstr(aniso_ctx_errmsg(ctx), text) != NULL,
		    "%s: %s", what, aniso_err_name(code)))
		tap_diag("got %s: \"%s\"", aniso_err_name(err), aniso_ctx_errmsg(ctx));
}

static void test_refusals(aniso_ctx *ctx)
{
	aniso_shape s = solve_shape(ANISO_FLOAT64), t;
	const double not_psd[1] = {-1.0}, per_j[N_] = {1.0};
	double a[N_ * E_], res[E_];
	size_t it[E_];
	int err;

	expect_refusal(ctx, "lambda = 0", &s, gamma_iso, 0, 1e-8, 100, ANISO_ERR_BAD_ARG,
		       "lambda is 0");
	expect_refusal(ctx, "lambda < 0", &s, gamma_iso, -1, 1e-8, 100, ANISO_ERR_BAD_ARG,
		       "lambda is -1");
	expect_refusal(ctx, "lambda NaN", &s, gamma_iso, NAN, 1e-8, 100, ANISO_ERR_BAD_ARG,
		       "lambda is nan");
	expect_refusal(ctx, "tol = 0", &s, gamma_iso, 1, 0, 100, ANISO_ERR_BAD_ARG, "tol is 0");
	expect_refusal(ctx, "max_iter = 0", &s, gamma_iso, 1, 1e-8, 0, ANISO_ERR_BAD_ARG,
		       "max_iter is 0");
	expect_refusal(ctx, "gamma not PSD", &s, not_psd, 1, 1e-8, 100, ANISO_ERR_BAD_ARG,
		       "positive semi-definite");
	t = s;
	t.M = N_ - 1;
	expect_refusal(ctx, "M != N", &t, gamma_iso, 1, 1e-8, 100, ANISO_ERR_SHAPE, "expected M = N");
	t = s;
	t.gamma_var = ANISO_GAMMA_PER_J;
	t.gamma_rows = N_;
	expect_refusal(ctx, "per-j gamma", &t, per_j, 1, 1e-8, 100, ANISO_ERR_BAD_GAMMA_VAR,
		       "non-symmetric");
	a[0] = 12345;
	err = aniso_solve(ctx, &s, NULL, xs, gamma_iso, bs, 1e-3, 1e-12, 3, a, it, res);
	tap_ok(err == ANISO_ERR_NOT_CONVERGED && a[0] == 12345 && it[0] == 3 && it[1] == 3 &&
		       res[0] > 1e-12 && strstr(aniso_ctx_errmsg(ctx), "in 3 iterations") != NULL,
	       "3 iterations for tol 1e-12: not converged, the counts and residuals reported, a "
	       "untouched: %s", aniso_ctx_errmsg(ctx));
	tap_ok(aniso_solve(ctx, &s, NULL, NULL, gamma_iso, bs, 1, 1e-8, 100, a, NULL, NULL) ==
		       ANISO_ERR_NULL_ARG && strstr(aniso_ctx_errmsg(ctx), "x is NULL") != NULL,
	       "x NULL refused, naming it");
}

static void test_special(aniso_ctx *ctx)
{
	aniso_shape s = solve_shape(ANISO_FLOAT64), empty = s;
	double b0[N_ * E_], a[N_ * E_], res[E_];
	size_t it[E_] = {9, 9}, k;
	int err, ok = 1;

	/* Column 0 all zero, column 1 as usual. */
	for (k = 0; k < N_; ++k) {
		b0[k * E_] = 0;
		b0[k * E_ + 1] = bs[k * E_ + 1];
	}
	err = aniso_solve(ctx, &s, NULL, xs, gamma_iso, b0, 1, 1e-10, 1000, a, it, res);
	for (k = 0; k < N_; ++k)
		ok = ok && a[k * E_] == 0;
	tap_ok(err == ANISO_OK && ok && it[0] == 0 && res[0] == 0 && it[1] > 0,
	       "a zero column of b gives a zero column of a, with no iteration");
	empty.M = empty.N = 0;
	tap_ok(aniso_solve(ctx, &empty, NULL, NULL, gamma_iso, NULL, 1, 1e-8, 10, NULL, NULL,
			   NULL) == ANISO_OK,
	       "N = 0: nothing to solve");
}

int main(void)
{
	aniso_ctx *ctx = context_or_skip();
	tap_rng rng;
	size_t k;
	int profile;

	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	for (k = 0; k < N_ * D_; ++k)
		xs[k] = (double)(float)tap_uniform(&rng);
	for (k = 0; k < N_ * E_; ++k)
		bs[k] = (double)(float)(2 * tap_uniform(&rng) - 1);
	tap_plan(4 + 1 + 2 + 10 + 2);
	if (!aniso_ctx_has_fp64(ctx)) {
		for (k = 0; k < 4 + 1 + 10 + 2; ++k)
			tap_skip("device has no float64", "float64 solves");
		test_float32(ctx);
		aniso_ctx_free(ctx);
		return tap_done();
	}
	for (profile = 0; profile < 4; ++profile)
		test_float64(ctx, profile, 1.0);
	test_float64(ctx, ANISO_KERNEL_GAUSSIAN, 1e-2);
	test_float32(ctx);
	test_refusals(ctx);
	test_special(ctx);
	aniso_ctx_free(ctx);
	return tap_done();
}
