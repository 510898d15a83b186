/* What the subcommands of the anisocl program share: exit codes, the one
 * error line each failure prints, and the subcommands' entry points. */
#ifndef ANISOCL_CLI_CLI_H
#define ANISOCL_CLI_CLI_H

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* Exit codes, listed in `anisocl --help`; tests rely on them. */
enum cli_exit {
	CLI_OK = 0,
	CLI_USAGE = 1,  /* bad command line                                */
	CLI_INPUT = 2,  /* an input file is missing, unreadable or not .npy */
	CLI_SHAPE = 3,  /* dtypes or shapes that do not fit together        */
	CLI_DEVICE = 4, /* no device, or the library or OpenCL failed       */
	CLI_OUTPUT = 5, /* an output file could not be written              */
	CLI_NOT_CONVERGED = 6 /* `solve` did not reach its tolerance        */
};

/* Print "anisocl: <message>" as one line on stderr and return code. */
int cli_fail(int code, const char *fmt, ...) CLI_PRINTF(2, 3);

/* The message for getopt_long's '?' or ':' (option), from argv and optind. */
int cli_option_error(const char *command, int option, char **argv, int next_index);

/* Subcommands: argv[0] is the subcommand's name. */
int cli_devices(int argc, char **argv);
int cli_sum(int argc, char **argv);
int cli_grad(int argc, char **argv);
int cli_heatmap(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_solve(int argc, char **argv);

#endif
