/* `anisocl solve`: (K + lambda I) a = b by conjugate gradients, from .npy
 * files to a .npy file (aniso_solve). */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anisocl.h"
#include "cli.h"
#include "context.h"
#include "inputs.h"
#include "npy_file.h"
#include "options.h"
#include "shapes.h"

static const char solve_usage[] =
	"Usage: anisocl solve -x X.npy -b B.npy -g GAMMA.npy --lambda L -o A.npy\n"
	"                     [--tol T] [--max-iter N] [--gamma-var fixed]\n"
	"                     [--kernel F] [--dtype f32|f64] [--device D] [--quiet]\n"
	"  Solves (K + L I) a = b for a, K_ij = f((x_i - x_j)^T G (x_i - x_j)), by\n"
	"  conjugate gradients: every product is a kernel sum on the device, the\n"
	"  N x N matrix is never built.  Prints each column's iterations and\n"
	"  relative residual ||(K + L I) a - b|| / ||b|| to stderr.\n"
	"  -x X.npy       points, shape (N, D)\n"
	"  -b B.npy       right-hand sides, shape (N, E), or (N,) for E = 1\n"
	"  -g GAMMA.npy   one metric for all pairs (a scalar, (K,) or (1, K); K = 1,\n"
	"                 D or D*D) whose metric is positive semi-definite: a\n"
	"                 per-point gamma makes K non-symmetric and is refused\n"
	"  --lambda L     the ridge, a number > 0\n"
	"  --tol T        relative residual to reach (default 1e-10; float32\n"
	"                 reaches about 1e-7)\n"
	"  --max-iter N   iteration cap (default 1000)\n"
	"  -o A.npy       the solution, the shape of B\n"
	CLI_KERNEL_HELP
	"  --dtype T      convert every input to f32 or f64\n"
	"  --device D     device index or name substring (see anisocl devices)\n"
	"  --quiet        print neither the library's notes nor the residuals\n"
	"Exit codes: 0 ok, 1 usage, 2 input file, 3 dtype/shape (or a gamma that\n"
	"is not PSD), 4 device, 5 output, 6 did not converge (see anisocl --help).\n";

struct solve_options {
	const char *x, *b, *gamma, *out, *dtype, *device;
	int gamma_var, quiet;
	double lambda, tol;
	size_t max_iter;
	aniso_options formula;
};

/* A finite number, whole text; CLI_USAGE naming the option otherwise. */
static int parse_number(const char *option, const char *text, double *value)
{
	char *end = NULL;

	*value = strtod(text, &end);
	if (!*text || !end || *end != '\0' || !isfinite(*value))
		return cli_fail(CLI_USAGE, "%s: '%s' is not a finite number", option, text);
	return CLI_OK;
}

static int parse_options(int argc, char **argv, struct solve_options *opt)
{
	static const struct option long_options[] = {
		{"lambda", required_argument, NULL, 'L'},
		{"tol", required_argument, NULL, 'T'},
		{"max-iter", required_argument, NULL, 'I'},
		{"gamma-var", required_argument, NULL, 'v'},
		{"kernel", required_argument, NULL, 'k'},
		{"dtype", required_argument, NULL, 't'},
		{"device", required_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int c, status = CLI_OK, have_lambda = 0;
	double iters;

	memset(opt, 0, sizeof(*opt));
	opt->gamma_var = CLI_GAMMA_VAR_DEFAULT;
	opt->tol = 1e-10;
	opt->max_iter = 1000;
	aniso_options_init(&opt->formula);
	opterr = 0;
	while (status == CLI_OK &&
	       (c = getopt_long(argc, argv, ":x:b:g:o:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'x': opt->x = optarg; break;
		case 'b': opt->b = optarg; break;
		case 'g': opt->gamma = optarg; break;
		case 'o': opt->out = optarg; break;
		case 't': opt->dtype = optarg; break;
		case 'd': opt->device = optarg; break;
		case 'q': opt->quiet = 1; break;
		case 'L':
			status = parse_number("--lambda", optarg, &opt->lambda);
			if (status == CLI_OK && !(opt->lambda > 0))
				status = cli_fail(CLI_USAGE, "--lambda: '%s' is not > 0", optarg);
			have_lambda = 1;
			break;
		case 'T':
			status = parse_number("--tol", optarg, &opt->tol);
			if (status == CLI_OK && !(opt->tol > 0))
				status = cli_fail(CLI_USAGE, "--tol: '%s' is not > 0", optarg);
			break;
		case 'I':
			status = parse_number("--max-iter", optarg, &iters);
			if (status == CLI_OK && (iters < 1 || iters > 1e9 || iters != floor(iters)))
				status = cli_fail(CLI_USAGE, "--max-iter: '%s' is not a whole number "
						  "from 1 to 10^9", optarg);
			opt->max_iter = (size_t)iters;
			break;
		case 'v': status = cli_parse_gamma_var(optarg, &opt->gamma_var); break;
		case 'k': status = cli_parse_kernel(optarg, &opt->formula); break;
		case 'h':
			fputs(solve_usage, stdout);
			return -1;
		default:
			return cli_option_error("solve", c, argv, optind);
		}
	}
	if (status != CLI_OK)
		return status;
	if (optind < argc)
		return cli_fail(CLI_USAGE, "solve: unexpected argument '%s'", argv[optind]);
	if (!opt->x || !opt->b || !opt->gamma || !opt->out || !have_lambda)
		return cli_fail(CLI_USAGE, "solve: %s is required (try anisocl solve --help)",
				!opt->x ? "-x X.npy" : !opt->b ? "-b B.npy" : !opt->gamma ? "-g GAMMA.npy"
				: !opt->out ? "-o A.npy" : "--lambda L");
	if (opt->gamma_var != CLI_GAMMA_VAR_DEFAULT && opt->gamma_var != ANISO_GAMMA_FIXED)
		return cli_fail(CLI_USAGE, "--gamma-var: solve takes only fixed (a per-point gamma "
					   "makes K non-symmetric)");
	return cli_check_dtype(opt->dtype);
}

/* The shapes: x is both the rows and the terms; gamma must be one row. */
static int solve_shape(const struct solve_options *opt, struct cli_input *x, struct cli_input *b,
		       struct cli_input *g, aniso_shape *shape, int *b_is_1d)
{
	char text[300], x_what[300];
	int status;

	if (x->file.array.ndim != 2 || x->file.array.shape[1] == 0) {
		npy_shape_string(x->file.array.shape, x->file.array.ndim, text, sizeof(text));
		return cli_fail(CLI_SHAPE, "%s (-x): shape %s is not (N, D) with D >= 1", x->path,
				text);
	}
	if (g->file.array.ndim == 2 && g->file.array.shape[0] != 1) {
		npy_shape_string(g->file.array.shape, g->file.array.ndim, text, sizeof(text));
		return cli_fail(CLI_SHAPE, "%s (-g): shape %s has a row per point, which makes K "
					   "non-symmetric: expected one row (a scalar, (K,) or (1, K))",
				g->path, text);
	}
	snprintf(x_what, sizeof(x_what), "%s (-x)", x->path);
	/* x plays y too: its N rows are the terms b and a gamma row count
	 * are checked against. */
	status = cli_check_shapes(x->file.array.shape[0], x->file.array.shape[1], x_what, x, b, g,
				  opt->gamma_var, shape, b_is_1d);
	if (status != CLI_OK)
		return status;
	if (shape->gamma_var != ANISO_GAMMA_FIXED)
		return cli_fail(CLI_SHAPE, "%s (-g): one gamma row per point makes K non-symmetric: "
					   "expected one row (a scalar, (K,) or (1, K))", g->path);
	return CLI_OK;
}

int cli_solve(int argc, char **argv)
{
	struct solve_options opt;
	struct cli_input x = {"-x", NULL, {0}}, b = {"-b", NULL, {0}}, g = {"-g", NULL, {0}};
	struct cli_input *inputs[3] = {&x, &b, &g};
	void *values[3] = {NULL, NULL, NULL};
	void *solution = NULL;
	size_t *iterations = NULL, out_shape[2], e, bad_row = 0;
	double *residuals = NULL;
	aniso_ctx *ctx = NULL;
	struct cli_notes notes = {0, ""};
	aniso_shape shape;
	aniso_dtype dtype;
	char err[512];
	int status, b_is_1d = 0, code;

	status = parse_options(argc, argv, &opt);
	if (status != CLI_OK)
		return status < 0 ? CLI_OK : status;
	notes.quiet = opt.quiet;
	x.path = opt.x;
	b.path = opt.b;
	g.path = opt.gamma;
	status = cli_inputs_load(inputs, 3, opt.dtype, &dtype);
	if (status != CLI_OK)
		goto cleanup;
	status = solve_shape(&opt, &x, &b, &g, &shape, &b_is_1d);
	if (status != CLI_OK)
		goto cleanup;
	shape.dtype = dtype;
	status = cli_context_and_values(opt.device, shape.dtype, inputs, 3, values, &ctx);
	if (status != CLI_OK)
		goto cleanup;
	/* Before the device works: a metric that is not PSD is the input's
	 * fault (exit 3), not the library's. */
	if (aniso_gamma_check(shape.dtype, shape.D, shape.K, 1, values[2], &bad_row) != ANISO_OK) {
		status = cli_fail(CLI_SHAPE, "%s (-g): not a positive semi-definite metric, so "
					     "K + lambda I need not be positive definite", g.path);
		goto cleanup;
	}
	solution = malloc(shape.N * shape.E != 0 ? shape.N * shape.E * cli_dtype_size(shape.dtype) : 1);
	iterations = calloc(shape.E, sizeof(*iterations));
	residuals = calloc(shape.E, sizeof(*residuals));
	if (!solution || !iterations || !residuals) {
		status = cli_fail(CLI_DEVICE, "out of memory for the %zu x %zu solution", shape.N,
				  shape.E);
		goto cleanup;
	}
	code = aniso_solve(ctx, &shape, &opt.formula, values[0], values[2], values[1], opt.lambda,
			   opt.tol, opt.max_iter, solution, iterations, residuals);
	if (code == ANISO_ERR_NOT_CONVERGED) {
		status = cli_fail(CLI_NOT_CONVERGED, "%s (-b): %s", b.path, aniso_ctx_errmsg(ctx));
		goto cleanup;
	}
	if (code != ANISO_OK) {
		status = cli_library_fail(ctx, "aniso_solve", code);
		goto cleanup;
	}
	cli_print_notes(ctx, &notes);
	for (e = 0; !opt.quiet && e < shape.E; ++e)
		fprintf(stderr, "anisocl: column %zu: %zu iterations, relative residual %.3g\n", e,
			iterations[e], residuals[e]);
	out_shape[0] = shape.N;
	out_shape[1] = shape.E;
	if (npy_file_save(opt.out, cli_dtype_size(shape.dtype), out_shape, b_is_1d ? 1 : 2,
			  solution, err, sizeof(err)) != 0) {
		status = cli_fail(CLI_OUTPUT, "-o %s", err);
		goto cleanup;
	}
	status = CLI_OK;
cleanup:
	free(residuals);
	free(iterations);
	free(solution);
	for (e = 3; e-- > 0;) {
		free(values[e]);
		cli_input_free(inputs[e]);
	}
	aniso_ctx_free(ctx);
	return status;
}
