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

/*
 * The device list that device (--device; NULL: ANISOCL_DEVICE) spells,
 * "0,1" or "all", for the commands that spread a sum over several devices
 * (anisocl sum); NULL when it names one device.
 */
const char *cli_device_list(const char *device);

/* cli_context_and_values for a device list: every device must have
 * float64 when dtype is float64. */
int cli_multi_and_values(const char *list, aniso_dtype dtype, struct cli_input **inputs,
			 size_t n, void **values, aniso_multi **multi);

/* The notes a command printed so far, so that each kind is printed once
 * (the demo builds six kernels: one "disk cache not written" is enough). */
struct cli_notes {
	int quiet;       /* --quiet: print none */
	char seen[1024]; /* the kinds printed, each followed by '\n' */
};

/*
 * After a successful library call: print the notes it left in the
 * context's message (the disk cache could not be written, an entry was
 * rejected and rebuilt: things that cost time on every run but do not
 * change the result) on stderr, one line each, prefixed "anisocl: ",
 * except those of a kind already printed (the text before its first ':'
 * after "note:").  Nothing with notes->quiet.
 */
void cli_print_notes(const aniso_ctx *ctx, struct cli_notes *notes);
/* The same from a message's text (a device set's). */
void cli_print_notes_of(const char *msg, struct cli_notes *notes);

/* Print a failed library call's message (the context's, else the code's)
 * and return CLI_SHAPE for the codes that mean shapes which do not fit,
 * else CLI_DEVICE. */
int cli_library_fail(aniso_ctx *ctx, const char *what, int code);
/* The same for a call on the device set of --device list. */
int cli_multi_fail(aniso_multi *multi, const char *list, const char *what, int code);

#endif
