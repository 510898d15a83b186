/* `anisocl heatmap`: a kernel sum sampled on the unit square and drawn as
 * the KeOps tutorial draws it. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anisocl.h"
#include "cli.h"
#include "context.h"
#include "figure.h"
#include "grid.h"
#include "inputs.h"
#include "npy_file.h"
#include "options.h"
#include "shapes.h"

/* 4096^2 points is 16.7 M: more than any screen shows. */
#define HEATMAP_MAX_RES 4096

static const char heatmap_usage[] =
	"Usage: anisocl heatmap -y Y.npy -b B.npy -g GAMMA.npy [-o FIG.png]\n"
	"                       [--values V.npy] [--gamma-var fixed|i|j] [--res 100]\n"
	"                       [--title TEXT] [--kernel F] [--dtype f32|f64]\n"
	"                       [--device D] [--quiet]\n"
	"Samples x -> sum_j b_j f((x - y_j)^T G (x - y_j)) on the res x res cell\n"
	"centres of the unit square and draws it as imshow(-heatmap, cmap=RdBu,\n"
	"vmin=-1, vmax=1, origin='lower', extent=(0,1,0,1), bilinear): 1 is dark\n"
	"red, 0 near white, -1 dark blue.\n"
	"  -y Y.npy        points, shape (N, 2)\n"
	"  -b B.npy        weights, shape (N,) or (N, 1)\n"
	"  -g GAMMA.npy    as for anisocl sum, with M = R*R grid points (per i:\n"
	"                  one row per grid point)\n"
	"  --res R         grid side, 1 to 4096 (default 100)\n"
	"  -o FIG.png      the picture\n"
	"  --values V.npy  the raw grid, shape (R, R), row r = y-coordinate index\n"
	CLI_KERNEL_HELP
	"  --quiet         do not print the library's notes (see anisocl sum --help)\n"
	"At least one of -o and --values is needed.\n"
	"Exit codes: 0 ok, 1 usage, 2 input file, 3 dtype/shape, 4 device,\n"
	"5 output (see anisocl --help).\n";

struct heatmap_options {
	const char *y, *b, *gamma, *png, *values, *title, *dtype, *device;
	int gamma_var, quiet;
	size_t res;
	aniso_options formula;
};

static int parse_res(const char *text, size_t *res)
{
	char *end = NULL;
	unsigned long value = strtoul(text, &end, 10);

	if (!end || *end != '\0' || text[0] == '-' || value < 1 || value > HEATMAP_MAX_RES)
		return cli_fail(CLI_USAGE, "--res: '%s' is not a whole number from 1 to %d", text,
				HEATMAP_MAX_RES);
	*res = value;
	return CLI_OK;
}

static int parse_options(int argc, char **argv, struct heatmap_options *opt)
{
	static const struct option long_options[] = {
		{"gamma-var", required_argument, NULL, 'v'},
		{"kernel", required_argument, NULL, 'k'},
		{"res", required_argument, NULL, 'r'},
		{"values", required_argument, NULL, 'V'},
		{"title", required_argument, NULL, 'T'},
		{"dtype", required_argument, NULL, 't'},
		{"device", required_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int c, status = CLI_OK;

	memset(opt, 0, sizeof(*opt));
	opt->gamma_var = CLI_GAMMA_VAR_DEFAULT;
	opt->res = 100;
	aniso_options_init(&opt->formula);
	opterr = 0;
	while (status == CLI_OK &&
	       (c = getopt_long(argc, argv, ":y:b:g:o:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'y': opt->y = optarg; break;
		case 'b': opt->b = optarg; break;
		case 'g': opt->gamma = optarg; break;
		case 'o': opt->png = optarg; break;
		case 'V': opt->values = optarg; break;
		case 'T': opt->title = optarg; break;
		case 't': opt->dtype = optarg; break;
		case 'd': opt->device = optarg; break;
		case 'q': opt->quiet = 1; break;
		case 'r': status = parse_res(optarg, &opt->res); break;
		case 'v': status = cli_parse_gamma_var(optarg, &opt->gamma_var); break;
		case 'k': status = cli_parse_kernel(optarg, &opt->formula); break;
		case 'h':
			fputs(heatmap_usage, stdout);
			return -1;
		default:
			return cli_option_error("heatmap", c, argv, optind);
		}
	}
	if (status != CLI_OK)
		return status;
	if (optind < argc)
		return cli_fail(CLI_USAGE, "heatmap: unexpected argument '%s'", argv[optind]);
	if (!opt->y || !opt->b || !opt->gamma)
		return cli_fail(CLI_USAGE, "heatmap: %s is required (try anisocl heatmap --help)",
				!opt->y ? "-y Y.npy" : !opt->b ? "-b B.npy" : "-g GAMMA.npy");
	if (!opt->png && !opt->values)
		return cli_fail(CLI_USAGE, "heatmap: give -o FIG.png, --values V.npy or both");
	if (opt->png && !figure_available())
		return cli_fail(CLI_USAGE, "heatmap: this anisocl was built without cairo, so -o "
					   "cannot draw; use --values");
	return cli_check_dtype(opt->dtype);
}

int cli_heatmap(int argc, char **argv)
{
	struct heatmap_options opt;
	struct cli_input y = {"-y", NULL, {0}}, b = {"-b", NULL, {0}}, g = {"-g", NULL, {0}};
	struct cli_input *inputs[3] = {&y, &b, &g};
	void *values[3] = {NULL, NULL, NULL};
	void *grid = NULL;
	double *grid_double = NULL;
	aniso_ctx *ctx = NULL;
	struct cli_notes notes = {0, ""};
	aniso_shape shape;
	aniso_dtype dtype;
	struct figure_panel panel;
	size_t grid_shape[2], i;
	char err[512];
	int status, b_is_1d, code;

	status = parse_options(argc, argv, &opt);
	if (status != CLI_OK)
		return status < 0 ? CLI_OK : status;
	notes.quiet = opt.quiet;
	y.path = opt.y;
	b.path = opt.b;
	g.path = opt.gamma;
	status = cli_inputs_load(inputs, 3, opt.dtype, &dtype);
	if (status != CLI_OK)
		goto cleanup;
	status = cli_check_shapes(opt.res * opt.res, 2, "the unit square (heatmap)", &y, &b, &g,
				  opt.gamma_var, &shape, &b_is_1d);
	if (status != CLI_OK)
		goto cleanup;
	shape.dtype = dtype;
	if (shape.E != 1) {
		status = cli_fail(CLI_SHAPE, "%s (-b): a heatmap needs one weight per point, (N,) or "
					     "(N, 1), not E = %zu columns",
				  b.path, shape.E);
		goto cleanup;
	}
	status = cli_context_and_values(opt.device, shape.dtype, inputs, 3, values, &ctx);
	if (status != CLI_OK)
		goto cleanup;
	grid = malloc(opt.res * opt.res * cli_dtype_size(shape.dtype));
	if (!grid) {
		status = cli_fail(CLI_DEVICE, "out of memory for a %zu x %zu grid", opt.res, opt.res);
		goto cleanup;
	}
	code = grid_evaluate(ctx, &shape, &opt.formula, opt.res, values[0], values[1], values[2],
			     grid);
	if (code != ANISO_OK) {
		status = cli_library_fail(ctx, "the heatmap's kernel sum", code);
		goto cleanup;
	}
	cli_print_notes(ctx, &notes);
	if (opt.png) {
		grid_double = grid_to_double(grid, opt.res * opt.res, shape.dtype);
		if (!grid_double) {
			status = cli_fail(CLI_DEVICE, "out of memory for the picture");
			goto cleanup;
		}
		panel.values = grid_double;
		panel.res = opt.res;
		panel.title = opt.title;
		if (figure_write_png(opt.png, &panel, 1, 1, err, sizeof(err)) != 0) {
			status = cli_fail(CLI_OUTPUT, "-o %s", err);
			goto cleanup;
		}
	}
	if (opt.values) {
		grid_shape[0] = grid_shape[1] = opt.res;
		if (npy_file_save(opt.values, cli_dtype_size(shape.dtype), grid_shape, 2, grid, err,
				  sizeof(err)) != 0) {
			status = cli_fail(CLI_OUTPUT, "--values %s", err);
			goto cleanup;
		}
	}
	status = CLI_OK;
cleanup:
	free(grid_double);
	free(grid);
	for (i = 3; i-- > 0;) {
		free(values[i]);
		cli_input_free(inputs[i]);
	}
	aniso_ctx_free(ctx);
	return status;
}
