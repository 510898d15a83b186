/* `anisocl grad`: the gradient of sum_ie a_ie out_ie with respect to one
 * input, from .npy files to a .npy file of that input's shape. */
#include "config.h"

#include <getopt.h>
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

static const char grad_usage[] =
	"Usage: anisocl grad -x X.npy -y Y.npy -b B.npy -g GAMMA.npy -a A.npy\n"
	"                    --wrt x|y|b|gamma -o OUT.npy [--gamma-var fixed|i|j]\n"
	"                    [--kernel F] [--reduction sum|logsumexp] [--dtype f32|f64]\n"
	"                    [--device D] [--quiet]\n"
	"  the gradient of L = sum_ie a_ie out_ie, out as `anisocl sum` computes it\n"
	"  (--kernel, --reduction), with respect to x, y, b or gamma\n"
	"  -x, -y, -b, -g as for `anisocl sum` (same shapes and gamma rules)\n"
	"  -a A.npy       the cotangent, shape (M, E), or (M,) when E = 1\n"
	"  --wrt W        x, y, b or gamma\n"
	"  -o OUT.npy     the gradient, with the shape of the file that --wrt\n"
	"                 names (for gamma, the shape of GAMMA: a scalar or (K,)\n"
	"                 gamma gives a scalar or (K,) OUT), dtype of the inputs\n"
	"  --gamma-var V  read a (rows, K) GAMMA as fixed (rows = 1), per i\n"
	"                 (rows = M) or per j (rows = N)\n"
	CLI_KERNEL_HELP
	CLI_REDUCTION_HELP
	"                 (laplace at q = 0, x_i = y_j: the pair adds 0 to the\n"
	"                 gradients with respect to x, y and gamma)\n"
	"  --dtype T      convert every input to f32 or f64 (otherwise all inputs\n"
	"                 must share one dtype, <f4 or <f8)\n"
	"  --device D     device index or name substring (see anisocl devices)\n"
	"  --quiet        do not print the library's notes\n"
	"Exit codes: 0 ok, 1 usage, 2 input file, 3 dtype/shape, 4 device,\n"
	"5 output (see anisocl --help).\n";

struct grad_options {
	const char *x, *y, *b, *gamma, *a, *out, *dtype, *device;
	int gamma_var, quiet, has_wrt;
	aniso_wrt wrt;
	aniso_options formula;
};

static int parse_options(int argc, char **argv, struct grad_options *opt)
{
	static const struct option long_options[] = {
		{"wrt", required_argument, NULL, 'w'},
		{"gamma-var", required_argument, NULL, 'v'},
		{"kernel", required_argument, NULL, 'k'},
		{"reduction", required_argument, NULL, 'R'},
		{"dtype", required_argument, NULL, 't'},
		{"device", required_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int c, status;

	memset(opt, 0, sizeof(*opt));
	opt->gamma_var = CLI_GAMMA_VAR_DEFAULT;
	aniso_options_init(&opt->formula);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":x:y:b:g:a:o:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'x': opt->x = optarg; break;
		case 'y': opt->y = optarg; break;
		case 'b': opt->b = optarg; break;
		case 'g': opt->gamma = optarg; break;
		case 'a': opt->a = optarg; break;
		case 'o': opt->out = optarg; break;
		case 't': opt->dtype = optarg; break;
		case 'd': opt->device = optarg; break;
		case 'q': opt->quiet = 1; break;
		case 'w':
			if (aniso_wrt_from_name(optarg, &opt->wrt) != ANISO_OK)
				return cli_fail(CLI_USAGE, "grad: --wrt: '%s' is not one of x, y, b, gamma",
						optarg);
			opt->has_wrt = 1;
			break;
		case 'v':
		case 'k':
		case 'R':
			status = cli_formula_option(c, optarg, &opt->gamma_var, &opt->formula);
			if (status != CLI_OK)
				return status;
			break;
		case 'h':
			fputs(grad_usage, stdout);
			return -1;
		default:
			return cli_option_error("grad", c, argv, optind);
		}
	}
	if (optind < argc)
		return cli_fail(CLI_USAGE, "grad: unexpected argument '%s'", argv[optind]);
	if (!opt->x || !opt->y || !opt->b || !opt->gamma || !opt->a || !opt->has_wrt || !opt->out)
		return cli_fail(CLI_USAGE, "grad: %s is required (try anisocl grad --help)",
				!opt->x ? "-x X.npy" : !opt->y ? "-y Y.npy" : !opt->b ? "-b B.npy"
				: !opt->gamma ? "-g GAMMA.npy" : !opt->a ? "-a A.npy"
				: !opt->has_wrt ? "--wrt x|y|b|gamma" : "-o OUT.npy");
	return cli_check_dtype(opt->dtype);
}

/* A is (M, E), or (M,) when E = 1. */
static int check_cotangent(const struct cli_input *a, const aniso_shape *shape)
{
	const struct npy_array *arr = &a->file.array;
	char text[256];

	if ((arr->ndim == 2 && arr->shape[0] == shape->M && arr->shape[1] == shape->E) ||
	    (arr->ndim == 1 && shape->E == 1 && arr->shape[0] == shape->M))
		return CLI_OK;
	npy_shape_string(arr->shape, arr->ndim, text, sizeof(text));
	return cli_fail(CLI_SHAPE, "%s (-a): shape %s: expected (M, E) = (%zu, %zu)%s, the shape of "
			"the sum",
			a->path, text, shape->M, shape->E, shape->E == 1 ? " or (M,)" : "");
}

int cli_grad(int argc, char **argv)
{
	struct grad_options opt;
	struct cli_input x = {"-x", NULL, {0}}, y = {"-y", NULL, {0}};
	struct cli_input b = {"-b", NULL, {0}}, g = {"-g", NULL, {0}};
	struct cli_input a = {"-a", NULL, {0}};
	struct cli_input *inputs[5] = {&x, &y, &b, &g, &a};
	void *values[5] = {NULL, NULL, NULL, NULL, NULL};
	void *grad = NULL;
	aniso_ctx *ctx = NULL;
	struct cli_notes notes = {0, ""};
	const struct cli_input *named;
	size_t out_shape[NPY_MAX_DIMS], out_count = 1, out_ndim, i;
	aniso_shape shape;
	aniso_dtype dtype;
	char err[512], x_what[300];
	int status, b_is_1d = 0, code;

	status = parse_options(argc, argv, &opt);
	if (status != CLI_OK)
		return status < 0 ? CLI_OK : status;
	notes.quiet = opt.quiet;
	x.path = opt.x;
	y.path = opt.y;
	b.path = opt.b;
	g.path = opt.gamma;
	a.path = opt.a;
	status = cli_inputs_load(inputs, 5, opt.dtype, &dtype);
	if (status != CLI_OK)
		goto cleanup;
	if (x.file.array.ndim != 2 || x.file.array.shape[1] == 0) {
		npy_shape_string(x.file.array.shape, x.file.array.ndim, err, sizeof(err));
		status = cli_fail(CLI_SHAPE, "%s (-x): shape %s is not (M, D) with D >= 1", x.path,
				  err);
		goto cleanup;
	}
	snprintf(x_what, sizeof(x_what), "%s (-x)", x.path);
	status = cli_check_shapes(x.file.array.shape[0], x.file.array.shape[1], x_what, &y, &b,
				  &g, opt.gamma_var, &shape, &b_is_1d);
	if (status != CLI_OK)
		goto cleanup;
	status = check_cotangent(&a, &shape);
	if (status != CLI_OK)
		goto cleanup;
	shape.dtype = dtype;

	/* OUT has the shape of the file --wrt names (kept now: loading the
	 * values frees the files); its element count is that file's, which
	 * is already in memory. */
	named = opt.wrt == ANISO_WRT_X ? &x : opt.wrt == ANISO_WRT_Y ? &y
					  : opt.wrt == ANISO_WRT_B ? &b : &g;
	out_ndim = named->file.array.ndim;
	for (i = 0; i < out_ndim; ++i) {
		out_shape[i] = named->file.array.shape[i];
		out_count *= out_shape[i];
	}
	status = cli_context_and_values(opt.device, shape.dtype, inputs, 5, values, &ctx);
	if (status != CLI_OK)
		goto cleanup;
	grad = malloc(out_count ? out_count * cli_dtype_size(shape.dtype) : 1);
	if (!grad) {
		status = cli_fail(CLI_DEVICE, "out of memory for the gradient (%zu numbers)", out_count);
		goto cleanup;
	}
	code = aniso_grad(ctx, &shape, &opt.formula, opt.wrt, values[0], values[1], values[2],
			  values[3], values[4], grad);
	if (code != ANISO_OK) {
		status = cli_library_fail(ctx, "aniso_grad", code);
		goto cleanup;
	}
	cli_print_notes(ctx, &notes);
	if (npy_file_save(opt.out, cli_dtype_size(shape.dtype), out_shape, out_ndim, grad, err,
			  sizeof(err)) != 0) {
		status = cli_fail(CLI_OUTPUT, "-o %s", err);
		goto cleanup;
	}
	status = CLI_OK;
cleanup:
	free(grad);
	for (i = 5; i-- > 0;) {
		free(values[i]);
		cli_input_free(inputs[i]);
	}
	aniso_ctx_free(ctx);
	return status;
}
