/* Context creation for the subcommands (see context.h). */
#include "config.h"

#include "cli.h"
#include "context.h"
#include "inputs.h"

int cli_context_create(const char *device, aniso_ctx **ctx)
{
	char msg[512] = "";
	int code;

	/* --device overrides ANISOCL_DEVICE; NULL leaves the choice to it. */
	code = aniso_ctx_create_on(device, ctx, msg, sizeof(msg));
	if (code != ANISO_OK)
		return cli_fail(CLI_DEVICE, "%s%s: %s", device ? "--device: " : "OpenCL device: ",
				aniso_strerror(code), msg[0] ? msg : "no details");
	return CLI_OK;
}

int cli_context_and_values(const char *device, aniso_dtype dtype,
			   struct cli_input **inputs, size_t n, void **values,
			   aniso_ctx **ctx)
{
	size_t k;
	int status;

	status = cli_context_create(device, ctx);
	if (status != CLI_OK)
		return status;
	if (dtype == ANISO_FLOAT64 && !aniso_ctx_has_fp64(*ctx))
		return cli_fail(CLI_DEVICE, "%s has no float64 support: pass --dtype f32",
				aniso_ctx_device_name(*ctx));
	for (k = 0; k < n; ++k) {
		values[k] = cli_input_values(inputs[k], dtype);
		if (!values[k])
			return CLI_INPUT;
		cli_input_free(inputs[k]);
	}
	return CLI_OK;
}

int cli_library_fail(aniso_ctx *ctx, const char *what, int code)
{
	const char *msg = ctx ? aniso_ctx_errmsg(ctx) : "";

	return cli_fail(CLI_DEVICE, "%s failed on %s: %s%s%s", what,
			ctx ? aniso_ctx_device_name(ctx) : "no device", aniso_strerror(code),
			msg && msg[0] ? ": " : "", msg ? msg : "");
}
