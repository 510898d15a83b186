/* Loading the .npy inputs of a command: one error line naming the file and
 * its option, one dtype for all of them, native copies for the library. */
#ifndef ANISOCL_CLI_INPUTS_H
#define ANISOCL_CLI_INPUTS_H

#include <stddef.h>

#include "anisocl.h"
#include "npy_file.h"

struct cli_input {
	const char *option; /* "-x", for messages */
	const char *path;
	struct npy_file file;
};

/* Load in->path; on failure print why and return CLI_INPUT. */
int cli_input_load(struct cli_input *in);
void cli_input_free(struct cli_input *in);

/*
 * The dtype every input is converted to: forced ("f32" or "f64") if not
 * NULL, else the inputs' common dtype.  Non-float inputs, or mixed dtypes
 * without forced, print one line naming each array and return CLI_SHAPE.
 */
int cli_inputs_dtype(struct cli_input *const *inputs, size_t count,
		     const char *forced, aniso_dtype *dtype);

/* Load every input, then their common dtype as cli_inputs_dtype says.
 * CLI_OK, or the first failure's code after printing why. */
int cli_inputs_load(struct cli_input *const *inputs, size_t count,
		    const char *forced, aniso_dtype *dtype);

/* A native C-order copy in dtype (free() it); NULL and a message when out
 * of memory. */
void *cli_input_values(const struct cli_input *in, aniso_dtype dtype);

size_t cli_dtype_size(aniso_dtype dtype);
const char *cli_dtype_descr(aniso_dtype dtype);

#endif
