/* Device-resident arrays, and sums on them: data that stays on the device
 * across calls (same y for many grids, same x for new weights). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static int array_bytes(aniso_ctx *ctx, aniso_dtype dtype, size_t rows,
		       size_t cols, size_t *bytes)
{
	size_t elem = aniso_dtype_size(dtype);

	if (cols != 0 && rows > SIZE_MAX / cols / elem)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_OVERFLOW,
				     "rows (%zu) x cols (%zu) x %zu bytes overflows size_t",
				     rows, cols, elem);
	*bytes = rows * cols * elem;
	if ((cl_ulong)*bytes > ctx->caps.max_alloc_bytes)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				     "array of %zu bytes exceeds the device's largest allocation (%llu bytes on %s)",
				     *bytes, (unsigned long long)ctx->caps.max_alloc_bytes, ctx->caps.name);
	return ANISO_OK;
}

/*
 * The checks and the handle that aniso_array_create and aniso_array_wrap
 * share: on success *array is a new handle with no buffer yet and *bytes
 * its size.  Called with the context locked.
 */
static int array_begin(aniso_ctx *ctx, aniso_dtype dtype, size_t rows,
		       size_t cols, aniso_array **out, aniso_array **array,
		       size_t *bytes)
{
	int err;

	if (!out)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_NULL_ARG,
				     "array is NULL: expected where to store the handle");
	*out = NULL;
	if (dtype != ANISO_FLOAT32 && dtype != ANISO_FLOAT64)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_DTYPE,
				     "dtype is %d: expected ANISO_FLOAT32 (0) or ANISO_FLOAT64 (1)",
				     (int)dtype);
	if (dtype == ANISO_FLOAT64 && !ctx->caps.has_fp64)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_NO_FP64,
				     "dtype is ANISO_FLOAT64 but device %s has no float64 support",
				     ctx->caps.name);
	if (cols == 0)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_DIM, "cols is 0: expected at least 1");
	err = array_bytes(ctx, dtype, rows, cols, bytes);
	if (err != ANISO_OK)
		return err;
	*array = calloc(1, sizeof(**array));
	if (!*array)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_NO_MEMORY, "out of host memory");
	(*array)->ctx = ctx;
	(*array)->dtype = dtype;
	(*array)->rows = rows;
	(*array)->cols = cols;
	return ANISO_OK;
}

/* A new device buffer for the array, filled from host when not NULL. */
static int array_allocate(aniso_ctx *ctx, const void *host, size_t bytes,
			  aniso_array *array)
{
	cl_int status;
	int err = ANISO_OK;

	if (bytes == 0)
		return ANISO_OK;
	array->buffer = clCreateBuffer(ctx->context,
				       CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0),
				       bytes, (void *)host, &status);
	if (status != CL_SUCCESS) {
		err = aniso_cl_fail(&ctx->msg, "clCreateBuffer", status);
		if (status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES)
			err = ANISO_ERR_TOO_LARGE;
	}
	array->root = array->buffer;
	return err;
}

/* Checks a caller's buffer for aniso_array_wrap and finds where its
 * numbers lie (array->root, array->root_offset). */
static int wrap_check(aniso_ctx *ctx, cl_mem buffer, size_t bytes,
		      aniso_array *array)
{
	cl_context owner = NULL;
	cl_mem parent = NULL;
	size_t size = 0, offset = 0;
	cl_int status;

	status = clGetMemObjectInfo(buffer, CL_MEM_CONTEXT, sizeof(owner), &owner, NULL);
	if (status == CL_INVALID_MEM_OBJECT)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
				     "cl_buffer is not a valid OpenCL buffer");
	if (status == CL_SUCCESS)
		status = clGetMemObjectInfo(buffer, CL_MEM_SIZE, sizeof(size), &size, NULL);
	if (status == CL_SUCCESS)
		status = clGetMemObjectInfo(buffer, CL_MEM_ASSOCIATED_MEMOBJECT,
					    sizeof(parent), &parent, NULL);
	if (status == CL_SUCCESS)
		status = clGetMemObjectInfo(buffer, CL_MEM_OFFSET, sizeof(offset), &offset, NULL);
	if (status != CL_SUCCESS)
		return aniso_cl_fail(&ctx->msg, "clGetMemObjectInfo(cl_buffer)", status);
	if (owner != ctx->context)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
				     "cl_buffer belongs to another OpenCL context: expected a buffer of the context's own");
	if (size < bytes)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
				     "cl_buffer holds %zu bytes: expected at least %zu (%zu x %zu elements)",
				     size, bytes, array->rows, array->cols);
	array->root = parent ? parent : buffer;
	array->root_offset = parent ? offset : 0;
	return ANISO_OK;
}

/* The caller's buffer for the array, after wrap_check, with a reference
 * of the array's own. */
static int array_attach(aniso_ctx *ctx, cl_mem buffer, size_t bytes,
			aniso_array *array)
{
	cl_int status;
	int err;

	if (!buffer)
		return bytes == 0 ? ANISO_OK
				  : aniso_msg_set(&ctx->msg, ANISO_ERR_NULL_ARG,
						  "cl_buffer is NULL: expected an OpenCL buffer of %zu bytes",
						  bytes);
	err = wrap_check(ctx, buffer, bytes, array);
	if (err != ANISO_OK)
		return err;
	status = clRetainMemObject(buffer);
	if (status != CL_SUCCESS)
		return aniso_cl_fail(&ctx->msg, "clRetainMemObject(cl_buffer)", status);
	array->buffer = buffer;
	return ANISO_OK;
}

/* The array's buffer and handle, without its context reference (a
 * failed create holds none yet). */
static void array_discard(aniso_array *array)
{
	if (!array)
		return;
	if (array->buffer)
		clReleaseMemObject(array->buffer);
	free(array);
}

/* aniso_array_create (caller_buffer unused) and aniso_array_wrap (host
 * unused): the checks, then a buffer of the library's or the caller's. */
static int array_new(aniso_ctx *ctx, aniso_dtype dtype, size_t rows,
		     size_t cols, const void *host, cl_mem caller_buffer,
		     int wrap, aniso_array **out)
{
	aniso_array *array = NULL;
	size_t bytes = 0;
	int err;

	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = array_begin(ctx, dtype, rows, cols, out, &array, &bytes);
	if (err == ANISO_OK)
		err = wrap ? array_attach(ctx, caller_buffer, bytes, array)
			   : array_allocate(ctx, host, bytes, array);
	if (err == ANISO_OK) {
		/* The array's reference keeps the context alive. */
		++ctx->refs;
		*out = array;
		array = NULL;
	}
	array_discard(array);
	pthread_mutex_unlock(&ctx->lock);
	return err;
}

int aniso_array_create(aniso_ctx *ctx, aniso_dtype dtype, size_t rows,
		       size_t cols, const void *host, aniso_array **array)
{
	return array_new(ctx, dtype, rows, cols, host, NULL, 0, array);
}

int aniso_array_wrap(aniso_ctx *ctx, aniso_dtype dtype, size_t rows,
		     size_t cols, void *cl_buffer, aniso_array **array)
{
	return array_new(ctx, dtype, rows, cols, NULL, (cl_mem)cl_buffer, 1, array);
}

void *aniso_array_cl_mem(const aniso_array *array)
{
	return array ? (void *)array->buffer : NULL;
}

void aniso_array_free(aniso_array *array)
{
	aniso_ctx *ctx;

	if (!array)
		return;
	ctx = array->ctx;
	array_discard(array);
	/* The context may go with its last array (after aniso_ctx_free). */
	aniso_ctx_release(ctx);
}

size_t aniso_array_rows(const aniso_array *array)
{
	return array ? array->rows : 0;
}

size_t aniso_array_cols(const aniso_array *array)
{
	return array ? array->cols : 0;
}

/* Whole-array copy in either direction. */
static int array_transfer(aniso_array *array, void *host, int to_device)
{
	aniso_ctx *ctx = array->ctx;
	size_t bytes = array->rows * array->cols * aniso_dtype_size(array->dtype);
	cl_int status;
	int err = ANISO_OK;

	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	if (!host) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_NULL_ARG, "host is NULL: expected a host array");
		goto out;
	}
	if (bytes == 0)
		goto out;
	status = to_device ? clEnqueueWriteBuffer(ctx->queue, array->buffer, CL_TRUE, 0,
						  bytes, host, 0, NULL, NULL)
			   : clEnqueueReadBuffer(ctx->queue, array->buffer, CL_TRUE, 0,
						 bytes, host, 0, NULL, NULL);
	if (status != CL_SUCCESS)
		err = aniso_cl_fail(&ctx->msg,
				    to_device ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer", status);
out:
	pthread_mutex_unlock(&ctx->lock);
	return err;
}

int aniso_array_write(aniso_array *array, const void *host)
{
	if (!array)
		return ANISO_ERR_NULL_ARG;
	return array_transfer(array, (void *)host, 1);
}

int aniso_array_read(const aniso_array *array, void *host)
{
	if (!array)
		return ANISO_ERR_NULL_ARG;
	return array_transfer((aniso_array *)array, host, 0);
}

/* Whether two arrays' numbers overlap in device memory. */
static int shares_memory(const aniso_array *a, const aniso_array *b)
{
	size_t a_bytes = a->rows * a->cols * aniso_dtype_size(a->dtype);
	size_t b_bytes = b->rows * b->cols * aniso_dtype_size(b->dtype);

	if (a == b)
		return 1;
	if (!a->root || a->root != b->root || a_bytes == 0 || b_bytes == 0)
		return 0;
	return a->root_offset < b->root_offset + b_bytes &&
	       b->root_offset < a->root_offset + a_bytes;
}

int aniso_arrays_check(aniso_ctx *ctx, const aniso_array *const all[],
		       const char *const names[], size_t count)
{
	const aniso_array *x = all[0], *y = all[1], *b = all[2], *result = all[count - 1];
	size_t k;

	for (k = 0; k < count; ++k) {
		if (!all[k])
			return aniso_msg_set(&ctx->msg, ANISO_ERR_NULL_ARG,
					     "%s is NULL: expected an aniso_array", names[k]);
		if (all[k]->ctx != ctx)
			return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
					     "%s belongs to another context", names[k]);
		if (all[k]->dtype != x->dtype)
			return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_DTYPE,
					     "%s has dtype %s but x has %s: expected one dtype for all",
					     names[k], all[k]->dtype == ANISO_FLOAT64 ? "float64" : "float32",
					     x->dtype == ANISO_FLOAT64 ? "float64" : "float32");
	}
	for (k = 0; k + 1 < count; ++k)
		if (shares_memory(all[k], result))
			return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
					     "%s shares memory with %s: expected a separate array for "
					     "the result",
					     names[count - 1], names[k]);
	if (y->cols != x->cols)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_SHAPE,
				     "y has %zu columns: expected D = %zu, the columns of x", y->cols, x->cols);
	if (b->rows != y->rows)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_SHAPE,
				     "b has %zu rows: expected N = %zu, the rows of y", b->rows, y->rows);
	return ANISO_OK;
}

int aniso_arrays_shape(aniso_ctx *ctx, const aniso_array *const all[],
		       aniso_gamma_var gamma_var, aniso_shape *s)
{
	const aniso_array *x = all[0], *y = all[1], *b = all[2], *gamma = all[3];

	s->M = x->rows;
	s->N = y->rows;
	s->D = x->cols;
	s->E = b->cols;
	s->K = gamma->cols;
	s->gamma_rows = gamma->rows;
	s->gamma_var = gamma_var;
	s->dtype = x->dtype;
	return aniso_validate_shape(ctx, s, 1);
}

/* Check that the arrays agree and fill the shape they describe. */
static int shape_from_arrays(aniso_ctx *ctx, const aniso_array *x,
			     const aniso_array *y, const aniso_array *b,
			     const aniso_array *gamma, aniso_gamma_var gamma_var,
			     const aniso_array *out, aniso_shape *s)
{
	const aniso_array *const all[5] = {x, y, b, gamma, out};
	static const char *const names[5] = {"x", "y", "b", "gamma", "out"};
	int err = aniso_arrays_check(ctx, all, names, 5);

	if (err != ANISO_OK)
		return err;
	if (out->rows != x->rows || out->cols != b->cols)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_SHAPE,
				     "out is %zu x %zu: expected M x E = %zu x %zu",
				     out->rows, out->cols, x->rows, b->cols);
	return aniso_arrays_shape(ctx, all, gamma_var, s);
}

int aniso_array_fill(aniso_ctx *ctx, aniso_array *array, double value, const char *name)
{
	const size_t count = array->rows * array->cols;
	void *values = malloc(count * aniso_dtype_size(array->dtype));
	char call[64];
	cl_int status;
	int err = ANISO_OK;

	if (!values)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_NO_MEMORY, "out of host memory");
	aniso_fill_host(values, array->dtype, count, value);
	status = clEnqueueWriteBuffer(ctx->queue, array->buffer, CL_TRUE, 0,
				      count * aniso_dtype_size(array->dtype), values, 0, NULL, NULL);
	if (status != CL_SUCCESS) {
		snprintf(call, sizeof(call), "clEnqueueWriteBuffer(%s)", name);
		err = aniso_cl_fail(&ctx->msg, call, status);
	}
	free(values);
	return err;
}

int aniso_sum_arrays(aniso_ctx *ctx, const aniso_array *x, const aniso_array *y,
		     const aniso_array *b, const aniso_array *gamma,
		     aniso_gamma_var gamma_var, aniso_array *out)
{
	return aniso_sum_arrays_ex(ctx, NULL, x, y, b, gamma, gamma_var, out);
}

int aniso_sum_arrays_ex(aniso_ctx *ctx, const aniso_options *options, const aniso_array *x,
			const aniso_array *y, const aniso_array *b, const aniso_array *gamma,
			aniso_gamma_var gamma_var, aniso_array *out)
{
	struct aniso_formula formula;
	aniso_shape shape;
	int err;

	if (!ctx)
		return ANISO_ERR_NULL_ARG;
	pthread_mutex_lock(&ctx->lock);
	aniso_msg_clear(&ctx->msg);
	err = shape_from_arrays(ctx, x, y, b, gamma, gamma_var, out, &shape);
	if (err == ANISO_OK)
		err = aniso_formula_from_options(ctx, options, &formula);
	if (err == ANISO_OK)
		err = aniso_formula_exact_only(ctx, &formula, "aniso_sum_arrays_ex");
	if (err != ANISO_OK || shape.M == 0)
		goto out;
	if (shape.N == 0)
		err = aniso_array_fill(ctx, out, aniso_empty_value(&formula), "out");
	else
		err = aniso_sum_buffers(ctx, &shape, &formula, x->buffer, y->buffer, b->buffer,
					gamma->buffer, out->buffer);
out:
	pthread_mutex_unlock(&ctx->lock);
	return err;
}
