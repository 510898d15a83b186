/*
 * Several devices in one process (aniso_multi): with two devices of one
 * kind (PoCL's POCL_DEVICES="pthread pthread" here: two devices on the
 * same cores, which checks correctness and determinism, not speed), a sum
 * on both equals the one-device sum bit for bit (memcmp), for rows split
 * (M >= 256) and j-blocks split (M small), sum and logsumexp, both dtypes
 * and the three gamma modes, both kernel strategies; and it matches the
 * double reference.  A sum
 * streamed in passes under an allocation cap gives the same bits as one
 * pass.  Bad device lists are refused naming the item; a fault on the
 * second device names it, leaves out untouched and leaks nothing.
 *
 * The fault shim: this program defines clEnqueueNDRangeKernel,
 * clCreateBuffer and clReleaseMemObject (exported with -rdynamic, as in
 * test_faults.c); the kernel launch fails on the queue of one chosen
 * device while fail_device is set.
 */
#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

/* ---- the shim ----------------------------------------------------------- */

static cl_device_id fail_device; /* launches on its queues fail; NULL: none */
/* Counted from every device's thread at once: atomic. */
static long live_buffers;

static long live_buffer_count(void)
{
	return __atomic_load_n(&live_buffers, __ATOMIC_SEQ_CST);
}

static void *real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "test_multi: no real %s\n", name);
		abort();
	}
	return f;
}

#define REAL(name) ((__typeof__(&name))real(#name))

cl_mem clCreateBuffer(cl_context c, cl_mem_flags f, size_t s, void *h, cl_int *e)
{
	cl_mem m = REAL(clCreateBuffer)(c, f, s, h, e);

	if (m)
		__atomic_add_fetch(&live_buffers, 1, __ATOMIC_SEQ_CST);
	return m;
}

cl_int clReleaseMemObject(cl_mem m)
{
	__atomic_sub_fetch(&live_buffers, 1, __ATOMIC_SEQ_CST);
	return REAL(clReleaseMemObject)(m);
}

cl_int clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint d, const size_t *o,
			      const size_t *g, const size_t *l, cl_uint n, const cl_event *w,
			      cl_event *ev)
{
	cl_device_id device = NULL;

	if (fail_device &&
	    clGetCommandQueueInfo(q, CL_QUEUE_DEVICE, sizeof(device), &device, NULL) ==
		    CL_SUCCESS &&
	    device == fail_device)
		return CL_OUT_OF_RESOURCES;
	return REAL(clEnqueueNDRangeKernel)(q, k, d, o, g, l, n, w, ev);
}

/* ---- the test ----------------------------------------------------------- */

struct shape_case {
	aniso_dtype dtype;
	aniso_gamma_var var;
	size_t K; /* with D = 3 */
	aniso_reduction reduction;
	size_t M, N;
};

/* Every shape of the issue (M = 1, 16, 1000; N = 1, 5000, 70000) for one
 * configuration; fewer for the others, whose kernels cost a build each. */
static const struct shape_case cases[] = {
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 1, 1},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 1, 5000},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 1, 70000},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 16, 1},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 16, 5000},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 16, 70000},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 1000, 1},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 1000, 5000},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 1000, 70000},
	/* Pieces of 3 blocks (N = 1536 < 2048) get another work-group than
	 * the whole (see aniso_plan_make): the same bits all the same. */
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 16, 3000},
	{ANISO_FLOAT64, ANISO_GAMMA_PER_I, 3, ANISO_REDUCTION_SUM, 16, 70000},
	{ANISO_FLOAT64, ANISO_GAMMA_PER_I, 3, ANISO_REDUCTION_SUM, 1000, 5000},
	{ANISO_FLOAT32, ANISO_GAMMA_PER_J, 9, ANISO_REDUCTION_SUM, 16, 5000},
	{ANISO_FLOAT32, ANISO_GAMMA_PER_J, 9, ANISO_REDUCTION_SUM, 1000, 5000},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_LOGSUMEXP, 16, 70000},
	{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_LOGSUMEXP, 1000, 5000},
	{ANISO_FLOAT64, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_LOGSUMEXP, 16, 5000},
};
#define CASES (sizeof(cases) / sizeof(cases[0]))

#define SENTINEL 4242.0f

static size_t out_bytes(const struct problem *p)
{
	return p->shape.M * p->shape.E * (p->shape.dtype == ANISO_FLOAT64 ? 8 : 4);
}

/* One sum on ctx and on the set; 3 results. */
static void check_case(aniso_ctx *ctx, aniso_multi *multi, tap_rng *rng,
		       const struct shape_case *c)
{
	struct problem p;
	aniso_options options;
	void *one = NULL, *two = NULL, *again = NULL;
	double worst = 0;
	int e1 = -1, e2 = -1, e3 = -1, ok;

	problem_make(&p, rng, c->dtype, c->M, c->N, 3, 2, c->K, c->var);
	p.reduction = c->reduction;
	aniso_options_init(&options);
	options.reduction = c->reduction;
	one = malloc(out_bytes(&p));
	two = malloc(out_bytes(&p));
	again = malloc(out_bytes(&p));
	if (one && two && again) {
		e1 = aniso_sum_ex(ctx, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat, one);
		e2 = aniso_multi_sum(multi, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat, two);
		/* The first call's measured rates change the split of the next. */
		e3 = aniso_multi_sum(multi, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat, again);
	}
	ok = e1 == ANISO_OK && e2 == ANISO_OK && memcmp(one, two, out_bytes(&p)) == 0;
	if (!tap_ok(ok, "%s %s %s %s M=%zu N=%zu: two devices equal one bit for bit",
		    c->dtype == ANISO_FLOAT64 ? "f64" : "f32", gamma_var_label(c->var),
		    metric_label(c->K, 3), aniso_reduction_name(c->reduction), c->M, c->N))
		tap_diag("single: %s; multi: %s", aniso_ctx_errmsg(ctx), aniso_multi_errmsg(multi));
	tap_ok(e3 == ANISO_OK && memcmp(one, again, out_bytes(&p)) == 0,
	       "  the same bits again, split after the rates measured");
	ok = e2 == ANISO_OK && problem_compare(&p, two, dtype_tolerance(c->dtype), &worst);
	tap_ok(ok, "  matches the double reference (%.2g of the tolerance)", worst);
	free(again);
	free(two);
	free(one);
	problem_free(&p);
}

/* The GPU kernel (ANISOCL_STRATEGY=tiled: local tiles, chunk = the
 * work-group) on both devices: rows split and blocks split (2 results). */
static void check_tiled(tap_rng *rng)
{
	static const size_t rows[2] = {1000, 16};
	aniso_ctx *ctx = NULL;
	aniso_multi *multi = NULL;
	char why[512] = "";
	int err, k;

	setenv("ANISOCL_STRATEGY", "tiled", 1);
	err = aniso_ctx_create_on("0", &ctx, why, sizeof(why));
	if (err == ANISO_OK)
		err = aniso_multi_create("0,1", &multi, why, sizeof(why));
	unsetenv("ANISOCL_STRATEGY");
	for (k = 0; k < 2; ++k) {
		struct problem p;
		void *one, *two;
		int e1 = -1, e2 = -1;

		problem_make(&p, rng, ANISO_FLOAT32, rows[k], 20000, 3, 2, 3, ANISO_GAMMA_PER_J);
		one = malloc(out_bytes(&p));
		two = malloc(out_bytes(&p));
		if (err == ANISO_OK && one && two) {
			e1 = aniso_sum(ctx, &p.shape, p.xt, p.yt, p.bt, p.gammat, one);
			e2 = aniso_multi_sum(multi, &p.shape, NULL, p.xt, p.yt, p.bt, p.gammat, two);
		}
		if (!tap_ok(e1 == ANISO_OK && e2 == ANISO_OK && memcmp(one, two, out_bytes(&p)) == 0 &&
				    problem_compare(&p, two, TOL_FLOAT32, NULL),
			    "tiled strategy, f32 per-j diag M=%zu N=20000: two devices equal one bit "
			    "for bit, and the reference", rows[k]))
			tap_diag("%s / %s", why, multi ? aniso_multi_errmsg(multi) : "no set");
		free(two);
		free(one);
		problem_free(&p);
	}
	aniso_multi_free(multi);
	aniso_ctx_free(ctx);
}

/* Passes of whole j-blocks under a 64 KiB allocation cap, on one device
 * and on two (whose pieces of blocks then come back in passes too): the
 * bits of one pass (4 results). */
static void check_passes(aniso_ctx *ctx, tap_rng *rng)
{
	static const struct shape_case streamed[2] = {
		{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_SUM, 1000, 70000},
		{ANISO_FLOAT32, ANISO_GAMMA_FIXED, 1, ANISO_REDUCTION_LOGSUMEXP, 16, 70000},
	};
	aniso_ctx *capped = NULL;
	aniso_multi *capped_set = NULL;
	char why[512] = "";
	int err, k;

	setenv("ANISOCL_MAX_ALLOC_BYTES", "65536", 1);
	err = aniso_ctx_create_on("0", &capped, why, sizeof(why));
	if (err == ANISO_OK)
		err = aniso_multi_create("0,1", &capped_set, why, sizeof(why));
	unsetenv("ANISOCL_MAX_ALLOC_BYTES");
	for (k = 0; k < 2; ++k) {
		const struct shape_case *c = &streamed[k];
		struct problem p;
		aniso_options options;
		void *one, *passes, *set_passes;
		int e1 = -1, e2 = -1, e3 = -1;

		problem_make(&p, rng, c->dtype, c->M, c->N, 3, 2, c->K, c->var);
		aniso_options_init(&options);
		options.reduction = c->reduction;
		one = malloc(out_bytes(&p));
		passes = malloc(out_bytes(&p));
		set_passes = malloc(out_bytes(&p));
		if (err == ANISO_OK && one && passes && set_passes) {
			e1 = aniso_sum_ex(ctx, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat, one);
			e2 = aniso_sum_ex(capped, &p.shape, &options, p.xt, p.yt, p.bt, p.gammat,
					  passes);
			e3 = aniso_multi_sum(capped_set, &p.shape, &options, p.xt, p.yt, p.bt,
					     p.gammat, set_passes);
		}
		if (!tap_ok(e1 == ANISO_OK && e2 == ANISO_OK &&
				    memcmp(one, passes, out_bytes(&p)) == 0,
			    "%s M=%zu N=%zu in passes under a 64 KiB cap: the bits of one pass",
			    aniso_reduction_name(c->reduction), c->M, c->N))
			tap_diag("create: %s; sum: %s", why,
				 capped ? aniso_ctx_errmsg(capped) : "no context");
		if (!tap_ok(e1 == ANISO_OK && e3 == ANISO_OK &&
				    memcmp(one, set_passes, out_bytes(&p)) == 0,
			    "  and on two devices under the cap, in passes of theirs"))
			tap_diag("%s", capped_set ? aniso_multi_errmsg(capped_set) : why);
		free(set_passes);
		free(passes);
		free(one);
		problem_free(&p);
	}
	aniso_multi_free(capped_set);
	aniso_ctx_free(capped);
}

/* Bad lists: refused, naming the item (4 results). */
static void check_lists(size_t count)
{
	aniso_multi *multi = (aniso_multi *)&multi;
	char why[512], list[32];
	int err;

	snprintf(list, sizeof(list), "0,%zu", count);
	err = aniso_multi_create(list, &multi, why, sizeof(why));
	if (!tap_ok(err == ANISO_ERR_BAD_DEVICE_SPEC && multi == NULL && strstr(why, list) &&
			    strstr(why, "index below"),
		    "device list \"%s\": ERR_BAD_DEVICE_SPEC naming the list and the item", list))
		tap_diag("%s: %s", aniso_err_name(err), why);
	err = aniso_multi_create("0,0", &multi, why, sizeof(why));
	if (!tap_ok(err == ANISO_ERR_BAD_DEVICE_SPEC && strstr(why, "again"),
		    "device list \"0,0\": refused, a device named twice"))
		tap_diag("%s: %s", aniso_err_name(err), why);
	err = aniso_multi_create("0,,1", &multi, why, sizeof(why));
	if (!tap_ok(err == ANISO_ERR_BAD_DEVICE_SPEC && strstr(why, "empty item"),
		    "device list \"0,,1\": refused, an empty item"))
		tap_diag("%s: %s", aniso_err_name(err), why);
	err = aniso_multi_create("all", &multi, why, sizeof(why));
	tap_ok(err == ANISO_OK && aniso_multi_count(multi) == count &&
		       aniso_multi_ctx(multi, count) == NULL,
	       "device list \"all\": %zu devices", count);
	aniso_multi_free(multi);
}

/* The OpenCL device of a context, through an array's buffer. */
static cl_device_id device_of(aniso_ctx *ctx)
{
	aniso_array *array = NULL;
	cl_context context = NULL;
	cl_device_id device = NULL;

	if (ctx && aniso_array_create(ctx, ANISO_FLOAT32, 1, 1, NULL, &array) == ANISO_OK &&
	    clGetMemObjectInfo((cl_mem)aniso_array_cl_mem(array), CL_MEM_CONTEXT, sizeof(context),
			       &context, NULL) == CL_SUCCESS)
		clGetContextInfo(context, CL_CONTEXT_DEVICES, sizeof(device), &device, NULL);
	aniso_array_free(array);
	return device;
}

/* A fault on the second device, rows split and blocks split: an error
 * naming that device, out untouched, the set usable next, and nothing
 * left alive once it is freed (3 results each). */
static void check_fault(tap_rng *rng)
{
	static const size_t rows[2] = {1000, 16};
	size_t k, q;

	for (k = 0; k < 2; ++k) {
		const long before = live_buffer_count();
		struct problem p;
		aniso_multi *multi = NULL;
		char why[512] = "";
		float *out;
		int err, untouched = 1;

		problem_make(&p, rng, ANISO_FLOAT32, rows[k], 70000, 3, 2, 1, ANISO_GAMMA_FIXED);
		out = malloc(out_bytes(&p));
		for (q = 0; q < rows[k] * 2; ++q)
			out[q] = SENTINEL;
		err = aniso_multi_create("0,1", &multi, why, sizeof(why));
		if (err == ANISO_OK) {
			fail_device = device_of(aniso_multi_ctx(multi, 1));
			err = fail_device ? aniso_multi_sum(multi, &p.shape, NULL, p.xt, p.yt, p.bt,
							    p.gammat, out)
					  : ANISO_OK;
			fail_device = NULL;
		}
		for (q = 0; q < rows[k] * 2; ++q)
			untouched = untouched && out[q] == SENTINEL;
		if (!tap_ok(err == ANISO_ERR_OPENCL &&
				    strncmp(aniso_multi_errmsg(multi), "device 1 (", 10) == 0 &&
				    strstr(aniso_multi_errmsg(multi), "clEnqueueNDRangeKernel") &&
				    untouched,
			    "M=%zu: a kernel launch failing on device 1: ERR_OPENCL naming the "
			    "device and the call, out untouched", rows[k]))
			tap_diag("%s: %s %s", aniso_err_name(err), why, aniso_multi_errmsg(multi));
		err = aniso_multi_sum(multi, &p.shape, NULL, p.xt, p.yt, p.bt, p.gammat, out);
		tap_ok(err == ANISO_OK && problem_compare(&p, out, TOL_FLOAT32, NULL),
		       "  the set gives the right answer next");
		aniso_multi_free(multi);
		if (!tap_ok(live_buffer_count() == before,
			    "  no buffer left alive once the set is freed"))
			tap_diag("%ld buffers before, %ld after", before, live_buffer_count());
		free(out);
		problem_free(&p);
	}
}

/* ANISOCL_DEVICE as a list, and the edges of a call (3 results). */
static void check_env_and_edges(void)
{
	aniso_multi *multi = NULL, *from_env = NULL;
	aniso_ctx *first = NULL;
	aniso_shape s = {.M = 3, .N = 0, .D = 2, .E = 1, .K = 1, .gamma_rows = 1,
			 .gamma_var = ANISO_GAMMA_FIXED, .dtype = ANISO_FLOAT32};
	float x[6] = {0}, b[1] = {0}, g[1] = {1}, out[3] = {7, 7, 7};
	cl_device_id one = NULL;
	int e1, e2, e3 = -1, e4 = -1;

	if (aniso_multi_create("0,1", &multi, NULL, 0) == ANISO_OK)
		one = device_of(aniso_multi_ctx(multi, 1));
	setenv("ANISOCL_DEVICE", "1,0", 1);
	e1 = aniso_ctx_create(&first, NULL, 0);
	e2 = aniso_multi_create(NULL, &from_env, NULL, 0);
	unsetenv("ANISOCL_DEVICE");
	tap_ok(one && e1 == ANISO_OK && device_of(first) == one,
	       "ANISOCL_DEVICE=1,0: aniso_ctx_create takes the list's first device");
	tap_ok(one && e2 == ANISO_OK && aniso_multi_count(from_env) == 2 &&
		       device_of(aniso_multi_ctx(from_env, 0)) == one,
	       "ANISOCL_DEVICE=1,0: aniso_multi_create(NULL) takes the list, in its order");
	if (multi) {
		e3 = aniso_multi_sum(multi, &s, NULL, x, NULL, NULL, g, out);
		s.N = 1;
		e4 = aniso_multi_sum(multi, &s, NULL, x, NULL, b, g, out);
	}
	if (!tap_ok(e3 == ANISO_OK && out[0] == 0 && out[2] == 0 && e4 == ANISO_ERR_NULL_ARG &&
			    strstr(aniso_multi_errmsg(multi), "y is NULL"),
		    "N = 0 writes zeros; a NULL y with N = 1 is ERR_NULL_ARG naming y"))
		tap_diag("%s %s: %s", aniso_err_name(e3), aniso_err_name(e4),
			 aniso_multi_errmsg(multi));
	aniso_multi_free(from_env);
	aniso_ctx_free(first);
	aniso_multi_free(multi);
}

int main(void)
{
	aniso_device_info info[2];
	aniso_ctx *ctx = NULL;
	aniso_multi *multi = NULL;
	tap_rng rng;
	size_t count = 0, k;
	char why[512] = "";
	int err;

	/* Two PoCL devices on the host's cores, unless the caller chose. */
	setenv("POCL_DEVICES", "pthread pthread", 0);
	err = aniso_device_list(info, 2, &count, NULL, NULL, 0);
	if (err != ANISO_OK || count < 2) {
		tap_skip_all("two OpenCL devices needed (%zu found)", count);
		return tap_done();
	}
	if (strcmp(info[0].name, info[1].name) != 0) {
		tap_skip_all("devices 0 and 1 are of different kinds (%s, %s)", info[0].name,
			     info[1].name);
		return tap_done();
	}
	tap_plan((int)(3 * CASES + 2 + 4 + 4 + 3 + 6));
	tap_rng_seed(&rng, tap_seed_from_env());
	err = aniso_ctx_create_on("0", &ctx, why, sizeof(why));
	if (err == ANISO_OK)
		err = aniso_multi_create("0,1", &multi, why, sizeof(why));
	if (err != ANISO_OK)
		tap_diag("%s: %s", aniso_err_name(err), why);
	for (k = 0; k < CASES && err == ANISO_OK; ++k)
		check_case(ctx, multi, &rng, &cases[k]);
	check_tiled(&rng);
	check_passes(ctx, &rng);
	check_lists(count);
	check_env_and_edges();
	check_fault(&rng);
	aniso_multi_free(multi);
	aniso_ctx_free(ctx);
	return tap_done();
}
