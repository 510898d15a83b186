/*
 * The host-array entry point: copy in, compute, copy out, and stream the
 * problem in i- and j-chunks when it does not fit the device at once.
 *
 * Streaming: x, gamma (per i) and out go through in chunks of rows_i rows,
 * y, b and gamma (per j) in chunks of rows_j rows.  Each (i-chunk, j-chunk)
 * pair is one ordinary sum; the j-chunks of an i-chunk are merged on the
 * host in double, in chunk order, so the result is deterministic and as
 * accurate as the one-pass sum: added with compensation for the sum, as
 * (max, scaled sum) pairs for logsumexp (see merge_value).  Everything lands in
 * a staging copy first, and `out` is written only when every pass has
 * succeeded.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The device is shared with the partial sums and whatever else runs:
 * streaming plans for this fraction of its global memory. */
#define GLOBAL_MEMORY_SHARE 2

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t max3(size_t a, size_t b, size_t c)
{
	size_t m = a > b ? a : b;

	return m > c ? m : c;
}

/* Rows of x (and out) and of y per pass, so that every buffer fits the
 * device; both equal M and N when the problem fits at once. */
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
	const cl_ulong max_alloc = ctx->caps.max_alloc_bytes;
	const cl_ulong budget = ctx->caps.global_mem_bytes / GLOBAL_MEMORY_SHARE;
	cl_ulong fixed_gamma = s->gamma_var == ANISO_GAMMA_FIXED ? s->K * elem : 0;
	size_t ni, nj;

	if ((cl_ulong)widest_i * elem > max_alloc || (cl_ulong)widest_j * elem > max_alloc ||
	    fixed_gamma > max_alloc || fixed_gamma + row_i + row_j > budget)
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

/* Copy one host array into a scratch buffer (non-blocking: the queue is in
 * order and the host array outlives the call). */
static int upload(aniso_ctx *ctx, enum aniso_scratch_slot slot, const char *name,
		  const void *host, size_t bytes, cl_mem *buffer)
{
	cl_int status;
	int err;

	err = aniso_scratch_get(ctx, slot, bytes, buffer);
	if (err != ANISO_OK) {
		aniso_msg_append(&ctx->msg, " (for %s)", name);
		return err;
	}
	status = clEnqueueWriteBuffer(ctx->queue, *buffer, CL_FALSE, 0, bytes, host, 0, NULL,
				      NULL);
	if (status != CL_SUCCESS)
		return aniso_cl_fail(&ctx->msg, "clEnqueueWriteBuffer", status);
	return ANISO_OK;
}

/* One sum whose arrays all fit: result (M x E) into host memory `result`. */
static int sum_once(aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
		    const void *x, const void *y, const void *b, const void *gamma,
		    void *result)
{
	struct aniso_bytes bytes;
	cl_mem bx, by, bb, bg, bo;
	cl_int status;
	int err;

	aniso_shape_bytes(s, &bytes);
	if ((err = upload(ctx, SCRATCH_X, "x", x, bytes.x, &bx)) != ANISO_OK ||
	    (err = upload(ctx, SCRATCH_Y, "y", y, bytes.y, &by)) != ANISO_OK ||
	    (err = upload(ctx, SCRATCH_B, "b", b, bytes.b, &bb)) != ANISO_OK ||
	    (err = upload(ctx, SCRATCH_GAMMA, "gamma", gamma, bytes.gamma, &bg)) != ANISO_OK)
		goto out;
	err = aniso_scratch_get(ctx, SCRATCH_OUT, bytes.out, &bo);
	if (err != ANISO_OK)
		goto out;
	err = aniso_sum_buffers(ctx, s, f, bx, by, bb, bg, bo);
	if (err != ANISO_OK)
		goto out;
	status = clEnqueueReadBuffer(ctx->queue, bo, CL_TRUE, 0, bytes.out, result, 0, NULL,
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

static const char *first_null(const aniso_shape *s, const void *x, const void *y,
			      const void *b, const void *gamma, const void *out)
{
	/* An empty array may be NULL; M = 0 needs no x and no out. */
	if (s->M > 0 && !x)
		return "x";
	if (s->N > 0 && !y)
		return "y";
	if (s->N > 0 && !b)
		return "b";
	if (s->M > 0 && s->N > 0 && s->gamma_rows > 0 && !gamma)
		return "gamma";
	if (s->M > 0 && !out)
		return "out";
	return NULL;
}

int aniso_sum(aniso_ctx *ctx, const aniso_shape *shape, const void *x,
	      const void *y, const void *b, const void *gamma, void *out)
{
	return aniso_sum_ex(ctx, shape, NULL, x, y, b, gamma, out);
}

int aniso_sum_ex(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
		 const void *x, const void *y, const void *b, const void *gamma, void *out)
{
	struct aniso_formula formula;
	struct aniso_bytes bytes;
	const char *missing;
	char *staging = NULL;
	size_t rows_i = 0, rows_j = 0;
	int err;

	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = aniso_validate_shape(ctx, shape, 0);
	if (err != ANISO_OK)
		goto out;
	err = aniso_formula_from_options(ctx, options, &formula);
	if (err != ANISO_OK)
		goto out;
	missing = first_null(shape, x, y, b, gamma, out);
	if (missing) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_NULL_ARG,
				    "%s is NULL: expected a host array", missing);
		goto out;
	}
	aniso_shape_bytes(shape, &bytes);
	if (shape->M == 0)
		goto out;
	if (shape->N == 0) {
		aniso_fill_host(out, shape->dtype, shape->M * shape->E, aniso_empty_value(&formula));
		goto out;
	}
	err = stream_chunks(ctx, shape, &rows_i, &rows_j);
	if (err != ANISO_OK)
		goto out;
	if (rows_i >= shape->M && rows_j >= shape->N) {
		err = sum_once(ctx, shape, &formula, x, y, b, gamma, out);
		goto out;
	}
	staging = malloc(bytes.out);
	if (!staging) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_NO_MEMORY,
				    "out of host memory for a %zu-byte staging copy of out", bytes.out);
		goto out;
	}
	err = sum_streamed(ctx, shape, &formula, x, y, b, gamma, rows_i, rows_j, staging);
	if (err == ANISO_OK)
		memcpy(out, staging, bytes.out);
out:
	free(staging);
	pthread_mutex_unlock(&ctx->lock);
	return err;
}
