/*
 * A problem larger than the device for real (not in the default suite:
 * `make tests/test_large && tests/test_large`, run by CI): y alone is bigger than
 * the device's largest allocation, so aniso_sum must stream it in chunks.
 * N is 10% over what one allocation holds (on PoCL here: 2 GiB, so
 * N = 1.97e8 points in 3-D, float32: y 2.4 GB, b 0.8 GB), M = 8,
 * isotropic gamma; compared with a double-precision sum over the same
 * floats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_common.h"

int main(void)
{
	const size_t M = 8, D = 3;
	size_t N;
	aniso_shape s;
	aniso_device_info info;
	size_t count = 0, i, j;
	float *x, *y, *b, *out, gamma = 2.0f;
	double worst = 0;
	tap_rng rng;
	aniso_ctx *ctx = context_or_skip();
	int err;

	if (!ctx)
		return tap_done();
	aniso_device_list(&info, 1, &count, NULL, NULL, 0);
	N = count ? (size_t)(info.max_alloc_bytes / (D * sizeof(float)) * 11 / 10) : 0;
	if (N == 0 || N > 400000000) {
		/* Over 4.8 GB of host memory: not on a 24 GB CI machine. */
		tap_skip_all("the device allocates %llu bytes at once: too large a test",
			     count ? info.max_alloc_bytes : 0ULL);
		aniso_ctx_free(ctx);
		return 0;
	}
	s = (aniso_shape){M, N, D, 1, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32};
	tap_plan(2);
	tap_rng_seed(&rng, tap_seed_from_env());
	x = malloc(M * D * sizeof(float));
	y = malloc(N * D * sizeof(float));
	b = malloc(N * sizeof(float));
	out = malloc(M * sizeof(float));
	if (!x || !y || !b || !out) {
		tap_ok(0, "host memory for N = %zu", N);
		tap_ok(0, "skipped");
		goto out;
	}
	tap_ok(count > 0 && N * D * sizeof(float) > info.max_alloc_bytes,
	       "y (%zu bytes) exceeds the device's largest allocation (%llu bytes)",
	       N * D * sizeof(float), count ? info.max_alloc_bytes : 0ULL);
	for (i = 0; i < M * D; ++i)
		x[i] = (float)tap_uniform(&rng);
	for (j = 0; j < N * D; ++j)
		y[j] = (float)tap_uniform(&rng);
	for (j = 0; j < N; ++j)
		b[j] = (float)(0.5 + tap_uniform(&rng));
	err = aniso_sum(ctx, &s, x, y, b, &gamma, out);
	if (err) {
		tap_ok(0, "aniso_sum: %s: %s", aniso_strerror(err), aniso_ctx_errmsg(ctx));
		goto out;
	}
	/* Positive terms: the relative error is the one to bound (1e-5, the
	 * float32 tolerance of the whole suite). */
	for (i = 0; i < M; ++i) {
		double ref = 0;

		for (j = 0; j < N; ++j) {
			double d0 = (double)x[i * D] - y[j * D];
			double d1 = (double)x[i * D + 1] - y[j * D + 1];
			double d2 = (double)x[i * D + 2] - y[j * D + 2];

			ref += exp(-(double)gamma * (d0 * d0 + d1 * d1 + d2 * d2)) * b[j];
		}
		worst = fmax(worst, fabs(out[i] - ref) / ref);
	}
	tap_ok(worst <= 1e-5, "streamed sum over N = %zu: max relative error %.3g <= 1e-5", N, worst);
out:
	free(out);
	free(b);
	free(y);
	free(x);
	aniso_ctx_free(ctx);
	return tap_done();
}
