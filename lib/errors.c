/* Error codes, their names and texts, and the per-context message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *aniso_strerror(int code)
{
	switch (code) {
#define ANISO_STRERROR_CASE_(name, value, text)                                \
	case value:                                                            \
		return text;
		ANISO_ERRNO_MAP(ANISO_STRERROR_CASE_)
#undef ANISO_STRERROR_CASE_
	}
	return "unknown error";
}

const char *aniso_err_name(int code)
{
	switch (code) {
#define ANISO_ERR_NAME_CASE_(name, value, text)                                \
	case value:                                                            \
		return #name;
		ANISO_ERRNO_MAP(ANISO_ERR_NAME_CASE_)
#undef ANISO_ERR_NAME_CASE_
	}
	return "UNKNOWN";
}

void aniso_msg_clear(struct aniso_msg *msg)
{
	if (msg->text)
		msg->text[0] = '\0';
}

void aniso_msg_free(struct aniso_msg *msg)
{
	free(msg->text);
	msg->text = NULL;
	msg->capacity = 0;
}

const char *aniso_msg_text(const struct aniso_msg *msg)
{
	return msg->text ? msg->text : "";
}

/* Append formatted text, growing the buffer; on host OOM the message is
 * truncated rather than lost, which is the best we can do then. */
static void msg_vappend(struct aniso_msg *msg, const char *fmt, va_list ap)
{
	size_t used = msg->text ? strlen(msg->text) : 0;
	va_list ap2;
	int needed;

	va_copy(ap2, ap);
	needed = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (needed < 0)
		return;
	if (used + (size_t)needed + 1 > msg->capacity) {
		size_t capacity = used + (size_t)needed + 1;
		char *grown;

		if (capacity < 256)
			capacity = 256;
		grown = realloc(msg->text, capacity);
		if (!grown)
			return;
		if (!msg->text)
			grown[0] = '\0';
		msg->text = grown;
		msg->capacity = capacity;
	}
	vsnprintf(msg->text + used, msg->capacity - used, fmt, ap);
}

int aniso_msg_set(struct aniso_msg *msg, int code, const char *fmt, ...)
{
	va_list ap;

	aniso_msg_clear(msg);
	va_start(ap, fmt);
	msg_vappend(msg, fmt, ap);
	va_end(ap);
	return code;
}

void aniso_msg_append(struct aniso_msg *msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vappend(msg, fmt, ap);
	va_end(ap);
}

void aniso_copy_message(char *dst, size_t dst_size, const char *src)
{
	if (!dst || dst_size == 0)
		return;
	snprintf(dst, dst_size, "%s", src ? src : "");
}

const char *aniso_cl_error_name(cl_int status)
{
	switch (status) {
#define CASE_(x)                                                               \
	case x:                                                                \
		return #x;
		CASE_(CL_SUCCESS)
		CASE_(CL_DEVICE_NOT_FOUND)
		CASE_(CL_DEVICE_NOT_AVAILABLE)
		CASE_(CL_COMPILER_NOT_AVAILABLE)
		CASE_(CL_MEM_OBJECT_ALLOCATION_FAILURE)
		CASE_(CL_OUT_OF_RESOURCES)
		CASE_(CL_OUT_OF_HOST_MEMORY)
		CASE_(CL_PROFILING_INFO_NOT_AVAILABLE)
		CASE_(CL_MEM_COPY_OVERLAP)
		CASE_(CL_IMAGE_FORMAT_MISMATCH)
		CASE_(CL_IMAGE_FORMAT_NOT_SUPPORTED)
		CASE_(CL_BUILD_PROGRAM_FAILURE)
		CASE_(CL_MAP_FAILURE)
		CASE_(CL_MISALIGNED_SUB_BUFFER_OFFSET)
		CASE_(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
		CASE_(CL_COMPILE_PROGRAM_FAILURE)
		CASE_(CL_LINKER_NOT_AVAILABLE)
		CASE_(CL_LINK_PROGRAM_FAILURE)
		CASE_(CL_DEVICE_PARTITION_FAILED)
		CASE_(CL_KERNEL_ARG_INFO_NOT_AVAILABLE)
		CASE_(CL_INVALID_VALUE)
		CASE_(CL_INVALID_DEVICE_TYPE)
		CASE_(CL_INVALID_PLATFORM)
		CASE_(CL_INVALID_DEVICE)
		CASE_(CL_INVALID_CONTEXT)
		CASE_(CL_INVALID_QUEUE_PROPERTIES)
		CASE_(CL_INVALID_COMMAND_QUEUE)
		CASE_(CL_INVALID_HOST_PTR)
		CASE_(CL_INVALID_MEM_OBJECT)
		CASE_(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR)
		CASE_(CL_INVALID_IMAGE_SIZE)
		CASE_(CL_INVALID_SAMPLER)
		CASE_(CL_INVALID_BINARY)
		CASE_(CL_INVALID_BUILD_OPTIONS)
		CASE_(CL_INVALID_PROGRAM)
		CASE_(CL_INVALID_PROGRAM_EXECUTABLE)
		CASE_(CL_INVALID_KERNEL_NAME)
		CASE_(CL_INVALID_KERNEL_DEFINITION)
		CASE_(CL_INVALID_KERNEL)
		CASE_(CL_INVALID_ARG_INDEX)
		CASE_(CL_INVALID_ARG_VALUE)
		CASE_(CL_INVALID_ARG_SIZE)
		CASE_(CL_INVALID_KERNEL_ARGS)
		CASE_(CL_INVALID_WORK_DIMENSION)
		CASE_(CL_INVALID_WORK_GROUP_SIZE)
		CASE_(CL_INVALID_WORK_ITEM_SIZE)
		CASE_(CL_INVALID_GLOBAL_OFFSET)
		CASE_(CL_INVALID_EVENT_WAIT_LIST)
		CASE_(CL_INVALID_EVENT)
		CASE_(CL_INVALID_OPERATION)
		CASE_(CL_INVALID_GL_OBJECT)
		CASE_(CL_INVALID_BUFFER_SIZE)
		CASE_(CL_INVALID_MIP_LEVEL)
		CASE_(CL_INVALID_GLOBAL_WORK_SIZE)
		CASE_(CL_INVALID_PROPERTY)
		CASE_(CL_INVALID_IMAGE_DESCRIPTOR)
		CASE_(CL_INVALID_COMPILER_OPTIONS)
		CASE_(CL_INVALID_LINKER_OPTIONS)
		CASE_(CL_INVALID_DEVICE_PARTITION_COUNT)
#undef CASE_
	case -1001:
		return "CL_PLATFORM_NOT_FOUND_KHR";
	}
	return "unknown OpenCL error";
}

int aniso_cl_fail(struct aniso_msg *msg, const char *call, cl_int status)
{
	return aniso_msg_set(msg, ANISO_ERR_OPENCL, "%s failed: %s (%d)", call,
			     aniso_cl_error_name(status), (int)status);
}
