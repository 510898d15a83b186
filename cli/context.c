/* Context creation for the subcommands (see context.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Each input converted to dtype, its file's bytes freed as it goes. */
static int input_values(aniso_dtype dtype, struct cli_input **inputs, size_t n, void **values)
{
	size_t k;

	for (k = 0; k < n; ++k) {
		values[k] = cli_input_values(inputs[k], dtype);
		if (!values[k])
			return CLI_INPUT;
		cli_input_free(inputs[k]);
	}
	return CLI_OK;
}

int cli_context_and_values(const char *device, aniso_dtype dtype,
			   struct cli_input **inputs, size_t n, void **values,
			   aniso_ctx **ctx)
{
	int status;

	status = cli_context_create(device, ctx);
	if (status != CLI_OK)
		return status;
	if (dtype == ANISO_FLOAT64 && !aniso_ctx_has_fp64(*ctx))
		return cli_fail(CLI_DEVICE, "%s has no float64 support: pass --dtype f32",
				aniso_ctx_device_name(*ctx));
	return input_values(dtype, inputs, n, values);
}

const char *cli_device_list(const char *device)
{
	const char *spec = device ? device : getenv("ANISOCL_DEVICE");

	if (spec && (strchr(spec, ',') || strcmp(spec, "all") == 0))
		return spec;
	return NULL;
}

int cli_multi_and_values(const char *list, aniso_dtype dtype, struct cli_input **inputs,
			 size_t n, void **values, aniso_multi **multi)
{
	char msg[512] = "";
	size_t k;
	int code;

	code = aniso_multi_create(list, multi, msg, sizeof(msg));
	if (code != ANISO_OK)
		return cli_fail(CLI_DEVICE, "--device %s: %s: %s", list, aniso_strerror(code),
				msg[0] ? msg : "no details");
	for (k = 0; dtype == ANISO_FLOAT64 && k < aniso_multi_count(*multi); ++k)
		if (!aniso_ctx_has_fp64(aniso_multi_ctx(*multi, k)))
			return cli_fail(CLI_DEVICE, "%s (device %zu of --device %s) has no float64 "
				        "support: pass --dtype f32",
					aniso_ctx_device_name(aniso_multi_ctx(*multi, k)), k, list);
	return input_values(dtype, inputs, n, values);
}

/* Print note[0..len) as one line, without trailing spaces or line breaks. */
static void print_note(const char *note, size_t len)
{
	size_t i;

	while (len > 0 && (note[len - 1] == ' ' || note[len - 1] == '\n'))
		--len;
	fputs("anisocl: ", stderr);
	for (i = 0; i < len; ++i)
		fputc(note[i] == '\n' || note[i] == '\r' ? ' ' : note[i], stderr);
	fputc('\n', stderr);
}

/* Whether a note of this kind was printed; if not, remember it now. */
static int seen_before(struct cli_notes *notes, const char *note, size_t len)
{
	const char *colon = memchr(note + 5, ':', len - 5);
	size_t kind_len = colon ? (size_t)(colon - note) : len;
	size_t used = strlen(notes->seen);
	const char *p;

	for (p = notes->seen; *p; p = strchr(p, '\n') + 1)
		if (strncmp(p, note, kind_len) == 0 && p[kind_len] == '\n')
			return 1;
	/* a full record only means that a kind may be printed twice */
	if (used + kind_len + 2 <= sizeof(notes->seen)) {
		memcpy(notes->seen + used, note, kind_len);
		notes->seen[used + kind_len] = '\n';
		notes->seen[used + kind_len + 1] = '\0';
	}
	return 0;
}

void cli_print_notes(const aniso_ctx *ctx, struct cli_notes *notes)
{
	cli_print_notes_of(ctx ? aniso_ctx_errmsg(ctx) : NULL, notes);
}

void cli_print_notes_of(const char *msg, struct cli_notes *notes)
{
	const char *note = msg ? strstr(msg, "note:") : NULL;

	/* The library joins notes into one text: "note: a. note: b. " */
	while (!notes->quiet && note) {
		const char *next = strstr(note + 5, "note:");
		size_t len = next ? (size_t)(next - note) : strlen(note);

		if (!seen_before(notes, note, len))
			print_note(note, len);
		note = next;
	}
}

int cli_library_fail(aniso_ctx *ctx, const char *what, int code)
{
	const char *msg = ctx ? aniso_ctx_errmsg(ctx) : "";
	/* cli_check_shapes should catch these first; should one get through,
	 * it is still a shape error (exit 3), not a device one. */
	int shape_error = code == ANISO_ERR_BAD_DIM || code == ANISO_ERR_BAD_K ||
			  code == ANISO_ERR_BAD_GAMMA_VAR || code == ANISO_ERR_OVERFLOW ||
			  code == ANISO_ERR_SHAPE;

	return cli_fail(shape_error ? CLI_SHAPE : CLI_DEVICE, "%s failed on %s: %s%s%s", what,
			ctx ? aniso_ctx_device_name(ctx) : "no device", aniso_strerror(code),
			msg && msg[0] ? ": " : "", msg ? msg : "");
}

int cli_multi_fail(aniso_multi *multi, const char *list, const char *what, int code)
{
	const char *msg = aniso_multi_errmsg(multi);
	int shape_error = code == ANISO_ERR_BAD_DIM || code == ANISO_ERR_BAD_K ||
			  code == ANISO_ERR_BAD_GAMMA_VAR || code == ANISO_ERR_OVERFLOW ||
			  code == ANISO_ERR_SHAPE;

	return cli_fail(shape_error ? CLI_SHAPE : CLI_DEVICE, "%s failed on devices %s: %s%s%s",
			what, list, aniso_strerror(code), msg && msg[0] ? ": " : "",
			msg ? msg : "");
}
