/* `anisocl devices`: what the library sees and which device it would take. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anisocl.h"
#include "cli.h"

static const char devices_usage[] =
	"Usage: anisocl devices\n"
	"Lists every OpenCL platform and device with its index (what --device\n"
	"and ANISOCL_DEVICE take), type, compute units, memory and float64\n"
	"support, and marks with '*' the device the library picks by default:\n"
	"ANISOCL_DEVICE if set, else the first GPU, else the first CPU, else the\n"
	"first device.  `anisocl sum --device 0,1` (or all, or ANISOCL_DEVICE=0,1)\n"
	"spreads one sum over several of these devices.  Exit code 4 when there is\n"
	"no device.\n";

static void format_bytes(unsigned long long bytes, char *buf, size_t size)
{
	if (bytes >= (1ull << 30))
		snprintf(buf, size, "%.1f GiB", (double)bytes / (double)(1ull << 30));
	else
		snprintf(buf, size, "%.0f MiB", (double)bytes / (double)(1ull << 20));
}

static const char *type_name(const aniso_device_info *d)
{
	return d->is_gpu ? "GPU" : d->is_cpu ? "CPU" : "other";
}

int cli_devices(int argc, char **argv)
{
	aniso_device_info *list = NULL;
	size_t count = 0, i;
	int default_index = -1, code, status;
	char why[128] = "", memory[32], alloc[32];
	const char *previous_platform = NULL;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(devices_usage, stdout);
		return CLI_OK;
	}
	if (argc > 1)
		return cli_fail(CLI_USAGE, "devices: unexpected argument '%s'", argv[1]);
	code = aniso_device_list(NULL, 0, &count, NULL, NULL, 0);
	if (code != ANISO_OK) {
		status = cli_fail(CLI_DEVICE, "listing OpenCL devices: %s", aniso_strerror(code));
		goto cleanup;
	}
	if (count == 0) {
		status = cli_fail(CLI_DEVICE, "no OpenCL device found (is an ICD such as PoCL "
					      "installed under /etc/OpenCL/vendors?)");
		goto cleanup;
	}
	list = calloc(count, sizeof(*list));
	if (!list) {
		status = cli_fail(CLI_DEVICE, "out of memory listing %zu devices", count);
		goto cleanup;
	}
	/* The choice may fail (ANISOCL_DEVICE naming nothing) while the list
	 * itself is fine: show the list and say why there is no default. */
	code = aniso_device_list(list, count, &count, &default_index, why, sizeof(why));
	if (code != ANISO_OK && code != ANISO_ERR_BAD_DEVICE_SPEC) {
		status = cli_fail(CLI_DEVICE, "listing OpenCL devices: %s", aniso_strerror(code));
		goto cleanup;
	}
	for (i = 0; i < count; ++i) {
		const aniso_device_info *d = &list[i];

		if (!previous_platform || strcmp(previous_platform, d->platform) != 0) {
			printf("Platform: %s\n", d->platform);
			printf("      #  %-40s %-5s %4s %10s %10s %4s\n", "device", "type", "CUs",
			       "memory", "max alloc", "fp64");
			previous_platform = d->platform;
		}
		format_bytes(d->global_mem_bytes, memory, sizeof(memory));
		format_bytes(d->max_alloc_bytes, alloc, sizeof(alloc));
		printf("  %s %3d  %-40.40s %-5s %4u %10s %10s %4s\n",
		       d->index == default_index ? "*" : " ", d->index, d->name, type_name(d),
		       d->compute_units, memory, alloc, d->has_fp64 ? "yes" : "no");
	}
	if (default_index >= 0) {
		printf("* default: device %d (%s)%s\n", default_index, why,
		       strncmp(why, "ANISOCL_DEVICE", 14) == 0
			       ? ""
			       : "; set ANISOCL_DEVICE or pass --device to choose another");
		status = CLI_OK;
	} else {
		status = cli_fail(CLI_DEVICE, "no default device: %s", why);
	}
cleanup:
	free(list);
	return status;
}
