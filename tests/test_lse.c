/*
 * The logsumexp reduction, out_ie = log sum_j f(q_ij) exp(b_je), against an
 * independent double reference (tests/reference.c, two passes with its own
 * max-shift): every gamma mode in both dtypes, the four profiles spread over
 * them, both strategies, N large enough for several j-blocks and the combine
 * pass, and the edges the header promises: |b| = 1e30, N = 0, far points,
 * NaN and +Inf, device arrays, streaming, bitwise reproducibility.
 *
 * Tolerance: |out - ref| <= tol * (1 + sum_j p_j (|log f| + |b|)), the
 * header's promise (tol 1e-12 in float64, 1e-5 in float32; see there why).
 * Programs are few (about 31 compiles of 0.5 s on PoCL, cold): each
 * (mode, dtype) pair is one program, with one profile.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "test_common.h"

static const char *dtype_name(aniso_dtype dtype)
{
	return dtype == ANISO_FLOAT64 ? "float64" : "float32";
}

static size_t elem(aniso_dtype dtype)
{
	return dtype == ANISO_FLOAT64 ? sizeof(double) : sizeof(float);
}

static double get(const void *a, aniso_dtype dtype, size_t k)
{
	return dtype == ANISO_FLOAT64 ? ((const double *)a)[k] : ((const float *)a)[k];
}

static void set(void *a, aniso_dtype dtype, size_t k, double v)
{
	if (dtype == ANISO_FLOAT64)
		((double *)a)[k] = v;
	else
		((float *)a)[k] = (float)v;
}

/* b_je of a problem set to v in both copies (rounded to the dtype first). */
static void set_b(struct problem *p, size_t k, double v)
{
	set(p->bt, p->shape.dtype, k, v);
	p->b[k] = get(p->bt, p->shape.dtype, k);
}

/* A random problem whose log-weights b span [-8, 8): wide enough that the
 * running max moves and the shifted terms differ by e^16 (power-of-two
 * scaling keeps both copies exact). */
static int lse_problem(struct problem *p, tap_rng *rng, aniso_dtype dtype, size_t M, size_t N,
		       size_t D, size_t E, size_t K, aniso_gamma_var var, int profile)
{
	size_t k;

	if (problem_make(p, rng, dtype, M, N, D, E, K, var) != 0)
		return -1;
	p->kernel = (aniso_kernel)profile;
	for (k = 0; k < N * E; ++k)
		set_b(p, k, p->b[k] * 8);
	return 0;
}

static int lse_run(aniso_ctx *ctx, const struct problem *p, void *out)
{
	aniso_options o;
	int err;

	aniso_options_init(&o);
	o.kernel = p->kernel;
	o.reduction = ANISO_REDUCTION_LOGSUMEXP;
	err = aniso_sum_ex(ctx, &p->shape, &o, p->xt, p->yt, p->bt, p->gammat, out);
	if (err)
		tap_diag("aniso_sum_ex: %s: %s", aniso_strerror(err), aniso_ctx_errmsg(ctx));
	return err;
}

/* The run against the reference; with again, a second run must give the
 * same bits (several j-blocks merged in a fixed order). */
static int lse_check(aniso_ctx *ctx, const struct problem *p, double *worst, int again)
{
	const size_t bytes = (p->shape.M * p->shape.E + 1) * elem(p->shape.dtype);
	void *out = calloc(1, bytes), *out2 = calloc(1, bytes);
	int ok = out && out2 && lse_run(ctx, p, out) == ANISO_OK && problem_compare_lse(p, out, worst);

	if (ok && again && (lse_run(ctx, p, out2) != ANISO_OK || memcmp(out, out2, bytes) != 0)) {
		tap_diag("a second run gave other bits");
		ok = 0;
	}
	free(out);
	free(out2);
	return ok;
}

static void test_names(aniso_ctx *ctx)
{
	aniso_options o;
	aniso_reduction r = ANISO_REDUCTION_SUM;
	float x = 0, y = 0, b = 1, g = 1, out = -7;
	aniso_shape s = {1, 1, 1, 1, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32};
	int err;

	memset(&o, 0xAB, sizeof(o));
	aniso_options_init(&o);
	tap_ok(o.reduction == ANISO_REDUCTION_SUM && o.struct_size == sizeof(o),
	       "aniso_options_init: reduction sum");
	tap_ok(aniso_reduction_from_name("logsumexp", &r) == ANISO_OK &&
		       r == ANISO_REDUCTION_LOGSUMEXP && aniso_reduction_from_name("sum", &r) == ANISO_OK &&
		       r == ANISO_REDUCTION_SUM &&
		       strcmp(aniso_reduction_name(ANISO_REDUCTION_LOGSUMEXP), "logsumexp") == 0 &&
		       aniso_reduction_from_name("LSE", &r) == ANISO_ERR_BAD_ARG && r == ANISO_REDUCTION_SUM &&
		       aniso_reduction_name((aniso_reduction)2) == NULL,
	       "reduction names round-trip; unknown ones refused, the output untouched");
	o.reduction = (aniso_reduction)2;
	err = aniso_sum_ex(ctx, &s, &o, &x, &y, &b, &g, &out);
	tap_ok(err == ANISO_ERR_BAD_ARG && out == -7 &&
		       strstr(aniso_ctx_errmsg(ctx), "options->reduction is 2") != NULL,
	       "reduction = 2 refused, naming it: %s", aniso_ctx_errmsg(ctx));
	/* A caller of the header before reduction: struct_size ends at kernel,
	 * so the garbage after it is not read and the sum applies (f(0) b = 1). */
	o.struct_size = offsetof(aniso_options, kernel) + sizeof(aniso_kernel);
	o.reduction = ANISO_REDUCTION_LOGSUMEXP;
	err = aniso_sum_ex(ctx, &s, &o, &x, &y, &b, &g, &out);
	tap_ok(err == ANISO_OK && out == 1.0f,
	       "an older caller's struct ending at kernel gets the sum (got %g, expected 1)", out);
	o.struct_size = sizeof(o);
	err = aniso_sum_ex(ctx, &s, &o, &x, &y, &b, &g, &out);
	tap_ok(err == ANISO_OK && out == 1.0f,
	       "one term f(0) = 1, b = 1: log(1 e^1) = 1 (got %.9g)", out);
}

static const aniso_gamma_var VARS[3] = {ANISO_GAMMA_FIXED, ANISO_GAMMA_PER_I, ANISO_GAMMA_PER_J};

/* Every (mode, dtype) with one profile each, cycling so that each dtype
 * sees every profile; M and N vary, N = 10000 giving several j-blocks. */
static void test_accuracy(aniso_ctx *ctx, tap_rng *rng, const char *strategy, int tiled_subset,
			  double worst_seen[2])
{
	static const size_t Ms[] = {1, 37, 130};
	static const size_t Ns[] = {10000, 600, 10000, 77};
	int dt, m, v, n = 0;

	for (dt = 0; dt < 2; ++dt)
		for (m = 0; m < 3; ++m)
			for (v = 0; v < 3; ++v, ++n) {
				const aniso_dtype dtype = (aniso_dtype)dt;
				const size_t D = (size_t)(n % 3) + 1, E = (size_t)(n % 2) * 2 + 1;
				const size_t K = m == 0 ? 1 : m == 1 ? D : D * D;
				const int profile = (n + dt) % 4;
				size_t M = Ms[n % 3], N = Ns[n % 4];
				struct problem p;
				double worst = 0;
				int ok;

				/* The tiled strategy: three modes, both dtypes, all with
				 * the combine pass (each mode is a program: 0.5 s). */
				if (tiled_subset && !(n == 0 || n == 8 || n == 12))
					continue;
				if (tiled_subset)
					N = 10000;
				if (dtype == ANISO_FLOAT64 && !aniso_ctx_has_fp64(ctx)) {
					tap_skip("device has no float64", "logsumexp float64");
					continue;
				}
				ok = lse_problem(&p, rng, dtype, M, N, D, E, K, VARS[v], profile) == 0 &&
				     lse_check(ctx, &p, &worst, N == 10000);
				tap_ok(ok, "%s %s %s %s %s D=%zu E=%zu M=%zu N=%zu: %.2g of the tolerance%s",
				       strategy, dtype_name(dtype), metric_label(K, D),
				       gamma_var_label(VARS[v]), aniso_kernel_name(p.kernel), D, E, M, N,
				       worst, N == 10000 ? ", same bits twice" : "");
				if (worst > worst_seen[dt])
					worst_seen[dt] = worst;
				problem_free(&p);
			}
}

/*
 * |b| = 1e30, where exp(b) overflows in both dtypes: with b_j = B (1 + j u)
 * (u the dtype's epsilon) the largest term dominates by e^(1e30 u) and
 * out = max_j b_j + log f(q) + ..., which rounds to max_j b_j exactly; with
 * every b_j = -B, out = -B + log sum_j f rounds to -B.  N = 600 on 37 rows
 * covers two j-blocks and the combine pass.  The shape of test_edges' rows
 * (D = E = K = 1, fixed, Gaussian), so no program of its own.
 */
static void test_huge(aniso_ctx *ctx, tap_rng *rng, aniso_dtype dtype)
{
	const double B = 1e30, u = dtype == ANISO_FLOAT64 ? 0x1p-52 : 0x1p-23;
	const size_t N = 600, M = 37;
	struct problem p;
	void *out = malloc(M * elem(dtype));
	double top = -INFINITY, bad = 0;
	size_t j, i;
	int ok;

	ok = out && lse_problem(&p, rng, dtype, M, N, 1, 1, 1, ANISO_GAMMA_FIXED, 0) == 0;
	for (j = 0; ok && j < N; ++j) {
		set_b(&p, j, B * (1 + (double)((j * 7919) % N) * u));
		if (p.b[j] > top)
			top = p.b[j];
	}
	ok = ok && lse_run(ctx, &p, out) == ANISO_OK;
	for (i = 0; ok && i < M; ++i)
		if (get(out, dtype, i) != top)
			ok = 0, bad = get(out, dtype, i);
	tap_ok(ok, "%s: b = 1e30 (1 + j eps) gives max_j b_j = %.9g exactly (got %.9g)",
	       dtype_name(dtype), top, ok ? top : bad);
	for (j = 0; j < N; ++j)
		set_b(&p, j, -B);
	ok = ok && lse_run(ctx, &p, out) == ANISO_OK && problem_compare_lse(&p, out, NULL);
	for (i = 0; ok && i < M; ++i)
		if (get(out, dtype, i) != p.b[0])
			ok = 0, bad = get(out, dtype, i);
	tap_ok(ok, "%s: b = -1e30 everywhere gives -1e30 + log sum f = %.9g exactly",
	       dtype_name(dtype), p.b[0]);
	problem_free(&p);
	free(out);
}

/* One row x = 0 against N points (D = 1, E = 1, fixed K = 1, gamma g), in
 * the dtype: out, and the reference's. */
static int row_1d(aniso_ctx *ctx, aniso_dtype dtype, int profile, size_t N, const double *y,
		  const double *b, double g, double *out, double *ref)
{
	aniso_shape s = {1, N, 1, 1, 1, 1, ANISO_GAMMA_FIXED, dtype};
	aniso_options o;
	void *yt = malloc((N + 1) * elem(dtype)), *bt = malloc((N + 1) * elem(dtype));
	double x0 = 0, yd[1024], bd[1024], gd;
	double xt[1] = {0}, gt[1], ot[1]; /* room for either dtype */
	size_t j;
	int err;

	if (!yt || !bt || N > 1024)
		abort();
	for (j = 0; j < N; ++j) {
		set(yt, dtype, j, y[j]);
		set(bt, dtype, j, b[j]);
		yd[j] = get(yt, dtype, j);
		bd[j] = get(bt, dtype, j);
	}
	set(gt, dtype, 0, g);
	aniso_options_init(&o);
	o.kernel = (aniso_kernel)profile;
	o.reduction = ANISO_REDUCTION_LOGSUMEXP;
	err = aniso_sum_ex(ctx, &s, &o, xt, yt, bt, gt, ot);
	*out = get(ot, dtype, 0);
	gd = get(gt, dtype, 0);
	reference_logsumexp(profile, 1, N, 1, 1, 1, 0, &x0, yd, bd, &gd, ref, NULL);
	free(yt);
	free(bt);
	if (err)
		tap_diag("aniso_sum_ex: %s: %s", aniso_strerror(err), aniso_ctx_errmsg(ctx));
	return err;
}

static void test_edges(aniso_ctx *ctx, aniso_dtype dtype)
{
	/* Far enough that g (x - y)^2 overflows in the dtype. */
	const double far = dtype == ANISO_FLOAT64 ? 1e200 : 1e30;
	enum { N = 700 }; /* two chunks and two j-blocks on either strategy */
	double y[N], b[N], out, ref;
	const char *name = dtype_name(dtype);
	size_t j;
	int profile, ok = 1;

	for (j = 0; j < N; ++j) {
		y[j] = j % 2 ? far : -far;
		b[j] = (double)(j % 5);
	}
	/* Every profile's log at q = +Inf; float64 takes two (programs cost). */
	for (profile = 0; profile < 4; profile += dtype == ANISO_FLOAT64 ? 3 : 1)
		ok = ok && row_1d(ctx, dtype, profile, N, y, b, 1e10, &out, &ref) == ANISO_OK &&
		     out == -INFINITY;
	tap_ok(ok, "%s: every term f = 0 (q = +Inf, each profile) gives -Inf (got %g)", name, out);
	for (j = 0; j < N; ++j)
		y[j] = (double)j / N;
	b[N / 2] = NAN;
	ok = row_1d(ctx, dtype, 0, N, y, b, 1, &out, &ref) == ANISO_OK && isnan(out);
	tap_ok(ok, "%s: a NaN in b gives NaN (got %g)", name, out);
	b[N / 2] = INFINITY;
	ok = row_1d(ctx, dtype, 0, N, y, b, 1, &out, &ref) == ANISO_OK && out == INFINITY;
	tap_ok(ok, "%s: +Inf in b gives +Inf (got %g)", name, out);
	/* Two +Inf in one chunk and one in another block: t = m = +Inf. */
	b[3] = b[4] = b[N - 1] = INFINITY;
	ok = row_1d(ctx, dtype, 0, N, y, b, 1, &out, &ref) == ANISO_OK && out == INFINITY;
	tap_ok(ok, "%s: several +Inf in b (one chunk, two blocks) give +Inf (got %g)", name, out);
	b[7] = NAN;
	ok = row_1d(ctx, dtype, 0, N, y, b, 1, &out, &ref) == ANISO_OK && isnan(out);
	tap_ok(ok, "%s: NaN beside +Inf gives NaN (got %g)", name, out);
	for (j = 0; j < N; ++j)
		b[j] = j == 600 ? 0 : -INFINITY;
	ok = row_1d(ctx, dtype, 0, N, y, b, 1, &out, &ref) == ANISO_OK &&
	     fabs(out - ref) <= dtype_tolerance(dtype) * (1 + fabs(ref));
	tap_ok(ok, "%s: b = -Inf but one term, in the second block: %.9g (expected %.9g)", name,
	       out, ref);
	/* Gaussian far beyond exp's range: q = 1e4 and b = 1e4 cancel. */
	for (j = 0; j < N; ++j) {
		y[j] = 100 + (double)j / N;
		b[j] = 1e4 - (double)j;
	}
	ok = row_1d(ctx, dtype, 0, N, y, b, 1, &out, &ref) == ANISO_OK &&
	     fabs(out - ref) <= dtype_tolerance(dtype) * (1 + 2e4);
	tap_ok(ok, "%s: Gaussian with q = 1e4 against b = 1e4: %.9g (expected %.9g)", name, out,
	       ref);
}

/* N = 0: -Inf, for host arrays and device arrays. */
static void test_empty(aniso_ctx *ctx)
{
	aniso_shape s = {3, 0, 2, 2, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32};
	float x[6] = {0}, g = 1, out[6] = {0};
	aniso_array *ax = NULL, *ay = NULL, *ab = NULL, *ag = NULL, *ao = NULL;
	aniso_options o;
	int ok, k;

	aniso_options_init(&o);
	o.reduction = ANISO_REDUCTION_LOGSUMEXP;
	ok = aniso_sum_ex(ctx, &s, &o, x, NULL, NULL, &g, out) == ANISO_OK;
	for (k = 0; k < 6; ++k)
		ok = ok && out[k] == -INFINITY;
	tap_ok(ok, "N = 0 on host arrays gives -Inf");
	memset(out, 0, sizeof(out));
	ok = aniso_array_create(ctx, ANISO_FLOAT32, 3, 2, x, &ax) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 0, 2, NULL, &ay) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 0, 2, NULL, &ab) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, &g, &ag) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 3, 2, NULL, &ao) == ANISO_OK &&
	     aniso_sum_arrays_ex(ctx, &o, ax, ay, ab, ag, ANISO_GAMMA_FIXED, ao) == ANISO_OK &&
	     aniso_array_read(ao, out) == ANISO_OK;
	for (k = 0; k < 6; ++k)
		ok = ok && out[k] == -INFINITY;
	tap_ok(ok, "N = 0 on device arrays gives -Inf");
	ok = ao && aniso_sum_arrays(ctx, ax, ay, ab, ag, ANISO_GAMMA_FIXED, ao) == ANISO_OK &&
	     aniso_array_read(ao, out) == ANISO_OK && out[0] == 0 && out[5] == 0;
	tap_ok(ok, "N = 0 with the sum still gives zeros");
	aniso_array_free(ax);
	aniso_array_free(ay);
	aniso_array_free(ab);
	aniso_array_free(ag);
	aniso_array_free(ao);
}

/* Device arrays: the same program as the host call, so the same bits. */
static void test_arrays(aniso_ctx *ctx, tap_rng *rng)
{
	const size_t M = 40, N = 3000;
	struct problem p;
	aniso_array *ax = NULL, *ay = NULL, *ab = NULL, *ag = NULL, *ao = NULL;
	aniso_options o;
	double *host = malloc(M * 2 * sizeof(double)), *dev = malloc(M * 2 * sizeof(double));
	int ok;

	aniso_options_init(&o);
	o.kernel = ANISO_KERNEL_CAUCHY;
	o.reduction = ANISO_REDUCTION_LOGSUMEXP;
	ok = aniso_ctx_has_fp64(ctx) &&
	     lse_problem(&p, rng, ANISO_FLOAT64, M, N, 3, 2, 9, ANISO_GAMMA_PER_I, 2) == 0;
	ok = ok && host && dev && lse_run(ctx, &p, host) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT64, M, 3, p.xt, &ax) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT64, N, 3, p.yt, &ay) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT64, N, 2, p.bt, &ab) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT64, M, 9, p.gammat, &ag) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT64, M, 2, NULL, &ao) == ANISO_OK &&
	     aniso_sum_arrays_ex(ctx, &o, ax, ay, ab, ag, ANISO_GAMMA_PER_I, ao) == ANISO_OK &&
	     aniso_array_read(ao, dev) == ANISO_OK && memcmp(host, dev, M * 2 * sizeof(double)) == 0 &&
	     problem_compare_lse(&p, dev, NULL);
	tap_ok(ok, "aniso_sum_arrays_ex (logsumexp, cauchy, per-i full, float64) equals "
		   "aniso_sum_ex bit for bit and the reference");
	aniso_array_free(ax);
	aniso_array_free(ay);
	aniso_array_free(ab);
	aniso_array_free(ag);
	aniso_array_free(ao);
	free(host);
	free(dev);
	problem_free(&p);
}

/* Under a 4 KiB allocation cap the host call streams i- and j-chunks and
 * merges the j-chunks on the host. */
static void test_streaming(tap_rng *rng)
{
	aniso_ctx *ctx = NULL;
	char why[512];
	int dt;

	setenv("ANISOCL_MAX_ALLOC_BYTES", "4096", 1);
	if (aniso_ctx_create(&ctx, why, sizeof(why)) != ANISO_OK) {
		unsetenv("ANISOCL_MAX_ALLOC_BYTES");
		for (dt = 0; dt < 3; ++dt)
			tap_ok(0, "context with a 4 KiB allocation cap: %s", why);
		return;
	}
	unsetenv("ANISOCL_MAX_ALLOC_BYTES");
	for (dt = 0; dt < 2; ++dt) {
		const aniso_dtype dtype = (aniso_dtype)dt;
		const size_t M = 300, N = 2500, E = 3, bytes = M * E * elem(dtype);
		void *a = malloc(bytes), *c = malloc(bytes);
		struct problem p;
		double worst = 0;
		size_t j;
		int ok;

		ok = lse_problem(&p, rng, dtype, M, N, 3, E, 3,
				 dt ? ANISO_GAMMA_PER_I : ANISO_GAMMA_PER_J, dt ? 1 : 0) == 0;
		/* The host merge's edges: column 1 has no nonzero term but in
		 * the last j-chunks (j-chunks of -Inf merge with finite ones),
		 * column 2 a NaN in the first. */
		for (j = 0; ok && j < 2000; ++j)
			set_b(&p, j * E + 1, -INFINITY);
		if (ok)
			set_b(&p, 5 * E + 2, NAN);
		ok = ok && a && c && lse_run(ctx, &p, a) == ANISO_OK && problem_compare_lse(&p, a, &worst) &&
		     lse_run(ctx, &p, c) == ANISO_OK && memcmp(a, c, bytes) == 0;
		tap_ok(ok, "streamed under a 4 KiB cap: %s %s M=%zu N=%zu matches the reference "
			   "(%.2g of the tolerance), reproducibly",
		       dtype_name(dtype), aniso_kernel_name(p.kernel), M, N, worst);
		problem_free(&p);
		free(a);
		free(c);
	}
	aniso_ctx_free(ctx);
}

int main(void)
{
	aniso_ctx *ctx = context_or_skip(), *tiled = NULL;
	double worst[2] = {0, 0};
	char why[512];
	tap_rng rng;
	int dt;

	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	tap_plan(5 + 18 + 3 + 2 * (2 + 7) + 3 + 1 + 2);
	test_names(ctx);
	test_accuracy(ctx, &rng, "loop", 0, worst);
	/* The GPU strategy (local tiles, barriers) on this device. */
	setenv("ANISOCL_STRATEGY", "tiled", 1);
	if (aniso_ctx_create(&tiled, why, sizeof(why)) != ANISO_OK)
		tiled = NULL;
	unsetenv("ANISOCL_STRATEGY");
	if (tiled) {
		test_accuracy(tiled, &rng, "tiled", 1, worst);
	} else {
		for (dt = 0; dt < 3; ++dt)
			tap_ok(0, "tiled context: %s", why);
	}
	for (dt = 0; dt < 2; ++dt) {
		if (dt == ANISO_FLOAT64 && !aniso_ctx_has_fp64(ctx)) {
			for (int k = 0; k < 9; ++k)
				tap_skip("device has no float64", "float64 logsumexp edges");
			continue;
		}
		test_huge(ctx, &rng, (aniso_dtype)dt);
		test_edges(ctx, (aniso_dtype)dt);
	}
	test_empty(ctx);
	test_arrays(ctx, &rng);
	test_streaming(&rng);
	tap_diag("worst error / tolerance: float32 %.3g, float64 %.3g", worst[0], worst[1]);
	aniso_ctx_free(tiled);
	aniso_ctx_free(ctx);
	return tap_done();
}
