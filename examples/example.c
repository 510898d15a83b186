/* A complete anisocl program: three Gaussians with a diagonal metric,
 * summed at a few points.  Build: cc example.c $(pkg-config --cflags --libs anisocl) */
#include <stdio.h>

#include <anisocl.h>

int main(void)
{
	/* y: 3 points in 2-D, b: one weight each, gamma: diag(Gamma) = (100, 20). */
	const float y[3 * 2] = {0.2f, 0.7f, 0.5f, 0.3f, 0.7f, 0.5f};
	const float b[3] = {1.0f, 1.0f, 0.5f};
	const float gamma[2] = {100.0f, 20.0f};
	const float x[4 * 2] = {0.2f, 0.7f, 0.5f, 0.5f, 0.0f, 0.0f, 0.7f, 0.45f};
	float out[4];
	aniso_shape shape = {
		.M = 4, .N = 3, .D = 2, .E = 1,
		.K = 2, .gamma_rows = 1, .gamma_var = ANISO_GAMMA_FIXED,
		.dtype = ANISO_FLOAT32,
	};
	char why[512];
	aniso_ctx *ctx = NULL;
	int err, i;

	err = aniso_ctx_create(&ctx, why, sizeof(why));
	if (err) {
		fprintf(stderr, "anisocl: %s: %s\n", aniso_strerror(err), why);
		return 1;
	}
	err = aniso_sum(ctx, &shape, x, y, b, gamma, out);
	if (err) {
		fprintf(stderr, "anisocl: %s: %s\n", aniso_strerror(err), aniso_ctx_errmsg(ctx));
		aniso_ctx_free(ctx);
		return 1;
	}
	printf("anisocl %s on %s\n", aniso_version_string(), aniso_ctx_device_name(ctx));
	for (i = 0; i < 4; ++i)
		printf("out(%.2f, %.2f) = %.6f\n", x[2 * i], x[2 * i + 1], out[i]);
	aniso_ctx_free(ctx);
	return 0;
}
