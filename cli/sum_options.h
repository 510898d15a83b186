/* The command line of `anisocl sum`, which `anisocl-mpi sum` takes too. */
#ifndef ANISOCL_CLI_SUM_OPTIONS_H
#define ANISOCL_CLI_SUM_OPTIONS_H

#include "anisocl.h"

struct cli_sum_options {
	const char *x, *y, *b, *gamma, *out, *dtype, *device;
	int gamma_var, time, check_gamma, quiet;
	aniso_options formula;
};

/* `anisocl sum --help`. */
extern const char cli_sum_usage[];

/* Parse argv (argv[0] the subcommand): CLI_OK, -1 after printing the help,
 * or CLI_USAGE after printing why. */
int cli_sum_parse(int argc, char **argv, struct cli_sum_options *opt);

#endif
