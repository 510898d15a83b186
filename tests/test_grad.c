/*
 * Gradients (aniso_grad, aniso_grad_arrays) against the independent double
 * reference (tests/reference.c) and, in float64, against central finite
 * differences of the library's own aniso_sum_ex.
 *
 * Tolerances: as for the sum (TOL_FLOAT64 1e-12, TOL_FLOAT32 1e-5), relative
 * to the sum of |terms| of each entry, the term carrying f' and d (see
 * reference_grad); finite differences within 1e-6 of the largest entry of
 * the gradient (central differences with h = 1e-5: truncation ~h^2, and
 * rounding ~1e-16 / h, both far below).
 *
 * By default a covering set (~45 programs): every wrt with every profile,
 * every metric and every gamma variation, both dtypes and both strategies,
 * several j-blocks (N >= 2000), for the sum and for logsumexp;
 * ANISOCL_TEST_FULL=1 runs the whole product profile x reduction x wrt x
 * mode x dtype (x strategy for the sum).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "test_common.h"

static int tests;

static int check(int ok, const char *fmt, const char *label)
{
	++tests;
	return tap_ok(ok, fmt, label);
}

static const char *const PROFILES[] = {"gaussian", "laplace", "cauchy", "imq"};

/* The shape of the gradient with respect to wrt. */
static void grad_shape(const aniso_shape *s, aniso_wrt wrt, size_t *rows, size_t *cols)
{
	*rows = wrt == ANISO_WRT_X ? s->M : wrt == ANISO_WRT_GAMMA ? s->gamma_rows : s->N;
	*cols = wrt <= ANISO_WRT_Y ? s->D : wrt == ANISO_WRT_B ? s->E : s->K;
}

static double element(const void *a, size_t k, aniso_dtype dtype)
{
	return dtype == ANISO_FLOAT64 ? ((const double *)a)[k] : ((const float *)a)[k];
}

/* The cotangent a (M x E) in [-1, 1), as doubles and in the dtype. */
struct cotangent {
	double *a;
	void *at;
};

static void cotangent_make(struct cotangent *c, tap_rng *rng, const aniso_shape *s)
{
	size_t n = s->M * s->E, k;

	c->a = malloc((n + 1) * sizeof(double));
	c->at = malloc((n + 1) * sizeof(double));
	for (k = 0; k < n; ++k) {
		c->a[k] = 2 * tap_uniform(rng) - 1;
		if (s->dtype == ANISO_FLOAT32) {
			((float *)c->at)[k] = (float)c->a[k];
			c->a[k] = ((float *)c->at)[k];
		} else
			((double *)c->at)[k] = c->a[k];
	}
}

static void cotangent_free(struct cotangent *c)
{
	free(c->a);
	free(c->at);
}

/* aniso_grad into a fresh buffer (NULL on error, with a diagnostic). */
static void *run_grad(aniso_ctx *ctx, const struct problem *p, const struct cotangent *c,
		      aniso_wrt wrt)
{
	size_t rows, cols;
	void *grad;
	aniso_options options;
	int err;

	grad_shape(&p->shape, wrt, &rows, &cols);
	grad = malloc((rows * cols + 1) * sizeof(double));
	aniso_options_init(&options);
	options.kernel = p->kernel;
	options.reduction = p->reduction;
	err = aniso_grad(ctx, &p->shape, &options, wrt, p->xt, p->yt, p->bt, p->gammat, c->at,
			 grad);
	if (err) {
		tap_diag("aniso_grad: %s: %s", aniso_strerror(err), aniso_ctx_errmsg(ctx));
		free(grad);
		return NULL;
	}
	return grad;
}

/* Compare a gradient with the reference: |got - ref| <= tol * sum|term|. */
static int compare_reference(const struct problem *p, const struct cotangent *c, aniso_wrt wrt,
			     const void *grad, double tol, double *worst_ratio)
{
	const aniso_shape *s = &p->shape;
	size_t rows, cols, n, k, worst = 0;
	double *ref, *scale, worst_r = 0;
	int ok = 1;

	grad_shape(s, wrt, &rows, &cols);
	n = rows * cols;
	ref = malloc((n + 1) * sizeof(double));
	scale = malloc((n + 1) * sizeof(double));
	reference_grad_reduction((int)p->kernel, (int)p->reduction, (int)wrt, s->M, s->N, s->D,
				 s->E, s->K, (int)s->gamma_var, p->x, p->y, p->b, p->gamma, c->a, ref,
				 scale);
	for (k = 0; k < n; ++k) {
		double got = element(grad, k, s->dtype);
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
			 worst, element(grad, worst, s->dtype), ref[worst], scale[worst], worst_r, tol);
	*worst_ratio = worst_r;
	free(scale);
	free(ref);
	return ok;
}

static size_t metric_K(int metric, size_t D)
{
	return metric == 0 ? 1 : metric == 1 ? D : D * D;
}

/* One case against the reference. */
static void check_case(aniso_ctx *ctx, tap_rng *rng, const char *strategy, int profile,
		       aniso_reduction reduction, aniso_wrt wrt, aniso_dtype dtype, size_t M,
		       size_t N, size_t D, size_t E, int metric, aniso_gamma_var var)
{
	struct problem p;
	struct cotangent c;
	char label[256];
	double ratio = 0;
	void *grad;
	int ok = 0;

	snprintf(label, sizeof(label), "%s %s %s wrt %s %s %s %s M=%zu N=%zu D=%zu E=%zu",
		 strategy, PROFILES[profile], aniso_reduction_name(reduction), aniso_wrt_name(wrt), dtype == ANISO_FLOAT64 ? "float64" : "float32",
		 metric_label(metric_K(metric, D), D), gamma_var_label(var), M, N, D, E);
	if (!ctx) {
		++tests;
		tap_skip("no tiled context", "%s", label);
		return;
	}
	problem_make(&p, rng, dtype, M, N, D, E, metric_K(metric, D), var);
	p.kernel = (aniso_kernel)profile;
	p.reduction = reduction;
	cotangent_make(&c, rng, &p.shape);
	grad = run_grad(ctx, &p, &c, wrt);
	if (grad)
		ok = compare_reference(&p, &c, wrt, grad, dtype_tolerance(dtype), &ratio);
	++tests;
	tap_ok(ok, "%s: within %.0e of sum|term| (worst %.2g)", label, dtype_tolerance(dtype), ratio);
	free(grad);
	cotangent_free(&c);
	problem_free(&p);
}

/* L = sum a * out through aniso_sum_ex (float64). */
static double loss(aniso_ctx *ctx, const struct problem *p, const struct cotangent *c,
		   double *out)
{
	aniso_options options;
	double l = 0;
	size_t k;

	aniso_options_init(&options);
	options.kernel = p->kernel;
	options.reduction = p->reduction;
	if (aniso_sum_ex(ctx, &p->shape, &options, p->xt, p->yt, p->bt, p->gammat, out) != ANISO_OK)
		return NAN;
	for (k = 0; k < p->shape.M * p->shape.E; ++k)
		l += c->a[k] * out[k];
	return l;
}

/* Every entry of the gradient against central differences of L. */
static void check_finite_differences(aniso_ctx *ctx, tap_rng *rng, int profile,
				     aniso_reduction reduction, aniso_wrt wrt, size_t D, int metric,
				     aniso_gamma_var var)
{
	const size_t M = 5, N = 7, E = 2;
	const double h = 1e-5;
	struct problem p;
	struct cotangent c;
	size_t rows, cols, k;
	double *grad, *out, *param, largest = 0, worst = 0;
	char label[256];
	int ok;

	problem_make(&p, rng, ANISO_FLOAT64, M, N, D, E, metric_K(metric, D), var);
	p.kernel = (aniso_kernel)profile;
	p.reduction = reduction;
	cotangent_make(&c, rng, &p.shape);
	grad_shape(&p.shape, wrt, &rows, &cols);
	out = malloc(M * E * sizeof(double));
	grad = run_grad(ctx, &p, &c, wrt);
	/* The typed arrays of a float64 problem are the ones the sum reads. */
	param = wrt == ANISO_WRT_X ? p.xt : wrt == ANISO_WRT_Y ? p.yt : wrt == ANISO_WRT_B ? p.bt
											   : p.gammat;
	ok = grad != NULL;
	for (k = 0; ok && k < rows * cols; ++k)
		largest = fmax(largest, fabs(grad[k]));
	for (k = 0; ok && k < rows * cols; ++k) {
		double saved = param[k], up, down, fd;

		param[k] = saved + h;
		up = loss(ctx, &p, &c, out);
		param[k] = saved - h;
		down = loss(ctx, &p, &c, out);
		param[k] = saved;
		fd = (up - down) / (2 * h);
		worst = fmax(worst, fabs(fd - grad[k]) / largest);
		if (!(fabs(fd - grad[k]) <= 1e-6 * largest)) {
			tap_diag("entry %zu: gradient %.12g, central difference %.12g", k, grad[k], fd);
			ok = 0;
		}
	}
	snprintf(label, sizeof(label), "%s %s wrt %s %s %s D=%zu", PROFILES[profile],
		 aniso_reduction_name(reduction), aniso_wrt_name(wrt),
		 metric_label(metric_K(metric, D), D), gamma_var_label(var), D);
	++tests;
	tap_ok(ok && largest > 0,
	       "finite differences of aniso_sum_ex, float64 %s: every entry within 1e-6 of the "
	       "largest (worst %.2g)",
	       label, worst);
	free(grad);
	free(out);
	cotangent_free(&c);
	problem_free(&p);
}

/* Points at 1e4 with kernels of width 1e-2: each pair's d must be formed
 * from x_i and y_j, not the gradient from x_i S0 - S1. */
static void check_far_points(aniso_ctx *ctx, tap_rng *rng)
{
	const size_t M = 40, N = 300, D = 2, E = 1;
	aniso_wrt wrt;

	for (wrt = ANISO_WRT_X; wrt <= ANISO_WRT_GAMMA; ++wrt) {
		struct problem p;
		struct cotangent c;
		double ratio = 0;
		void *grad;
		size_t k;
		int ok = 0;

		problem_make(&p, rng, ANISO_FLOAT64, M, N, D, E, 1, ANISO_GAMMA_FIXED);
		for (k = 0; k < M * D; ++k)
			p.x[k] = ((double *)p.xt)[k] = 1e4 + 0.05 * p.x[k];
		for (k = 0; k < N * D; ++k)
			p.y[k] = ((double *)p.yt)[k] = 1e4 + 0.05 * p.y[k];
		p.gamma[0] = ((double *)p.gammat)[0] = 1e4; /* width 1e-2 */
		cotangent_make(&c, rng, &p.shape);
		grad = run_grad(ctx, &p, &c, wrt);
		if (grad)
			ok = compare_reference(&p, &c, wrt, grad, TOL_FLOAT64, &ratio);
		check(ok, "points at 1e4, kernel width 1e-2, float64 wrt %s: within 1e-12 of "
			  "sum|term|",
		      aniso_wrt_name(wrt));
		tap_diag("worst ratio %.2g", ratio);
		free(grad);
		cotangent_free(&c);
		problem_free(&p);
	}
}

/* Laplace at q = 0: x_i = y_j exactly.  The pair adds 0 to the gradients
 * with respect to x, y and gamma (documented), a_ie f(0) to that of b. */
static void check_laplace_at_zero(aniso_ctx *ctx, aniso_ctx *tiled)
{
	const double x[2 * 2] = {0.25, 0.5, 0.75, 0.125};
	const double y[2 * 2] = {0.25, 0.5, 0.5, 0.5};
	const double b[2] = {1.0, -0.5}, a[2] = {0.75, 2.0};
	const double gamma[4] = {3.0, 0.5, -0.25, 2.0}; /* full, not symmetric */
	aniso_shape one = {1, 1, 2, 1, 4, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT64};
	aniso_shape two = {2, 2, 2, 1, 4, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT64};
	aniso_options options;
	aniso_ctx *ctxs[2] = {ctx, tiled};
	int c;

	aniso_options_init(&options);
	options.kernel = ANISO_KERNEL_LAPLACE;
	for (c = 0; c < 2; ++c) {
		double gx[2] = {NAN, NAN}, gy[2] = {NAN, NAN}, gg[4] = {NAN, NAN, NAN, NAN};
		double gb[1] = {NAN}, ref[4], two_x[4], scale[4];
		int ok = 1, wrt;

		if (!ctxs[c]) {
			++tests;
			tap_skip("no tiled context", "laplace at q = 0");
			continue;
		}
		ok &= aniso_grad(ctxs[c], &one, &options, ANISO_WRT_X, x, y, b, gamma, a, gx) == 0;
		ok &= aniso_grad(ctxs[c], &one, &options, ANISO_WRT_Y, x, y, b, gamma, a, gy) == 0;
		ok &= aniso_grad(ctxs[c], &one, &options, ANISO_WRT_GAMMA, x, y, b, gamma, a, gg) == 0;
		ok &= aniso_grad(ctxs[c], &one, &options, ANISO_WRT_B, x, y, b, gamma, a, gb) == 0;
		ok &= gx[0] == 0 && gx[1] == 0 && gy[0] == 0 && gy[1] == 0;
		ok &= gg[0] == 0 && gg[1] == 0 && gg[2] == 0 && gg[3] == 0 && gb[0] == a[0];
		check(ok, "%s: laplace at x_i = y_j: grad x, y and gamma exactly 0, grad b = a",
		      c ? "tiled" : "loop");
		/* With other pairs around: the reference makes the same choice. */
		ok = 1;
		for (wrt = 0; wrt < 4; ++wrt) {
			size_t n = wrt == 3 ? 4 : wrt == 2 ? 2 : 4, k;

			ok &= aniso_grad(ctxs[c], &two, &options, (aniso_wrt)wrt, x, y, b, gamma, a,
					 two_x) == 0;
			reference_grad(1, wrt, 2, 2, 2, 1, 4, 0, x, y, b, gamma, a, ref, scale);
			for (k = 0; k < n; ++k)
				ok &= isfinite(two_x[k]) &&
				      fabs(two_x[k] - ref[k]) <= TOL_FLOAT64 * scale[k] + 1e-300;
		}
		check(ok, "%s: laplace, one pair at q = 0 among others, every wrt: finite, as the "
			  "reference",
		      c ? "tiled" : "loop");
	}
}

/*
 * logsumexp with log-weights far from 0, and a column whose every term is
 * 0 (b = -Inf: out = -Inf): each gradient finite, as the reference (whose
 * pairs of such a column weigh 0; its scale counts the rounding of the
 * exponent's inputs, near 300 here).  The configuration of the
 * reproducibility test below, so that no program is compiled for it.
 */
static void check_lse_extremes(aniso_ctx *ctx, tap_rng *rng)
{
	struct problem p;
	struct cotangent c;
	aniso_wrt wrt;
	size_t j;
	int ok = 1, finite = 1;
	double ratio = 0, worst = 0;

	problem_make(&p, rng, ANISO_FLOAT32, 37, 5000, 3, 2, 3, ANISO_GAMMA_PER_J);
	p.kernel = ANISO_KERNEL_CAUCHY;
	p.reduction = ANISO_REDUCTION_LOGSUMEXP;
	for (j = 0; j < p.shape.N; ++j) {
		float big = (float)(300 + 40 * p.b[2 * j]);

		((float *)p.bt)[2 * j] = big;
		p.b[2 * j] = big;
		((float *)p.bt)[2 * j + 1] = -INFINITY;
		p.b[2 * j + 1] = -INFINITY;
	}
	cotangent_make(&c, rng, &p.shape);
	for (wrt = ANISO_WRT_X; wrt <= ANISO_WRT_GAMMA; ++wrt) {
		size_t rows, cols, k;
		float *grad = run_grad(ctx, &p, &c, wrt);

		grad_shape(&p.shape, wrt, &rows, &cols);
		ok &= grad && compare_reference(&p, &c, wrt, grad, TOL_FLOAT32, &ratio);
		for (k = 0; grad && k < rows * cols; ++k)
			finite &= isfinite(grad[k]);
		worst = fmax(worst, ratio);
		free(grad);
	}
	++tests;
	tap_ok(ok && finite,
	       "logsumexp, float32, b near 300 and a column of b = -Inf: every wrt finite and "
	       "within 1e-5 of its scale (worst %.2g)",
	       worst);
	cotangent_free(&c);
	problem_free(&p);
}

/* aniso_grad_with_out and aniso_grad_arrays_with_out, given the forward
 * logsumexp from aniso_sum_ex / aniso_sum_arrays_ex: bitwise the gradient
 * that computes it itself (the same sum, the same bits), for every wrt; an
 * out of the wrong shape refused, naming it.  The reproducibility test's
 * configuration, so that no program is compiled for it. */
static void check_with_out(aniso_ctx *ctx, tap_rng *rng)
{
	struct problem p;
	struct cotangent c;
	aniso_options options;
	aniso_array *ax = NULL, *ay = NULL, *ab = NULL, *ag = NULL, *aa = NULL, *aout = NULL;
	aniso_array *agrad = NULL, *abad = NULL;
	float *out = malloc(37 * 2 * sizeof(float));
	aniso_wrt wrt;
	int ok, err;

	problem_make(&p, rng, ANISO_FLOAT32, 37, 5000, 3, 2, 3, ANISO_GAMMA_PER_J);
	p.kernel = ANISO_KERNEL_CAUCHY;
	p.reduction = ANISO_REDUCTION_LOGSUMEXP;
	cotangent_make(&c, rng, &p.shape);
	aniso_options_init(&options);
	options.kernel = p.kernel;
	options.reduction = p.reduction;
	ok = aniso_sum_ex(ctx, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat, out) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 37, 3, p.xt, &ax) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 5000, 3, p.yt, &ay) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 5000, 2, p.bt, &ab) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 5000, 3, p.gammat, &ag) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 37, 2, c.at, &aa) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 37, 2, out, &aout) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 36, 2, out, &abad) == 0;
	for (wrt = ANISO_WRT_X; ok && wrt <= ANISO_WRT_GAMMA; ++wrt) {
		size_t rows, cols, bytes;
		void *plain = run_grad(ctx, &p, &c, wrt), *given, *arrays;

		grad_shape(&p.shape, wrt, &rows, &cols);
		bytes = rows * cols * sizeof(float);
		given = malloc(bytes);
		arrays = malloc(bytes);
		ok = plain && given && arrays &&
		     aniso_grad_with_out(ctx, &p.shape, &options, wrt, p.xt, p.yt, p.bt, p.gammat,
					 c.at, out, given) == 0 &&
		     memcmp(plain, given, bytes) == 0 &&
		     aniso_array_create(ctx, ANISO_FLOAT32, rows, cols, NULL, &agrad) == 0 &&
		     aniso_grad_arrays_with_out(ctx, &options, wrt, ax, ay, ab, ag,
						ANISO_GAMMA_PER_J, aa, aout, agrad) == 0 &&
		     aniso_array_read(agrad, arrays) == 0 && memcmp(plain, arrays, bytes) == 0;
		if (!ok)
			tap_diag("wrt %s: %s", aniso_wrt_name(wrt), aniso_ctx_errmsg(ctx));
		if (ok && wrt == ANISO_WRT_X) {
			err = aniso_grad_arrays_with_out(ctx, &options, wrt, ax, ay, ab, ag,
							 ANISO_GAMMA_PER_J, aa, abad, agrad);
			ok = err == ANISO_ERR_SHAPE && strstr(aniso_ctx_errmsg(ctx), "out is 36 x 2");
			if (!ok)
				tap_diag("out 36 x 2: %s", aniso_ctx_errmsg(ctx));
		}
		aniso_array_free(agrad);
		agrad = NULL;
		free(arrays);
		free(given);
		free(plain);
	}
	++tests;
	tap_ok(ok, "logsumexp, the forward sum given (host and device arrays): every wrt bitwise "
		   "the gradient that computes it; out of the wrong shape refused");
	aniso_array_free(abad);
	aniso_array_free(aout);
	aniso_array_free(aa);
	aniso_array_free(ag);
	aniso_array_free(ab);
	aniso_array_free(ay);
	aniso_array_free(ax);
	free(out);
	cotangent_free(&c);
	problem_free(&p);
}

/* The same gradient twice, bitwise; and on device arrays, bitwise equal to
 * the host-array call. */
static void check_reproducible_and_arrays(aniso_ctx *ctx, tap_rng *rng, aniso_reduction reduction)
{
	struct problem p;
	struct cotangent c;
	aniso_wrt wrt;

	problem_make(&p, rng, ANISO_FLOAT32, 37, 5000, 3, 2, 3, ANISO_GAMMA_PER_J);
	p.kernel = ANISO_KERNEL_CAUCHY;
	p.reduction = reduction;
	cotangent_make(&c, rng, &p.shape);
	for (wrt = ANISO_WRT_X; wrt <= ANISO_WRT_GAMMA; ++wrt) {
		const aniso_shape *s = &p.shape;
		size_t rows, cols, bytes;
		void *first = run_grad(ctx, &p, &c, wrt), *second = run_grad(ctx, &p, &c, wrt);
		void *third = NULL;
		aniso_array *ax = NULL, *ay = NULL, *ab = NULL, *ag = NULL, *aa = NULL, *agrad = NULL;
		aniso_options options;
		int ok;

		grad_shape(s, wrt, &rows, &cols);
		bytes = rows * cols * sizeof(float);
		ok = first && second && memcmp(first, second, bytes) == 0;
		++tests;
		tap_ok(ok, "%s wrt %s: bitwise reproducible (37 x 5000, several j-blocks)",
		       aniso_reduction_name(reduction), aniso_wrt_name(wrt));
		third = malloc(bytes);
		aniso_options_init(&options);
		options.kernel = p.kernel;
		options.reduction = reduction;
		ok = aniso_array_create(ctx, s->dtype, s->M, s->D, p.xt, &ax) == 0 &&
		     aniso_array_create(ctx, s->dtype, s->N, s->D, p.yt, &ay) == 0 &&
		     aniso_array_create(ctx, s->dtype, s->N, s->E, p.bt, &ab) == 0 &&
		     aniso_array_create(ctx, s->dtype, s->gamma_rows, s->K, p.gammat, &ag) == 0 &&
		     aniso_array_create(ctx, s->dtype, s->M, s->E, c.at, &aa) == 0 &&
		     aniso_array_create(ctx, s->dtype, rows, cols, NULL, &agrad) == 0 &&
		     aniso_grad_arrays(ctx, &options, wrt, ax, ay, ab, ag, s->gamma_var, aa, agrad) ==
			     0 &&
		     aniso_array_read(agrad, third) == 0 && first && memcmp(first, third, bytes) == 0;
		++tests;
		tap_ok(ok, "%s wrt %s: aniso_grad_arrays equals aniso_grad bitwise",
		       aniso_reduction_name(reduction), aniso_wrt_name(wrt));
		if (!ok)
			tap_diag("%s", aniso_ctx_errmsg(ctx));
		aniso_array_free(agrad);
		aniso_array_free(aa);
		aniso_array_free(ag);
		aniso_array_free(ab);
		aniso_array_free(ay);
		aniso_array_free(ax);
		free(third);
		free(second);
		free(first);
	}
	cotangent_free(&c);
	problem_free(&p);
}

/* M = 0 and N = 0: zeros where grad has elements; bad arguments: their
 * code, a message naming them, grad untouched. */
static void check_edges_and_errors(aniso_ctx *ctx)
{
	const double x[3 * 2] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, y[2] = {0.3, 0.3}, b[1] = {1};
	const double g[1] = {1}, a[3] = {1, 2, 3};
	double grad[64];
	aniso_shape s = {3, 0, 2, 1, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT64};
	aniso_wrt wrt;
	int ok = 1, err;
	size_t k;

	for (wrt = ANISO_WRT_X; wrt <= ANISO_WRT_GAMMA; ++wrt) {
		for (k = 0; k < 64; ++k)
			grad[k] = 7;
		ok &= aniso_grad(ctx, &s, NULL, wrt, x, NULL, NULL, g, a, grad) == 0;
		/* wrt x: 3 x 2 zeros; gamma: 1 zero; y and b: nothing. */
		for (k = 0; k < 8; ++k)
			ok &= grad[k] == ((wrt == ANISO_WRT_X && k < 6) || (wrt == ANISO_WRT_GAMMA && k < 1)
						  ? 0
						  : 7);
	}
	check(ok, "N = 0: %s", "grad x and the fixed gamma's are zeros, grad y and b have no element");
	ok = 1;
	s.M = 0;
	s.N = 1;
	for (wrt = ANISO_WRT_X; wrt <= ANISO_WRT_GAMMA; ++wrt) {
		for (k = 0; k < 64; ++k)
			grad[k] = 7;
		ok &= aniso_grad(ctx, &s, NULL, wrt, NULL, y, b, g, NULL, grad) == 0;
		for (k = 0; k < 8; ++k)
			ok &= grad[k] == ((wrt == ANISO_WRT_Y && k < 2) || (wrt == ANISO_WRT_B && k < 1) ||
							  (wrt == ANISO_WRT_GAMMA && k < 1)
						  ? 0
						  : 7);
	}
	check(ok, "M = 0: %s", "grad y, b and the fixed gamma's are zeros, x and a may be NULL");

	s.M = 3;
	for (k = 0; k < 64; ++k)
		grad[k] = 7;
	err = aniso_grad(ctx, &s, NULL, (aniso_wrt)4, x, y, b, g, a, grad);
	ok = err == ANISO_ERR_BAD_ARG && strstr(aniso_ctx_errmsg(ctx), "wrt") && grad[0] == 7;
	check(ok, "wrt = 4 refused, naming it: %s", aniso_ctx_errmsg(ctx));
	err = aniso_grad(ctx, &s, NULL, ANISO_WRT_X, x, y, b, g, NULL, grad);
	ok = err == ANISO_ERR_NULL_ARG && strstr(aniso_ctx_errmsg(ctx), "a is NULL") && grad[0] == 7;
	check(ok, "a NULL refused, naming it: %s", aniso_ctx_errmsg(ctx));
	err = aniso_grad(ctx, &s, NULL, ANISO_WRT_X, x, y, b, g, a, NULL);
	ok = err == ANISO_ERR_NULL_ARG && strstr(aniso_ctx_errmsg(ctx), "grad is NULL");
	check(ok, "grad NULL refused, naming it: %s", aniso_ctx_errmsg(ctx));
	{
		/* D = 33 full: K = 1089 > ANISO_MAX_GRAD_GAMMA_K; other wrt run. */
		aniso_shape big = {1, 1, 33, 1, 33 * 33, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32};
		static float bx[33], by[33], bg[33 * 33], bgrad[33 * 33];
		float bb = 1, ba = 1;

		bgrad[0] = 7;
		err = aniso_grad(ctx, &big, NULL, ANISO_WRT_GAMMA, bx, by, &bb, bg, &ba, bgrad);
		ok = err == ANISO_ERR_TOO_LARGE && strstr(aniso_ctx_errmsg(ctx), "ANISO_MAX_GRAD_GAMMA_K") &&
		     bgrad[0] == 7;
		check(ok, "wrt gamma with K = 1089 refused: %s", aniso_ctx_errmsg(ctx));
	}
	{
		aniso_array *ax = NULL, *ay = NULL, *ab = NULL, *ag = NULL, *aa = NULL, *agrad = NULL;

		s.N = 1;
		ok = aniso_array_create(ctx, ANISO_FLOAT64, 3, 2, x, &ax) == 0 &&
		     aniso_array_create(ctx, ANISO_FLOAT64, 1, 2, y, &ay) == 0 &&
		     aniso_array_create(ctx, ANISO_FLOAT64, 1, 1, b, &ab) == 0 &&
		     aniso_array_create(ctx, ANISO_FLOAT64, 1, 1, g, &ag) == 0 &&
		     aniso_array_create(ctx, ANISO_FLOAT64, 3, 1, a, &aa) == 0 &&
		     aniso_array_create(ctx, ANISO_FLOAT64, 3, 1, NULL, &agrad) == 0;
		err = aniso_grad_arrays(ctx, NULL, ANISO_WRT_X, ax, ay, ab, ag, ANISO_GAMMA_FIXED, aa,
					agrad);
		ok &= err == ANISO_ERR_SHAPE && strstr(aniso_ctx_errmsg(ctx), "grad is 3 x 1") &&
		      strstr(aniso_ctx_errmsg(ctx), "3 x 2");
		check(ok, "device arrays: grad of the wrong shape refused: %s", aniso_ctx_errmsg(ctx));
		err = aniso_grad_arrays(ctx, NULL, ANISO_WRT_B, ax, ay, ab, ag, ANISO_GAMMA_FIXED, aa,
					ab);
		ok = err == ANISO_ERR_BAD_ARG && strstr(aniso_ctx_errmsg(ctx), "shares memory with b");
		check(ok, "device arrays: grad over an input refused: %s", aniso_ctx_errmsg(ctx));
		err = aniso_grad_arrays(ctx, NULL, ANISO_WRT_X, ax, ay, ab, ag, ANISO_GAMMA_FIXED, ab,
					agrad);
		ok = err == ANISO_ERR_SHAPE && strstr(aniso_ctx_errmsg(ctx), "a is 1 x 1");
		check(ok, "device arrays: a of the wrong shape refused: %s", aniso_ctx_errmsg(ctx));
		aniso_array_free(agrad);
		aniso_array_free(aa);
		aniso_array_free(ag);
		aniso_array_free(ab);
		aniso_array_free(ay);
		aniso_array_free(ax);
	}
}

/*
 * The covering set: wrt x profile (16 cases), with metric = (w + p) % 3 and
 * gamma variation = (w + 2p) % 3, so that every wrt meets every profile,
 * metric and variation, and every metric every variation; dtype and
 * strategy alternate so that each meets each wrt.  Half of the cases have
 * N = 2100 (several j-blocks on the loop strategy).
 */
static void run_covering(aniso_ctx *ctx, aniso_ctx *tiled, tap_rng *rng)
{
	static const size_t DIMS[] = {1, 2, 3, 5};
	int w, p;

	for (w = 0; w < 4; ++w)
		for (p = 0; p < 4; ++p) {
			int metric = (w + p) % 3, var = (w + 2 * p) % 3, big = (w + p) % 2;
			aniso_dtype dtype = (aniso_dtype)((p + w / 2) % 2);
			int use_tiled = (w + p / 2) % 2;
			size_t D = DIMS[(size_t)(w + 3 * p) % 4], E = 1 + 2 * (size_t)(p % 2);

			check_case(use_tiled ? tiled : ctx, rng, use_tiled ? "tiled" : "loop", p,
				   ANISO_REDUCTION_SUM, (aniso_wrt)w, dtype, big ? 37 : 13,
				   big ? 2100 : 17, D, E, metric, (aniso_gamma_var)var);
		}
	/* logsumexp, one case per wrt, meeting every profile, metric and
	 * variation, both dtypes and both strategies (the product runs in
	 * check-full). */
	for (w = 0; w < 4; ++w) {
		int use_tiled = w / 2;

		check_case(use_tiled ? tiled : ctx, rng, use_tiled ? "tiled" : "loop", w,
			   ANISO_REDUCTION_LOGSUMEXP, (aniso_wrt)w, (aniso_dtype)(w % 2),
			   w % 2 ? 37 : 13, w % 2 ? 2100 : 17, DIMS[w], 1 + (size_t)(w % 2), w % 3,
			   (aniso_gamma_var)((w + 1) % 3));
	}
}

static void run_full(aniso_ctx *ctx, aniso_ctx *tiled, tap_rng *rng)
{
	int w, p, metric, var, dt, st, r;

	/* The whole product profile x reduction x wrt x mode x dtype on the
	 * loop strategy; the tiled one with the sum reduction (its logsumexp
	 * gradients: the covering set and the Oclgrind stage). */
	for (r = 0; r < 2; ++r)
		for (st = 0; st < 2 - r; ++st)
			for (w = 0; w < 4; ++w)
				for (p = 0; p < 4; ++p)
					for (metric = 0; metric < 3; ++metric)
						for (var = 0; var < 3; ++var)
							for (dt = 0; dt < 2; ++dt)
								check_case(st ? tiled : ctx, rng,
									   st ? "tiled" : "loop", p,
									   (aniso_reduction)r, (aniso_wrt)w,
									   (aniso_dtype)dt, 29, 2100, 3, 2,
									   metric, (aniso_gamma_var)var);
}

int main(void)
{
	aniso_ctx *ctx, *tiled = NULL;
	const char *full = getenv("ANISOCL_TEST_FULL");
	tap_rng rng;
	char why[1024];
	int w;

	ctx = context_or_skip();
	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	setenv("ANISOCL_STRATEGY", "tiled", 1);
	if (aniso_ctx_create(&tiled, why, sizeof(why)) != ANISO_OK)
		tiled = NULL;
	unsetenv("ANISOCL_STRATEGY");

	if (full && strcmp(full, "1") == 0)
		run_full(ctx, tiled, &rng);
	else
		run_covering(ctx, tiled, &rng);
	/* Finite differences: each wrt with another profile, metric and
	 * variation; the full metrics are not symmetric. */
	for (w = 0; w < 4; ++w) {
		check_finite_differences(ctx, &rng, (w + 1) % 4, ANISO_REDUCTION_SUM, (aniso_wrt)w, 3,
					 (w + 2) % 3, (aniso_gamma_var)((w + 1) % 3));
		/* One forward program for the four. */
		check_finite_differences(ctx, &rng, ANISO_KERNEL_IMQ, ANISO_REDUCTION_LOGSUMEXP,
					 (aniso_wrt)w, 3, 2, ANISO_GAMMA_PER_J);
	}
	check_finite_differences(ctx, &rng, 0, ANISO_REDUCTION_SUM, ANISO_WRT_GAMMA, 2, 2,
				 ANISO_GAMMA_PER_J);
	check_far_points(ctx, &rng);
	check_laplace_at_zero(ctx, tiled);
	check_lse_extremes(ctx, &rng);
	check_reproducible_and_arrays(ctx, &rng, ANISO_REDUCTION_SUM);
	check_reproducible_and_arrays(ctx, &rng, ANISO_REDUCTION_LOGSUMEXP);
	check_with_out(ctx, &rng);
	check_edges_and_errors(ctx);
	tap_plan(tests);
	aniso_ctx_free(tiled);
	aniso_ctx_free(ctx);
	return tap_done();
}
