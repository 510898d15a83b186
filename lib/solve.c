/* Kernel solves (K + lambda I) a = b by conjugate gradients: every product
 * K p is one kernel sum on the device (x and gamma stay there), the
 * iteration's vectors live on the host in double, one CG per column of b,
 * all columns sharing each product. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A message on the context, under its lock (the solve calls the public
 * array functions, which take the lock themselves, so it is not held
 * across the whole solve). */
static int solve_fail(aniso_ctx *ctx, int code, const char *fmt, ...) ANISO_PRINTF(3, 4);
static int solve_fail(aniso_ctx *ctx, int code, const char *fmt, ...)
{
	char text[512];
	va_list args;

	va_start(args, fmt);
	vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	pthread_mutex_lock(&ctx->lock);
	aniso_msg_set(&ctx->msg, code, "%s", text);
	pthread_mutex_unlock(&ctx->lock);
	return code;
}

/* Everything a solve checks before touching the device. */
static int check_solve(aniso_ctx *ctx, const aniso_shape *s, const void *x, const void *gamma,
		       const void *b, const void *a, double lambda, double tol, size_t max_iter)
{
	size_t bad_row = 0;
	int err;

	if (s->M != s->N)
		return solve_fail(ctx, ANISO_ERR_SHAPE,
				  "shape->M is %zu and shape->N %zu: a solve has one set of points, "
				  "expected M = N", s->M, s->N);
	if (s->gamma_var != ANISO_GAMMA_FIXED)
		return solve_fail(ctx, ANISO_ERR_BAD_GAMMA_VAR,
				  "shape->gamma_var is per-%s: a per-point gamma makes K "
				  "non-symmetric and conjugate gradients do not apply; expected "
				  "ANISO_GAMMA_FIXED", s->gamma_var == ANISO_GAMMA_PER_I ? "i" : "j");
	if (!(lambda > 0) || !isfinite(lambda))
		return solve_fail(ctx, ANISO_ERR_BAD_ARG,
				  "lambda is %g: expected a finite number > 0", lambda);
	if (!(tol > 0) || !isfinite(tol))
		return solve_fail(ctx, ANISO_ERR_BAD_ARG,
				  "tol is %g: expected a finite number > 0", tol);
	if (max_iter == 0)
		return solve_fail(ctx, ANISO_ERR_BAD_ARG, "max_iter is 0: expected at least 1");
	if (s->N == 0)
		return ANISO_OK;
	if (!x || !gamma || !b || !a)
		return solve_fail(ctx, ANISO_ERR_NULL_ARG, "%s is NULL: expected a host array",
				  !x ? "x" : !gamma ? "gamma" : !b ? "b" : "a");
	err = aniso_gamma_check(s->dtype, s->D, s->K, 1, gamma, &bad_row);
	if (err != ANISO_OK)
		return solve_fail(ctx, ANISO_ERR_BAD_ARG,
				  "gamma does not give a positive semi-definite metric "
				  "(aniso_gamma_check), so K + lambda I need not be positive "
				  "definite: expected a PSD gamma");
	return ANISO_OK;
}

/* The device side of the products: x and gamma uploaded once, p and K p
 * as device arrays, and a host buffer in the dtype for the transfers. */
struct solve_device {
	aniso_array *x, *gamma, *p, *kp;
	void *typed;
};

static void device_free(struct solve_device *d)
{
	aniso_array_free(d->x);
	aniso_array_free(d->gamma);
	aniso_array_free(d->p);
	aniso_array_free(d->kp);
	free(d->typed);
}

static void to_dtype(const double *v, size_t n, aniso_dtype dtype, void *out)
{
	size_t k;

	for (k = 0; k < n; ++k) {
		if (dtype == ANISO_FLOAT64)
			((double *)out)[k] = v[k];
		else
			((float *)out)[k] = (float)v[k];
	}
}

static void from_dtype(const void *in, size_t n, aniso_dtype dtype, double *v)
{
	size_t k;

	for (k = 0; k < n; ++k)
		v[k] = dtype == ANISO_FLOAT64 ? ((const double *)in)[k] : ((const float *)in)[k];
}

/* out = (K + lambda I) p, every column at once. */
static int apply(aniso_ctx *ctx, const aniso_shape *s, const aniso_options *options,
		 struct solve_device *d, double lambda, const double *p, double *out)
{
	const size_t n = s->N * s->E;
	size_t k;
	int err;

	to_dtype(p, n, s->dtype, d->typed);
	err = aniso_array_write(d->p, d->typed);
	if (err == ANISO_OK)
		err = aniso_sum_arrays_ex(ctx, options, d->x, d->x, d->p, d->gamma,
					  ANISO_GAMMA_FIXED, d->kp);
	if (err == ANISO_OK)
		err = aniso_array_read(d->kp, d->typed);
	if (err != ANISO_OK)
		return err;
	from_dtype(d->typed, n, s->dtype, out);
	for (k = 0; k < n; ++k)
		out[k] += lambda * p[k];
	return ANISO_OK;
}

/* Column e's squared norm of v (N x E, row-major). */
static double column_dot(const double *u, const double *v, size_t N, size_t E, size_t e)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < N; ++i)
		sum += u[i * E + e] * v[i * E + e];
	return sum;
}

/* The iteration: a, r, p, ap are N x E; bnorm, rs per column. */
struct cg {
	double *a, *r, *p, *ap, *bd, *bnorm, *rs;
	size_t *iters;
	int *done;
};

static int cg_alloc(struct cg *c, size_t n, size_t E)
{
	memset(c, 0, sizeof(*c));
	c->a = calloc(n, sizeof(double));
	c->r = calloc(n, sizeof(double));
	c->p = calloc(n, sizeof(double));
	c->ap = calloc(n, sizeof(double));
	c->bd = calloc(n, sizeof(double));
	c->bnorm = calloc(E, sizeof(double));
	c->rs = calloc(E, sizeof(double));
	c->iters = calloc(E, sizeof(size_t));
	c->done = calloc(E, sizeof(int));
	return c->a && c->r && c->p && c->ap && c->bd && c->bnorm && c->rs && c->iters && c->done;
}

static void cg_free(struct cg *c)
{
	free(c->a);
	free(c->r);
	free(c->p);
	free(c->ap);
	free(c->bd);
	free(c->bnorm);
	free(c->rs);
	free(c->iters);
	free(c->done);
}

/* One CG step on every column not yet done; a column is done once its
 * recurrence residual is at most tol (the true residual is checked by the
 * caller). */
static int cg_step(aniso_ctx *ctx, const aniso_shape *s, const aniso_options *options,
		   struct solve_device *d, double lambda, double tol, struct cg *c, int *all_done)
{
	const size_t N = s->N, E = s->E;
	size_t i, e;
	int err;

	err = apply(ctx, s, options, d, lambda, c->p, c->ap);
	if (err != ANISO_OK)
		return err;
	*all_done = 1;
	for (e = 0; e < E; ++e) {
		double pap, alpha, rs_new, beta;

		if (c->done[e])
			continue;
		pap = column_dot(c->p, c->ap, N, E, e);
		alpha = c->rs[e] / pap;
		for (i = 0; i < N; ++i) {
			c->a[i * E + e] += alpha * c->p[i * E + e];
			c->r[i * E + e] -= alpha * c->ap[i * E + e];
		}
		rs_new = column_dot(c->r, c->r, N, E, e);
		++c->iters[e];
		if (!(pap > 0) || sqrt(rs_new) <= tol * c->bnorm[e]) {
			/* Converged, or p^T (K + lambda I) p <= 0, which only
			 * rounding can give for an SPD matrix: stop the column
			 * and let the true residual judge it. */
			c->done[e] = 1;
			for (i = 0; i < N; ++i)
				c->p[i * E + e] = 0;
			continue;
		}
		beta = rs_new / c->rs[e];
		c->rs[e] = rs_new;
		for (i = 0; i < N; ++i)
			c->p[i * E + e] = c->r[i * E + e] + beta * c->p[i * E + e];
		*all_done = 0;
	}
	return ANISO_OK;
}

int aniso_solve(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
		const void *x, const void *gamma, const void *b, double lambda, double tol,
		size_t max_iter, void *a, size_t *iterations, double *residuals)
{
	struct solve_device d;
	struct cg c;
	aniso_shape s;
	size_t n = 0, e, it, worst_col = 0;
	double worst = -1;
	int err, all_done = 1, have_cg = 0;

	memset(&d, 0, sizeof(d));
	memset(&c, 0, sizeof(c));
	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	if (!shape)
		return solve_fail(ctx, ANISO_ERR_NULL_ARG, "shape is NULL: expected the sizes");
	s = *shape;
	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = aniso_validate_shape(ctx, &s, 0);
	pthread_mutex_unlock(&ctx->lock);
	if (err != ANISO_OK)
		goto out;
	err = check_solve(ctx, &s, x, gamma, b, a, lambda, tol, max_iter);
	if (err != ANISO_OK || s.N == 0)
		goto out;
	n = s.N * s.E;
	have_cg = 1;
	if (!cg_alloc(&c, n, s.E) || !(d.typed = malloc(n * aniso_dtype_size(s.dtype)))) {
		err = solve_fail(ctx, ANISO_ERR_NO_MEMORY,
				 "out of host memory for the solve's vectors (N x E = %zu)", n);
		goto out;
	}
	if ((err = aniso_array_create(ctx, s.dtype, s.N, s.D, x, &d.x)) != ANISO_OK ||
	    (err = aniso_array_create(ctx, s.dtype, 1, s.K, gamma, &d.gamma)) != ANISO_OK ||
	    (err = aniso_array_create(ctx, s.dtype, s.N, s.E, NULL, &d.p)) != ANISO_OK ||
	    (err = aniso_array_create(ctx, s.dtype, s.N, s.E, NULL, &d.kp)) != ANISO_OK)
		goto out;
	/* a = 0, so r = p = b. */
	from_dtype(b, n, s.dtype, c.bd);
	memcpy(c.r, c.bd, n * sizeof(double));
	memcpy(c.p, c.bd, n * sizeof(double));
	for (e = 0; e < s.E; ++e) {
		c.rs[e] = column_dot(c.r, c.r, s.N, s.E, e);
		c.bnorm[e] = sqrt(c.rs[e]);
		c.done[e] = c.bnorm[e] == 0 || !isfinite(c.bnorm[e]);
		all_done &= c.done[e];
	}
	for (it = 0; it < max_iter && !all_done; ++it) {
		err = cg_step(ctx, &s, options, &d, lambda, tol, &c, &all_done);
		if (err != ANISO_OK)
			goto out;
	}
	/* The true residual, with one more product: the recurrence drifts
	 * from it, most in float32. */
	err = apply(ctx, &s, options, &d, lambda, c.a, c.ap);
	if (err != ANISO_OK)
		goto out;
	for (e = 0; e < s.E; ++e) {
		double rr = 0, res;
		size_t i;

		for (i = 0; i < s.N; ++i) {
			double t = c.ap[i * s.E + e] - c.bd[i * s.E + e];

			rr += t * t;
		}
		res = c.bnorm[e] > 0 ? sqrt(rr) / c.bnorm[e] : sqrt(rr);
		if (iterations)
			iterations[e] = c.iters[e];
		if (residuals)
			residuals[e] = res;
		if (!(res <= worst)) {
			worst = res;
			worst_col = e;
		}
	}
	if (!(worst <= tol)) {
		err = solve_fail(ctx, ANISO_ERR_NOT_CONVERGED,
				 "conjugate gradients did not reach tol = %g in %zu iterations: "
				 "column %zu stopped at a relative residual of %.3g%s", tol, max_iter,
				 worst_col, worst,
				 s.dtype == ANISO_FLOAT32 && tol < 1e-5
					 ? " (float32 products limit it to about 1e-7: use float64)"
					 : " (raise max_iter or lambda)");
		goto out;
	}
	to_dtype(c.a, n, s.dtype, a);
out:
	device_free(&d);
	if (have_cg)
		cg_free(&c);
	return err;
}
