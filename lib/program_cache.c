/* Compiled programs: built on first use for a kernel configuration, kept
 * per context in memory, and on disk through disk_cache.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Append the device's build log to the context message. */
static void append_build_log(aniso_ctx *ctx, cl_program program)
{
	size_t size = 0;
	char *log;

	if (clGetProgramBuildInfo(program, ctx->device, CL_PROGRAM_BUILD_LOG, 0,
				  NULL, &size) != CL_SUCCESS || size == 0)
		return;
	log = malloc(size + 1);
	if (!log)
		return;
	if (clGetProgramBuildInfo(program, ctx->device, CL_PROGRAM_BUILD_LOG,
				  size, log, NULL) == CL_SUCCESS) {
		log[size] = '\0';
		aniso_msg_append(&ctx->msg, "\n--- build log (%s) ---\n%s", ctx->caps.name, log);
	}
	free(log);
}

static int build_from_source(aniso_ctx *ctx, const char *source,
			     const char *options, cl_program *out)
{
	cl_program program = NULL;
	cl_int status;
	int err = ANISO_OK;

	program = clCreateProgramWithSource(ctx->context, 1, &source, NULL, &status);
	if (status != CL_SUCCESS) {
		err = aniso_cl_fail(&ctx->msg, "clCreateProgramWithSource", status);
		goto out;
	}
	status = clBuildProgram(program, 1, &ctx->device, options, NULL, NULL);
	if (status != CL_SUCCESS) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_BUILD,
				    "clBuildProgram failed: %s (%d) with options \"%s\"",
				    aniso_cl_error_name(status), (int)status, options);
		append_build_log(ctx, program);
		goto out;
	}
	*out = program;
	program = NULL;
out:
	if (program)
		clReleaseProgram(program);
	return err;
}

/* A program from a cached binary, or NULL (never an error: any doubt
 * means the caller builds from source). */
static cl_program build_from_binary(aniso_ctx *ctx, const unsigned char *binary,
				    size_t size, const char *options)
{
	cl_program program;
	cl_int status, binary_status = CL_SUCCESS;

	program = clCreateProgramWithBinary(ctx->context, 1, &ctx->device, &size,
					    &binary, &binary_status, &status);
	if (status != CL_SUCCESS || binary_status != CL_SUCCESS) {
		if (program && status == CL_SUCCESS)
			clReleaseProgram(program);
		return NULL;
	}
	if (clBuildProgram(program, 1, &ctx->device, options, NULL, NULL) != CL_SUCCESS) {
		clReleaseProgram(program);
		return NULL;
	}
	return program;
}

/* The device binary of a built program (malloc'd), or NULL. */
static unsigned char *program_binary(cl_program program, size_t *size)
{
	unsigned char *binary;

	if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof(*size),
			     size, NULL) != CL_SUCCESS || *size == 0)
		return NULL;
	binary = malloc(*size);
	if (!binary)
		return NULL;
	if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof(binary), &binary,
			     NULL) != CL_SUCCESS) {
		free(binary);
		return NULL;
	}
	return binary;
}

static int compile_program(aniso_ctx *ctx, const struct aniso_kernel_config *config,
			   const char *options, cl_program *out)
{
	char *source = NULL, *key = NULL;
	unsigned char *binary = NULL;
	size_t binary_size = 0;
	cl_program program = NULL;
	const char *names[ANISO_MAX_SOURCES];
	size_t count = aniso_config_files(config, names);
	int err;

	err = aniso_program_source(names, count, &source, &ctx->msg);
	if (err != ANISO_OK)
		goto out;
	if (ctx->disk_cache_dir) {
		const char *rejected = NULL;

		key = aniso_disk_cache_key(&ctx->caps, source, options);
		if (key)
			aniso_disk_cache_load(ctx->disk_cache_dir, key, &binary, &binary_size,
					      &rejected);
		if (binary) {
			program = build_from_binary(ctx, binary, binary_size, options);
			if (!program)
				rejected = "the device refused the stored binary";
		}
		/* A success can carry a note: the caller may want to know
		 * that the cache is not doing its job. */
		if (rejected)
			aniso_msg_append(&ctx->msg, "note: disk cache entry in %s rejected (%s); "
					 "rebuilt from source. ", ctx->disk_cache_dir, rejected);
		free(binary);
		binary = NULL;
	}
	if (!program) {
		err = build_from_source(ctx, source, options, &program);
		if (err != ANISO_OK)
			goto out;
		if (key) {
			char why[512] = "the device gave no binary";

			binary = program_binary(program, &binary_size);
			/* A cache that cannot be written only costs time later:
			 * a note, not an error. */
			if (!binary || aniso_disk_cache_store(ctx->disk_cache_dir, key, binary,
							      binary_size, why, sizeof(why)) != ANISO_OK)
				aniso_msg_append(&ctx->msg, "note: disk cache not written: %s. ", why);
		}
	}
	*out = program;
out:
	free(binary);
	free(key);
	free(source);
	return err;
}


/* Release what program_build made, keeping the entry's key. */
static void program_release(struct aniso_program *p)
{
	if (p->pack_kernel)
		clReleaseKernel(p->pack_kernel);
	if (p->combine_kernel)
		clReleaseKernel(p->combine_kernel);
	if (p->partial_kernel)
		clReleaseKernel(p->partial_kernel);
	if (p->program)
		clReleaseProgram(p->program);
	p->pack_kernel = p->combine_kernel = p->partial_kernel = NULL;
	p->program = NULL;
}

static void program_free(struct aniso_program *p)
{
	if (!p)
		return;
	program_release(p);
	free(p->options);
	free(p);
}

/* Build a configuration and its kernels into p; *allowed is the largest
 * work-group the compiled partial_sums kernel takes. */
static int program_build(aniso_ctx *ctx, const struct aniso_kernel_config *config,
			 struct aniso_program *p, size_t *allowed, cl_ulong *private_bytes)
{
	char options[512];
	cl_int status;
	int err;

	aniso_config_options(config, options, sizeof(options));
	err = compile_program(ctx, config, options, &p->program);
	if (err != ANISO_OK)
		return err;
	p->partial_kernel = clCreateKernel(p->program, "partial_sums", &status);
	if (status != CL_SUCCESS)
		return aniso_cl_fail(&ctx->msg, "clCreateKernel(partial_sums)", status);
	p->combine_kernel = clCreateKernel(p->program, "combine_partials", &status);
	if (status != CL_SUCCESS)
		return aniso_cl_fail(&ctx->msg, "clCreateKernel(combine_partials)", status);
	if (aniso_formula_packs_softmax(config)) {
		p->pack_kernel = clCreateKernel(p->program, "pack_softmax_side", &status);
		if (status != CL_SUCCESS)
			return aniso_cl_fail(&ctx->msg, "clCreateKernel(pack_softmax_side)", status);
	}
	status = clGetKernelWorkGroupInfo(p->partial_kernel, ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
					  sizeof(*allowed), allowed, NULL);
	if (status != CL_SUCCESS)
		return aniso_cl_fail(&ctx->msg,
				     "clGetKernelWorkGroupInfo(partial_sums, CL_KERNEL_WORK_GROUP_SIZE)",
				     status);
	status = clGetKernelWorkGroupInfo(p->partial_kernel, ctx->device, CL_KERNEL_PRIVATE_MEM_SIZE,
					  sizeof(*private_bytes), private_bytes, NULL);
	if (status != CL_SUCCESS)
		return aniso_cl_fail(&ctx->msg,
				     "clGetKernelWorkGroupInfo(partial_sums, CL_KERNEL_PRIVATE_MEM_SIZE)",
				     status);
	return ANISO_OK;
}

/*
 * The work-group is a compile-time constant (reqd_work_group_size), chosen
 * from the device's limits before the kernel exists; a compiled kernel can
 * allow fewer work-items (registers, private memory).  PoCL launches it all
 * the same, GPU drivers refuse the launch (CL_INVALID_WORK_GROUP_SIZE), so
 * the kernel is rebuilt with half the work-group until it fits.  The entry
 * stays under the key of the configuration asked for, so the next call
 * finds it without building the refused size again.
 */
int aniso_program_get(aniso_ctx *ctx, const struct aniso_kernel_config *config,
		      struct aniso_program **program)
{
	struct aniso_kernel_config c = *config;
	char options[512];
	struct aniso_program *p;
	size_t allowed = 0;
	cl_ulong private_bytes = 0;
	int err = ANISO_OK;

	aniso_config_options(config, options, sizeof(options));
	for (p = ctx->programs; p; p = p->next)
		if (strcmp(p->options, options) == 0) {
			*program = p;
			return ANISO_OK;
		}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->options = strdup(options))) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_NO_MEMORY, "out of host memory");
		goto fail;
	}
	for (;;) {
		err = program_build(ctx, &c, p, &allowed, &private_bytes);
		if (err != ANISO_OK)
			goto fail;
		if (c.work_group <= allowed || c.work_group == 1)
			break;
		program_release(p);
		while (c.work_group > 1 && c.work_group > allowed)
			c.work_group /= 2;
		if (c.strategy == ANISO_STRATEGY_TILED)
			c.chunk = c.work_group;
		aniso_msg_append(&ctx->msg,
				 "note: the compiled kernel allows %zu work-items per group (%llu bytes of "
				 "private memory each), fewer than the %zu asked for; rebuilt with %zu. ",
				 allowed, (unsigned long long)private_bytes, config->work_group,
				 c.work_group);
	}
	p->work_group = c.work_group;
	p->next = ctx->programs;
	ctx->programs = p;
	*program = p;
	return ANISO_OK;
fail:
	program_free(p);
	return err;
}

void aniso_program_cache_free(aniso_ctx *ctx)
{
	while (ctx->programs) {
		struct aniso_program *next = ctx->programs->next;

		program_free(ctx->programs);
		ctx->programs = next;
	}
}
