/* `anisocl demo`: the KeOps anisotropic kernels tutorial, reproduced. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "anisocl.h"
#include "cli.h"
#include "context.h"
#include "figure.h"
#include "grid.h"
#include "inputs.h"
#include "npy_file.h"
#include "options.h"
#include "tutorial.h"

#define DEMO_FIGURE "anisotropic_kernels.png"

static const char demo_usage[] =
	"Usage: anisocl demo [-o DIR] [--kernel F] [--dtype f32|f64] [--device D]\n"
	"                    [--quiet]\n"
	"Reproduces the KeOps anisotropic kernels tutorial: y = (0.2, 0.7),\n"
	"(0.5, 0.3), (0.7, 0.5), b = 1, 1, 0.5, sampled on 100 x 100 cell centres\n"
	"of the unit square for isotropic, diagonal and full gamma, uniform and\n"
	"variable.  Writes DIR/" DEMO_FIGURE " (2 x 3 panels) and each panel's\n"
	"values as DIR/<case>.npy, shape (100, 100), row r = y index.\n"
	"  -o DIR       output folder, created if missing (default anisocl-demo)\n"
	"  --kernel F   the radial profile in place of the tutorial's exp(-q):\n"
	"               gaussian (default), laplace, cauchy or imq\n"
	"  --dtype T    f32 or f64 (default f64 where the device has it)\n"
	"  --device D   device index or name substring (see anisocl devices)\n"
	"  --quiet      do not print the library's notes (see anisocl sum --help)\n"
	"Exit codes: 0 ok, 1 usage, 4 device, 5 output (see anisocl --help).\n";

struct demo_options {
	const char *dir, *dtype, *device;
	int quiet;
	aniso_options formula;
};

static int parse_options(int argc, char **argv, struct demo_options *opt)
{
	static const struct option long_options[] = {
		{"kernel", required_argument, NULL, 'k'},
		{"dtype", required_argument, NULL, 't'},
		{"device", required_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int c, status;

	aniso_options_init(&opt->formula);
	opt->dir = "anisocl-demo";
	opt->dtype = NULL;
	opt->device = NULL;
	opt->quiet = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'o': opt->dir = optarg; break;
		case 't': opt->dtype = optarg; break;
		case 'd': opt->device = optarg; break;
		case 'q': opt->quiet = 1; break;
		case 'k':
			status = cli_parse_kernel(optarg, &opt->formula);
			if (status != CLI_OK)
				return status;
			break;
		case 'h':
			fputs(demo_usage, stdout);
			return -1;
		default:
			return cli_option_error("demo", c, argv, optind);
		}
	}
	if (optind < argc)
		return cli_fail(CLI_USAGE, "demo: unexpected argument '%s'", argv[optind]);
	status = cli_check_dtype(opt->dtype);
	if (status != CLI_OK)
		return status;
	if (opt->dir[0] == '\0')
		return cli_fail(CLI_USAGE, "demo: -o needs a folder name");
	return CLI_OK;
}

/* count doubles as dtype elements in a malloc'd block. */
static void *from_doubles(const double *src, size_t count, aniso_dtype dtype)
{
	void *out = malloc(count * cli_dtype_size(dtype));
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < count; ++i) {
		if (dtype == ANISO_FLOAT64)
			((double *)out)[i] = src[i];
		else
			((float *)out)[i] = (float)src[i];
	}
	return out;
}

/* One panel's grid, in dtype, into values (TUTORIAL_RES^2 elements). */
static int evaluate_case(aniso_ctx *ctx, aniso_dtype dtype, const aniso_options *formula,
			 const struct tutorial_case *tc, struct cli_notes *notes, void *values)
{
	aniso_shape shape;
	void *y = from_doubles(&tutorial_y[0][0], TUTORIAL_N * 2, dtype);
	void *b = from_doubles(tutorial_b, TUTORIAL_N, dtype);
	void *gamma = from_doubles(tc->gamma, tc->rows * tc->K, dtype);
	int status = CLI_OK, code;

	if (!y || !b || !gamma) {
		status = cli_fail(CLI_DEVICE, "out of memory");
		goto cleanup;
	}
	memset(&shape, 0, sizeof(shape));
	shape.N = TUTORIAL_N;
	shape.K = tc->K;
	shape.gamma_rows = tc->rows;
	shape.gamma_var = tc->rows == 1 ? ANISO_GAMMA_FIXED : ANISO_GAMMA_PER_J;
	shape.dtype = dtype;
	code = grid_evaluate(ctx, &shape, formula, TUTORIAL_RES, y, b, gamma, values);
	if (code != ANISO_OK)
		status = cli_library_fail(ctx, tc->title, code);
	else
		cli_print_notes(ctx, notes);
cleanup:
	free(gamma);
	free(b);
	free(y);
	return status;
}

/* The output folder: made if missing, refused if it is something else. */
static int make_folder(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return cli_fail(CLI_OUTPUT, "-o %s: cannot create the folder: %s", dir,
				strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return cli_fail(CLI_OUTPUT, "-o %s: exists and is not a folder", dir);
	return CLI_OK;
}

static char *join_path(const char *dir, const char *name, const char *suffix)
{
	size_t size = strlen(dir) + strlen(name) + strlen(suffix) + 2;
	char *path = malloc(size);

	if (path)
		snprintf(path, size, "%s%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name,
			 suffix);
	return path;
}

int cli_demo(int argc, char **argv)
{
	const size_t cells = TUTORIAL_RES * TUTORIAL_RES;
	const size_t grid_shape[2] = {TUTORIAL_RES, TUTORIAL_RES};
	struct demo_options opt;
	struct figure_panel panels[TUTORIAL_CASES];
	void *values[TUTORIAL_CASES] = {NULL};
	double *drawn[TUTORIAL_CASES] = {NULL};
	char *path = NULL;
	aniso_ctx *ctx = NULL;
	struct cli_notes notes = {0, ""};
	aniso_dtype dtype;
	char err[512];
	int status, k;

	status = parse_options(argc, argv, &opt);
	if (status != CLI_OK)
		return status < 0 ? CLI_OK : status;
	notes.quiet = opt.quiet;
	status = cli_context_create(opt.device, &ctx);
	if (status != CLI_OK)
		goto cleanup;
	if (opt.dtype)
		dtype = strcmp(opt.dtype, "f64") == 0 ? ANISO_FLOAT64 : ANISO_FLOAT32;
	else
		dtype = aniso_ctx_has_fp64(ctx) ? ANISO_FLOAT64 : ANISO_FLOAT32;
	if (dtype == ANISO_FLOAT64 && !aniso_ctx_has_fp64(ctx)) {
		status = cli_fail(CLI_DEVICE, "%s has no float64 support: pass --dtype f32",
				  aniso_ctx_device_name(ctx));
		goto cleanup;
	}
	/* Compute everything before writing anything: a device failure then
	 * leaves no partial demo behind. */
	for (k = 0; k < TUTORIAL_CASES; ++k) {
		values[k] = malloc(cells * cli_dtype_size(dtype));
		if (!values[k]) {
			status = cli_fail(CLI_DEVICE, "out of memory");
			goto cleanup;
		}
		status = evaluate_case(ctx, dtype, &opt.formula, &tutorial_cases[k], &notes, values[k]);
		if (status != CLI_OK)
			goto cleanup;
		drawn[k] = grid_to_double(values[k], cells, dtype);
		if (!drawn[k]) {
			status = cli_fail(CLI_DEVICE, "out of memory");
			goto cleanup;
		}
		panels[k].values = drawn[k];
		panels[k].res = TUTORIAL_RES;
		panels[k].title = tutorial_cases[k].title;
	}
	status = make_folder(opt.dir);
	if (status != CLI_OK)
		goto cleanup;
	printf("anisocl demo: KeOps anisotropic kernels tutorial on %s (%s, %s kernel)\n",
	       aniso_ctx_device_name(ctx), dtype == ANISO_FLOAT64 ? "float64" : "float32",
	       aniso_kernel_name(opt.formula.kernel));
	for (k = 0; k < TUTORIAL_CASES; ++k) {
		path = join_path(opt.dir, tutorial_cases[k].stem, ".npy");
		if (!path) {
			status = cli_fail(CLI_OUTPUT, "out of memory");
			goto cleanup;
		}
		if (npy_file_save(path, cli_dtype_size(dtype), grid_shape, 2, values[k], err,
				  sizeof(err)) != 0) {
			status = cli_fail(CLI_OUTPUT, "%s", err);
			goto cleanup;
		}
		printf("  wrote %s (%s)\n", path, tutorial_cases[k].title);
		free(path);
		path = NULL;
	}
	if (figure_available()) {
		path = join_path(opt.dir, DEMO_FIGURE, "");
		if (!path) {
			status = cli_fail(CLI_OUTPUT, "out of memory");
			goto cleanup;
		}
		if (figure_write_png(path, panels, 2, 3, err, sizeof(err)) != 0) {
			status = cli_fail(CLI_OUTPUT, "%s", err);
			goto cleanup;
		}
		printf("  wrote %s (2 x 3 panels)\n", path);
	} else {
		printf("  no figure: this anisocl was built without cairo\n");
	}
	status = CLI_OK;
cleanup:
	free(path);
	for (k = TUTORIAL_CASES; k-- > 0;) {
		free(drawn[k]);
		free(values[k]);
	}
	aniso_ctx_free(ctx);
	return status;
}
