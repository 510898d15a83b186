/* anisocl: the command-line face of the library.  This file only picks the
 * subcommand; each one lives in its own cmd_*.c. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "anisocl.h"
#include "cli.h"

static const char usage_text[] =
	"Usage: anisocl COMMAND [OPTIONS]\n"
	"Anisotropic kernel sums on an OpenCL device:\n"
	"    out_i = sum_j f((x_i - y_j)^T G (x_i - y_j)) b_j,  f(q) = exp(-q) by default\n"
	"\n"
	"Commands:\n"
	"  devices   list the OpenCL platforms and devices, and the default one\n"
	"  sum       -x X.npy -y Y.npy -b B.npy -g GAMMA.npy -o OUT.npy\n"
	"            [--gamma-var fixed|i|j] [--kernel F] [--reduction sum|logsumexp]\n"
	"            [--dtype f32|f64] [--device D] [--time] [--check-gamma] [--quiet]\n"
	"  grad      -x X.npy -y Y.npy -b B.npy -g GAMMA.npy -a A.npy\n"
	"            --wrt x|y|b|gamma -o OUT.npy [--gamma-var fixed|i|j]\n"
	"            [--kernel gaussian|laplace|cauchy|imq] [--dtype f32|f64]\n"
	"            [--device D] [--quiet]: the gradient of sum_ie a_ie out_ie,\n"
	"            OUT shaped as the input that --wrt names\n"
	"  heatmap   -y Y.npy -b B.npy -g GAMMA.npy [--gamma-var fixed|i|j]\n"
	"            [--res 100] [-o FIG.png] [--values V.npy] [--title T]\n"
	"            [--kernel F] [--dtype f32|f64] [--device D] [--quiet]\n"
	"  demo      [-o DIR] [--kernel F] [--device D] [--quiet]: the six kernels\n"
	"            of the KeOps anisotropic kernels tutorial, as one figure and\n"
	"            .npy values\n"
	"  solve     -x X.npy -b B.npy -g GAMMA.npy --lambda L -o A.npy [--tol T]\n"
	"            [--max-iter N] [--kernel F] [--dtype f32|f64] [--device D]\n"
	"            [--quiet]: (K + L I) a = b by conjugate gradients\n"
	"--kernel F: the radial profile f, gaussian (default), laplace, cauchy or imq.\n"
	"Run `anisocl COMMAND --help` for the details of one command.\n"
	"\n"
	"Devices: --device takes an index or a name substring from `anisocl\n"
	"devices`, like the ANISOCL_DEVICE environment variable it overrides.\n"
	"Both also take a list, 0,1 or all: `sum` then spreads one sum over those\n"
	"devices (the result has the bits of one of them when they are of one\n"
	"kind); the other commands use the list's first device.\n"
	"\n"
	"Notes: a command that succeeds may still print lines starting with\n"
	"\"anisocl: note:\" on stderr, for trouble that costs time but does not\n"
	"change results (the kernel disk cache cannot be written, so every run\n"
	"compiles again); --quiet silences them.\n"
	"\n"
	"Exit codes:\n"
	"  0  success\n"
	"  1  usage error (unknown command or option, missing argument)\n"
	"  2  input file error (missing, unreadable, not a valid .npy file)\n"
	"  3  dtype or shape error (unsupported or mixed dtypes, shapes that\n"
	"     do not agree, K not 1, D or D*D)\n"
	"  4  device or library error (no OpenCL device, no float64, OpenCL\n"
	"     failure)\n"
	"  5  output error (an output file or folder could not be written)\n"
	"  6  `solve` did not reach its tolerance within its iteration cap\n"
	"On any failure one line on stderr says what and where.  Every output\n"
	"is written to a temporary file in its folder and renamed into place\n"
	"when complete, so none is ever left half-written; a failed `sum`\n"
	"creates or changes no file at all.  A symbolic link is followed (its\n"
	"target is replaced); a character device or FIFO is written into.\n";

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
	fprintf(stderr, "anisocl: %s\n", line);
	return code;
}

int cli_option_error(const char *command, int option, char **argv, int next_index)
{
	/* getopt leaves the offending word just before next_index */
	const char *word = next_index > 0 ? argv[next_index - 1] : "?";

	if (option == ':')
		return cli_fail(CLI_USAGE, "%s: option %s needs a value (try anisocl %s --help)",
				command, word, command);
	return cli_fail(CLI_USAGE, "%s: unknown option %s (try anisocl %s --help)", command, word,
			command);
}

int main(int argc, char **argv)
{
	const char *command = argc > 1 ? argv[1] : NULL;

	if (!command) {
		fputs(usage_text, stderr);
		return CLI_USAGE;
	}
	if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
	    strcmp(command, "help") == 0) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	if (strcmp(command, "--version") == 0) {
		printf("anisocl %s (library %s)\n", ANISO_VERSION_STRING, aniso_version_string());
		return CLI_OK;
	}
	if (strcmp(command, "devices") == 0)
		return cli_devices(argc - 1, argv + 1);
	if (strcmp(command, "solve") == 0)
		return cli_solve(argc - 1, argv + 1);
	if (strcmp(command, "sum") == 0)
		return cli_sum(argc - 1, argv + 1);
	if (strcmp(command, "grad") == 0)
		return cli_grad(argc - 1, argv + 1);
	if (strcmp(command, "heatmap") == 0)
		return cli_heatmap(argc - 1, argv + 1);
	if (strcmp(command, "demo") == 0)
		return cli_demo(argc - 1, argv + 1);
	return cli_fail(CLI_USAGE, "unknown command '%s' (try anisocl --help)", command);
}
