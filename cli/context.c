/* Context creation for the subcommands (see context.h). */
#include "config.h"

#include <stdlib.h>

#include "cli.h"
#include "context.h"

int cli_context_create(const char *device, aniso_ctx **ctx)
{
	char msg[512] = "";
	int code;

	/* The library reads its choice from ANISOCL_DEVICE and has no call
	 * that takes a device index, so --device goes through the variable
	 * (this process is single-threaded when it sets it). */
	if (device && setenv("ANISOCL_DEVICE", device, 1) != 0)
		return cli_fail(CLI_DEVICE, "--device %s: cannot set ANISOCL_DEVICE", device);
	code = aniso_ctx_create(ctx, msg, sizeof(msg));
	if (code != ANISO_OK)
		return cli_fail(CLI_DEVICE, "%s%s: %s", device ? "--device: " : "OpenCL device: ",
				aniso_strerror(code), msg[0] ? msg : "no details");
	return CLI_OK;
}

int cli_library_fail(aniso_ctx *ctx, const char *what, int code)
{
	const char *msg = ctx ? aniso_ctx_errmsg(ctx) : "";

	return cli_fail(CLI_DEVICE, "%s failed on %s: %s%s%s", what,
			ctx ? aniso_ctx_device_name(ctx) : "no device", aniso_strerror(code),
			msg && msg[0] ? ": " : "", msg ? msg : "");
}
