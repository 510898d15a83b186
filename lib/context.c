/* The context: OpenCL objects, device capabilities, program cache, scratch
 * buffers and the lock that serialises calls on it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

unsigned aniso_version_number(void)
{
	return ANISO_VERSION_NUMBER;
}

const char *aniso_version_string(void)
{
	return ANISO_VERSION_STRING;
}

/* ANISOCL_STRATEGY=loop|tiled overrides the per-device choice (tests run
 * the GPU path on CPU devices this way). */
static int strategy_from_env(void)
{
	const char *s = getenv("ANISOCL_STRATEGY");

	if (s && strcmp(s, "loop") == 0)
		return ANISO_STRATEGY_LOOP;
	if (s && strcmp(s, "tiled") == 0)
		return ANISO_STRATEGY_TILED;
	return -1;
}

/* Fill a context whose context/device/queue are set and owned. */
static int ctx_finish(aniso_ctx *ctx, struct aniso_msg *msg)
{
	int err;

	err = aniso_device_query(ctx->device, &ctx->caps, msg);
	if (err != ANISO_OK)
		return err;
	ctx->force_strategy = strategy_from_env();
	ctx->disk_cache_dir = aniso_disk_cache_dir();
	return ANISO_OK;
}

/* The common end of the create functions: hand the context out, or free
 * it and copy the reason to the caller's buffer. */
static int ctx_conclude(int err, aniso_ctx *ctx, struct aniso_msg *msg,
			aniso_ctx **out, char *errmsg, size_t errmsg_size)
{
	if (err == ANISO_OK) {
		*out = ctx;
	} else {
		aniso_copy_message(errmsg, errmsg_size, aniso_msg_text(msg));
		aniso_ctx_free(ctx);
	}
	aniso_msg_free(msg);
	return err;
}

static aniso_ctx *ctx_alloc(void)
{
	aniso_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
		free(ctx);
		return NULL;
	}
	ctx->refs = 1;
	return ctx;
}

int aniso_ctx_create(aniso_ctx **out, char *errmsg, size_t errmsg_size)
{
	return aniso_ctx_create_on(NULL, out, errmsg, errmsg_size);
}

int aniso_ctx_create_on(const char *device_spec, aniso_ctx **out, char *errmsg,
			size_t errmsg_size)
{
	struct aniso_msg msg = {NULL, 0};
	cl_platform_id platform = NULL;
	cl_context_properties props[3];
	aniso_ctx *ctx = NULL;
	cl_int status;
	int err = ANISO_OK, locked = 0;

	aniso_copy_message(errmsg, errmsg_size, "");
	if (!out)
		return ANISO_ERR_NULL_ARG;
	*out = NULL;
	ctx = ctx_alloc();
	if (!ctx) {
		err = aniso_msg_set(&msg, ANISO_ERR_NO_MEMORY, "out of host memory creating the context");
		goto out;
	}
	aniso_driver_lock();
	locked = 1;
	err = aniso_device_select(device_spec, &platform, &ctx->device, &msg);
	if (err != ANISO_OK)
		goto out;
	props[0] = CL_CONTEXT_PLATFORM;
	props[1] = (cl_context_properties)platform;
	props[2] = 0;
	ctx->context = clCreateContext(props, 1, &ctx->device, NULL, NULL, &status);
	if (status != CL_SUCCESS) {
		err = aniso_cl_fail(&msg, "clCreateContext", status);
		goto out;
	}
	ctx->queue = clCreateCommandQueue(ctx->context, ctx->device, 0, &status);
	if (status != CL_SUCCESS) {
		err = aniso_cl_fail(&msg, "clCreateCommandQueue", status);
		goto out;
	}
	err = ctx_finish(ctx, &msg);
out:
	if (locked)
		aniso_driver_unlock();
	return ctx_conclude(err, ctx, &msg, out, errmsg, errmsg_size);
}

int aniso_ctx_create_from_cl(void *cl_context_ptr, void *cl_device_ptr,
			     void *cl_queue_ptr, aniso_ctx **out, char *errmsg,
			     size_t errmsg_size)
{
	struct aniso_msg msg = {NULL, 0};
	aniso_ctx *ctx = NULL;
	cl_int status;
	int err = ANISO_OK, locked = 0;

	aniso_copy_message(errmsg, errmsg_size, "");
	if (!out)
		return ANISO_ERR_NULL_ARG;
	*out = NULL;
	if (!cl_context_ptr || !cl_device_ptr) {
		err = aniso_msg_set(&msg, ANISO_ERR_NULL_ARG, "%s is NULL: expected a valid OpenCL object",
				    !cl_context_ptr ? "cl_context" : "cl_device");
		goto out;
	}
	ctx = ctx_alloc();
	if (!ctx) {
		err = aniso_msg_set(&msg, ANISO_ERR_NO_MEMORY, "out of host memory creating the context");
		goto out;
	}
	/* The caller's driver is set up already, but the queue creation and
	 * the device queries below go through the same first-use paths. */
	aniso_driver_lock();
	locked = 1;
	status = clRetainContext((cl_context)cl_context_ptr);
	if (status != CL_SUCCESS) {
		err = aniso_cl_fail(&msg, "clRetainContext(cl_context)", status);
		goto out;
	}
	ctx->context = (cl_context)cl_context_ptr;
	ctx->device = (cl_device_id)cl_device_ptr;
	if (cl_queue_ptr) {
		status = clRetainCommandQueue((cl_command_queue)cl_queue_ptr);
		if (status != CL_SUCCESS) {
			err = aniso_cl_fail(&msg, "clRetainCommandQueue(cl_queue)", status);
			goto out;
		}
		ctx->queue = (cl_command_queue)cl_queue_ptr;
	} else {
		ctx->queue = clCreateCommandQueue(ctx->context, ctx->device, 0, &status);
		if (status != CL_SUCCESS) {
			err = aniso_cl_fail(&msg, "clCreateCommandQueue", status);
			goto out;
		}
	}
	err = ctx_finish(ctx, &msg);
out:
	if (locked)
		aniso_driver_unlock();
	return ctx_conclude(err, ctx, &msg, out, errmsg, errmsg_size);
}

/* Release everything; nobody holds a reference any more. */
static void ctx_destroy(aniso_ctx *ctx)
{
	size_t k;

	aniso_program_cache_free(ctx);
	for (k = 0; k < sizeof(ctx->scratch) / sizeof(ctx->scratch[0]); ++k)
		if (ctx->scratch[k])
			clReleaseMemObject(ctx->scratch[k]);
	if (ctx->queue)
		clReleaseCommandQueue(ctx->queue);
	if (ctx->context)
		clReleaseContext(ctx->context);
	free(ctx->disk_cache_dir);
	aniso_msg_free(&ctx->msg);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

void aniso_ctx_release(aniso_ctx *ctx)
{
	int last;

	pthread_mutex_lock(&ctx->lock);
	last = --ctx->refs == 0;
	pthread_mutex_unlock(&ctx->lock);
	/* With no reference left, no other thread can reach the context: the
	 * lock may be destroyed now that it is released. */
	if (last)
		ctx_destroy(ctx);
}

void aniso_ctx_free(aniso_ctx *ctx)
{
	if (ctx)
		aniso_ctx_release(ctx);
}

const char *aniso_ctx_errmsg(const aniso_ctx *ctx)
{
	return ctx ? aniso_msg_text(&ctx->msg) : "ctx is NULL";
}

const char *aniso_ctx_device_name(const aniso_ctx *ctx)
{
	return ctx ? ctx->caps.name : "";
}

int aniso_ctx_has_fp64(const aniso_ctx *ctx)
{
	return ctx ? ctx->caps.has_fp64 : 0;
}

int aniso_scratch_get(aniso_ctx *ctx, enum aniso_scratch_slot slot,
		      size_t bytes, cl_mem *buffer)
{
	cl_int status;
	cl_mem grown;

	if (ctx->scratch[slot] && ctx->scratch_bytes[slot] >= bytes) {
		*buffer = ctx->scratch[slot];
		return ANISO_OK;
	}
	grown = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE, bytes, NULL, &status);
	if (status != CL_SUCCESS)
		return aniso_msg_set(&ctx->msg,
				     status == CL_MEM_OBJECT_ALLOCATION_FAILURE ||
						     status == CL_OUT_OF_RESOURCES ||
						     status == CL_INVALID_BUFFER_SIZE
					     ? ANISO_ERR_TOO_LARGE
					     : ANISO_ERR_OPENCL,
				     "clCreateBuffer(%zu bytes) failed: %s (%d)", bytes,
				     aniso_cl_error_name(status), (int)status);
	if (ctx->scratch[slot])
		clReleaseMemObject(ctx->scratch[slot]);
	ctx->scratch[slot] = grown;
	ctx->scratch_bytes[slot] = bytes;
	*buffer = grown;
	return ANISO_OK;
}

int aniso_scratch_upload(aniso_ctx *ctx, enum aniso_scratch_slot slot, const char *name,
			 const void *host, size_t bytes, cl_mem *buffer)
{
	cl_int status;
	int err;

	*buffer = NULL;
	if (bytes == 0)
		return ANISO_OK;
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
