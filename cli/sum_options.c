/* The command line of `anisocl sum`, shared with `anisocl-mpi sum` so that
 * the two take the same options (see sum_options.h). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "shapes.h"
#include "sum_options.h"

const char cli_sum_usage[] =
	"Usage: anisocl sum -x X.npy -y Y.npy -b B.npy -g GAMMA.npy -o OUT.npy\n"
	"                   [--gamma-var fixed|i|j] [--kernel F] [--reduction R]\n"
	"                   [--tolerance T] [--dtype f32|f64] [--device D] [--time]\n"
	"                   [--check-gamma] [--quiet]\n"
	"  out_i = sum_j f(q_ij) b_j,  q_ij = (x_i - y_j)^T G (x_i - y_j)\n"
	"  -x X.npy       points x, shape (M, D)\n"
	"  -y Y.npy       points y, shape (N, D)\n"
	"  -b B.npy       weights, shape (N, E), or (N,) for E = 1 and OUT (M,)\n"
	"  -g GAMMA.npy   the metric, K = 1 (isotropic), D (diagonal) or D*D (full,\n"
	"                 row-major) numbers per row: a scalar or (K,) is always\n"
	"                 one gamma for all pairs; (rows, K) is fixed when rows = 1,\n"
	"                 per i when rows = M, per j when rows = N (when M = N,\n"
	"                 --gamma-var must say which)\n"
	"  --gamma-var V  read a (rows, K) GAMMA as fixed (rows = 1), per i\n"
	"                 (rows = M) or per j (rows = N)\n"
	"  -o OUT.npy     the result, shape (M, E), dtype of the inputs\n"
	CLI_KERNEL_HELP
	CLI_REDUCTION_HELP
	"  --tolerance T  0 (default): the exact sum; T > 0: skip the pairs of far\n"
	"                 blocks of points, with |OUT - exact| <= T sum_j |b_j| per\n"
	"                 entry (logsumexp: |exp(OUT) - exp(exact)| <=\n"
	"                 T sum_j exp(b_j)); one device; a note says how many\n"
	"                 block pairs were summed\n"
	"  --dtype T      convert every input to f32 or f64 (otherwise all inputs\n"
	"                 must share one dtype, <f4 or <f8)\n"
	"  --device D     device index or name substring (see anisocl devices); a\n"
	"                 list (0,1) or all spreads the sum over those devices, with\n"
	"                 the bits of one of them when they are of one kind\n"
	"  --time         print the compute time and pairs/s to stderr\n"
	"  --check-gamma  refuse (exit 3) a gamma whose metric is not positive\n"
	"                 semi-definite, whose terms could overflow to Inf\n"
	"  --quiet        do not print the library's notes (e.g. \"disk cache not\n"
	"                 written\": the kernels are rebuilt on every run)\n"
	"Exit codes: 0 ok, 1 usage, 2 input file, 3 dtype/shape, 4 device,\n"
	"5 output (see anisocl --help).\n";


int cli_sum_parse(int argc, char **argv, struct cli_sum_options *opt)
{
	static const struct option long_options[] = {
		{"gamma-var", required_argument, NULL, 'v'},
		{"kernel", required_argument, NULL, 'k'},
		{"reduction", required_argument, NULL, 'R'},
		{"tolerance", required_argument, NULL, 'L'},
		{"dtype", required_argument, NULL, 't'},
		{"device", required_argument, NULL, 'd'},
		{"time", no_argument, NULL, 'T'},
		{"check-gamma", no_argument, NULL, 'G'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int c, status;

	memset(opt, 0, sizeof(*opt));
	opt->gamma_var = CLI_GAMMA_VAR_DEFAULT;
	aniso_options_init(&opt->formula);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":x:y:b:g:o:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'x': opt->x = optarg; break;
		case 'y': opt->y = optarg; break;
		case 'b': opt->b = optarg; break;
		case 'g': opt->gamma = optarg; break;
		case 'o': opt->out = optarg; break;
		case 't': opt->dtype = optarg; break;
		case 'd': opt->device = optarg; break;
		case 'T': opt->time = 1; break;
		case 'G': opt->check_gamma = 1; break;
		case 'q': opt->quiet = 1; break;
		case 'L':
			status = cli_parse_tolerance(optarg, &opt->formula);
			if (status != CLI_OK)
				return status;
			break;
		case 'v':
		case 'k':
		case 'R':
			status = cli_formula_option(c, optarg, &opt->gamma_var, &opt->formula);
			if (status != CLI_OK)
				return status;
			break;
		case 'h':
			fputs(cli_sum_usage, stdout);
			return -1;
		default:
			return cli_option_error("sum", c, argv, optind);
		}
	}
	if (optind < argc)
		return cli_fail(CLI_USAGE, "sum: unexpected argument '%s'", argv[optind]);
	if (opt->formula.tolerance > 0 && opt->device &&
	    (strchr(opt->device, ',') || strcmp(opt->device, "all") == 0))
		return cli_fail(CLI_USAGE, "sum: --tolerance runs on one device: --device takes one "
				"index or name with it");
	if (!opt->x || !opt->y || !opt->b || !opt->gamma || !opt->out)
		return cli_fail(CLI_USAGE, "sum: %s is required (try anisocl sum --help)",
				!opt->x ? "-x X.npy" : !opt->y ? "-y Y.npy" : !opt->b ? "-b B.npy"
				: !opt->gamma ? "-g GAMMA.npy" : "-o OUT.npy");
	return cli_check_dtype(opt->dtype);
}
