/*
 * The radial profiles and the options that choose them: aniso_options'
 * versioning rules (older and newer callers), bad values refused with a
 * message naming them, each profile's edge values (far points give exactly
 * 0, NaN stays NaN, q < 0 is evaluated at 0 as the header says), and the
 * device-array entry point agreeing bit for bit with the host one.
 * Accuracy against the double reference is in test_accuracy.
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

static void test_names(void)
{
	aniso_options o;
	aniso_kernel k = ANISO_KERNEL_LAPLACE;
	int ok = 1, n;

	memset(&o, 0xAB, sizeof(o));
	aniso_options_init(&o);
	tap_ok(o.struct_size == sizeof(o) && o.kernel == ANISO_KERNEL_GAUSSIAN,
	       "aniso_options_init: struct_size %zu, kernel gaussian", o.struct_size);
	for (n = 0; n < 4; ++n)
		ok = ok && aniso_kernel_from_name(aniso_kernel_name((aniso_kernel)n), &k) == ANISO_OK &&
		     k == (aniso_kernel)n;
	tap_ok(ok && strcmp(aniso_kernel_name(ANISO_KERNEL_IMQ), "imq") == 0,
	       "kernel names round-trip: gaussian laplace cauchy imq");
	k = ANISO_KERNEL_CAUCHY;
	tap_ok(aniso_kernel_from_name("Gaussian", &k) == ANISO_ERR_BAD_ARG &&
		       aniso_kernel_from_name("", &k) == ANISO_ERR_BAD_ARG &&
		       k == ANISO_KERNEL_CAUCHY && aniso_kernel_name((aniso_kernel)4) == NULL &&
		       aniso_kernel_name((aniso_kernel)-1) == NULL,
	       "unknown names and values refused, the output untouched");
}

/* A 2 x 3 problem, D = 2, E = 1, fixed diagonal gamma, in float32. */
static const float X[4] = {0.1f, 0.2f, 0.3f, 0.4f};
static const float Y[6] = {0.15f, 0.1f, 0.2f, 0.3f, 0.5f, 0.5f};
static const float B[3] = {1, -2, 3};
static const float G[2] = {1.5f, 2.5f};

static int sum_with(aniso_ctx *ctx, const void *options, float out[2])
{
	aniso_shape s = {2, 3, 2, 1, 2, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32};

	return aniso_sum_ex(ctx, &s, options, X, Y, B, G, out);
}

static void test_versions(aniso_ctx *ctx)
{
	/* Room for a newer caller's larger struct. */
	union {
		aniso_options o;
		unsigned char bytes[sizeof(aniso_options) + 16];
	} u;
	float plain[2], got[2] = {-7, -7};
	int err;

	tap_ok(aniso_sum_ex(ctx, &(aniso_shape){2, 3, 2, 1, 2, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32},
			    NULL, X, Y, B, G, plain) == ANISO_OK,
	       "options NULL: the defaults");
	memset(&u, 0, sizeof(u));
	aniso_options_init(&u.o);
	u.o.struct_size = 0;
	err = sum_with(ctx, &u.o, got);
	tap_ok(err == ANISO_ERR_BAD_ARG && got[0] == -7 &&
		       strstr(aniso_ctx_errmsg(ctx), "options->struct_size is 0") != NULL,
	       "struct_size 0 refused, naming it, out untouched: %s", aniso_ctx_errmsg(ctx));
	/* An older caller: its struct ends before kernel, so whatever lies
	 * there is not read and the default applies. */
	u.o.struct_size = sizeof(size_t);
	u.o.kernel = (aniso_kernel)77;
	err = sum_with(ctx, &u.o, got);
	tap_ok(err == ANISO_OK && memcmp(got, plain, sizeof(got)) == 0,
	       "an older caller's shorter struct: fields past it keep their defaults");
	/* A newer caller: bytes this library does not know must be zero. */
	aniso_options_init(&u.o);
	u.o.struct_size = sizeof(u);
	err = sum_with(ctx, &u.o, got);
	tap_ok(err == ANISO_OK && memcmp(got, plain, sizeof(got)) == 0,
	       "a newer caller's larger struct with its new fields at their defaults (zero)");
	u.bytes[sizeof(aniso_options) + 3] = 1;
	got[0] = -7;
	err = sum_with(ctx, &u.o, got);
	tap_ok(err == ANISO_ERR_BAD_ARG && got[0] == -7 &&
		       strstr(aniso_ctx_errmsg(ctx), "knows only") != NULL,
	       "a newer caller's field this library does not know is refused: %s",
	       aniso_ctx_errmsg(ctx));
	aniso_options_init(&u.o);
	u.o.kernel = (aniso_kernel)4;
	err = sum_with(ctx, &u.o, got);
	tap_ok(err == ANISO_ERR_BAD_ARG && got[0] == -7 &&
		       strstr(aniso_ctx_errmsg(ctx), "options->kernel is 4") != NULL,
	       "kernel = 4 refused, naming it: %s", aniso_ctx_errmsg(ctx));
}

/* One row, x = 0, against N = 2 points, D = 1, E = 1, fixed K = 1, in the
 * given dtype: out = f(g (x - y_0)^2) b_0 + f(g (x - y_1)^2) b_1. */
static int sum_1d(aniso_ctx *ctx, aniso_dtype dtype, aniso_kernel kernel, double x,
		  const double y[2], const double b[2], double g, double *out)
{
	aniso_shape s = {1, 2, 1, 1, 1, 1, ANISO_GAMMA_FIXED, dtype};
	aniso_options o;
	float xf = (float)x, yf[2] = {(float)y[0], (float)y[1]}, bf[2] = {(float)b[0], (float)b[1]};
	float gf = (float)g, of = 0;
	int err;

	aniso_options_init(&o);
	o.kernel = kernel;
	if (dtype == ANISO_FLOAT64)
		return aniso_sum_ex(ctx, &s, &o, &x, y, b, &g, out);
	err = aniso_sum_ex(ctx, &s, &o, &xf, yf, bf, &gf, &of);
	*out = of;
	return err;
}

static void test_edges(aniso_ctx *ctx, aniso_dtype dtype)
{
	/* Far enough that g (x - y)^2 overflows in the dtype (1e70 and 1e410). */
	const double far = dtype == ANISO_FLOAT64 ? 1e200 : 1e30;
	const double far_y[2] = {far, -far}, near_y[2] = {0.5, -0.25}, b[2] = {2, 3};
	int kernel;

	for (kernel = 0; kernel < 4; ++kernel) {
		const char *name = aniso_kernel_name((aniso_kernel)kernel);
		double out = -1, ref[1];
		int ok;

		/* q overflows to +Inf: every profile gives exactly 0. */
		ok = sum_1d(ctx, dtype, (aniso_kernel)kernel, 0, far_y, b, 1e10, &out) == ANISO_OK &&
		     out == 0 && !signbit(out);
		tap_ok(ok, "%s %s: points %g apart (q = +Inf) give exactly +0 (got %g)",
		       dtype_name(dtype), name, far, out);
		/* NaN in x: NaN out. */
		ok = sum_1d(ctx, dtype, (aniso_kernel)kernel, NAN, near_y, b, 1, &out) == ANISO_OK &&
		     isnan(out);
		tap_ok(ok, "%s %s: NaN in x gives NaN", dtype_name(dtype), name);
		/* gamma < 0, so q < 0: the Gaussian gives exp(-q) > 1, the others
		 * f(0) = 1 per term (header: evaluated at max(q, 0)). */
		reference_sum_profile(kernel, 1, 2, 1, 1, 1, 0, (double[]){0}, near_y, b,
				      (double[]){-2}, ref, NULL);
		ok = sum_1d(ctx, dtype, (aniso_kernel)kernel, 0, near_y, b, -2, &out) == ANISO_OK &&
		     fabs(out - ref[0]) <= 1e-6 * fabs(ref[0]) &&
		     (kernel == ANISO_KERNEL_GAUSSIAN ? out > 5 : out == 5);
		tap_ok(ok, "%s %s: q < 0 (gamma = -2) gives %.9g (expected %.9g)", dtype_name(dtype),
		       name, out, ref[0]);
	}
}

/* Device arrays with a profile: the same program as the host call, so the
 * same bits. */
static void test_arrays(aniso_ctx *ctx, tap_rng *rng)
{
	struct problem p;
	aniso_array *ax = NULL, *ay = NULL, *ab = NULL, *ag = NULL, *ao = NULL;
	aniso_options o;
	float *host = NULL, *dev = NULL;
	int ok;

	aniso_options_init(&o);
	o.kernel = ANISO_KERNEL_IMQ;
	ok = problem_make(&p, rng, ANISO_FLOAT32, 40, 70, 3, 2, 9, ANISO_GAMMA_PER_J) == 0;
	host = malloc(40 * 2 * sizeof(float));
	dev = malloc(40 * 2 * sizeof(float));
	ok = ok && host && dev &&
	     aniso_sum_ex(ctx, &p.shape, &o, p.xt, p.yt, p.bt, p.gammat, host) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 40, 3, p.xt, &ax) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 70, 3, p.yt, &ay) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 70, 2, p.bt, &ab) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 70, 9, p.gammat, &ag) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 40, 2, NULL, &ao) == ANISO_OK &&
	     aniso_sum_arrays_ex(ctx, &o, ax, ay, ab, ag, ANISO_GAMMA_PER_J, ao) == ANISO_OK &&
	     aniso_array_read(ao, dev) == ANISO_OK && memcmp(host, dev, 40 * 2 * sizeof(float)) == 0;
	tap_ok(ok, "aniso_sum_arrays_ex (imq, per-j full) equals aniso_sum_ex bit for bit");
	o.struct_size = 1;
	tap_ok(ao && aniso_sum_arrays_ex(ctx, &o, ax, ay, ab, ag, ANISO_GAMMA_PER_J, ao) ==
			     ANISO_ERR_BAD_ARG,
	       "aniso_sum_arrays_ex checks the options too");
	aniso_array_free(ax);
	aniso_array_free(ay);
	aniso_array_free(ab);
	aniso_array_free(ag);
	aniso_array_free(ao);
	free(host);
	free(dev);
	problem_free(&p);
}

int main(void)
{
	aniso_ctx *ctx = context_or_skip();
	tap_rng rng;
	int dt;

	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	tap_plan(3 + 6 + 2 * 12 + 2);
	test_names();
	test_versions(ctx);
	for (dt = 0; dt < 2; ++dt) {
		if (dt == ANISO_FLOAT64 && !aniso_ctx_has_fp64(ctx)) {
			int k;

			for (k = 0; k < 12; ++k)
				tap_skip("device has no float64", "float64 profile edges");
			continue;
		}
		test_edges(ctx, (aniso_dtype)dt);
	}
	test_arrays(ctx, &rng);
	aniso_ctx_free(ctx);
	return tap_done();
}
