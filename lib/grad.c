/*
 * Gradients of L = sum_ie a_ie out_ie (see anisocl.h): each one is a run of
 * the reduction skeleton with another formula (cl/formula_*.cl), rows and
 * terms swapped for the sums over i:
 *
 *   wrt x              rows x, terms y, formula grad_point (row weights a)
 *   wrt y              rows y, terms x, formula grad_point (row weights b)
 *   wrt b              rows y, terms x, formula sum (term weights a)
 *   wrt gamma, per i   rows x, terms y, formula grad_metric
 *   wrt gamma, per j   rows y, terms x, formula grad_metric
 *   wrt gamma, fixed   as per i, then the rows added in row order
 *
 * The gradients of logsumexp run the forward sum first (out, M x E), then
 * pack each side's weights into (u, v) pairs so that a pair's softmax
 * weight is the same expression whichever side is the row
 * (cl/grad_weight.cl): i side (a, -out), j side (1, b).  wrt b uses
 * formula grad_weight (rows y, terms x).
 *
 * Swapping turns per-j gamma into per-row gamma and d into -d: the
 * quadratic form and d d^T are even in d, (G + G^T) d is odd, which is the
 * sign that dL/dy has.  So the skeleton needs no notion of "over i".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const WRT_NAMES[] = {"x", "y", "b", "gamma"};
#define WRT_COUNT (sizeof(WRT_NAMES) / sizeof(WRT_NAMES[0]))

const char *aniso_wrt_name(aniso_wrt wrt)
{
	return (unsigned)wrt < WRT_COUNT ? WRT_NAMES[wrt] : NULL;
}

int aniso_wrt_from_name(const char *name, aniso_wrt *wrt)
{
	size_t k;

	if (!name || !wrt)
		return ANISO_ERR_NULL_ARG;
	for (k = 0; k < WRT_COUNT; ++k)
		if (strcmp(name, WRT_NAMES[k]) == 0) {
			*wrt = (aniso_wrt)k;
			return ANISO_OK;
		}
	return ANISO_ERR_BAD_ARG;
}

/* The reduction that computes one gradient. */
struct grad_plan {
	aniso_shape caller; /* the caller's shape                     */
	aniso_shape shape; /* as the kernel sees it: M rows, N terms */
	struct aniso_formula formula;
	int swap;          /* rows are y (and terms x)                */
	int sum_rows;      /* fixed gamma: add the M x K rows          */
	size_t grad_rows, grad_cols;
};

static aniso_gamma_var swapped_var(aniso_gamma_var var)
{
	if (var == ANISO_GAMMA_PER_I)
		return ANISO_GAMMA_PER_J;
	if (var == ANISO_GAMMA_PER_J)
		return ANISO_GAMMA_PER_I;
	return var;
}

/* Check wrt and K, and plan the reduction for a valid shape. */
static int grad_plan_make(aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
			  aniso_wrt wrt, struct grad_plan *g)
{
	memset(g, 0, sizeof(*g));
	if (!aniso_wrt_name(wrt))
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
				     "wrt is %d: expected ANISO_WRT_X (0), _Y (1), _B (2) or _GAMMA (3)",
				     (int)wrt);
	if (aniso_formula_exact_only(ctx, f, "a gradient") != ANISO_OK)
		return ANISO_ERR_BAD_ARG;
	if (wrt == ANISO_WRT_GAMMA && s->K > ANISO_MAX_GRAD_GAMMA_K)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				     "shape->K is %zu: the gradient with respect to gamma takes at most "
				     "ANISO_MAX_GRAD_GAMMA_K = %d numbers per gamma row (a full gamma up to "
				     "D = 32)",
				     s->K, ANISO_MAX_GRAD_GAMMA_K);
	g->caller = g->shape = *s;
	g->formula = *f;
	g->swap = wrt == ANISO_WRT_Y || wrt == ANISO_WRT_B ||
		  (wrt == ANISO_WRT_GAMMA && s->gamma_var == ANISO_GAMMA_PER_J);
	if (g->swap) {
		g->shape.M = s->N;
		g->shape.N = s->M;
		g->shape.gamma_var = swapped_var(s->gamma_var);
	}
	switch (wrt) {
	case ANISO_WRT_X:
	case ANISO_WRT_Y:
		g->formula.id = ANISO_FORMULA_GRAD_POINT;
		break;
	case ANISO_WRT_B:
		g->formula.id = f->reduction == ANISO_REDUCTION_LOGSUMEXP ? ANISO_FORMULA_GRAD_WEIGHT
									  : ANISO_FORMULA_SUM;
		break;
	default:
		g->formula.id = ANISO_FORMULA_GRAD_METRIC;
		g->sum_rows = s->gamma_var == ANISO_GAMMA_FIXED;
		break;
	}
	g->grad_rows = wrt == ANISO_WRT_GAMMA ? s->gamma_rows : g->shape.M;
	g->grad_cols = aniso_formula_cols(g->formula.id, s);
	return ANISO_OK;
}

static int is_softmax(const struct grad_plan *g)
{
	return g->formula.reduction == ANISO_REDUCTION_LOGSUMEXP;
}

/* Bytes of the logsumexp's forward result and of its two packed sides. */
static void softmax_bytes(const struct grad_plan *g, size_t *forward, size_t *pack_i,
			  size_t *pack_j)
{
	const size_t row = g->caller.E * aniso_dtype_size(g->caller.dtype);

	*forward = *pack_i = *pack_j = 0;
	if (!is_softmax(g))
		return;
	*forward = g->caller.M * row;
	*pack_i = 2 * *forward;
	*pack_j = 2 * g->caller.N * row;
}

/* The logsumexp's out (M x E: the caller's, or computed here), then its
 * i side (a, -out) and j side (1, b) packed for the gradient's program. */
static int softmax_sides(aniso_ctx *ctx, const struct grad_plan *g, cl_mem x, cl_mem y,
			 cl_mem b, cl_mem gamma, cl_mem a, cl_mem given, cl_mem *pack_i,
			 cl_mem *pack_j)
{
	struct aniso_formula forward = g->formula;
	size_t forward_bytes, pack_i_bytes, pack_j_bytes;
	cl_mem out = given;
	int err;

	forward.id = ANISO_FORMULA_SUM;
	softmax_bytes(g, &forward_bytes, &pack_i_bytes, &pack_j_bytes);
	if ((err = aniso_scratch_get(ctx, SCRATCH_PACK_I, pack_i_bytes, pack_i)) != ANISO_OK ||
	    (err = aniso_scratch_get(ctx, SCRATCH_PACK_J, pack_j_bytes, pack_j)) != ANISO_OK)
		goto out;
	if (!given) {
		err = aniso_scratch_get(ctx, SCRATCH_FORWARD, forward_bytes, &out);
		if (err == ANISO_OK)
			err = aniso_reduce_buffers(ctx, &g->caller, &forward, x, y, b, gamma, NULL,
						   out);
		if (err != ANISO_OK)
			goto out;
	}
	err = aniso_pack_softmax_buffers(ctx, &g->shape, &g->formula, g->caller.M, a, out, -1.0,
					 *pack_i);
	if (err != ANISO_OK)
		goto out;
	err = aniso_pack_softmax_buffers(ctx, &g->shape, &g->formula, g->caller.N, NULL, b, 1.0,
					 *pack_j);
out:
	return err;
}

/* Run a planned gradient on device buffers (in the caller's roles: x is
 * M x D, a is M x E, ...; forward: the sum's result, or NULL); M > 0 and
 * N > 0. */
static int grad_buffers(aniso_ctx *ctx, const struct grad_plan *g, cl_mem x, cl_mem y,
			cl_mem b, cl_mem gamma, cl_mem a, cl_mem forward, cl_mem grad)
{
	cl_mem rows = g->swap ? y : x, terms = g->swap ? x : y;
	cl_mem i_side = a, j_side = b;
	cl_mem term_weights, row_weights;
	cl_mem per_row = grad;
	int err;

	if (is_softmax(g)) {
		err = softmax_sides(ctx, g, x, y, b, gamma, a, forward, &i_side, &j_side);
		if (err != ANISO_OK)
			goto out;
	}
	term_weights = g->swap ? i_side : j_side;
	row_weights = g->swap ? j_side : i_side;
	if (g->formula.id == ANISO_FORMULA_SUM)
		row_weights = NULL;
	if (g->sum_rows) {
		err = aniso_scratch_get(ctx, SCRATCH_ROWS,
					g->shape.M * g->grad_cols * aniso_dtype_size(g->shape.dtype),
					&per_row);
		if (err != ANISO_OK)
			goto out;
	}
	err = aniso_reduce_buffers(ctx, &g->shape, &g->formula, rows, terms, term_weights, gamma,
				   row_weights, per_row);
	if (err != ANISO_OK || !g->sum_rows)
		goto out;
	err = aniso_sum_rows_buffers(ctx, &g->shape, &g->formula, per_row, g->shape.M, g->grad_cols,
				     grad);
out:
	return err;
}

/* ---- host arrays ------------------------------------------------------ */

/* Gradients are not streamed: every buffer must fit at once. */
static int check_fits(aniso_ctx *ctx, const struct grad_plan *g, const struct aniso_bytes *in,
		      size_t a_bytes, size_t grad_bytes)
{
	const size_t per_row = g->sum_rows ? g->shape.M * g->grad_cols *
						     aniso_dtype_size(g->shape.dtype)
					   : 0;
	const char *names[] = {"x", "y", "b", "gamma", "a", "grad", "the per-row gradient",
			       "the logsumexp", "its packed i side", "its packed j side"};
	size_t sizes[] = {in->x, in->y, in->b, in->gamma, a_bytes, grad_bytes, per_row, 0, 0, 0};
	const size_t count = sizeof(sizes) / sizeof(sizes[0]);
	struct aniso_fit fit;
	int err = ANISO_OK;

	softmax_bytes(g, &sizes[7], &sizes[8], &sizes[9]);
	if (aniso_fits_at_once(&ctx->caps, sizes, count, &fit))
		goto out;
	if (fit.too_large < count)
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				    "%s takes %zu bytes: gradients are not streamed, and the "
				    "device's largest allocation is %llu bytes (%s)",
				    names[fit.too_large], sizes[fit.too_large],
				    (unsigned long long)ctx->caps.max_alloc_bytes, ctx->caps.name);
	else
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				    "the gradient's arrays take %llu bytes: gradients are not streamed, "
				    "and they must fit half the device's memory (%llu bytes, %s)",
				    fit.total, (unsigned long long)aniso_memory_budget(&ctx->caps),
				    ctx->caps.name);
out:
	return err;
}

int aniso_grad(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
	       aniso_wrt wrt, const void *x, const void *y, const void *b, const void *gamma,
	       const void *a, void *grad)
{
	return aniso_grad_with_out(ctx, shape, options, wrt, x, y, b, gamma, a, NULL, grad);
}

int aniso_grad_with_out(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
			aniso_wrt wrt, const void *x, const void *y, const void *b,
			const void *gamma, const void *a, const void *out, void *grad)
{
	/* out, the forward result, is optional: not among the arrays checked. */
	struct aniso_host_arrays arrays = {.x = x, .y = y, .b = b, .gamma = gamma, .has_a = 1,
					   .a = a, .result_name = "grad", .result = grad};
	struct aniso_formula formula;
	struct aniso_bytes bytes;
	struct grad_plan g;
	cl_mem bx, by, bb, bg, ba, bout, bforward = NULL;
	size_t a_bytes, grad_bytes;
	cl_int status;
	int err, finished;

	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = aniso_host_entry_formula(ctx, shape, options, NULL, &formula);
	if (err != ANISO_OK)
		goto out;
	err = grad_plan_make(ctx, shape, &formula, wrt, &g);
	if (err != ANISO_OK)
		goto out;
	/* The gradient of a sum with no pair is 0, for logsumexp too. */
	arrays.result_count = g.grad_rows * g.grad_cols;
	err = aniso_host_entry_arrays(&ctx->msg, shape, &arrays, 0.0, &finished);
	if (err != ANISO_OK || finished)
		goto out;
	/* Sizes are valid: aniso_validate_shape checked every product. */
	aniso_shape_bytes(shape, &bytes);
	a_bytes = bytes.out;
	grad_bytes = arrays.result_count * aniso_dtype_size(shape->dtype);
	err = check_fits(ctx, &g, &bytes, a_bytes, grad_bytes);
	if (err != ANISO_OK)
		goto out;
	if ((err = aniso_scratch_upload(ctx, SCRATCH_X, "x", x, bytes.x, &bx)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_Y, "y", y, bytes.y, &by)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_B, "b", b, bytes.b, &bb)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_GAMMA, "gamma", gamma, bytes.gamma, &bg)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_A, "a", a, a_bytes, &ba)) != ANISO_OK)
		goto finish;
	/* Only the gradients of logsumexp read the forward result. */
	if (out && is_softmax(&g)) {
		err = aniso_scratch_upload(ctx, SCRATCH_FORWARD, "out", out, bytes.out, &bforward);
		if (err != ANISO_OK)
			goto finish;
	}
	err = aniso_scratch_get(ctx, SCRATCH_OUT, grad_bytes, &bout);
	if (err != ANISO_OK)
		goto finish;
	err = grad_buffers(ctx, &g, bx, by, bb, bg, ba, bforward, bout);
	if (err != ANISO_OK)
		goto finish;
	status = clEnqueueReadBuffer(ctx->queue, bout, CL_TRUE, 0, grad_bytes, grad, 0, NULL,
				     NULL);
	if (status != CL_SUCCESS)
		err = aniso_cl_fail(&ctx->msg, "clEnqueueReadBuffer(grad)", status);
finish:
	if (err != ANISO_OK)
		/* Pending writes read the caller's arrays: finish them before
		 * returning, whatever failed. */
		(void)clFinish(ctx->queue);
out:
	pthread_mutex_unlock(&ctx->lock);
	return err;
}

/* ---- device arrays ---------------------------------------------------- */

/* Check that the arrays agree and fill the shape they describe: all[] is
 * x, y, b, gamma, a, then out (the sum's result) when count is 7, then
 * grad. */
static int shape_from_arrays(aniso_ctx *ctx, const aniso_array *const all[], size_t count,
			     aniso_gamma_var gamma_var, aniso_shape *s)
{
	static const char *const with_out[7] = {"x", "y", "b", "gamma", "a", "out", "grad"};
	static const char *const without[6] = {"x", "y", "b", "gamma", "a", "grad"};
	const aniso_array *x = all[0], *b = all[2];
	int err = aniso_arrays_check(ctx, all, count == 7 ? with_out : without, count);
	size_t k;

	if (err != ANISO_OK)
		return err;
	for (k = 4; k < count - 1; ++k)
		if (all[k]->rows != x->rows || all[k]->cols != b->cols)
			return aniso_msg_set(&ctx->msg, ANISO_ERR_SHAPE,
					     "%s is %zu x %zu: expected M x E = %zu x %zu (the shape of "
					     "the sum)",
					     k == 4 ? "a" : "out", all[k]->rows, all[k]->cols, x->rows,
					     b->cols);
	return aniso_arrays_shape(ctx, all, gamma_var, s);
}

int aniso_grad_arrays(aniso_ctx *ctx, const aniso_options *options, aniso_wrt wrt,
		      const aniso_array *x, const aniso_array *y, const aniso_array *b,
		      const aniso_array *gamma, aniso_gamma_var gamma_var, const aniso_array *a,
		      aniso_array *grad)
{
	return aniso_grad_arrays_with_out(ctx, options, wrt, x, y, b, gamma, gamma_var, a, NULL,
					  grad);
}

int aniso_grad_arrays_with_out(aniso_ctx *ctx, const aniso_options *options, aniso_wrt wrt,
			       const aniso_array *x, const aniso_array *y, const aniso_array *b,
			       const aniso_array *gamma, aniso_gamma_var gamma_var,
			       const aniso_array *a, const aniso_array *out, aniso_array *grad)
{
	const aniso_array *const all[7] = {x, y, b, gamma, a, out ? out : grad, grad};
	struct aniso_formula formula;
	struct grad_plan g;
	aniso_shape shape;
	int err;

	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = shape_from_arrays(ctx, all, out ? 7 : 6, gamma_var, &shape);
	if (err != ANISO_OK)
		goto out;
	err = aniso_formula_from_options(ctx, options, &formula);
	if (err != ANISO_OK)
		goto out;
	err = grad_plan_make(ctx, &shape, &formula, wrt, &g);
	if (err != ANISO_OK)
		goto out;
	if (grad->rows != g.grad_rows || grad->cols != g.grad_cols) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_SHAPE,
				    "grad is %zu x %zu: expected %zu x %zu, the shape of %s",
				    grad->rows, grad->cols, g.grad_rows, g.grad_cols, aniso_wrt_name(wrt));
		goto out;
	}
	if (g.grad_rows == 0)
		goto out;
	if (shape.M == 0 || shape.N == 0)
		err = aniso_array_fill(ctx, grad, 0.0, "grad");
	else
		err = grad_buffers(ctx, &g, x->buffer, y->buffer, b->buffer, gamma->buffer,
				   a->buffer, out && is_softmax(&g) ? out->buffer : NULL,
				   grad->buffer);
out:
	pthread_mutex_unlock(&ctx->lock);
	return err;
}
