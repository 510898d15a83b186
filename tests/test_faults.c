/*
 * Fault injection: this program defines the OpenCL entry points that a sum
 * uses, so the library's calls land here first (the executable's symbols
 * come first in the dynamic lookup); each wrapper forwards to the real
 * function (dlsym RTLD_NEXT) unless it is the call chosen to fail.
 *
 * For every failure point of a sum on a fresh context: the call returns an
 * error whose message names the failing OpenCL call, `out` is untouched,
 * the same context then gives the right answer, and once the context is
 * freed no buffer, program or kernel is left alive.  Then the same for each
 * call of aniso_array_wrap on a caller's buffer.  Last, a driver whose
 * compiled kernel allows a smaller work-group than the plan's.
 */
#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

/* ---- the shim ----------------------------------------------------------- */

static long calls;         /* intercepted calls since the last reset        */
static long fail_at;       /* 1-based index of the call to fail; 0: none    */
static const char *failed; /* name of the call that was made to fail        */
static long live_buffers, live_programs, live_kernels;
/* A GPU driver's work-group limit, when > 0: the compiled kernel reports
 * at most this many work-items, and a launch with more is refused, as GPU
 * drivers do (PoCL itself takes any size up to the device's). */
static size_t pretend_kernel_wg;

static void *real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "test_faults: no real %s\n", name);
		abort();
	}
	return f;
}

/* Count the call; 1 when this one must fail. */
static int should_fail(const char *name)
{
	if (fail_at > 0 && ++calls == fail_at) {
		failed = name;
		return 1;
	}
	if (fail_at <= 0)
		++calls;
	return 0;
}

#define REAL(name) ((__typeof__(&name))real(#name))

cl_mem clCreateBuffer(cl_context c, cl_mem_flags f, size_t s, void *h, cl_int *e)
{
	cl_mem m;

	if (should_fail("clCreateBuffer")) {
		if (e)
			*e = CL_MEM_OBJECT_ALLOCATION_FAILURE;
		return NULL;
	}
	m = REAL(clCreateBuffer)(c, f, s, h, e);
	if (m)
		++live_buffers;
	return m;
}

cl_int clReleaseMemObject(cl_mem m)
{
	--live_buffers;
	return REAL(clReleaseMemObject)(m);
}

/* The calls of aniso_array_wrap on the caller's buffer. */
cl_int clGetMemObjectInfo(cl_mem m, cl_mem_info what, size_t size, void *value, size_t *ret)
{
	if (should_fail("clGetMemObjectInfo"))
		return CL_OUT_OF_RESOURCES;
	return REAL(clGetMemObjectInfo)(m, what, size, value, ret);
}

cl_int clRetainMemObject(cl_mem m)
{
	cl_int status;

	if (should_fail("clRetainMemObject"))
		return CL_OUT_OF_RESOURCES;
	status = REAL(clRetainMemObject)(m);
	if (status == CL_SUCCESS)
		++live_buffers;
	return status;
}

cl_int clEnqueueWriteBuffer(cl_command_queue q, cl_mem m, cl_bool b, size_t o, size_t s,
			    const void *p, cl_uint n, const cl_event *w, cl_event *ev)
{
	if (should_fail("clEnqueueWriteBuffer"))
		return CL_OUT_OF_RESOURCES;
	return REAL(clEnqueueWriteBuffer)(q, m, b, o, s, p, n, w, ev);
}

cl_int clEnqueueReadBuffer(cl_command_queue q, cl_mem m, cl_bool b, size_t o, size_t s,
			   void *p, cl_uint n, const cl_event *w, cl_event *ev)
{
	if (should_fail("clEnqueueReadBuffer"))
		return CL_OUT_OF_RESOURCES;
	return REAL(clEnqueueReadBuffer)(q, m, b, o, s, p, n, w, ev);
}

cl_int clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint d, const size_t *o,
			      const size_t *g, const size_t *l, cl_uint n, const cl_event *w,
			      cl_event *ev)
{
	if (should_fail("clEnqueueNDRangeKernel"))
		return CL_OUT_OF_RESOURCES;
	if (pretend_kernel_wg && l && l[0] > pretend_kernel_wg)
		return CL_INVALID_WORK_GROUP_SIZE;
	return REAL(clEnqueueNDRangeKernel)(q, k, d, o, g, l, n, w, ev);
}

cl_int clSetKernelArg(cl_kernel k, cl_uint i, size_t s, const void *v)
{
	if (should_fail("clSetKernelArg"))
		return CL_INVALID_ARG_VALUE;
	return REAL(clSetKernelArg)(k, i, s, v);
}

cl_int clFinish(cl_command_queue q)
{
	if (should_fail("clFinish"))
		return CL_OUT_OF_RESOURCES;
	return REAL(clFinish)(q);
}

cl_program clCreateProgramWithSource(cl_context c, cl_uint n, const char **s, const size_t *l,
				     cl_int *e)
{
	cl_program p;

	if (should_fail("clCreateProgramWithSource")) {
		if (e)
			*e = CL_OUT_OF_HOST_MEMORY;
		return NULL;
	}
	p = REAL(clCreateProgramWithSource)(c, n, s, l, e);
	if (p)
		++live_programs;
	return p;
}

cl_int clBuildProgram(cl_program p, cl_uint n, const cl_device_id *d, const char *o,
		      void(CL_CALLBACK *cb)(cl_program, void *), void *u)
{
	if (should_fail("clBuildProgram"))
		return CL_OUT_OF_HOST_MEMORY;
	return REAL(clBuildProgram)(p, n, d, o, cb, u);
}

cl_int clReleaseProgram(cl_program p)
{
	--live_programs;
	return REAL(clReleaseProgram)(p);
}

cl_kernel clCreateKernel(cl_program p, const char *name, cl_int *e)
{
	cl_kernel k;

	if (should_fail("clCreateKernel")) {
		if (e)
			*e = CL_OUT_OF_RESOURCES;
		return NULL;
	}
	k = REAL(clCreateKernel)(p, name, e);
	if (k)
		++live_kernels;
	return k;
}

cl_int clReleaseKernel(cl_kernel k)
{
	--live_kernels;
	return REAL(clReleaseKernel)(k);
}

cl_int clGetKernelWorkGroupInfo(cl_kernel k, cl_device_id d, cl_kernel_work_group_info what,
				size_t size, void *value, size_t *ret)
{
	cl_int status;

	if (should_fail("clGetKernelWorkGroupInfo"))
		return CL_OUT_OF_RESOURCES;
	status = REAL(clGetKernelWorkGroupInfo)(k, d, what, size, value, ret);
	if (status == CL_SUCCESS && what == CL_KERNEL_WORK_GROUP_SIZE && pretend_kernel_wg &&
	    *(size_t *)value > pretend_kernel_wg)
		*(size_t *)value = pretend_kernel_wg;
	return status;
}

/* ---- the test ----------------------------------------------------------- */

#define SENTINEL 4242.0f

static int out_untouched(const float *out, size_t n)
{
	size_t k;

	for (k = 0; k < n; ++k)
		if (out[k] != SENTINEL)
			return 0;
	return 1;
}

/*
 * Every failure point of aniso_array_wrap on a caller's buffer: an error
 * naming the call, no handle, and no reference of the library's left on
 * the buffer.  Returns the number of points (planned before by the caller
 * as 2 per point plus 1).
 */
static long wrap_points(aniso_ctx *ctx, int count_only)
{
	cl_mem buffer;
	aniso_array *array = NULL;
	long points, k;
	int err;

	buffer = NULL;
	if (aniso_array_create(ctx, ANISO_FLOAT32, 8, 2, NULL, &array) == ANISO_OK) {
		/* an OpenCL buffer of the library's context, as a caller of
		 * aniso_ctx_create_from_cl would have */
		buffer = (cl_mem)aniso_array_cl_mem(array);
		clRetainMemObject(buffer);
		aniso_array_free(array);
		array = NULL;
	}
	calls = 0;
	fail_at = 0;
	err = buffer ? aniso_array_wrap(ctx, ANISO_FLOAT32, 8, 2, buffer, &array) : -1;
	points = calls;
	aniso_array_free(array);
	if (!count_only) {
		tap_ok(err == ANISO_OK && points >= 2, "aniso_array_wrap makes %ld OpenCL calls",
		       points);
		for (k = 1; k <= points; ++k) {
			long before = live_buffers;

			array = (aniso_array *)&array;
			calls = 0;
			fail_at = k;
			failed = NULL;
			err = aniso_array_wrap(ctx, ANISO_FLOAT32, 8, 2, buffer, &array);
			fail_at = 0;
			if (!tap_ok(err != ANISO_OK && failed && array == NULL &&
					    strstr(aniso_ctx_errmsg(ctx), failed),
				    "wrap failure %ld (%s): %s, message names the call, no handle", k,
				    failed ? failed : "?", aniso_err_name(err)))
				tap_diag("message: %s", aniso_ctx_errmsg(ctx));
			tap_ok(live_buffers == before, "wrap failure %ld: no reference kept", k);
		}
	}
	if (buffer)
		clReleaseMemObject(buffer);
	return points;
}

/*
 * The tiled kernel is built with a work-group of 256 on PoCL; a driver
 * whose compiled kernel allows 16 must get a kernel rebuilt with 16 (or
 * fewer), not a refused launch, and the right answer.
 */
static void kernel_work_group_limit(const struct problem *p)
{
	aniso_ctx *ctx = NULL;
	float out[40 * 2];
	int err;

	setenv("ANISOCL_STRATEGY", "tiled", 1);
	pretend_kernel_wg = 16;
	err = aniso_ctx_create(&ctx, NULL, 0);
	if (!err)
		err = aniso_sum(ctx, &p->shape, p->xt, p->yt, p->bt, p->gammat, out);
	if (!tap_ok(err == ANISO_OK && problem_compare(p, out, TOL_FLOAT32, NULL),
		    "a kernel that allows 16 work-items per group: rebuilt smaller, right answer (%s)",
		    aniso_err_name(err)))
		tap_diag("message: %s", aniso_ctx_errmsg(ctx));
	if (!tap_ok(err == ANISO_OK && strstr(aniso_ctx_errmsg(ctx), "note: the compiled kernel allows 16"),
		    "the rebuild leaves a note naming the kernel's limit"))
		tap_diag("message: %s", aniso_ctx_errmsg(ctx));
	/* A second call finds the rebuilt kernel in the context's cache. */
	calls = 0;
	fail_at = 0;
	err = aniso_sum(ctx, &p->shape, p->xt, p->yt, p->bt, p->gammat, out);
	tap_ok(err == ANISO_OK && problem_compare(p, out, TOL_FLOAT32, NULL) &&
		       !strstr(aniso_ctx_errmsg(ctx), "note:"),
	       "the next sum uses the smaller kernel without building again");
	aniso_ctx_free(ctx);
	pretend_kernel_wg = 0;
	unsetenv("ANISOCL_STRATEGY");
}

int main(void)
{
	struct problem p;
	aniso_ctx *ctx;
	tap_rng rng;
	float out[40 * 2];
	long points, wrap_count, k;
	int err;

	/* Builds from source every time: the disk cache's own failures are
	 * quiet by design (it falls back to building). */
	setenv("ANISOCL_CACHE", "off", 1);
	ctx = context_or_skip();
	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	/* N large enough for several j-blocks, so the combine pass runs too. */
	problem_make(&p, &rng, ANISO_FLOAT32, 40, 3000, 3, 2, 3, ANISO_GAMMA_PER_J);
	aniso_ctx_free(ctx);

	/* Count the failure points of one sum on a fresh context. */
	live_buffers = live_programs = live_kernels = 0;
	aniso_ctx_create(&ctx, NULL, 0);
	calls = 0;
	fail_at = 0;
	err = aniso_sum(ctx, &p.shape, p.xt, p.yt, p.bt, p.gammat, out);
	points = calls;
	wrap_count = wrap_points(ctx, 1);
	aniso_ctx_free(ctx);
	tap_plan((int)(3 * points + 2 + 2 * wrap_count + 1 + 3));
	tap_ok(err == ANISO_OK && points > 10, "a sum on a fresh context makes %ld OpenCL calls", points);
	tap_ok(live_buffers == 0 && live_programs == 0 && live_kernels == 0,
	       "nothing left alive after aniso_ctx_free");

	for (k = 1; k <= points; ++k) {
		int usable;

		aniso_ctx_create(&ctx, NULL, 0);
		for (size_t q = 0; q < 80; ++q)
			out[q] = SENTINEL;
		calls = 0;
		fail_at = k;
		failed = NULL;
		err = aniso_sum(ctx, &p.shape, p.xt, p.yt, p.bt, p.gammat, out);
		fail_at = 0;
		if (!tap_ok(err != ANISO_OK && failed && strstr(aniso_ctx_errmsg(ctx), failed) &&
				    out_untouched(out, 80),
			    "failure %ld (%s): %s, message names the call, out untouched", k,
			    failed ? failed : "?", aniso_err_name(err)))
			tap_diag("message: %s", aniso_ctx_errmsg(ctx));
		usable = problem_check(ctx, &p, TOL_FLOAT32, NULL);
		tap_ok(usable, "failure %ld: the context gives the right answer next", k);
		aniso_ctx_free(ctx);
		if (!tap_ok(live_buffers == 0 && live_programs == 0 && live_kernels == 0,
			    "failure %ld: no OpenCL object leaked", k))
			tap_diag("live buffers %ld, programs %ld, kernels %ld", live_buffers,
				 live_programs, live_kernels);
	}
	aniso_ctx_create(&ctx, NULL, 0);
	wrap_points(ctx, 0);
	aniso_ctx_free(ctx);
	kernel_work_group_limit(&p);
	problem_free(&p);
	return tap_done();
}
