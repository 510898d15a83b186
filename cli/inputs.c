/* Input arrays of the subcommands (see inputs.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inputs.h"
#include "npy_convert.h"

int cli_input_load(struct cli_input *in)
{
	char err[256];
	enum npy_load_error status;

	status = npy_file_load(in->path, &in->file, err, sizeof(err));
	switch (status) {
	case NPY_LOAD_OK:
		return CLI_OK;
	case NPY_LOAD_FORMAT:
		return cli_fail(CLI_INPUT, "%s (%s): not a valid .npy file: %s", in->path,
				in->option, err);
	default:
		return cli_fail(CLI_INPUT, "%s (%s): cannot read: %s", in->path, in->option,
				err);
	}
}

void cli_input_free(struct cli_input *in)
{
	npy_file_free(&in->file);
}

size_t cli_dtype_size(aniso_dtype dtype)
{
	return dtype == ANISO_FLOAT64 ? 8 : 4;
}

const char *cli_dtype_descr(aniso_dtype dtype)
{
	return dtype == ANISO_FLOAT64 ? "<f8" : "<f4";
}

/* "-x X.npy is <f4, -y Y.npy is <f8, ..." for the mixed-dtype message. */
static void list_dtypes(struct cli_input *const *inputs, size_t count, char *buf,
			size_t size)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < count && used < size; ++i)
		used += (size_t)snprintf(buf + used, size - used, "%s%s %s is %s",
					 i ? ", " : "", inputs[i]->option, inputs[i]->path,
					 inputs[i]->file.array.descr);
}

int cli_inputs_dtype(struct cli_input *const *inputs, size_t count,
		     const char *forced, aniso_dtype *dtype)
{
	char listing[1024];
	size_t i, first_size;

	for (i = 0; i < count; ++i) {
		const struct npy_array *a = &inputs[i]->file.array;

		if (!npy_is_float(a))
			return cli_fail(CLI_SHAPE,
					"%s (%s): dtype '%s' is not supported: use float32 (<f4) "
					"or float64 (<f8)",
					inputs[i]->path, inputs[i]->option, a->descr);
	}
	if (forced) {
		*dtype = strcmp(forced, "f64") == 0 ? ANISO_FLOAT64 : ANISO_FLOAT32;
		return CLI_OK;
	}
	first_size = count ? inputs[0]->file.array.itemsize : 8;
	for (i = 1; i < count; ++i) {
		if (inputs[i]->file.array.itemsize != first_size) {
			list_dtypes(inputs, count, listing, sizeof(listing));
			return cli_fail(CLI_SHAPE,
					"mixed dtypes: %s; pass --dtype f32 or --dtype f64 to "
					"convert them",
					listing);
		}
	}
	*dtype = first_size == 8 ? ANISO_FLOAT64 : ANISO_FLOAT32;
	return CLI_OK;
}

void *cli_input_values(const struct cli_input *in, aniso_dtype dtype)
{
	void *values = npy_to_native(&in->file.array, cli_dtype_size(dtype));

	if (!values)
		cli_fail(CLI_INPUT, "%s (%s): out of memory converting %zu elements", in->path,
			 in->option, in->file.array.count);
	return values;
}

int cli_inputs_load(struct cli_input *const *inputs, size_t count,
		    const char *forced, aniso_dtype *dtype)
{
	size_t k;
	int status;

	for (k = 0; k < count; ++k) {
		status = cli_input_load(inputs[k]);
		if (status != CLI_OK)
			return status;
	}
	/* dtypes first: an int or datetime array is the problem to report,
	 * not whatever its shape happens to be */
	return cli_inputs_dtype(inputs, count, forced, dtype);
}
