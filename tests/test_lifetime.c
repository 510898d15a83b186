/*
 * Arrays outlive aniso_ctx_free of their context, as OpenCL buffers outlive
 * clReleaseContext: after the context is freed, its arrays can still be
 * written, read back (a sum computed before included) and freed, and the
 * context goes with the last of them.  That last part (no leak, no read of
 * freed memory) is what tests/test_valgrind.sh checks on this program.
 */
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

int main(void)
{
	aniso_array *x = NULL, *y = NULL, *b = NULL, *g = NULL, *o = NULL, *w = NULL;
	struct problem p;
	aniso_ctx *ctx;
	tap_rng rng;
	float back[5 * 2], data[5 * 2];
	void *out = NULL;
	const aniso_shape *s = &p.shape;
	int err, k;

	ctx = context_or_skip();
	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	tap_plan(6);
	problem_make(&p, &rng, ANISO_FLOAT32, 13, 40, 3, 2, 3, ANISO_GAMMA_PER_J);
	err = aniso_array_create(ctx, s->dtype, s->M, s->D, p.xt, &x);
	if (!err)
		err = aniso_array_create(ctx, s->dtype, s->N, s->D, p.yt, &y);
	if (!err)
		err = aniso_array_create(ctx, s->dtype, s->N, s->E, p.bt, &b);
	if (!err)
		err = aniso_array_create(ctx, s->dtype, s->gamma_rows, s->K, p.gammat, &g);
	if (!err)
		err = aniso_array_create(ctx, s->dtype, s->M, s->E, NULL, &o);
	if (!err)
		err = aniso_array_create(ctx, ANISO_FLOAT32, 5, 2, NULL, &w);
	if (!err)
		err = aniso_sum_arrays(ctx, x, y, b, g, s->gamma_var, o);
	tap_ok(err == ANISO_OK, "arrays made and summed: %s", aniso_strerror(err));
	/* The caller's reference goes; the six arrays keep the context. */
	aniso_ctx_free(ctx);
	ctx = NULL;

	out = malloc(s->M * s->E * sizeof(float));
	err = o ? aniso_array_read(o, out) : ANISO_ERR_NULL_ARG;
	tap_ok(err == ANISO_OK && problem_compare(&p, out, TOL_FLOAT32, NULL),
	       "after aniso_ctx_free: the sum's result reads back right (%s)", aniso_strerror(err));
	for (k = 0; k < 10; ++k)
		data[k] = (float)k + 0.25f;
	memset(back, 0, sizeof(back));
	err = w ? aniso_array_write(w, data) : ANISO_ERR_NULL_ARG;
	if (!err)
		err = aniso_array_read(w, back);
	tap_ok(err == ANISO_OK && memcmp(back, data, sizeof(data)) == 0,
	       "after aniso_ctx_free: write then read gives the numbers back (%s)",
	       aniso_strerror(err));
	tap_ok(w && aniso_array_rows(w) == 5 && aniso_array_cols(w) == 2 && aniso_array_cl_mem(w),
	       "after aniso_ctx_free: the array's shape and buffer are still there");
	/* Free in an order unlike creation: the context goes with the last. */
	aniso_array_free(x);
	aniso_array_free(o);
	aniso_array_free(g);
	aniso_array_free(b);
	aniso_array_free(y);
	err = aniso_array_read(w, back);
	tap_ok(err == ANISO_OK && memcmp(back, data, sizeof(data)) == 0,
	       "the last array still reads after its siblings are freed (%s)", aniso_strerror(err));
	aniso_array_free(w);
	/* A context with no array still goes at aniso_ctx_free. */
	err = aniso_ctx_create(&ctx, NULL, 0);
	aniso_ctx_free(ctx);
	tap_ok(err == ANISO_OK, "a context with no array is freed by aniso_ctx_free");
	free(out);
	problem_free(&p);
	return tap_done();
}
