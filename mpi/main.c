/* anisocl-mpi: the program (MPI start and end, its messages, its one
 * subcommand).  Run as: mpirun -np P anisocl-mpi sum ... */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mpi.h>

#include "anisocl.h"
#include "cli.h"
#include "mpi_cli.h"

static const char usage_text[] =
	"Usage: mpirun -np P anisocl-mpi sum -x X.npy -y Y.npy -b B.npy -g GAMMA.npy -o OUT.npy\n"
	"           [the other options of `anisocl sum`: anisocl-mpi sum --help]\n"
	"One kernel sum over P processes, one OpenCL device each (--device or\n"
	"ANISOCL_DEVICE, read by each rank).  Each rank reads only its slices of\n"
	"the files (they must be regular files in C order, seen by every rank);\n"
	"rank 0 writes OUT, bitwise what `anisocl sum` gives on one device of\n"
	"the same kind, for any P.\n"
	"Exit codes as anisocl's (anisocl --help); every rank exits with the code\n"
	"of the first rank that failed, and no OUT is written.\n";

int cli_mpi_rank;
int cli_mpi_quiet;
char cli_mpi_last_failure[1024];

int cli_fail(int code, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One line per failure, even when a build log inside has several. */
	for (i = 0; line[i] != '\0'; ++i)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	/* Kept for the other ranks (cli_mpi_agree). */
	memcpy(cli_mpi_last_failure, line, sizeof(cli_mpi_last_failure) - 1);
	cli_mpi_last_failure[sizeof(cli_mpi_last_failure) - 1] = '\0';
	if (!cli_mpi_quiet)
		fprintf(stderr, "anisocl-mpi: rank %d: %s\n", cli_mpi_rank, line);
	return code;
}

int cli_option_error(const char *command, int option, char **argv, int next_index)
{
	const char *word = next_index > 0 ? argv[next_index - 1] : "?";

	if (option == ':')
		return cli_fail(CLI_USAGE, "%s: option %s needs a value (try anisocl-mpi %s --help)",
				command, word, command);
	return cli_fail(CLI_USAGE, "%s: unknown option %s (try anisocl-mpi %s --help)", command,
			word, command);
}

static int run(int argc, char **argv)
{
	const char *command = argc > 1 ? argv[1] : NULL;

	if (!command) {
		if (!cli_mpi_quiet)
			fputs(usage_text, stderr);
		return CLI_USAGE;
	}
	if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
	    strcmp(command, "help") == 0) {
		if (!cli_mpi_quiet)
			fputs(usage_text, stdout);
		return CLI_OK;
	}
	if (strcmp(command, "--version") == 0) {
		if (!cli_mpi_quiet)
			printf("anisocl-mpi %s (library %s)\n", ANISO_VERSION_STRING,
			       aniso_version_string());
		return CLI_OK;
	}
	if (strcmp(command, "sum") == 0)
		return cli_mpi_sum(argc - 1, argv + 1);
	return cli_fail(CLI_USAGE, "unknown command '%s' (try anisocl-mpi --help)", command);
}

int main(int argc, char **argv)
{
	int status;

	if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
		fprintf(stderr, "anisocl-mpi: MPI_Init failed\n");
		return CLI_DEVICE;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &cli_mpi_rank);
	/* The command line is the same on every rank: rank 0 speaks for it
	 * (cli_mpi_sum lets every rank speak once the ranks' work differs). */
	cli_mpi_quiet = cli_mpi_rank != 0;
	status = run(argc, argv);
	MPI_Finalize();
	return status;
}
