/* Device enumeration and choice: ANISOCL_DEVICE, else first GPU, else first
 * CPU, else first device.  Devices are numbered across platforms in the
 * order the ICD loader gives them; `anisocl devices` prints that order. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Drivers set themselves up on their first call, and that setup need not be
 * thread-safe: PoCL crashed (strlen in clGetPlatformIDs) when threads made
 * their first contexts at once, in most runs with 4 threads.  The header
 * promises that any call may come from any thread, so everything that
 * enumerates platforms and devices or makes a context and its queue holds
 * this process-wide lock.  It is taken only there: sums on different
 * contexts still run in parallel.
 */
static pthread_mutex_t driver_lock = PTHREAD_MUTEX_INITIALIZER;

void aniso_driver_lock(void)
{
	pthread_mutex_lock(&driver_lock);
}

void aniso_driver_unlock(void)
{
	pthread_mutex_unlock(&driver_lock);
}

/*
 * The one rule: a device with the GPU bit is a GPU, even when it also says
 * CPU, as Oclgrind (a simulator) does.  The default choice took such a
 * device as a GPU while the plans gave it the CPU strategy; both now ask
 * this function.
 */
enum aniso_device_kind aniso_device_kind(cl_device_type type)
{
	if (type & CL_DEVICE_TYPE_GPU)
		return ANISO_KIND_GPU;
	if (type & CL_DEVICE_TYPE_CPU)
		return ANISO_KIND_CPU;
	return ANISO_KIND_OTHER;
}

struct device_entry {
	cl_platform_id platform;
	cl_device_id device;
	cl_device_type type;
	char platform_name[128];
	char name[128];
};

/* Every device of every platform, in loader order (malloc'd list). */
static int enumerate_devices(struct device_entry **list, size_t *count,
			     struct aniso_msg *msg)
{
	cl_platform_id *platforms = NULL;
	cl_device_id *devices = NULL;
	struct device_entry *entries = NULL;
	cl_uint n_platforms = 0, p;
	size_t n = 0, capacity = 0;
	cl_int status;
	int err = ANISO_OK;

	*list = NULL;
	*count = 0;
	status = clGetPlatformIDs(0, NULL, &n_platforms);
	/* The ICD loader says "no platform" with -1001: no device, no error. */
	if (status == -1001 || (status == CL_SUCCESS && n_platforms == 0))
		goto out;
	if (status != CL_SUCCESS) {
		err = aniso_cl_fail(msg, "clGetPlatformIDs", status);
		goto out;
	}
	platforms = calloc(n_platforms, sizeof(*platforms));
	if (!platforms) {
		err = aniso_msg_set(msg, ANISO_ERR_NO_MEMORY, "out of host memory listing platforms");
		goto out;
	}
	status = clGetPlatformIDs(n_platforms, platforms, NULL);
	if (status != CL_SUCCESS) {
		err = aniso_cl_fail(msg, "clGetPlatformIDs", status);
		goto out;
	}
	for (p = 0; p < n_platforms; ++p) {
		cl_uint n_devices = 0, d;
		char platform_name[128] = "";

		status = clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0,
					NULL, &n_devices);
		if (status == CL_DEVICE_NOT_FOUND || n_devices == 0)
			continue;
		if (status != CL_SUCCESS) {
			err = aniso_cl_fail(msg, "clGetDeviceIDs", status);
			goto out;
		}
		free(devices);
		devices = calloc(n_devices, sizeof(*devices));
		if (!devices) {
			err = aniso_msg_set(msg, ANISO_ERR_NO_MEMORY, "out of host memory listing devices");
			goto out;
		}
		status = clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL,
					n_devices, devices, NULL);
		if (status != CL_SUCCESS) {
			err = aniso_cl_fail(msg, "clGetDeviceIDs", status);
			goto out;
		}
		status = clGetPlatformInfo(platforms[p], CL_PLATFORM_NAME,
					   sizeof(platform_name) - 1,
					   platform_name, NULL);
		if (status != CL_SUCCESS) {
			err = aniso_cl_fail(msg, "clGetPlatformInfo(CL_PLATFORM_NAME)", status);
			goto out;
		}
		for (d = 0; d < n_devices; ++d) {
			struct device_entry *e;

			if (n == capacity) {
				size_t grown_capacity = capacity ? 2 * capacity : 8;
				struct device_entry *grown = realloc(entries, grown_capacity * sizeof(*grown));

				if (!grown) {
					err = aniso_msg_set(msg, ANISO_ERR_NO_MEMORY, "out of host memory listing devices");
					goto out;
				}
				entries = grown;
				capacity = grown_capacity;
			}
			e = &entries[n];
			memset(e, 0, sizeof(*e));
			e->platform = platforms[p];
			e->device = devices[d];
			snprintf(e->platform_name, sizeof(e->platform_name), "%s", platform_name);
			status = clGetDeviceInfo(devices[d], CL_DEVICE_NAME,
						 sizeof(e->name) - 1, e->name, NULL);
			if (status == CL_SUCCESS)
				status = clGetDeviceInfo(devices[d], CL_DEVICE_TYPE,
							 sizeof(e->type), &e->type, NULL);
			if (status != CL_SUCCESS) {
				err = aniso_cl_fail(msg, "clGetDeviceInfo(CL_DEVICE_NAME/TYPE)", status);
				goto out;
			}
			++n;
		}
	}
out:
	free(devices);
	free(platforms);
	if (err != ANISO_OK) {
		free(entries);
		return err;
	}
	*list = entries;
	*count = n;
	return ANISO_OK;
}

static int contains_nocase(const char *haystack, const char *needle)
{
	size_t h, n = strlen(needle);

	for (h = 0; haystack[h]; ++h) {
		size_t k = 0;

		while (k < n && haystack[h + k] &&
		       tolower((unsigned char)haystack[h + k]) ==
			       tolower((unsigned char)needle[k]))
			++k;
		if (k == n)
			return 1;
	}
	return n == 0;
}

static int is_index(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; ++s)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Index of the device to use in list, or -1; why says which rule chose. */
static int choose_device(const struct device_entry *list, size_t count,
			 const char *spec, char *why, size_t why_size,
			 struct aniso_msg *msg)
{
	const char *source = spec && *spec ? "device" : "ANISOCL_DEVICE";
	char first[128];
	size_t k;

	if (!spec || !*spec)
		spec = getenv("ANISOCL_DEVICE");
	/* A list for several devices (aniso_multi_create's "0,1" or "all"):
	 * one device takes the list's first, or the default for "all". */
	if (spec && strcmp(spec, "all") == 0)
		spec = NULL;
	if (spec && strchr(spec, ',')) {
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(spec, ","), spec);
		spec = first;
	}
	if (spec && *spec) {
		if (is_index(spec)) {
			unsigned long index = strtoul(spec, NULL, 10);

			if (index < count) {
				snprintf(why, why_size, "%s=%.100s", source, spec);
				return (int)index;
			}
		} else {
			for (k = 0; k < count; ++k) {
				if (contains_nocase(list[k].name, spec) ||
				    contains_nocase(list[k].platform_name, spec)) {
					snprintf(why, why_size, "%s=%.100s", source, spec);
					return (int)k;
				}
			}
		}
		aniso_msg_set(msg, ANISO_ERR_BAD_DEVICE_SPEC,
			      "%s=\"%s\" matches none of the %zu device(s): "
			      "expected an index below %zu or a substring of a device or platform name",
			      source, spec, count, count);
		return -1;
	}
	for (k = 0; k < count; ++k)
		if (aniso_device_kind(list[k].type) == ANISO_KIND_GPU) {
			snprintf(why, why_size, "first GPU");
			return (int)k;
		}
	for (k = 0; k < count; ++k)
		if (aniso_device_kind(list[k].type) == ANISO_KIND_CPU) {
			snprintf(why, why_size, "first CPU");
			return (int)k;
		}
	if (count > 0) {
		snprintf(why, why_size, "first device");
		return 0;
	}
	aniso_msg_set(msg, ANISO_ERR_NO_DEVICE,
		      "no OpenCL device found: install a driver (e.g. Debian's pocl-opencl-icd) "
		      "and check that /etc/OpenCL/vendors lists it");
	return -1;
}

int aniso_device_select(const char *spec, cl_platform_id *platform,
			cl_device_id *device, struct aniso_msg *msg)
{
	struct device_entry *list = NULL;
	size_t count = 0;
	char why[128];
	int chosen, err;

	err = enumerate_devices(&list, &count, msg);
	if (err != ANISO_OK)
		goto out;
	chosen = choose_device(list, count, spec, why, sizeof(why), msg);
	if (chosen < 0) {
		err = count > 0 ? ANISO_ERR_BAD_DEVICE_SPEC : ANISO_ERR_NO_DEVICE;
		goto out;
	}
	*platform = list[chosen].platform;
	*device = list[chosen].device;
out:
	free(list);
	return err;
}

/* Query one device parameter of fixed size, keeping the call's text. */
#define QUERY_(param, var)                                                     \
	do {                                                                   \
		if (err == ANISO_OK) {                                         \
			status = clGetDeviceInfo(device, param, sizeof(var),   \
						 &(var), NULL);                \
			if (status != CL_SUCCESS)                              \
				err = aniso_cl_fail(msg, "clGetDeviceInfo(" #param ")", status); \
		}                                                              \
	} while (0)

#define QUERY_STRING_(param, buf)                                              \
	do {                                                                   \
		if (err == ANISO_OK) {                                         \
			status = clGetDeviceInfo(device, param, sizeof(buf) - 1, \
						 (buf), NULL);                 \
			if (status != CL_SUCCESS)                              \
				err = aniso_cl_fail(msg, "clGetDeviceInfo(" #param ")", status); \
		}                                                              \
	} while (0)

int aniso_device_query(cl_device_id device, struct aniso_device_caps *caps,
		       struct aniso_msg *msg)
{
	cl_platform_id platform = NULL;
	cl_device_type type = 0;
	cl_device_fp_config fp64 = 0;
	cl_int status = CL_SUCCESS;
	int err = ANISO_OK;
	const char *cap_env;

	memset(caps, 0, sizeof(*caps));
	QUERY_STRING_(CL_DEVICE_NAME, caps->name);
	QUERY_STRING_(CL_DRIVER_VERSION, caps->driver_version);
	QUERY_STRING_(CL_DEVICE_VERSION, caps->device_version);
	QUERY_(CL_DEVICE_TYPE, type);
	QUERY_(CL_DEVICE_DOUBLE_FP_CONFIG, fp64);
	QUERY_(CL_DEVICE_MAX_COMPUTE_UNITS, caps->compute_units);
	QUERY_(CL_DEVICE_MAX_WORK_GROUP_SIZE, caps->max_work_group_size);
	QUERY_(CL_DEVICE_LOCAL_MEM_SIZE, caps->local_mem_bytes);
	QUERY_(CL_DEVICE_GLOBAL_MEM_SIZE, caps->global_mem_bytes);
	QUERY_(CL_DEVICE_MAX_MEM_ALLOC_SIZE, caps->max_alloc_bytes);
	QUERY_(CL_DEVICE_PLATFORM, platform);
	if (err != ANISO_OK)
		return err;
	status = clGetPlatformInfo(platform, CL_PLATFORM_NAME,
				   sizeof(caps->platform_name) - 1,
				   caps->platform_name, NULL);
	if (status == CL_SUCCESS)
		status = clGetPlatformInfo(platform, CL_PLATFORM_VERSION,
					   sizeof(caps->platform_version) - 1,
					   caps->platform_version, NULL);
	if (status != CL_SUCCESS)
		return aniso_cl_fail(msg, "clGetPlatformInfo(CL_PLATFORM_NAME/VERSION)", status);
	caps->is_gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
	caps->is_cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
	caps->kind = aniso_device_kind(type);
	/* PoCL lowers the builtin to one vrndscaleps, where its ceil() is a
	 * library routine of ten instructions; Oclgrind's simulator has no
	 * vector llvm.ceil and refuses the kernel.  Others keep ceil(). */
	caps->has_elementwise_ceil = strstr(caps->platform_version, "PoCL") != NULL;
	/* fp64 needs at least the IEEE basics the spec lists for doubles. */
	caps->has_fp64 = (fp64 & CL_FP_FMA) && (fp64 & CL_FP_ROUND_TO_NEAREST) &&
			 (fp64 & CL_FP_INF_NAN);
	/* Test switches: pretend there is no fp64, or less memory. */
	if (getenv("ANISOCL_PRETEND_NO_FP64"))
		caps->has_fp64 = 0;
	/* An artificial cap, for tests of the "too large" paths. */
	cap_env = getenv("ANISOCL_MAX_ALLOC_BYTES");
	if (cap_env && *cap_env) {
		unsigned long long cap = strtoull(cap_env, NULL, 10);

		if (cap > 0 && cap < caps->max_alloc_bytes)
			caps->max_alloc_bytes = cap;
	}
	if (caps->compute_units == 0)
		caps->compute_units = 1;
	return ANISO_OK;
}

int aniso_device_list(aniso_device_info *info, size_t capacity, size_t *count,
		      int *default_index, char *why, size_t why_size)
{
	struct aniso_msg msg = {NULL, 0};
	struct device_entry *list = NULL;
	size_t n = 0, k;
	char reason[128] = "";
	int chosen, err;

	if (!count || (capacity > 0 && !info))
		return ANISO_ERR_NULL_ARG;
	aniso_driver_lock();
	err = enumerate_devices(&list, &n, &msg);
	if (err != ANISO_OK)
		goto out;
	*count = n;
	for (k = 0; k < n && k < capacity; ++k) {
		struct aniso_device_caps caps;

		err = aniso_device_query(list[k].device, &caps, &msg);
		if (err != ANISO_OK)
			goto out;
		memset(&info[k], 0, sizeof(info[k]));
		info[k].index = (int)k;
		snprintf(info[k].platform, sizeof(info[k].platform), "%.127s", caps.platform_name);
		snprintf(info[k].name, sizeof(info[k].name), "%.127s", caps.name);
		info[k].is_gpu = caps.is_gpu;
		info[k].is_cpu = caps.is_cpu;
		info[k].compute_units = caps.compute_units;
		info[k].global_mem_bytes = caps.global_mem_bytes;
		info[k].max_alloc_bytes = caps.max_alloc_bytes;
		info[k].has_fp64 = caps.has_fp64;
	}
	chosen = choose_device(list, n, NULL, reason, sizeof(reason), &msg);
	if (chosen < 0)
		snprintf(reason, sizeof(reason), "%s", aniso_msg_text(&msg));
	if (default_index)
		*default_index = chosen;
	aniso_copy_message(why, why_size, reason);
out:
	aniso_driver_unlock();
	free(list);
	aniso_msg_free(&msg);
	return err;
}

/* The device is shared with whatever else runs (other contexts, other
 * programs, the partial sums of this call): one call plans for this
 * fraction of its global memory.  lib/grad.c's message calls it "half". */
#define GLOBAL_MEMORY_SHARE 2

cl_ulong aniso_memory_budget(const struct aniso_device_caps *caps)
{
	return caps->global_mem_bytes / GLOBAL_MEMORY_SHARE;
}

int aniso_fits_at_once(const struct aniso_device_caps *caps, const size_t bytes[], size_t count,
		       struct aniso_fit *fit)
{
	struct aniso_fit found = {count, 0};
	size_t k;

	for (k = 0; k < count && found.too_large == count; ++k) {
		if (bytes[k] > caps->max_alloc_bytes)
			found.too_large = k;
		else
			found.total += bytes[k];
	}
	if (fit)
		*fit = found;
	return found.too_large == count && found.total <= aniso_memory_budget(caps);
}
