/*
 * Numerical edge cases, each with the result IEEE arithmetic and the
 * definition of the sum give: NaN and Inf in each input, a metric that is
 * not positive semi-definite, huge and tiny magnitudes, denormals; and
 * aniso_gamma_check, which tells a PSD metric from one that is not.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_common.h"

/* A sum of M = 2 rows against N = 3 points in D = 2, E = 2, fixed gamma. */
static int run(aniso_ctx *ctx, aniso_dtype dtype, size_t K, const double *x, const double *y,
	       const double *b, const double *g, double *out)
{
	aniso_shape s = {2, 3, 2, 2, K, 1, ANISO_GAMMA_FIXED, dtype};
	float xf[4], yf[6], bf[6], gf[4], of[4];
	int k, err;

	if (dtype == ANISO_FLOAT64)
		return aniso_sum(ctx, &s, x, y, b, g, out);
	for (k = 0; k < 4; ++k)
		xf[k] = (float)x[k];
	for (k = 0; k < 6; ++k) {
		yf[k] = (float)y[k];
		bf[k] = (float)b[k];
	}
	for (k = 0; k < (int)K; ++k)
		gf[k] = (float)g[k];
	err = aniso_sum(ctx, &s, xf, yf, bf, gf, of);
	for (k = 0; k < 4; ++k)
		out[k] = of[k];
	return err;
}

static const char *name(aniso_dtype dtype)
{
	return dtype == ANISO_FLOAT64 ? "float64" : "float32";
}

static void test_nan_inf(aniso_ctx *ctx, aniso_dtype dtype)
{
	double x[4] = {0.1, 0.2, 0.3, 0.4}, y[6] = {0.15, 0.1, 0.2, 0.3, 0.5, 0.5};
	double b[6] = {1, 2, 3, 4, 5, 6}, g[2] = {1, 2}, out[4];
	int ok;

	y[2] = NAN;
	ok = run(ctx, dtype, 2, x, y, b, g, out) == ANISO_OK;
	ok = ok && isnan(out[0]) && isnan(out[1]) && isnan(out[2]) && isnan(out[3]);
	tap_ok(ok, "%s: NaN in y_1 makes every output NaN", name(dtype));
	y[2] = 0.2;
	b[2] = NAN;
	ok = run(ctx, dtype, 2, x, y, b, g, out) == ANISO_OK;
	ok = ok && isnan(out[0]) && isfinite(out[1]) && isnan(out[2]) && isfinite(out[3]);
	tap_ok(ok, "%s: NaN in b_1 column 0 makes column 0 NaN, column 1 finite", name(dtype));
	b[2] = 3;
	g[0] = NAN;
	ok = run(ctx, dtype, 2, x, y, b, g, out) == ANISO_OK;
	ok = ok && isnan(out[0]) && isnan(out[1]) && isnan(out[2]) && isnan(out[3]);
	tap_ok(ok, "%s: NaN in gamma makes every output NaN", name(dtype));
	g[0] = -INFINITY;
	ok = run(ctx, dtype, 2, x, y, b, g, out) == ANISO_OK;
	ok = ok && out[0] == INFINITY && out[1] == INFINITY && out[2] == INFINITY &&
	     out[3] == INFINITY;
	tap_ok(ok, "%s: gamma = -Inf (not PSD, every pair differs on that axis) gives +Inf",
	       name(dtype));
}

static void test_not_psd(aniso_ctx *ctx, aniso_dtype dtype)
{
	/* D = 2, points on a line: d = (x - y) with |d|^2 = 1 for the pairs. */
	double x[4] = {0, 0, 0, 0}, y[6] = {1, 0, 1, 0, 1, 0}, b[6] = {1, 1, 1, 1, 1, 1};
	double g[1] = {-1}, out[4];
	int ok;

	ok = run(ctx, dtype, 1, x, y, b, g, out) == ANISO_OK;
	ok = ok && fabs(out[0] - 3 * exp(1.0)) <= dtype_tolerance(dtype) * 3 * exp(1.0);
	tap_ok(ok, "%s: gamma = -1 gives 3 e (%.9g): exp of a positive number, computed right",
	       name(dtype), out[0]);
	g[0] = dtype == ANISO_FLOAT64 ? -1000 : -100;
	ok = run(ctx, dtype, 1, x, y, b, g, out) == ANISO_OK && out[0] == INFINITY &&
	     out[1] == INFINITY;
	tap_ok(ok, "%s: gamma = %g overflows exp to +Inf, as documented", name(dtype), g[0]);
}

static void test_magnitudes(aniso_ctx *ctx, aniso_dtype dtype)
{
	const double huge = dtype == ANISO_FLOAT64 ? 1e200 : 1e30;
	const double tiny = dtype == ANISO_FLOAT64 ? 1e-200 : 1e-30;
	double x[4] = {huge, 0, 0, -huge}, y[6] = {0, 0, 0, 0, 0, 0}, b[6] = {1, 2, 3, 4, 5, 6};
	double g_iso[1] = {1}, g_diag[2] = {1, 0.5}, out[4];
	int ok;

	ok = run(ctx, dtype, 1, x, y, b, g_iso, out) == ANISO_OK && out[0] == 0 && out[1] == 0 &&
	     out[2] == 0 && out[3] == 0;
	ok = ok && run(ctx, dtype, 2, x, y, b, g_diag, out) == ANISO_OK && out[0] == 0 &&
	     out[1] == 0 && out[2] == 0 && out[3] == 0;
	tap_ok(ok, "%s: |x - y| = %g (d^T G d overflows) gives exactly 0, not NaN", name(dtype),
	       huge);
	x[0] = tiny;
	x[3] = -tiny;
	ok = run(ctx, dtype, 2, x, y, b, g_diag, out) == ANISO_OK && out[0] == 1 + 3 + 5 &&
	     out[1] == 2 + 4 + 6;
	tap_ok(ok, "%s: |x - y| = %g (d^T G d underflows) gives exactly sum b", name(dtype), tiny);

	/* A positive definite full metric, d far from y: summed in order,
	 * d_0 (G d)_0 overflows to -Inf first and the sum stays -Inf, though
	 * the form is +4.6 h^2 (weight exactly 0, not +Inf).  Row 1 sits on
	 * y. */
	{
		const double h = dtype == ANISO_FLOAT64 ? 1e307 : 1e38;
		double g_full[4] = {1, 0.9, 0.9, 1};

		x[0] = h;
		x[1] = -3 * h;
		x[2] = x[3] = 0;
		ok = run(ctx, dtype, 4, x, y, b, g_full, out) == ANISO_OK && out[0] == 0 &&
		     out[1] == 0 && out[2] == 1 + 3 + 5 && out[3] == 2 + 4 + 6;
		if (!ok)
			tap_diag("out %g %g %g %g", out[0], out[1], out[2], out[3]);
		tap_ok(ok, "%s: full PD metric, d^T G d overflowing through -Inf gives weight 0, not +Inf",
		       name(dtype));
		x[0] = NAN;
		ok = run(ctx, dtype, 4, x, y, b, g_full, out) == ANISO_OK && isnan(out[0]) &&
		     isnan(out[1]) && out[2] == 1 + 3 + 5 && out[3] == 2 + 4 + 6;
		tap_ok(ok, "%s: full metric, a NaN in x still gives NaN in its row only", name(dtype));
	}
}

/* fp64 devices must support denormals (OpenCL 1.2, 4.4.4), so a
 * denormal weight comes back exactly. */
static void test_denormal(aniso_ctx *ctx)
{
	double x[4] = {0, 0, 0, 0}, y[6] = {0, 0, 9, 9, 9, 9}, b[6] = {1e-310, 0, 0, 0, 0, 0};
	double g[1] = {1}, out[4];
	int ok;

	ok = run(ctx, ANISO_FLOAT64, 1, x, y, b, g, out) == ANISO_OK && out[0] == 1e-310 &&
	     out[2] == 1e-310 && out[1] == 0;
	tap_ok(ok, "float64: a denormal weight (1e-310) at distance 0 comes back exactly (%g)",
	       out[0]);
}

/* The documented floor: a kernel value below the dtype's smallest normal
 * number counts as 0, one just above it is computed (float32: 2^-130 and
 * 2^-120; float64: 2^-1030 and 2^-1000).  Relative tolerance 1e-4 for the
 * computed one: q ~ 83 (float32) carries a few roundings of q itself,
 * each 83 * 2^-24 ~ 5e-6 of f. */
static void test_subnormal_kernel(aniso_ctx *ctx, aniso_dtype dtype)
{
	const double normal_exp = dtype == ANISO_FLOAT64 ? 1000 : 120;
	const double tiny_exp = dtype == ANISO_FLOAT64 ? 1030 : 130;
	double x[4] = {0, 0, 0, 0}, y[6] = {0, 0, 0, 0, 9, 9}, b[6] = {1, 0, 0, 1, 0, 0};
	double g[1] = {1}, out[4] = {-1, -1, -1, -1}, d_normal, ref;
	int ok;

	y[0] = sqrt(normal_exp * log(2.0));
	y[2] = sqrt(tiny_exp * log(2.0));
	if (dtype == ANISO_FLOAT32) {
		y[0] = (float)y[0];
		y[2] = (float)y[2];
	}
	d_normal = y[0];
	ref = exp(-d_normal * d_normal);
	ok = run(ctx, dtype, 1, x, y, b, g, out) == ANISO_OK &&
	     fabs(out[0] - ref) <= 1e-4 * ref && out[1] == 0 && out[3] == 0;
	tap_ok(ok, "%s: a kernel value of 2^-%.0f is computed (%.6g, exact %.6g), 2^-%.0f counts "
		   "as 0 (%g)",
	       name(dtype), normal_exp, out[0], ref, tiny_exp, out[1]);
}

/*
 * The kernel's exp over its whole range: one y at 0, M rows x_i with q_i =
 * gamma x_i^2 swept densely over [0, 87] (float32; [0, 707] float64), b =
 * 1, so out_i = exp(-q_i); gamma = -1 sweeps exp of positive numbers up to
 * overflow.  Against exp computed in double from the same rounded x_i, the
 * error allowed is that of the argument plus that of exp2 itself: the
 * kernel forms s = q log2(e) in the dtype, three roundings (x^2, times
 * gamma folded with log2 e, the constant log2 e), so s carries a relative
 * error of at most 1.5 eps and exp2(-s) a relative one of ln(2) 1.5 eps s
 * (1.04 eps per unit of s), to which exp2's own error adds (0.53 eps for
 * the CPU polynomial, at most 3 ulp for an OpenCL builtin): |out / ref - 1|
 * <= (1.1 s + 4) eps.  At distance 0 the weight is exactly 1.
 */
static void test_exp_range(aniso_ctx *ctx, aniso_dtype dtype)
{
	enum { ROWS = 20000 };
	const int f64 = dtype == ANISO_FLOAT64;
	const double eps = f64 ? DBL_EPSILON : FLT_EPSILON;
	const double q_max = f64 ? 707.0 : 87.0, q_over = f64 ? 710.0 : 89.0;
	static double xd[ROWS + 1], outd[ROWS + 1];
	static float xf[ROWS + 1], outf[ROWS + 1];
	const double zero = 0, one = 1;
	const float zero_f = 0, one_f = 1;
	int sign, ok;

	for (sign = 1; sign >= -1; sign -= 2) {
		const double gamma = sign;
		const float gamma_f = (float)sign;
		aniso_shape s = {ROWS + 1, 1, 1, 1, 1, 1, ANISO_GAMMA_FIXED, dtype};
		double worst = 0, worst_q = 0;
		size_t i;
		int err;

		for (i = 0; i < ROWS; ++i) {
			xd[i] = sqrt(q_max * (double)i / (ROWS - 1));
			xf[i] = (float)xd[i];
			if (!f64)
				xd[i] = xf[i];
		}
		/* The last row overflows exp of a positive number, or gives 0. */
		xd[ROWS] = sqrt(q_over);
		xf[ROWS] = (float)xd[ROWS];
		err = f64 ? aniso_sum(ctx, &s, xd, &zero, &one, &gamma, outd)
			  : aniso_sum(ctx, &s, xf, &zero_f, &one_f, &gamma_f, outf);
		ok = err == ANISO_OK;
		for (i = 0; ok && i < ROWS; ++i) {
			const double q = gamma * xd[i] * xd[i], ref = exp(-q);
			const double got = f64 ? outd[i] : outf[i];
			const double rel = fabs(got / ref - 1);
			const double allowed = (1.1 * fabs(q) * 1.4426950408889634 + 4) * eps;

			if (rel / allowed > worst) {
				worst = rel / allowed;
				worst_q = q;
			}
		}
		ok = ok && worst <= 1 && (f64 ? outd[0] : outf[0]) == 1;
		ok = ok && (sign > 0 ? (f64 ? outd[ROWS] : outf[ROWS]) == 0
				     : (f64 ? outd[ROWS] : outf[ROWS]) == INFINITY);
		tap_ok(ok, "%s: exp(%sq) for q in [0, %g] within (1.1 s + 4) eps of double's "
			   "(worst %.2f of that, at q = %g), exactly 1 at q = 0, %s at q = %g",
		       name(dtype), sign > 0 ? "-" : "+", q_max, worst, worst_q,
		       sign > 0 ? "0" : "+Inf", q_over);
	}
}

static void test_gamma_check(void)
{
	const float iso_rows[3] = {1, 0, -0.5f};
	const double diag[4] = {1, 2, 3, -1e-300};
	/* Row 0 PD; row 1 PD plus an antisymmetric part; row 2 singular PSD;
	 * row 3 indefinite. */
	const double full[4 * 4] = {2, 1, 1, 2, 2, 5, -3, 2, 1, 1, 1, 1, 1, 2, 2, 1};
	const double with_nan[4] = {1, NAN, 0, 1};
	size_t bad = 99;

	tap_ok(aniso_gamma_check(ANISO_FLOAT32, 3, 1, 2, iso_rows, &bad) == ANISO_OK && bad == 2,
	       "gamma_check: isotropic 1 and 0 are PSD");
	tap_ok(aniso_gamma_check(ANISO_FLOAT32, 3, 1, 3, iso_rows, &bad) == ANISO_ERR_BAD_ARG &&
		       bad == 2,
	       "gamma_check: isotropic -0.5 is not (row 2)");
	tap_ok(aniso_gamma_check(ANISO_FLOAT64, 2, 2, 2, diag, &bad) == ANISO_ERR_BAD_ARG && bad == 1,
	       "gamma_check: a diagonal with a negative entry (row 1) is not");
	tap_ok(aniso_gamma_check(ANISO_FLOAT64, 2, 4, 3, full, &bad) == ANISO_OK,
	       "gamma_check: PD, PD plus antisymmetric, and singular PSD full metrics pass");
	tap_ok(aniso_gamma_check(ANISO_FLOAT64, 2, 4, 4, full, &bad) == ANISO_ERR_BAD_ARG && bad == 3,
	       "gamma_check: an indefinite full metric fails (row 3)");
	tap_ok(aniso_gamma_check(ANISO_FLOAT64, 2, 4, 1, with_nan, &bad) == ANISO_ERR_BAD_ARG &&
		       bad == 0,
	       "gamma_check: NaN fails");
	tap_ok(aniso_gamma_check(ANISO_FLOAT64, 2, 3, 1, diag, &bad) == ANISO_ERR_BAD_K &&
		       aniso_gamma_check(ANISO_FLOAT64, 2, 2, 1, NULL, &bad) == ANISO_ERR_NULL_ARG,
	       "gamma_check: bad K and NULL gamma are errors");
}

int main(void)
{
	aniso_ctx *ctx = context_or_skip();
	int dt;

	if (!ctx)
		return tap_done();
	tap_plan(2 * 13 + 1 + 7);
	for (dt = 0; dt < 2; ++dt) {
		test_nan_inf(ctx, (aniso_dtype)dt);
		test_not_psd(ctx, (aniso_dtype)dt);
		test_magnitudes(ctx, (aniso_dtype)dt);
		test_subnormal_kernel(ctx, (aniso_dtype)dt);
		test_exp_range(ctx, (aniso_dtype)dt);
	}
	test_denormal(ctx);
	test_gamma_check();
	aniso_ctx_free(ctx);
	return tap_done();
}
