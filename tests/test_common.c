#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "test_common.h"

double dtype_tolerance(aniso_dtype dtype)
{
	return dtype == ANISO_FLOAT64 ? TOL_FLOAT64 : TOL_FLOAT32;
}

const char *gamma_var_label(aniso_gamma_var var)
{
	return var == ANISO_GAMMA_FIXED ? "fixed" : var == ANISO_GAMMA_PER_I ? "per-i" : "per-j";
}

const char *metric_label(size_t K, size_t D)
{
	const char *name = aniso_metric_name(aniso_metric_of(K, D));

	return name ? name : "invalid";
}

static double uniform(tap_rng *rng, double lo, double hi)
{
	return lo + (hi - lo) * tap_uniform(rng);
}

/* One gamma row of K numbers for dimension D, scaled by `scale`. */
static void random_gamma_row(tap_rng *rng, size_t D, size_t K, double scale, double *g)
{
	size_t k, l, m;

	if (aniso_metric_of(K, D) == ANISO_METRIC_ISO) {
		g[0] = scale * uniform(rng, 0.5, 2.0);
		return;
	}
	if (aniso_metric_of(K, D) == ANISO_METRIC_DIAG) {
		for (k = 0; k < D; ++k)
			g[k] = scale * uniform(rng, 0.3, 3.0);
		return;
	}
	/* G = A A^T / D + 0.5 Id (positive definite), plus an antisymmetric part. */
	{
		double *a = malloc(D * D * sizeof(*a));

		for (k = 0; k < D * D; ++k)
			a[k] = uniform(rng, -1, 1);
		for (k = 0; k < D; ++k)
			for (l = 0; l < D; ++l) {
				double s = 0;

				for (m = 0; m < D; ++m)
					s += a[k * D + m] * a[l * D + m];
				g[k * D + l] = scale * (s / (double)D + (k == l ? 0.5 : 0));
			}
		for (k = 0; k < D; ++k)
			for (l = k + 1; l < D; ++l) {
				double t = scale * uniform(rng, -0.5, 0.5);

				g[k * D + l] += t;
				g[l * D + k] -= t;
			}
		free(a);
	}
}

/* Fill n doubles and their dtype copy, rounding to float first if needed. */
static void *typed_copy(double *v, size_t n, aniso_dtype dtype)
{
	size_t k;

	if (dtype == ANISO_FLOAT64) {
		double *t = malloc((n ? n : 1) * sizeof(*t));

		memcpy(t, v, n * sizeof(*t));
		return t;
	} else {
		float *t = malloc((n ? n : 1) * sizeof(*t));

		for (k = 0; k < n; ++k) {
			t[k] = (float)v[k];
			v[k] = t[k];
		}
		return t;
	}
}

int problem_make(struct problem *p, tap_rng *rng, aniso_dtype dtype, size_t M,
		 size_t N, size_t D, size_t E, size_t K, aniso_gamma_var var)
{
	size_t rows = var == ANISO_GAMMA_FIXED ? 1 : var == ANISO_GAMMA_PER_I ? M : N;
	/* Exponents of order one: |x - y|^2 is about D/6 for uniform points. */
	double scale = 3.0 / (double)D;
	size_t k;

	memset(p, 0, sizeof(*p));
	p->shape = (aniso_shape){M, N, D, E, K, rows, var, dtype};
	p->x = malloc((M * D + 1) * sizeof(double));
	p->y = malloc((N * D + 1) * sizeof(double));
	p->b = malloc((N * E + 1) * sizeof(double));
	p->gamma = malloc((rows * K + 1) * sizeof(double));
	if (!p->x || !p->y || !p->b || !p->gamma)
		return -1;
	for (k = 0; k < M * D; ++k)
		p->x[k] = tap_uniform(rng);
	for (k = 0; k < N * D; ++k)
		p->y[k] = tap_uniform(rng);
	for (k = 0; k < N * E; ++k)
		p->b[k] = uniform(rng, -1, 1);
	for (k = 0; k < rows; ++k)
		random_gamma_row(rng, D, K, scale, p->gamma + k * K);
	p->xt = typed_copy(p->x, M * D, dtype);
	p->yt = typed_copy(p->y, N * D, dtype);
	p->bt = typed_copy(p->b, N * E, dtype);
	p->gammat = typed_copy(p->gamma, rows * K, dtype);
	return 0;
}

void problem_free(struct problem *p)
{
	free(p->x);
	free(p->y);
	free(p->b);
	free(p->gamma);
	free(p->xt);
	free(p->yt);
	free(p->bt);
	free(p->gammat);
}

static double value_at(const void *a, aniso_dtype dtype, size_t k)
{
	return dtype == ANISO_FLOAT64 ? ((const double *)a)[k] : ((const float *)a)[k];
}

/* out against the reference: NaN and infinities must match exactly, finite
 * values within the promise.  worst: the largest error / (tol * scale). */
int problem_compare_lse(const struct problem *p, const void *out, double *worst)
{
	const aniso_shape *s = &p->shape;
	const double tol = dtype_tolerance(s->dtype);
	size_t n = s->M * s->E, k, at = 0;
	double *ref = malloc((n + 1) * sizeof(double)), *scale = malloc((n + 1) * sizeof(double));
	double worst_r = 0;
	int ok = 1;

	if (!ref || !scale)
		abort();
	reference_logsumexp((int)p->kernel, s->M, s->N, s->D, s->E, s->K, (int)s->gamma_var, p->x,
			    p->y, p->b, p->gamma, ref, scale);
	for (k = 0; k < n; ++k) {
		double got = value_at(out, s->dtype, k), r;

		if (isnan(ref[k]) || isinf(ref[k]))
			r = (isnan(ref[k]) ? isnan(got) : got == ref[k]) ? 0 : INFINITY;
		else
			r = fabs(got - ref[k]) / (tol * scale[k]);
		if (!(r <= 1))
			ok = 0;
		if (!(r <= worst_r)) {
			worst_r = r;
			at = k;
		}
	}
	if (!ok)
		tap_diag("worst entry %zu: got %.17g, reference %.17g, scale %.3g, %.3g x tol %.1g", at,
			 value_at(out, s->dtype, at), ref[at], scale[at], worst_r, tol);
	if (worst)
		*worst = worst_r;
	free(scale);
	free(ref);
	return ok;
}

int problem_compare(const struct problem *p, const void *out, double tol,
		    double *worst_ratio)
{
	const aniso_shape *s = &p->shape;
	size_t n = s->M * s->E, k, worst = 0;
	double *ref = malloc((n + 1) * sizeof(double));
	double *scale = malloc((n + 1) * sizeof(double));
	double worst_r = 0;
	int ok = 0;

	if (p->reduction == ANISO_REDUCTION_LOGSUMEXP) {
		ok = problem_compare_lse(p, out, worst_ratio);
		if (worst_ratio)
			*worst_ratio *= tol; /* as a ratio to the scale, like the sum's */
		goto out_lse;
	}
	if (!ref || !scale)
		goto out;
	reference_sum_profile((int)p->kernel, s->M, s->N, s->D, s->E, s->K, (int)s->gamma_var,
			      p->x, p->y, p->b, p->gamma, ref, scale);
	ok = 1;
	for (k = 0; k < n; ++k) {
		double got = s->dtype == ANISO_FLOAT64 ? ((const double *)out)[k]
						       : ((const float *)out)[k];
		/* The smallest normal number keeps an all-underflow row testable. */
		double r = fabs(got - ref[k]) / (scale[k] + 1e-300);

		if (!(r <= tol))
			ok = 0;
		if (!(r <= worst_r)) {
			worst_r = r;
			worst = k;
		}
	}
	if (!ok)
		tap_diag("worst entry %zu: got %.17g, reference %.17g, sum|term| %.3g, ratio %.3g > %.1g",
			 worst, s->dtype == ANISO_FLOAT64 ? ((const double *)out)[worst]
							  : ((const float *)out)[worst],
			 ref[worst], scale[worst], worst_r, tol);
out:
	if (worst_ratio)
		*worst_ratio = worst_r;
out_lse:
	free(scale);
	free(ref);
	return ok;
}

int problem_check(aniso_ctx *ctx, const struct problem *p, double tol,
		  double *worst_ratio)
{
	const aniso_shape *s = &p->shape;
	void *out = malloc((s->M * s->E + 1) * (s->dtype == ANISO_FLOAT64 ? 8 : 4));
	aniso_options options;
	int err, ok = 0;

	if (worst_ratio)
		*worst_ratio = 0;
	if (!out)
		goto out;
	aniso_options_init(&options);
	options.kernel = p->kernel;
	options.reduction = p->reduction;
	/* The Gaussian sum goes through aniso_sum itself, so that the plain
	 * entry point stays tested. */
	err = p->kernel == ANISO_KERNEL_GAUSSIAN && p->reduction == ANISO_REDUCTION_SUM
		      ? aniso_sum(ctx, s, p->xt, p->yt, p->bt, p->gammat, out)
		      : aniso_sum_ex(ctx, s, &options, p->xt, p->yt, p->bt, p->gammat, out);
	if (err) {
		tap_diag("aniso_sum: %s: %s", aniso_strerror(err), aniso_ctx_errmsg(ctx));
		goto out;
	}
	ok = problem_compare(p, out, tol, worst_ratio);
out:
	free(out);
	return ok;
}

aniso_ctx *context_or_skip(void)
{
	char why[1024];
	aniso_ctx *ctx = NULL;
	int err = aniso_ctx_create(&ctx, why, sizeof(why));

	if (err == ANISO_ERR_NO_DEVICE) {
		tap_skip_all("no OpenCL device: %s", why);
		return NULL;
	}
	if (err) {
		/* A device that exists but fails is a failure, not a skip. */
		tap_plan(1);
		tap_ok(0, "aniso_ctx_create: %s: %s", aniso_strerror(err), why);
		return NULL;
	}
	tap_diag("device: %s", aniso_ctx_device_name(ctx));
	return ctx;
}
