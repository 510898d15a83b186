/*
 * The caller's own OpenCL objects: a context, device and queue handed to
 * aniso_ctx_create_from_cl, and buffers wrapped with aniso_array_wrap
 * (zero copy), including the refusals that keep a wrapped buffer from
 * being read out of bounds or overwritten while it is read.
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "test_common.h"

/* The caller's side: one context, device and queue of its own. */
struct caller {
	cl_device_id device;
	cl_context context;
	cl_command_queue queue;
};

static int caller_open(struct caller *c)
{
	cl_platform_id platform;
	cl_int status;

	memset(c, 0, sizeof(*c));
	status = clGetPlatformIDs(1, &platform, NULL);
	if (status == CL_SUCCESS)
		status = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &c->device, NULL);
	if (status == CL_SUCCESS)
		c->context = clCreateContext(NULL, 1, &c->device, NULL, NULL, &status);
	if (status == CL_SUCCESS)
		c->queue = clCreateCommandQueue(c->context, c->device, 0, &status);
	if (status != CL_SUCCESS)
		tap_diag("setting up a caller's OpenCL context: %d", status);
	return status == CL_SUCCESS;
}

static void caller_close(struct caller *c)
{
	if (c->queue)
		clReleaseCommandQueue(c->queue);
	if (c->context)
		clReleaseContext(c->context);
}

static cl_mem caller_buffer(const struct caller *c, size_t bytes, const void *host)
{
	cl_int status;
	cl_mem buffer = clCreateBuffer(c->context,
				       CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0),
				       bytes, (void *)host, &status);

	return status == CL_SUCCESS ? buffer : NULL;
}

static cl_uint reference_count(cl_mem buffer)
{
	cl_uint count = 0;

	if (clGetMemObjectInfo(buffer, CL_MEM_REFERENCE_COUNT, sizeof(count), &count, NULL) !=
	    CL_SUCCESS)
		return 0;
	return count;
}

static int message_has(const aniso_ctx *ctx, const char *a, const char *b)
{
	const char *msg = aniso_ctx_errmsg(ctx);
	int ok = strstr(msg, a) && (!b || strstr(msg, b));

	if (!ok)
		tap_diag("message: %s", msg);
	return ok;
}

static void test_caller_context(const struct caller *c, tap_rng *rng)
{
	aniso_ctx *ctx = NULL;
	struct problem p;
	char why[512];
	int ok;

	problem_make(&p, rng, ANISO_FLOAT32, 33, 129, 2, 1, 2, ANISO_GAMMA_PER_J);
	ok = aniso_ctx_create_from_cl(c->context, c->device, c->queue, &ctx, why, sizeof(why)) ==
		     ANISO_OK &&
	     problem_check(ctx, &p, TOL_FLOAT32, NULL);
	problem_free(&p);
	aniso_ctx_free(ctx);
	tap_ok(ok, "a caller-supplied context, device and queue: correct sum");
	/* The library released only its own references. */
	tap_ok(clFinish(c->queue) == CL_SUCCESS, "caller's queue still valid after aniso_ctx_free");
}

/* x, y, b, gamma and out of a problem in the caller's buffers, summed
 * through wrapped arrays and read back by the caller. */
static void test_wrapped_sum(aniso_ctx *ctx, const struct caller *c, tap_rng *rng,
			     aniso_dtype dtype, aniso_gamma_var var)
{
	struct problem p;
	const aniso_shape *s = &p.shape;
	size_t elem = dtype == ANISO_FLOAT64 ? 8 : 4;
	size_t gamma_rows, k;
	size_t rows[5], cols[5];
	const void *host[5];
	cl_mem buffers[5] = {NULL};
	aniso_array *arrays[5] = {NULL};
	void *out = NULL;
	int ok = 1, refs_ok = 1, err = ANISO_OK;

	problem_make(&p, rng, dtype, 300, 517, 3, 2, 9, var);
	gamma_rows = s->gamma_rows;
	rows[0] = s->M, cols[0] = s->D, host[0] = p.xt;
	rows[1] = s->N, cols[1] = s->D, host[1] = p.yt;
	rows[2] = s->N, cols[2] = s->E, host[2] = p.bt;
	rows[3] = gamma_rows, cols[3] = s->K, host[3] = p.gammat;
	rows[4] = s->M, cols[4] = s->E, host[4] = NULL;
	out = malloc(s->M * s->E * elem);
	for (k = 0; k < 5 && ok; ++k) {
		buffers[k] = caller_buffer(c, rows[k] * cols[k] * elem, host[k]);
		ok = buffers[k] && aniso_array_wrap(ctx, dtype, rows[k], cols[k], buffers[k],
						    &arrays[k]) == ANISO_OK;
	}
	if (ok) {
		err = aniso_sum_arrays(ctx, arrays[0], arrays[1], arrays[2], arrays[3], var,
				       arrays[4]);
		ok = err == ANISO_OK && out &&
		     aniso_array_cl_mem(arrays[4]) == (void *)buffers[4] &&
		     clEnqueueReadBuffer(c->queue, buffers[4], CL_TRUE, 0, s->M * s->E * elem,
					 out, 0, NULL, NULL) == CL_SUCCESS &&
		     problem_compare(&p, out, dtype_tolerance(dtype), NULL);
	}
	if (err != ANISO_OK)
		tap_diag("aniso_sum_arrays: %s: %s", aniso_strerror(err), aniso_ctx_errmsg(ctx));
	for (k = 0; k < 5; ++k) {
		/* each array held one reference of its own */
		if (buffers[k] && arrays[k])
			refs_ok = refs_ok && reference_count(buffers[k]) == 2;
		aniso_array_free(arrays[k]);
		if (buffers[k])
			refs_ok = refs_ok && reference_count(buffers[k]) == 1;
		if (buffers[k])
			clReleaseMemObject(buffers[k]);
	}
	tap_ok(ok, "%s %s full gamma in the caller's buffers: sum matches the reference",
	       dtype == ANISO_FLOAT64 ? "float64" : "float32", gamma_var_label(var));
	tap_ok(refs_ok, "%s: each wrapped array holds and drops one reference of its own",
	       dtype == ANISO_FLOAT64 ? "float64" : "float32");
	free(out);
	problem_free(&p);
}

static void test_wrap_refusals(aniso_ctx *ctx, const struct caller *c)
{
	struct caller other;
	cl_mem small = caller_buffer(c, 64, NULL), foreign = NULL;
	aniso_array *array = (aniso_array *)&array;
	int err;

	err = aniso_array_wrap(ctx, ANISO_FLOAT32, 4, 5, small, &array);
	tap_ok(err == ANISO_ERR_BAD_ARG && array == NULL &&
		       message_has(ctx, "cl_buffer holds 64 bytes", "at least 80"),
	       "a buffer of 64 bytes for 4 x 5 float32 is refused, naming both sizes");
	array = (aniso_array *)&array;
	err = aniso_array_wrap(ctx, ANISO_FLOAT32, 4, 1, NULL, &array);
	tap_ok(err == ANISO_ERR_NULL_ARG && array == NULL && message_has(ctx, "cl_buffer", NULL),
	       "a NULL buffer for 4 rows is refused");
	err = aniso_array_wrap(ctx, ANISO_FLOAT32, 0, 3, NULL, &array);
	tap_ok(err == ANISO_OK && array && aniso_array_rows(array) == 0 &&
		       aniso_array_cl_mem(array) == NULL,
	       "a NULL buffer for 0 rows is an empty array");
	aniso_array_free(array);
	array = (aniso_array *)&array;
	err = aniso_array_wrap(ctx, ANISO_FLOAT32, 4, 0, small, &array);
	tap_ok(err == ANISO_ERR_BAD_DIM && array == NULL, "cols = 0 is refused as for create");
	err = aniso_array_wrap(ctx, ANISO_FLOAT32, 4, 1, small, NULL);
	tap_ok(err == ANISO_ERR_NULL_ARG && message_has(ctx, "array is NULL", NULL),
	       "a NULL handle pointer is refused");

	/* a buffer of the caller's own context, not the library's */
	if (caller_open(&other))
		foreign = caller_buffer(&other, 64, NULL);
	array = (aniso_array *)&array;
	err = foreign ? aniso_array_wrap(ctx, ANISO_FLOAT32, 4, 1, foreign, &array) : 0;
	tap_ok(foreign && err == ANISO_ERR_BAD_ARG && array == NULL &&
		       message_has(ctx, "another OpenCL context", NULL) &&
		       reference_count(foreign) == 1,
	       "a buffer of another OpenCL context is refused and not retained");
	if (foreign)
		clReleaseMemObject(foreign);
	caller_close(&other);
	tap_ok(small && reference_count(small) == 1, "refused wraps took no reference");
	if (small)
		clReleaseMemObject(small);
}

/* out may not share memory with an input: the same handle, or two
 * sub-buffers of one buffer whose ranges meet. */
static void test_out_aliasing(aniso_ctx *ctx, const struct caller *c)
{
	enum { M = 64, N = 64, D = 2 };
	/* Offsets a multiple of every device's base address alignment. */
	const size_t slot = 4096;
	float *host = calloc(4 * slot / sizeof(float), sizeof(float));
	aniso_array *x = NULL, *y = NULL, *b = NULL, *g = NULL, *out_overlap = NULL,
		    *out_apart = NULL, *b_alone = NULL;
	cl_mem parent = NULL, sub[4] = {NULL};
	cl_buffer_region region;
	float gamma = 1.0f, result[M * D];
	cl_int status = CL_SUCCESS;
	size_t k;
	int err, ok;

	for (k = 0; host && k < 4 * slot / sizeof(float); ++k)
		host[k] = (float)(k % 7) / 7.0f;
	parent = host ? caller_buffer(c, 4 * slot, host) : NULL;
	/* x, y and b in slots 0, 1, 2; an out whose range starts inside b's
	 * (b is N x D floats = 512 bytes at slot 2), and one in slot 3 */
	for (k = 0; parent && k < 4 && status == CL_SUCCESS; ++k) {
		region.origin = k * slot;
		region.size = slot;
		sub[k] = clCreateSubBuffer(parent, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION,
					   &region, &status);
	}
	ok = parent && status == CL_SUCCESS &&
	     aniso_array_wrap(ctx, ANISO_FLOAT32, M, D, sub[0], &x) == ANISO_OK &&
	     aniso_array_wrap(ctx, ANISO_FLOAT32, N, D, sub[1], &y) == ANISO_OK &&
	     aniso_array_wrap(ctx, ANISO_FLOAT32, N, D, sub[2], &b) == ANISO_OK &&
	     aniso_array_wrap(ctx, ANISO_FLOAT32, M, D, sub[2], &out_overlap) == ANISO_OK &&
	     aniso_array_wrap(ctx, ANISO_FLOAT32, M, D, sub[3], &out_apart) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, &gamma, &g) == ANISO_OK;
	if (!ok) {
		tap_diag("setting up sub-buffers: %d, %s", status, aniso_ctx_errmsg(ctx));
		tap_ok(0, "out = x (the same handle) is refused");
		tap_ok(0, "out over the memory of b (a sub-buffer of one buffer) is refused");
		tap_ok(0, "inputs that share memory, out apart: allowed and correct");
		goto out;
	}
	memset(result, 0, sizeof(result));
	err = aniso_sum_arrays(ctx, x, y, b, g, ANISO_GAMMA_FIXED, x);
	tap_ok(err == ANISO_ERR_BAD_ARG && message_has(ctx, "out shares memory with x", NULL),
	       "out = x (the same handle) is refused");
	err = aniso_sum_arrays(ctx, x, y, b, g, ANISO_GAMMA_FIXED, out_overlap);
	tap_ok(err == ANISO_ERR_BAD_ARG && message_has(ctx, "out shares memory with b", NULL),
	       "out over the memory of b (a sub-buffer of one buffer) is refused");
	/* y doubles as b (same memory, both read only): allowed. */
	err = aniso_array_wrap(ctx, ANISO_FLOAT32, N, D, sub[1], &b_alone);
	if (err == ANISO_OK)
		err = aniso_sum_arrays(ctx, x, y, b_alone, g, ANISO_GAMMA_FIXED, out_apart);
	ok = err == ANISO_OK && aniso_array_read(out_apart, result) == ANISO_OK;
	if (ok) {
		/* the reference: y serves as b too */
		const float *xs = host, *ys = host + slot / sizeof(float);
		double xd[M * D], yd[N * D], ref[M * D], scale[M * D], g1 = gamma, worst = 0;

		for (k = 0; k < M * D; ++k)
			xd[k] = xs[k];
		for (k = 0; k < N * D; ++k)
			yd[k] = ys[k];
		reference_sum(M, N, D, D, 1, 0, xd, yd, yd, &g1, ref, scale);
		for (k = 0; k < M * D; ++k)
			if (fabs(result[k] - ref[k]) / (scale[k] + 1e-300) > worst)
				worst = fabs(result[k] - ref[k]) / (scale[k] + 1e-300);
		ok = worst <= TOL_FLOAT32;
		if (!ok)
			tap_diag("worst relative error %.3g", worst);
	} else {
		tap_diag("aniso_sum_arrays: %s: %s", aniso_strerror(err), aniso_ctx_errmsg(ctx));
	}
	tap_ok(ok, "inputs that share memory, out apart: allowed and correct");
out:
	aniso_array_free(x);
	aniso_array_free(y);
	aniso_array_free(b);
	aniso_array_free(b_alone);
	aniso_array_free(g);
	aniso_array_free(out_overlap);
	aniso_array_free(out_apart);
	for (k = 0; k < 4; ++k)
		if (sub[k])
			clReleaseMemObject(sub[k]);
	if (parent)
		clReleaseMemObject(parent);
	free(host);
}

int main(void)
{
	aniso_ctx *ctx = NULL, *probe;
	struct caller c;
	char why[512] = "";
	tap_rng rng;

	/* skip, with the reason, where there is no device */
	probe = context_or_skip();
	if (!probe)
		return tap_done();
	aniso_ctx_free(probe);
	tap_rng_seed(&rng, tap_seed_from_env());
	tap_plan(16);
	if (!caller_open(&c) ||
	    aniso_ctx_create_from_cl(c.context, c.device, c.queue, &ctx, why, sizeof(why)) !=
		    ANISO_OK) {
		tap_diag("no caller context, or aniso_ctx_create_from_cl failed: %s", why);
		caller_close(&c);
		return tap_done(); /* fewer tests than planned: a failure */
	}
	test_caller_context(&c, &rng);
	test_wrapped_sum(ctx, &c, &rng, ANISO_FLOAT32, ANISO_GAMMA_PER_J);
	if (aniso_ctx_has_fp64(ctx))
		test_wrapped_sum(ctx, &c, &rng, ANISO_FLOAT64, ANISO_GAMMA_PER_I);
	else
		for (int k = 0; k < 2; ++k)
			tap_skip("the device has no float64", "float64 wrapped sum %d", k);
	test_wrap_refusals(ctx, &c);
	test_out_aliasing(ctx, &c);
	aniso_ctx_free(ctx);
	caller_close(&c);
	return tap_done();
}
