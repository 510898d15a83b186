/*
 * Truncated sums (options.tolerance = T > 0): the header's guarantee
 * |out_ie - exact_ie| <= T sum_j |b_je|, checked against the independent
 * double reference with the usual rounding tolerance on top:
 *
 *   |out - ref| <= T sum_j |b_je| + tol sum_j |term_ij|
 *
 * (tol 1e-12 / 1e-5, as for the exact sum).  Cases: every metric and gamma
 * variation with each profile, both dtypes and both strategies, narrow
 * kernels (gamma scaled up) so that pairs are skipped (the library's note
 * says how many, and each case requires some); a two-cluster problem
 * whose dropped far terms are large enough to see (out must differ from
 * the exact sum by them, and stay within the bound); a metric that is not
 * PSD (never truncated); bitwise reproducibility; the refusals.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "test_common.h"

static int tests;

static double get(const void *a, aniso_dtype dtype, size_t k)
{
	return dtype == ANISO_FLOAT64 ? ((const double *)a)[k] : ((const float *)a)[k];
}

/* The share of block pairs the last truncated sum kept, from its note;
 * -1 when there is none (summed exactly). */
static double kept_share(aniso_ctx *ctx)
{
	const char *note = strstr(aniso_ctx_errmsg(ctx), "block pairs (");
	double share;

	if (!note || sscanf(note, "block pairs (%lf", &share) != 1)
		return -1;
	return share / 100;
}

static void scale_gamma(struct problem *p, double factor)
{
	size_t n = p->shape.gamma_rows * p->shape.K, k;

	for (k = 0; k < n; ++k) {
		p->gamma[k] *= factor;
		if (p->shape.dtype == ANISO_FLOAT64)
			((double *)p->gammat)[k] = p->gamma[k];
		else {
			((float *)p->gammat)[k] = (float)p->gamma[k];
			p->gamma[k] = ((float *)p->gammat)[k];
		}
	}
}

/* b in [0.5, 1]: no cancellation among the dropped terms, so that their
 * sum, which the bound caps, shows whole in out. */
static void positive_weights(struct problem *p)
{
	size_t k;

	for (k = 0; k < p->shape.N * p->shape.E; ++k) {
		p->b[k] = 0.75 + 0.25 * p->b[k];
		if (p->shape.dtype == ANISO_FLOAT64)
			((double *)p->bt)[k] = p->b[k];
		else {
			((float *)p->bt)[k] = (float)p->b[k];
			p->b[k] = ((float *)p->bt)[k];
		}
	}
}

/* out against the bound; worst gets the largest |out - ref| over it. */
static int within_bound(const struct problem *p, const void *out, double T, double *worst)
{
	const aniso_shape *s = &p->shape;
	double *ref = malloc(s->M * s->E * sizeof(double));
	double *abs_sum = malloc(s->M * s->E * sizeof(double));
	double *b_abs = calloc(s->E, sizeof(double));
	size_t i, j, e;
	int ok = ref && abs_sum && b_abs;

	*worst = 0;
	if (ok) {
		reference_sum_profile((int)p->kernel, s->M, s->N, s->D, s->E, s->K, (int)s->gamma_var,
				      p->x, p->y, p->b, p->gamma, ref, abs_sum);
		for (j = 0; j < s->N; ++j)
			for (e = 0; e < s->E; ++e)
				b_abs[e] += fabs(p->b[j * s->E + e]);
		for (i = 0; i < s->M; ++i)
			for (e = 0; e < s->E; ++e) {
				const size_t k = i * s->E + e;
				const double bound = T * b_abs[e] + dtype_tolerance(s->dtype) * abs_sum[k];
				const double r = fabs(get(out, s->dtype, k) - ref[k]) / (bound + 1e-300);

				if (!(r <= *worst))
					*worst = r;
			}
		ok = *worst <= 1;
	}
	free(b_abs);
	free(abs_sum);
	free(ref);
	return ok;
}

static int run_sum(aniso_ctx *ctx, const struct problem *p, double T, void *out)
{
	aniso_options options;
	int err;

	aniso_options_init(&options);
	options.kernel = p->kernel;
	options.reduction = p->reduction;
	options.tolerance = T;
	err = aniso_sum_ex(ctx, &p->shape, &options, p->xt, p->yt, p->bt, p->gammat, out);
	if (err)
		tap_diag("aniso_sum_ex: %s", aniso_ctx_errmsg(ctx));
	return err;
}

static size_t metric_K(int metric, size_t D)
{
	return metric == 0 ? 1 : metric == 1 ? D : D * D;
}

static const char *const PROFILES[] = {"gaussian", "laplace", "cauchy", "imq"};

/* One random narrow-kernel case against the bound; some pairs skipped. */
static void check_case(aniso_ctx *ctx, const char *strategy, tap_rng *rng, int profile,
		       aniso_dtype dtype, size_t M, size_t N, size_t D, size_t E, int metric,
		       aniso_gamma_var var, double gamma_scale, double T)
{
	struct problem p;
	void *out;
	double worst = 0, share = -1;
	int ok = 0;

	if (!ctx) {
		++tests;
		tap_skip("no tiled context", "%s truncated case", strategy);
		return;
	}
	problem_make(&p, rng, dtype, M, N, D, E, metric_K(metric, D), var);
	p.kernel = (aniso_kernel)profile;
	scale_gamma(&p, gamma_scale);
	positive_weights(&p);
	out = malloc(M * E * sizeof(double));
	if (out && run_sum(ctx, &p, T, out) == ANISO_OK) {
		share = kept_share(ctx);
		ok = within_bound(&p, out, T, &worst) && share > 0 && share < 1;
	}
	++tests;
	tap_ok(ok, "%s %s %s %s %s D=%zu E=%zu M=%zu N=%zu T=%g: within T sum|b| + tol sum|term| "
		   "(worst %.2g of it), %.3g of the block pairs summed",
	       strategy, PROFILES[profile], dtype == ANISO_FLOAT64 ? "float64" : "float32",
	       metric_label(metric_K(metric, D), D), gamma_var_label(var), D, E, M, N, T, worst,
	       share);
	free(out);
	problem_free(&p);
}

/* logsumexp's bound is the sum's on the weights exp(b_je):
 *   ref - log(1 + T B_e exp(-out)) <= out <= ref,   B_e = sum_j exp(b_je),
 * written as out <= ref + tol scale and ref <= log(exp(out) + T B_e) +
 * tol scale (a log-sum of two, so that out = -Inf, every term dropped, is
 * checked too), with scale the reference's own (the promise of the exact
 * logsumexp: tol 1e-12 / 1e-5 of it).  worst: the larger of the two
 * sides' excess over the rounding allowance, in units of it. */
static int within_lse_bound(const struct problem *p, const void *out, double T, double *worst)
{
	const aniso_shape *s = &p->shape;
	double *ref = malloc(s->M * s->E * sizeof(double));
	double *scale = malloc(s->M * s->E * sizeof(double));
	double *weights = calloc(s->E, sizeof(double));
	size_t i, j, e;
	int ok = ref && scale && weights;

	*worst = 0;
	if (ok) {
		reference_logsumexp((int)p->kernel, s->M, s->N, s->D, s->E, s->K, (int)s->gamma_var,
				    p->x, p->y, p->b, p->gamma, ref, scale);
		for (j = 0; j < s->N; ++j)
			for (e = 0; e < s->E; ++e)
				weights[e] += exp(p->b[j * s->E + e]);
		for (i = 0; i < s->M; ++i)
			for (e = 0; e < s->E; ++e) {
				const size_t k = i * s->E + e;
				const double v = get(out, s->dtype, k), allow =
					dtype_tolerance(s->dtype) * scale[k];
				const double floor_ = log(T * weights[e]);
				const double top = fmax(v, floor_);
				const double reach = top + log(exp(v - top) + exp(floor_ - top));
				const double r = fmax(v - ref[k], ref[k] - reach) / allow;

				if (!(r <= *worst))
					*worst = r;
			}
		ok = *worst <= 1;
	}
	free(weights);
	free(scale);
	free(ref);
	return ok;
}

/* A narrow-kernel logsumexp case against its bound (b in [-1, 1]: log-
 * weights), some pairs skipped. */
static void check_case_lse(aniso_ctx *ctx, tap_rng *rng, int profile, aniso_dtype dtype,
			   size_t D, size_t E, int metric, aniso_gamma_var var, double gamma_scale,
			   double T)
{
	struct problem p;
	void *out;
	double worst = 0, share = -1;
	int ok = 0;

	problem_make(&p, rng, dtype, 1300, 2700, D, E, metric_K(metric, D), var);
	p.kernel = (aniso_kernel)profile;
	p.reduction = ANISO_REDUCTION_LOGSUMEXP;
	scale_gamma(&p, gamma_scale);
	out = malloc(p.shape.M * E * sizeof(double));
	if (out && run_sum(ctx, &p, T, out) == ANISO_OK) {
		share = kept_share(ctx);
		ok = within_lse_bound(&p, out, T, &worst) && share > 0 && share < 1;
	}
	++tests;
	tap_ok(ok, "logsumexp %s %s %s %s D=%zu E=%zu T=%g: ref - log(1 + T sum exp(b) / exp(out)) "
		   "<= out <= ref, to rounding (worst %.2g of it), %.3g of the block pairs summed",
	       PROFILES[profile], dtype == ANISO_FLOAT64 ? "float64" : "float32",
	       metric_label(metric_K(metric, D), D), gamma_var_label(var), D, E, T, worst, share);
	free(out);
	problem_free(&p);
}

/* Two clusters of y, 0.6 apart along the first axis, x near the first,
 * 256 points each (whole y-blocks of 128, so no block mixes them): with
 * gamma = 8 and T = 0.2 the far terms (q >= 8 * 0.54^2 = 2.3, f <= 0.1)
 * are dropped, the near ones kept: out is the near cluster's sum, and
 * differs from the exact sum by the far one's, within T sum|b|. */
static void check_clusters(aniso_ctx *ctx)
{
	enum { M = 40, N = 512 };
	double x[M * 2], y[N * 2], b[N], g[1] = {8}, out[M], exact[M], near[M];
	aniso_shape s = {M, N, 2, 1, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT64};
	aniso_shape half = {M, N / 2, 2, 1, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT64};
	aniso_options options;
	double b_abs = 0, gap = 0, worst = 0;
	size_t i, j;
	int ok;

	for (i = 0; i < M; ++i) {
		x[2 * i] = 0.01 * (double)(i % 7);
		x[2 * i + 1] = 0.01 * (double)(i % 5);
	}
	for (j = 0; j < N; ++j) {
		/* near cluster first (j < N/2), then the far one */
		y[2 * j] = (j < N / 2 ? 0.0 : 0.6) + 0.0001 * (double)(j % 11);
		y[2 * j + 1] = 0.0001 * (double)(j % 13);
		b[j] = 1.0 - 0.001 * (double)j;
		b_abs += fabs(b[j]);
	}
	aniso_options_init(&options);
	ok = aniso_sum(ctx, &s, x, y, b, g, exact) == 0 &&
	     aniso_sum(ctx, &half, x, y, b, g, near) == 0;
	options.tolerance = 0.2;
	ok = ok && aniso_sum_ex(ctx, &s, &options, x, y, b, g, out) == 0;
	for (i = 0; ok && i < M; ++i) {
		gap = fmax(gap, fabs(exact[i] - out[i]));
		worst = fmax(worst, fabs(out[i] - near[i]) / fabs(near[i]));
		ok &= fabs(exact[i] - out[i]) <= 0.2 * b_abs;
	}
	++tests;
	tap_ok(ok && gap > 1e-3 && worst < 1e-12,
	       "two clusters, T = 0.2: the far one dropped (out is the near cluster's sum to %.2g, "
	       "differs from the exact sum by up to %.3g <= T sum|b| = %.3g)",
	       worst, gap, 0.2 * b_abs);

	/* The same with logsumexp: out is the near cluster's logsumexp, below
	 * the exact one, and exp(exact) - exp(out) <= T sum_j exp(b_j). */
	options.reduction = ANISO_REDUCTION_LOGSUMEXP;
	options.tolerance = 0;
	ok = aniso_sum_ex(ctx, &s, &options, x, y, b, g, exact) == 0 &&
	     aniso_sum_ex(ctx, &half, &options, x, y, b, g, near) == 0;
	options.tolerance = 0.2;
	ok = ok && aniso_sum_ex(ctx, &s, &options, x, y, b, g, out) == 0;
	b_abs = 0;
	for (j = 0; j < N; ++j)
		b_abs += exp(b[j]);
	gap = worst = 0;
	for (i = 0; ok && i < M; ++i) {
		gap = fmax(gap, exact[i] - out[i]);
		worst = fmax(worst, fabs(out[i] - near[i]));
		ok &= out[i] <= exact[i] && exp(exact[i]) - exp(out[i]) <= 0.2 * b_abs;
	}
	++tests;
	tap_ok(ok && gap > 1e-4 && worst < 1e-12,
	       "logsumexp, two clusters, T = 0.2: the far one dropped (out is the near cluster's "
	       "to %.2g, below the exact one by up to %.3g; exp(exact) - exp(out) <= T sum exp(b) "
	       "= %.3g)",
	       worst, gap, 0.2 * b_abs);
}

/* f^-1(v) of each profile (v < 1). */
static double inverse_profile(int profile, double v)
{
	switch (profile) {
	case 1:
		return log(v) * log(v);
	case 2:
		return 1 / v - 1;
	case 3:
		return 1 / (v * v) - 1;
	default:
		return -log(v);
	}
}

/*
 * The cut itself, where the bound is exact: every x at 0, every y at one
 * offset d along the metric's smallest direction (boxes are points, so
 * their gap is the distance, and q = its bound).  Terms at f = 1.05 T must
 * all be kept (out exact: dropping them would break the bound, 1.05 T N >
 * T N); terms at 0.95 T must all go (out exactly 0).  Each profile's cut
 * (f^-1), each metric's bound (iso gamma; diag (g, 5g) along axis 0; full
 * g [[3, 1], [1, 3]] along (1, -1), its eigenvalue 2g) and fixed and per-j
 * gamma, in 6 of the 24 combinations (each one program to compile):
 * profile p with metric p % 3, then the Gaussian with the other two.
 */
static void check_cutoff(aniso_ctx *ctx)
{
	enum { M = 40, N = 300 };
	const double T = 1e-3, g0 = 50;
	static double x[M * 2], y[N * 2], b[N], g[N * 4], out[M];
	static const int combos[6][3] = {{0, 0, 0}, {1, 1, 1}, {2, 2, 0},
					 {3, 0, 1}, {0, 1, 0}, {0, 2, 1}};
	int c, ok = 1;
	char failed[256] = "";

	for (c = 0; c < 6; ++c) {
		const int profile = combos[c][0], metric = combos[c][1], var = combos[c][2];
		const size_t K = metric == 0 ? 1 : metric == 1 ? 2 : 4;
		const size_t rows = var ? N : 1;
		const double lambda = metric == 2 ? 2 * g0 : g0;
		aniso_shape s = {M, N, 2, 1, K, rows,
				 var ? ANISO_GAMMA_PER_J : ANISO_GAMMA_FIXED,
				 ANISO_FLOAT64};
		aniso_options options;
		int side;

		for (size_t r = 0; r < rows; ++r) {
			double *row = g + r * K;

			if (metric == 0)
				row[0] = g0;
			else if (metric == 1) {
				row[0] = g0;
				row[1] = 5 * g0;
			} else {
				row[0] = row[3] = 3 * g0;
				row[1] = row[2] = g0;
			}
		}
		aniso_options_init(&options);
		options.kernel = (aniso_kernel)profile;
		options.tolerance = T;
		for (side = 0; side < 2; ++side) {
			const double f = side ? 0.95 * T : 1.05 * T;
			const double dist = sqrt(inverse_profile(profile, f) / lambda);
			double want = 0;
			size_t i, j;

			memset(x, 0, sizeof(x));
			for (j = 0; j < N; ++j) {
				y[2 * j] = metric == 2 ? dist / sqrt(2.0) : dist;
				y[2 * j + 1] = metric == 2 ? -dist / sqrt(2.0) : 0;
				b[j] = 1;
			}
			if (!side)
				want = (double)N * f;
			if (aniso_sum_ex(ctx, &s, &options, x, y, b, g, out) != 0) {
				ok = 0;
				snprintf(failed, sizeof(failed), "%s", aniso_ctx_errmsg(ctx));
				continue;
			}
			for (i = 0; i < M; ++i)
				if (side ? out[i] != 0
					 : !(fabs(out[i] - want) <= 1e-9 * want)) {
					if (ok)
						snprintf(failed, sizeof(failed),
							 "%s metric %d var %d f = %.2fT: "
							 "out %.17g, expected %.17g",
							 PROFILES[profile], metric, var,
							 f / T, out[i], want);
					ok = 0;
					break;
				}
		}
	}
	++tests;
	tap_ok(ok, "the cut where the bound is exact, every profile, metric and fixed/per-j: terms "
		   "at 1.05 T all kept, at 0.95 T all dropped%s%s",
	       ok ? "" : ": ", failed);
}

/* A full metric that is not PSD is never truncated; a per-i gamma with one
 * negative row keeps that row's block whole. */
static void check_no_bound(aniso_ctx *ctx, tap_rng *rng)
{
	struct problem p;
	void *out = malloc(500 * sizeof(double));
	double worst = 0;
	int ok;

	problem_make(&p, rng, ANISO_FLOAT64, 500, 900, 2, 1, 4, ANISO_GAMMA_FIXED);
	p.gamma[0] = ((double *)p.gammat)[0] = 50;
	p.gamma[3] = ((double *)p.gammat)[3] = -1; /* indefinite: q < 0 along y */
	p.gamma[1] = p.gamma[2] = ((double *)p.gammat)[1] = ((double *)p.gammat)[2] = 0;
	ok = run_sum(ctx, &p, 1e-3, out) == 0 && within_bound(&p, out, 0, &worst) &&
	     strstr(aniso_ctx_errmsg(ctx), "summed exactly");
	++tests;
	tap_ok(ok, "an indefinite full gamma: every block pair summed, as exact (worst %.2g)", worst);
	problem_free(&p);

	problem_make(&p, rng, ANISO_FLOAT32, 500, 900, 3, 1, 1, ANISO_GAMMA_PER_I);
	scale_gamma(&p, 300);
	((float *)p.gammat)[17] = -1;
	p.gamma[17] = -1;
	ok = run_sum(ctx, &p, 1e-4, out) == 0 && within_bound(&p, out, 1e-4, &worst) &&
	     kept_share(ctx) < 1;
	++tests;
	tap_ok(ok, "per-i gamma with one negative row: its block whole, the others truncated, "
		   "within the bound (worst %.2g)",
	       worst);
	problem_free(&p);
	free(out);
}

/* NaN where the exact sum has it: a NaN in x_i makes row i NaN, one in
 * y_j every row (its block's box is NaN: no bound, kept everywhere). */
static void check_nan(aniso_ctx *ctx, tap_rng *rng)
{
	struct problem p;
	double *out = malloc(600 * sizeof(double)), *exact = malloc(600 * sizeof(double));
	aniso_options options;
	size_t i;
	int ok, nan_rows = 0;

	problem_make(&p, rng, ANISO_FLOAT64, 600, 3000, 2, 1, 1, ANISO_GAMMA_FIXED);
	scale_gamma(&p, 300);
	((double *)p.xt)[2 * 17] = NAN;
	aniso_options_init(&options);
	ok = aniso_sum_ex(ctx, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat, exact) == 0 &&
	     run_sum(ctx, &p, 1e-4, out) == 0 && kept_share(ctx) > 0 && kept_share(ctx) < 1;
	for (i = 0; ok && i < 600; ++i) {
		ok &= isnan(out[i]) == isnan(exact[i]);
		nan_rows += isnan(out[i]) != 0;
	}
	ok &= nan_rows == 1;
	((double *)p.yt)[2 * 2345 + 1] = NAN;
	ok = ok && run_sum(ctx, &p, 1e-4, out) == 0;
	for (i = 0; ok && i < 600; ++i)
		ok &= isnan(out[i]) != 0;
	++tests;
	tap_ok(ok, "NaN in x_17: that row NaN, the others not, as exact; NaN in y_2345: every row "
		   "NaN");
	problem_free(&p);
	free(exact);
	free(out);
}

static void check_reproducible_and_refusals(aniso_ctx *ctx, tap_rng *rng)
{
	struct problem p;
	size_t bytes = 700 * 2 * sizeof(float);
	void *first = malloc(bytes), *second = malloc(bytes);
	aniso_options options;
	aniso_array *ax = NULL, *ay = NULL, *ab = NULL, *ag = NULL, *ao = NULL;
	float one = 1;
	int ok, err;

	problem_make(&p, rng, ANISO_FLOAT32, 700, 2500, 3, 2, 9, ANISO_GAMMA_PER_J);
	scale_gamma(&p, 200);
	ok = run_sum(ctx, &p, 1e-5, first) == 0 && run_sum(ctx, &p, 1e-5, second) == 0 &&
	     memcmp(first, second, bytes) == 0;
	++tests;
	tap_ok(ok, "per-j full, float32: two truncated sums bitwise equal");

	aniso_options_init(&options);
	options.tolerance = -1;
	err = aniso_sum_ex(ctx, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat, first);
	ok = err == ANISO_ERR_BAD_ARG && strstr(aniso_ctx_errmsg(ctx), "options->tolerance is -1");
	options.tolerance = NAN;
	ok &= aniso_sum_ex(ctx, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat, first) ==
	      ANISO_ERR_BAD_ARG;
	options.tolerance = INFINITY;
	ok &= aniso_sum_ex(ctx, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat, first) ==
	      ANISO_ERR_BAD_ARG;
	++tests;
	tap_ok(ok, "tolerance -1, NaN, +Inf refused: %s", aniso_ctx_errmsg(ctx));
	options.tolerance = 1e-3;
	ok = aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, &one, &ax) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, &one, &ay) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, &one, &ab) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, &one, &ag) == 0 &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, NULL, &ao) == 0;
	err = aniso_sum_arrays_ex(ctx, &options, ax, ay, ab, ag, ANISO_GAMMA_FIXED, ao);
	ok &= err == ANISO_ERR_BAD_ARG && strstr(aniso_ctx_errmsg(ctx), "aniso_sum_arrays_ex");
	err = aniso_grad(ctx, &p.shape, &options, ANISO_WRT_X, p.xt, p.yt, p.bt, p.gammat, p.xt,
			 first);
	ok &= err == ANISO_ERR_BAD_ARG && strstr(aniso_ctx_errmsg(ctx), "gradient");
	++tests;
	tap_ok(ok, "tolerance refused on device arrays and for gradients: %s",
	       aniso_ctx_errmsg(ctx));
	aniso_array_free(ao);
	aniso_array_free(ag);
	aniso_array_free(ab);
	aniso_array_free(ay);
	aniso_array_free(ax);
	problem_free(&p);
	free(second);
	free(first);
}

int main(void)
{
	aniso_ctx *ctx, *tiled = NULL;
	tap_rng rng;
	char why[1024];
	int k;

	ctx = context_or_skip();
	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	setenv("ANISOCL_STRATEGY", "tiled", 1);
	if (aniso_ctx_create(&tiled, why, sizeof(why)) != ANISO_OK)
		tiled = NULL;
	unsetenv("ANISOCL_STRATEGY");

	/* Every metric with every variation (k = 3 metric + var), profiles
	 * and dtypes alternating; narrow kernels (gamma ~ 300 / D per unit),
	 * T = 1e-4; sizes not multiples of the blocks. */
	for (k = 0; k < 9; ++k) {
		const int metric = k / 3, var = k % 3, profile = k % 4;
		const size_t D = 1 + (size_t)(k % 3);
		/* f^-1(T) is 9.2 (Gaussian, T = 1e-4), 85 (Laplace, 1e-4), 49
		 * (Cauchy, 0.02), 2500 (IMQ, 0.02): gamma such that kernels
		 * reach about a tenth of the cube. */
		static const double Ts[4] = {1e-3, 1e-3, 0.02, 0.02};
		static const double scales[4] = {300, 3000, 2000, 1e5};
		const double T = Ts[profile], scale = scales[profile];

		check_case(ctx, "loop", &rng, profile, (aniso_dtype)(k % 2), 1300, 2700, D,
			   1 + (size_t)(k % 2), metric, (aniso_gamma_var)var, scale, T);
	}
	/* The tiled strategy's blocks are 256 x 256 (its work-group). */
	check_case(tiled, "tiled", &rng, 0, ANISO_FLOAT32, 2000, 4000, 2, 2, 1, ANISO_GAMMA_PER_J,
		   3000, 1e-4);
	check_case(tiled, "tiled", &rng, 1, ANISO_FLOAT64, 1500, 3100, 2, 1, 2, ANISO_GAMMA_FIXED,
		   3e4, 1e-4);
	check_case(ctx, "loop", &rng, 0, ANISO_FLOAT32, 1, 5000, 2, 1, 0, ANISO_GAMMA_FIXED, 300,
		   1e-4);
	/* logsumexp: each profile once, the three metrics and variations
	 * among them, both dtypes. */
	check_case_lse(ctx, &rng, 0, ANISO_FLOAT32, 3, 2, 2, ANISO_GAMMA_PER_J, 300, 1e-3);
	check_case_lse(ctx, &rng, 1, ANISO_FLOAT64, 2, 1, 1, ANISO_GAMMA_PER_I, 3000, 1e-3);
	check_case_lse(ctx, &rng, 2, ANISO_FLOAT32, 2, 1, 0, ANISO_GAMMA_FIXED, 2000, 0.02);
	check_case_lse(ctx, &rng, 3, ANISO_FLOAT64, 1, 2, 2, ANISO_GAMMA_FIXED, 1e5, 0.02);
	check_clusters(ctx);
	check_cutoff(ctx);
	check_no_bound(ctx, &rng);
	check_nan(ctx, &rng);
	check_reproducible_and_refusals(ctx, &rng);
	tap_plan(tests);
	aniso_ctx_free(tiled);
	aniso_ctx_free(ctx);
	return tap_done();
}
