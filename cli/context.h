/* The library context of a command, on the device --device names. */
#ifndef ANISOCL_CLI_CONTEXT_H
#define ANISOCL_CLI_CONTEXT_H

#include "anisocl.h"

/*
 * device: NULL for the library's choice (ANISOCL_DEVICE, else its default
 * rule), else an index or a name substring as ANISOCL_DEVICE takes.
 * CLI_OK, or CLI_DEVICE after printing why.
 */
int cli_context_create(const char *device, aniso_ctx **ctx);

struct cli_input;

/*
 * The context as above, refusing float64 on a device without it, then
 * each of the n inputs converted to dtype into values[k] (malloc'd, the
 * caller frees them), freeing each file's bytes as it goes to halve the
 * peak memory.  CLI_OK, or the failure's exit code after printing why.
 */
int cli_context_and_values(const char *device, aniso_dtype dtype,
			   struct cli_input **inputs, size_t n, void **values,
			   aniso_ctx **ctx);

/* Print a failed library call's message (the context's, else the code's)
 * and return CLI_DEVICE. */
int cli_library_fail(aniso_ctx *ctx, const char *what, int code);

#endif
