/* One gradient step on a diagonal gamma: fit the widths of a kernel sum to
 * target values by descending L = 1/2 sum_i (out_i - t_i)^2, whose
 * cotangent is a = out - t (README.md, "A gradient step"). */
#include <stdio.h>
#include <anisocl.h>

int main(void)
{
	const double y[3 * 2] = {0.2, 0.7, 0.5, 0.3, 0.7, 0.5};
	const double b[3] = {1.0, 1.0, 0.5};
	const double x[4 * 2] = {0.2, 0.6, 0.5, 0.4, 0.6, 0.5, 0.3, 0.3};
	const double target[4] = {1.2, 1.1, 1.0, 0.6};
	double gamma[2] = {10.0, 10.0}, out[4], a[4], grad[2], loss = 0;
	aniso_shape shape = {.M = 4, .N = 3, .D = 2, .E = 1, .K = 2, .gamma_rows = 1,
			     .gamma_var = ANISO_GAMMA_FIXED, .dtype = ANISO_FLOAT64};
	char why[512];
	aniso_ctx *ctx;
	int err = aniso_ctx_create(&ctx, why, sizeof(why)), i, step;

	if (err) {
		fprintf(stderr, "%s: %s\n", aniso_strerror(err), why);
		return 1;
	}
	for (step = 0; step < 3 && !err; ++step) {
		err = aniso_sum(ctx, &shape, x, y, b, gamma, out);
		for (i = 0, loss = 0; i < 4 && !err; ++i) {
			a[i] = out[i] - target[i]; /* dL/dout */
			loss += 0.5 * a[i] * a[i];
		}
		if (!err)
			err = aniso_grad(ctx, &shape, NULL, ANISO_WRT_GAMMA, x, y, b, gamma, a, grad);
		if (!err) {
			printf("step %d: loss %.6f, gamma (%.4f, %.4f)\n", step, loss, gamma[0], gamma[1]);
			gamma[0] -= 20.0 * grad[0];
			gamma[1] -= 20.0 * grad[1];
		}
	}
	if (err)
		fprintf(stderr, "%s: %s\n", aniso_strerror(err), aniso_ctx_errmsg(ctx));
	aniso_ctx_free(ctx);
	return err != 0;
}
