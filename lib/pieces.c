/*
 * Pieces of one sum for a caller that spreads it further than one process
 * (anisocl-mpi): the whole problem's j-blocks, one piece's block partials,
 * and the combine pass that merges them.  Thin checked wrappers over what
 * lib/multi.c uses inside the library (aniso_plan_j_block_len,
 * aniso_host_piece, aniso_host_combine), so that the bits stay those of
 * one device: nothing here computes anything of its own.
 */
#include "config.h"

#include "internal.h"

/* Lock, clear the message, check the shape and options (exact sums only:
 * a truncated sum's kept pairs are not a function of whole j-blocks);
 * unlock.  The host functions called next take the lock themselves. */
static int check_call(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
		      struct aniso_formula *formula, const char *call)
{
	int err;

	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = aniso_host_entry_formula(ctx, shape, options, call, formula);
	pthread_mutex_unlock(&ctx->lock);
	return err;
}

/* Report a caller's mistake found outside the lock. */
static int refuse(aniso_ctx *ctx, int code, const char *what)
{
	int err;

	pthread_mutex_lock(&ctx->lock);
	err = aniso_msg_set(&ctx->msg, code, "%s", what);
	pthread_mutex_unlock(&ctx->lock);
	return err;
}

int aniso_sum_block_len(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
			size_t *block_len, size_t *partial_bytes)
{
	struct aniso_formula formula;
	size_t width;
	int err;

	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	err = check_call(ctx, shape, options, &formula, "aniso_sum_block_len");
	if (err != ANISO_OK)
		goto out;
	if (!block_len || !partial_bytes) {
		err = refuse(ctx, ANISO_ERR_NULL_ARG, "block_len or partial_bytes is NULL: "
			     "expected where to store the two sizes");
		goto out;
	}
	width = aniso_formula_partial_width(&formula);
	*block_len = aniso_plan_j_block_len(shape, shape->E, width);
	*partial_bytes = shape->E * width * aniso_dtype_size(shape->dtype);
out:
	return err;
}

int aniso_sum_piece(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
		    size_t block_len, int partials_only, const void *x, const void *y,
		    const void *b, const void *gamma, void *result)
{
	struct aniso_host_arrays arrays = {
		.x = x, .y = y, .b = b, .gamma = gamma, .result_name = "result", .result = result};
	struct aniso_formula formula;
	const char *missing;
	int err;

	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	err = check_call(ctx, shape, options, &formula, "aniso_sum_piece");
	if (err != ANISO_OK)
		goto out;
	if (block_len == 0) {
		err = refuse(ctx, ANISO_ERR_BAD_ARG, "block_len is 0: expected the whole problem's "
			     "(aniso_sum_block_len)");
		goto out;
	}
	/* result is required whenever M > 0, as a sum's out, even when it
	 * would receive no partials (N = 0). */
	arrays.result_count = shape->M * shape->E;
	missing = aniso_host_first_null(shape, &arrays);
	if (missing) {
		err = refuse(ctx, ANISO_ERR_NULL_ARG, missing == arrays.result_name
			     ? "result is NULL: expected a host array"
			     : "an input is NULL: expected host arrays for x, y, b and gamma");
		goto out;
	}
	if (shape->M == 0)
		goto out;
	if (shape->N == 0) {
		/* No block: no partials; final values are the empty sum. */
		if (!partials_only)
			aniso_fill_host(result, shape->dtype, shape->M * shape->E,
					aniso_empty_value(&formula));
		goto out;
	}
	err = aniso_host_piece(ctx, shape, &formula, block_len, partials_only, x, y, b, gamma,
			       result);
out:
	return err;
}

int aniso_sum_combine(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
		      size_t blocks, const void *partials, void *out)
{
	struct aniso_formula formula;
	int err;

	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	err = check_call(ctx, shape, options, &formula, "aniso_sum_combine");
	if (err != ANISO_OK)
		goto out;
	if (shape->M == 0)
		goto out;
	if (blocks == 0) {
		err = refuse(ctx, ANISO_ERR_BAD_ARG, "blocks is 0: expected the number of "
			     "j-blocks whose partials to merge");
		goto out;
	}
	if (!partials || !out) {
		err = refuse(ctx, ANISO_ERR_NULL_ARG, !partials
			     ? "partials is NULL: expected blocks x M partials"
			     : "out is NULL: expected an M x E host array");
		goto out;
	}
	err = aniso_host_combine(ctx, shape, &formula, blocks, partials, out);
out:
	return err;
}
