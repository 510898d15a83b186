/*
 * The host-array entry point: copy in, compute, copy out, in passes when
 * the problem does not fit the device at once.
 *
 * One planner (aniso_plan_j_block_len) cuts j into blocks that depend on
 * the problem only.  A pass is some rows i against some whole j-blocks;
 * its block partials come back to the host, and every row's partials are
 * merged on the device by the combine pass, in block order: exactly what
 * one pass over everything does.  So the bits of a result do not depend
 * on how the problem was cut into passes, nor on which device ran which
 * piece (lib/multi.c runs pieces on several devices with the same
 * functions).  Everything lands in a staging copy first, and `out` is
 * written only when every pass has succeeded.
 *
 * Only a device whose largest allocation cannot hold one block of y, b
 * or per-j gamma (512 rows; an artificial cap, ANISOCL_MAX_ALLOC_BYTES)
 * falls back to the older streaming: j-chunks sized from the device's
 * memory, each one an ordinary sum, merged on the host in double, in chunk
 * order (added with compensation for the sum, as (max, scaled sum) pairs
 * for logsumexp: see merge_value).  Deterministic and as accurate, but
 * its bits are the device's own.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t max3(size_t a, size_t b, size_t c)
{
	size_t m = a > b ? a : b;

	return m > c ? m : c;
}

/*
 * Rows of x (and out) and of y per pass, so that every buffer fits the
 * device; both equal M and N when the problem fits at once.  A planner:
 * it sizes passes from per-row bytes against the same two limits that
 * aniso_fits_at_once checks for a list of buffers, and asks that function
 * only whether the smallest pass, one row against one term, fits.
 */
static int stream_chunks(aniso_ctx *ctx, const aniso_shape *s, size_t *rows_i,
			 size_t *rows_j)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	const size_t K_i = s->gamma_var == ANISO_GAMMA_PER_I ? s->K : 0;
	const size_t K_j = s->gamma_var == ANISO_GAMMA_PER_J ? s->K : 0;
	/* Bytes per row on each side; the widest array of a side sets how
	 * many rows one allocation can hold. */
	const size_t row_i = (s->D + s->E + K_i) * elem, row_j = (s->D + s->E + K_j) * elem;
	const size_t widest_i = max3(s->D, s->E, K_i), widest_j = max3(s->D, s->E, K_j);
	/* x, y, b, gamma and out of one row against one term. */
	const size_t one_pair[] = {s->D * elem, s->D * elem, s->E * elem, s->K * elem, s->E * elem};
	const cl_ulong max_alloc = ctx->caps.max_alloc_bytes;
	const cl_ulong budget = aniso_memory_budget(&ctx->caps);
	cl_ulong fixed_gamma = s->gamma_var == ANISO_GAMMA_FIXED ? s->K * elem : 0;
	size_t ni, nj;

	if (!aniso_fits_at_once(&ctx->caps, one_pair, sizeof(one_pair) / sizeof(one_pair[0]),
				NULL))
		return aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				     "one row of the problem (D = %zu, E = %zu, K = %zu) does not fit the "
				     "device's largest allocation (%llu bytes on %s)",
				     s->D, s->E, s->K, (unsigned long long)max_alloc, ctx->caps.name);
	/* Each side gets half of what is left; a side that fits whole gives
	 * its unused half to the other. */
	ni = min_size(s->M, (size_t)(max_alloc / (widest_i * elem)));
	nj = min_size(s->N, (size_t)(max_alloc / (widest_j * elem)));
	{
		cl_ulong room = budget - fixed_gamma;
		cl_ulong half = room / 2;

		if ((cl_ulong)nj * row_j <= half)
			ni = min_size(ni, (size_t)((room - (cl_ulong)nj * row_j) / row_i));
		else if ((cl_ulong)ni * row_i <= half)
			nj = min_size(nj, (size_t)((room - (cl_ulong)ni * row_i) / row_j));
		else {
			ni = min_size(ni, (size_t)(half / row_i));
			nj = min_size(nj, (size_t)(half / row_j));
		}
	}
	*rows_i = ni ? ni : 1;
	*rows_j = nj ? nj : 1;
	return ANISO_OK;
}

/* One pass whose arrays all fit: into host memory `result`, M x E final
 * values, or with partials_only the blocks' partials (see
 * aniso_reduce_blocks); j_block_len 0: the plan's own blocks. */
static int run_pass(aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
		    size_t j_block_len, int partials_only, const void *x, const void *y,
		    const void *b, const void *gamma, void *result, size_t result_bytes)
{
	struct aniso_bytes bytes;
	cl_mem bx, by, bb, bg, bo;
	cl_int status;
	int err;

	aniso_shape_bytes(s, &bytes);
	if ((err = aniso_scratch_upload(ctx, SCRATCH_X, "x", x, bytes.x, &bx)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_Y, "y", y, bytes.y, &by)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_B, "b", b, bytes.b, &bb)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_GAMMA, "gamma", gamma, bytes.gamma, &bg)) != ANISO_OK)
		goto out;
	err = aniso_scratch_get(ctx, SCRATCH_OUT, result_bytes, &bo);
	if (err != ANISO_OK)
		goto out;
	err = aniso_reduce_blocks(ctx, s, f, j_block_len, partials_only, bx, by, bb, bg, NULL, bo);
	if (err != ANISO_OK)
		goto out;
	status = clEnqueueReadBuffer(ctx->queue, bo, CL_TRUE, 0, result_bytes, result, 0, NULL,
				     NULL);
	if (status != CL_SUCCESS)
		err = aniso_cl_fail(&ctx->msg, "clEnqueueReadBuffer(out)", status);
out:
	if (err != ANISO_OK)
		/* Pending writes read the caller's arrays: finish them before
		 * returning, whatever failed. */
		(void)clFinish(ctx->queue);
	return err;
}

/* One sum whose arrays all fit: result (M x E) into host memory. */
static int sum_once(aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
		    const void *x, const void *y, const void *b, const void *gamma,
		    void *result)
{
	struct aniso_bytes bytes;

	aniso_shape_bytes(s, &bytes);
	return run_pass(ctx, s, f, 0, 0, x, y, b, gamma, result, bytes.out);
}

static double element(const void *a, size_t k, aniso_dtype dtype)
{
	return dtype == ANISO_FLOAT64 ? ((const double *)a)[k] : ((const float *)a)[k];
}

/* Neumaier's compensated addition, kept finite-safe like the kernels'. */
static void add_compensated(double *sum, double *compensation, double value)
{
	double t = *sum + value;

	if (isfinite(t))
		*compensation += fabs(*sum) >= fabs(value) ? (*sum - t) + value : (value - t) + *sum;
	*sum = t;
}

/* Fold one j-chunk's result v into the running merge (a, b) of an output:
 * the sum's (sum, compensation), or logsumexp's (m, s) standing for
 * m + log s.  logsumexp starts at (-Inf, 0) and takes v - m as 0 when
 * v == m, so that -Inf and +Inf chunks merge without Inf - Inf = NaN; a
 * NaN chunk makes s NaN. */
static void merge_start(aniso_reduction reduction, double *a, double *b)
{
	*a = reduction == ANISO_REDUCTION_LOGSUMEXP ? -INFINITY : 0.0;
	*b = 0.0;
}

static void merge_value(aniso_reduction reduction, double *a, double *b, double v)
{
	if (reduction != ANISO_REDUCTION_LOGSUMEXP) {
		add_compensated(a, b, v);
	} else if (v > *a) {
		*b = *b * exp(*a - v) + 1;
		*a = v;
	} else {
		*b += v == *a ? 1.0 : exp(v - *a);
	}
}

static double merge_result(aniso_reduction reduction, double a, double b)
{
	return reduction == ANISO_REDUCTION_LOGSUMEXP ? a + log(b) : a + b;
}

static int sum_streamed(aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
			const char *x, const char *y, const char *b, const char *gamma,
			size_t rows_i, size_t rows_j, char *staging)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	char *chunk_out = malloc(rows_i * s->E * elem);
	double *sum = calloc(rows_i * s->E, sizeof(double));
	double *compensation = calloc(rows_i * s->E, sizeof(double));
	size_t i0, j0, k;
	int err = ANISO_OK;

	if (!chunk_out || !sum || !compensation) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_NO_MEMORY,
				    "out of host memory for the streaming buffers (%zu rows x E = %zu)",
				    rows_i, s->E);
		goto out;
	}
	for (i0 = 0; i0 < s->M; i0 += rows_i) {
		const size_t mi = min_size(rows_i, s->M - i0);

		for (k = 0; k < mi * s->E; ++k)
			merge_start(f->reduction, &sum[k], &compensation[k]);
		for (j0 = 0; j0 < s->N; j0 += rows_j) {
			aniso_shape c = *s;
			const char *g = gamma;

			c.M = mi;
			c.N = min_size(rows_j, s->N - j0);
			if (s->gamma_var == ANISO_GAMMA_PER_I) {
				c.gamma_rows = mi;
				g = gamma + i0 * s->K * elem;
			} else if (s->gamma_var == ANISO_GAMMA_PER_J) {
				c.gamma_rows = c.N;
				g = gamma + j0 * s->K * elem;
			}
			err = sum_once(ctx, &c, f, x + i0 * s->D * elem, y + j0 * s->D * elem,
				       b + j0 * s->E * elem, g, chunk_out);
			if (err != ANISO_OK)
				goto out;
			for (k = 0; k < mi * s->E; ++k)
				merge_value(f->reduction, &sum[k], &compensation[k],
					    element(chunk_out, k, s->dtype));
		}
		for (k = 0; k < mi * s->E; ++k) {
			double v = merge_result(f->reduction, sum[k], compensation[k]);
			size_t at = i0 * s->E + k;

			if (s->dtype == ANISO_FLOAT64)
				((double *)staging)[at] = v;
			else
				((float *)staging)[at] = (float)v;
		}
	}
out:
	free(compensation);
	free(sum);
	free(chunk_out);
	return err;
}

/* Rows i and whole j-blocks per pass of a piece. */
struct passes {
	size_t rows, blocks;
};

/* Whether a piece of blocks j-blocks (part bytes of partials per row and
 * block) fits the device in one pass.  The pass's buffers: x, y, b,
 * gamma, the result (out, or every block's partials) and, for out from
 * several blocks, their partials that the combine pass merges. */
static int fits_in_one_pass(const aniso_ctx *ctx, const aniso_shape *s, size_t blocks,
			    size_t part, int partials_only)
{
	const size_t all_partials = s->M * blocks * part;
	struct aniso_bytes bytes;
	size_t buffers[6];

	aniso_shape_bytes(s, &bytes);
	buffers[0] = bytes.x;
	buffers[1] = bytes.y;
	buffers[2] = bytes.b;
	buffers[3] = bytes.gamma;
	buffers[4] = partials_only ? all_partials : bytes.out;
	buffers[5] = !partials_only && blocks > 1 ? all_partials : 0;
	return aniso_fits_at_once(&ctx->caps, buffers, 6, NULL);
}

/*
 * How many rows and whole j-blocks (of j_block_len) one pass may take, so
 * that each buffer fits the device's largest allocation and all of them
 * the share of its memory that one call plans for (aniso_fits_at_once's
 * two limits, applied here per row to size the passes).  All blocks when
 * y, b and gamma fit whole; rows = 0 when not even one block fits.
 */
static void plan_passes(const aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
			size_t j_block_len, int partials_only, struct passes *p)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	const size_t part = s->E * aniso_formula_partial_width(f) * elem;
	const size_t blocks = (s->N + j_block_len - 1) / j_block_len;
	const size_t K_i = s->gamma_var == ANISO_GAMMA_PER_I ? s->K : 0;
	const size_t K_j = s->gamma_var == ANISO_GAMMA_PER_J ? s->K : 0;
	const cl_ulong row_j = (cl_ulong)(s->D + s->E + K_j) * elem;
	const cl_ulong widest_j = (cl_ulong)max3(s->D, s->E, K_j) * elem;
	const cl_ulong max_alloc = ctx->caps.max_alloc_bytes;
	const cl_ulong fixed_gamma = s->gamma_var == ANISO_GAMMA_FIXED ? (cl_ulong)s->K * elem : 0;
	cl_ulong budget = aniso_memory_budget(&ctx->caps);
	cl_ulong row_i, widest_i, q, r;

	p->rows = p->blocks = 0;
	if (fixed_gamma >= budget || fixed_gamma > max_alloc)
		return;
	budget -= fixed_gamma;
	/* Everything at once when it fits: one pass, as before any cut. */
	if (fits_in_one_pass(ctx, s, blocks, part, partials_only)) {
		p->rows = s->M;
		p->blocks = blocks;
		return;
	}
	/* Else each side gets half, unless one side fits whole in its half. */
	if ((cl_ulong)s->N * row_j <= budget / 2 && (cl_ulong)s->N * widest_j <= max_alloc) {
		q = blocks;
	} else {
		q = budget / 2 / (j_block_len * row_j);
		if (q > max_alloc / (j_block_len * widest_j))
			q = max_alloc / (j_block_len * widest_j);
		if (q > blocks)
			q = blocks;
	}
	if (q == 0)
		return;
	/* Per row: x and per-i gamma in; out, or the pass's partials, and
	 * the partials of all blocks (on the device for the combine pass). */
	row_i = (cl_ulong)(s->D + K_i) * elem;
	widest_i = (cl_ulong)max3(s->D, K_i, 1) * elem;
	if (q == blocks && !partials_only) {
		row_i += s->E * elem + (blocks > 1 ? blocks * part : 0);
		if (blocks > 1 && blocks * part > widest_i)
			widest_i = blocks * part;
		if (s->E * elem > widest_i)
			widest_i = s->E * elem;
	} else {
		row_i += q * part + (partials_only ? 0 : blocks * part);
		if ((partials_only ? q : blocks) * part > widest_i)
			widest_i = (partials_only ? q : blocks) * part;
	}
	budget -= ((cl_ulong)s->N < q * j_block_len ? (cl_ulong)s->N : q * j_block_len) * row_j;
	r = budget / row_i;
	if (r > max_alloc / widest_i)
		r = max_alloc / widest_i;
	if (r > s->M)
		r = s->M;
	p->rows = (size_t)r;
	p->blocks = r ? (size_t)q : 0;
}

/* result (rows x E) = each row's block partials (blocks x rows x E x the
 * partial width, host memory) merged in block order by the combine pass
 * on the device: the merge a single pass does. */
static int combine_on_device(aniso_ctx *ctx, const aniso_shape *s,
			     const struct aniso_formula *f, size_t blocks,
			     const void *partials, void *result)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	const size_t out_bytes = s->M * s->E * elem;
	cl_mem bp, bo;
	cl_int status;
	int err;

	err = aniso_scratch_upload(ctx, SCRATCH_PARTIAL, "the block partials", partials,
		     blocks * out_bytes * aniso_formula_partial_width(f), &bp);
	if (err != ANISO_OK)
		goto out;
	err = aniso_scratch_get(ctx, SCRATCH_OUT, out_bytes, &bo);
	if (err != ANISO_OK)
		goto out;
	err = aniso_sum_rows_buffers(ctx, s, f, bp, blocks, s->M * s->E, bo);
	if (err != ANISO_OK)
		goto out;
	status = clEnqueueReadBuffer(ctx->queue, bo, CL_TRUE, 0, out_bytes, result, 0, NULL, NULL);
	if (status != CL_SUCCESS)
		err = aniso_cl_fail(&ctx->msg, "clEnqueueReadBuffer(out)", status);
out:
	if (err != ANISO_OK)
		(void)clFinish(ctx->queue);
	return err;
}

int aniso_host_combine(aniso_ctx *ctx, const aniso_shape *shape, const struct aniso_formula *f,
		       size_t blocks, const void *partials, void *result)
{
	int err;

	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = combine_on_device(ctx, shape, f, blocks, partials, result);
	pthread_mutex_unlock(&ctx->lock);
	return err;
}

/* The shape of rows [i0, i0 + mi) against terms [j0, j0 + nj) of s, and
 * where its gamma starts. */
static aniso_shape sub_shape(const aniso_shape *s, size_t i0, size_t mi, size_t j0, size_t nj,
			     const char *gamma, const char **g)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	aniso_shape c = *s;

	c.M = mi;
	c.N = nj;
	*g = gamma;
	if (s->gamma_var == ANISO_GAMMA_PER_I) {
		c.gamma_rows = mi;
		*g = gamma + i0 * s->K * elem;
	} else if (s->gamma_var == ANISO_GAMMA_PER_J) {
		c.gamma_rows = nj;
		*g = gamma + j0 * s->K * elem;
	}
	return c;
}

/* A piece in passes (see aniso_host_piece): into staging. */
static int piece_in_passes(aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
			   size_t L, int partials_only, const struct passes *p, const char *x,
			   const char *y, const char *b, const char *gamma, char *staging)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	const size_t part = s->E * aniso_formula_partial_width(f) * elem;
	const size_t blocks = (s->N + L - 1) / L;
	char *partials = NULL;
	size_t i0, k0, k;
	int err = ANISO_OK;

	if (p->blocks < blocks || partials_only) {
		partials = malloc(p->rows * blocks * part);
		if (!partials) {
			err = aniso_msg_set(&ctx->msg, ANISO_ERR_NO_MEMORY,
					    "out of host memory for the block partials (%zu rows x %zu "
					    "blocks x E = %zu)", p->rows, blocks, s->E);
			goto out;
		}
	}
	for (i0 = 0; i0 < s->M; i0 += p->rows) {
		const size_t mi = min_size(p->rows, s->M - i0);
		const char *g;
		aniso_shape c;

		if (!partials) {
			/* every block in one pass: combined on the device */
			c = sub_shape(s, i0, mi, 0, s->N, gamma, &g);
			err = run_pass(ctx, &c, f, L, 0, x + i0 * s->D * elem, y, b, g,
				       staging + i0 * s->E * elem, mi * s->E * elem);
			if (err != ANISO_OK)
				goto out;
			continue;
		}
		for (k0 = 0; k0 < blocks; k0 += p->blocks) {
			const size_t kb = min_size(p->blocks, blocks - k0), j0 = k0 * L;

			c = sub_shape(s, i0, mi, j0, min_size(kb * L, s->N - j0), gamma, &g);
			err = run_pass(ctx, &c, f, L, 1, x + i0 * s->D * elem, y + j0 * s->D * elem,
				       b + j0 * s->E * elem, g, partials + k0 * mi * part,
				       kb * mi * part);
			if (err != ANISO_OK)
				goto out;
		}
		if (partials_only) {
			for (k = 0; k < blocks; ++k)
				memcpy(staging + (k * s->M + i0) * part, partials + k * mi * part,
				       mi * part);
			continue;
		}
		c = sub_shape(s, i0, mi, 0, s->N, gamma, &g);
		err = combine_on_device(ctx, &c, f, blocks, partials, staging + i0 * s->E * elem);
		if (err != ANISO_OK)
			goto out;
	}
out:
	free(partials);
	return err;
}

/* Called with the context's lock held and its message cleared. */
static int host_piece(aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
		      size_t L, int partials_only, const char *x, const char *y, const char *b,
		      const char *gamma, char *result)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	const size_t blocks = (s->N + L - 1) / L;
	const size_t result_bytes = partials_only
					    ? blocks * s->M * s->E * elem *
						      aniso_formula_partial_width(f)
					    : s->M * s->E * elem;
	struct passes p;
	char *staging = NULL;
	size_t rows_i = 0, rows_j = 0;
	int err;

	plan_passes(ctx, s, f, L, partials_only, &p);
	if (p.rows >= s->M && p.blocks >= blocks) {
		err = run_pass(ctx, s, f, L, partials_only, x, y, b, gamma, result, result_bytes);
		goto out;
	}
	if (p.rows == 0 && partials_only) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				    "one j-block (%zu rows of y, b and gamma, D = %zu, E = %zu, "
				    "K = %zu) does not fit %s (largest allocation %llu bytes)",
				    L, s->D, s->E, s->K, ctx->caps.name,
				    (unsigned long long)ctx->caps.max_alloc_bytes);
		goto out;
	}
	/* Whether even one row fits, before the staging copy: a problem the
	 * device refuses must not first ask the host for M x E numbers. */
	if (p.rows == 0) {
		err = stream_chunks(ctx, s, &rows_i, &rows_j);
		if (err != ANISO_OK)
			goto out;
	}
	staging = malloc(result_bytes);
	if (!staging) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_NO_MEMORY,
				    "out of host memory for a %zu-byte staging copy of out",
				    result_bytes);
		goto out;
	}
	if (p.rows > 0)
		err = piece_in_passes(ctx, s, f, L, partials_only, &p, x, y, b, gamma, staging);
	else
		err = sum_streamed(ctx, s, f, x, y, b, gamma, rows_i, rows_j, staging);
	if (err == ANISO_OK)
		memcpy(result, staging, result_bytes);
out:
	free(staging);
	return err;
}

int aniso_host_piece(aniso_ctx *ctx, const aniso_shape *shape, const struct aniso_formula *f,
		     size_t j_block_len, int partials_only, const void *x, const void *y,
		     const void *b, const void *gamma, void *result)
{
	int err;

	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = aniso_validate_shape(ctx, shape, 0);
	if (err == ANISO_OK)
		err = host_piece(ctx, shape, f, j_block_len, partials_only, x, y, b, gamma, result);
	pthread_mutex_unlock(&ctx->lock);
	return err;
}

int aniso_host_entry_formula(aniso_ctx *ctx, const aniso_shape *shape,
			     const aniso_options *options, const char *exact_only_call,
			     struct aniso_formula *formula)
{
	int err;

	err = aniso_validate_shape(ctx, shape, 0);
	if (err != ANISO_OK)
		goto out;
	err = aniso_formula_from_options(ctx, options, formula);
	if (err != ANISO_OK || !exact_only_call)
		goto out;
	err = aniso_formula_exact_only(ctx, formula, exact_only_call);
out:
	return err;
}

const char *aniso_host_first_null(const aniso_shape *s, const struct aniso_host_arrays *arrays)
{
	const char *missing = NULL;

	/* In the order the arguments come; gamma is read only when there
	 * are pairs. */
	if (s->M > 0 && !arrays->x)
		missing = "x";
	else if (s->N > 0 && !arrays->y)
		missing = "y";
	else if (s->N > 0 && !arrays->b)
		missing = "b";
	else if (s->M > 0 && s->N > 0 && s->gamma_rows > 0 && !arrays->gamma)
		missing = "gamma";
	else if (arrays->has_a && s->M > 0 && !arrays->a)
		missing = "a";
	else if (arrays->result_count > 0 && !arrays->result)
		missing = arrays->result_name;
	return missing;
}

int aniso_host_entry_arrays(struct aniso_msg *msg, const aniso_shape *s,
			    const struct aniso_host_arrays *arrays, double empty_value,
			    int *finished)
{
	const char *missing = aniso_host_first_null(s, arrays);
	int err = ANISO_OK;

	*finished = 1;
	if (missing) {
		err = aniso_msg_set(msg, ANISO_ERR_NULL_ARG, "%s is NULL: expected a host array",
				    missing);
		goto out;
	}
	if (arrays->result_count == 0)
		goto out;
	/* No pair: the result is what an empty sum gives (a gradient's, 0). */
	if (s->M == 0 || s->N == 0) {
		aniso_fill_host(arrays->result, s->dtype, arrays->result_count, empty_value);
		goto out;
	}
	*finished = 0;
out:
	return err;
}

int aniso_sum(aniso_ctx *ctx, const aniso_shape *shape, const void *x,
	      const void *y, const void *b, const void *gamma, void *out)
{
	return aniso_sum_ex(ctx, shape, NULL, x, y, b, gamma, out);
}

int aniso_sum_ex(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
		 const void *x, const void *y, const void *b, const void *gamma, void *out)
{
	struct aniso_host_arrays arrays = {
		.x = x, .y = y, .b = b, .gamma = gamma, .result_name = "out", .result = out};
	struct aniso_formula formula;
	int err, finished;

	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = aniso_host_entry_formula(ctx, shape, options, NULL, &formula);
	if (err != ANISO_OK)
		goto out;
	arrays.result_count = shape->M * shape->E;
	err = aniso_host_entry_arrays(&ctx->msg, shape, &arrays, aniso_empty_value(&formula),
				      &finished);
	if (err != ANISO_OK || finished)
		goto out;
	if (formula.tolerance > 0) {
		int done = 0;

		err = aniso_sum_truncated(ctx, shape, &formula, x, y, b, gamma, out, &done);
		if (err != ANISO_OK || done)
			goto out;
		/* Not worth truncating: the exact sum meets the bound. */
		formula.tolerance = 0;
	}
	err = host_piece(ctx, shape, &formula,
			 aniso_plan_j_block_len(shape, shape->E, aniso_formula_partial_width(&formula)),
			 0, x, y, b, gamma, out);
out:
	pthread_mutex_unlock(&ctx->lock);
	return err;
}
