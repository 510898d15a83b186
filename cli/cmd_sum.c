/* `anisocl sum`: one kernel sum from .npy files to a .npy file. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anisocl.h"
#include "cli.h"
#include "context.h"
#include "inputs.h"
#include "npy_file.h"
#include "options.h"
#include "shapes.h"
#include "sum_options.h"

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Where the sum runs: one context, or a set of devices (--device 0,1). */
struct target {
	aniso_ctx *ctx;
	aniso_multi *multi;
	const char *list; /* the set's --device list */
};

static int target_sum(const struct target *t, const aniso_shape *shape,
		      const aniso_options *formula, void *const values[4], void *out)
{
	if (t->multi)
		return aniso_multi_sum(t->multi, shape, formula, values[0], values[1], values[2],
				       values[3], out);
	return aniso_sum_ex(t->ctx, shape, formula, values[0], values[1], values[2], values[3],
			    out);
}

static int target_fail(const struct target *t, const char *what, int code)
{
	if (t->multi)
		return cli_multi_fail(t->multi, t->list, what, code);
	return cli_library_fail(t->ctx, what, code);
}

static void target_notes(const struct target *t, struct cli_notes *notes)
{
	if (t->multi)
		cli_print_notes_of(aniso_multi_errmsg(t->multi), notes);
	else
		cli_print_notes(t->ctx, notes);
}

/*
 * For --time: one pair of the same problem first, so that the kernel build
 * (seconds with some drivers, nothing with a warm cache) is not counted as
 * compute.  The kernels depend on D, E, K, the gamma mode and the dtype,
 * not on M or N, so this builds exactly what the real call uses.  A set
 * of devices warms each of its devices up.
 */
static int warm_up(const struct target *t, const aniso_shape *shape,
		   const aniso_options *formula, void *const values[4], void *out,
		   struct cli_notes *notes, double *seconds)
{
	aniso_shape one = *shape;
	double start = seconds_now();
	size_t k, count = t->multi ? aniso_multi_count(t->multi) : 1;
	int code = ANISO_OK;

	*seconds = 0.0;
	if (shape->M == 0 || shape->N == 0)
		return CLI_OK;
	one.M = 1;
	one.N = 1;
	one.gamma_rows = 1;
	/* the first row of everything is a valid 1 x 1 problem; out is
	 * overwritten by the real call afterwards */
	for (k = 0; k < count && code == ANISO_OK; ++k) {
		struct target single = {t->multi ? aniso_multi_ctx(t->multi, k) : t->ctx, NULL, NULL};

		code = target_sum(&single, &one, formula, values, out);
		if (code != ANISO_OK)
			return target_fail(&single, "aniso_sum_ex (warm-up for --time)", code);
		/* the build happens here, so its notes are left by this call */
		target_notes(&single, notes);
	}
	*seconds = seconds_now() - start;
	return CLI_OK;
}

int cli_sum(int argc, char **argv)
{
	struct cli_sum_options opt;
	struct cli_input x = {"-x", NULL, {0}}, y = {"-y", NULL, {0}};
	struct cli_input b = {"-b", NULL, {0}}, g = {"-g", NULL, {0}};
	struct cli_input *inputs[4] = {&x, &y, &b, &g};
	void *values[4] = {NULL, NULL, NULL, NULL};
	void *out = NULL;
	struct target target = {NULL, NULL, NULL};
	char where[300];
	struct cli_notes notes = {0, ""};
	aniso_shape shape;
	aniso_dtype dtype;
	size_t out_shape[2], i;
	char err[512], x_what[300];
	int status, b_is_1d = 0, code;
	double start, elapsed, warm_up_seconds = 0.0;

	status = cli_sum_parse(argc, argv, &opt);
	if (status != CLI_OK)
		return status < 0 ? CLI_OK : status;
	notes.quiet = opt.quiet;
	x.path = opt.x;
	y.path = opt.y;
	b.path = opt.b;
	g.path = opt.gamma;
	status = cli_inputs_load(inputs, 4, opt.dtype, &dtype);
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
	shape.dtype = dtype;
	if (opt.check_gamma) {
		size_t bad_row = 0;
		void *gamma_values = cli_input_values(&g, shape.dtype);

		code = gamma_values ? aniso_gamma_check(shape.dtype, shape.D, shape.K,
							shape.gamma_rows, gamma_values, &bad_row)
				    : ANISO_ERR_NO_MEMORY;
		free(gamma_values);
		if (code != ANISO_OK) {
			status = code == ANISO_ERR_BAD_ARG
					 ? cli_fail(CLI_SHAPE, "%s (-g): row %zu is not a positive "
						    "semi-definite metric (--check-gamma)", g.path, bad_row)
					 : cli_fail(CLI_INPUT, "%s (-g): cannot check: %s", g.path,
						    aniso_strerror(code));
			goto cleanup;
		}
	}

	target.list = cli_device_list(opt.device);
	if (target.list)
		status = cli_multi_and_values(target.list, shape.dtype, inputs, 4, values,
					      &target.multi);
	else
		status = cli_context_and_values(opt.device, shape.dtype, inputs, 4, values,
						&target.ctx);
	if (status != CLI_OK)
		goto cleanup;
	/* E <= N * E elements of B already fit in memory, so M * E * 8 only
	 * overflows for an absurd M. */
	if (shape.E != 0 && shape.M > ((size_t)-1) / 8 / shape.E) {
		status = cli_fail(CLI_SHAPE, "%s (-x): M = %zu rows make a result too large", x.path,
				  shape.M);
		goto cleanup;
	}
	out = malloc(shape.M * shape.E != 0 ? shape.M * shape.E * cli_dtype_size(shape.dtype) : 1);
	if (!out) {
		status = cli_fail(CLI_DEVICE, "out of memory for the %zu x %zu result", shape.M, shape.E);
		goto cleanup;
	}
	if (opt.time) {
		status = warm_up(&target, &shape, &opt.formula, values, out, &notes, &warm_up_seconds);
		if (status != CLI_OK)
			goto cleanup;
	}
	start = seconds_now();
	code = target_sum(&target, &shape, &opt.formula, values, out);
	elapsed = seconds_now() - start;
	if (code != ANISO_OK) {
		status = target_fail(&target, target.multi ? "aniso_multi_sum" : "aniso_sum_ex", code);
		goto cleanup;
	}
	target_notes(&target, &notes);
	if (target.multi)
		snprintf(where, sizeof(where), "%zu devices (--device %.200s)",
			 aniso_multi_count(target.multi), target.list);
	else
		snprintf(where, sizeof(where), "%s", aniso_ctx_device_name(target.ctx));
	if (opt.time)
		fprintf(stderr,
			"anisocl: %zu x %zu pairs (D = %zu, E = %zu, K = %zu, %s, %s, %s) on %s: "
			"%.6f s, %.3g pairs/s, host-device copies included (kernel build and "
			"first call: %.3f s, not counted)\n",
			shape.M, shape.N, shape.D, shape.E, shape.K,
			shape.dtype == ANISO_FLOAT64 ? "float64" : "float32",
			aniso_kernel_name(opt.formula.kernel), aniso_reduction_name(opt.formula.reduction),
			where, elapsed,
			elapsed > 0 ? (double)shape.M * (double)shape.N / elapsed : 0.0,
			warm_up_seconds);
	out_shape[0] = shape.M;
	out_shape[1] = shape.E;
	if (npy_file_save(opt.out, cli_dtype_size(shape.dtype), out_shape, b_is_1d ? 1 : 2, out,
			  err, sizeof(err)) != 0) {
		status = cli_fail(CLI_OUTPUT, "-o %s", err);
		goto cleanup;
	}
	status = CLI_OK;
cleanup:
	free(out);
	for (i = 4; i-- > 0;) {
		free(values[i]);
		cli_input_free(inputs[i]);
	}
	aniso_multi_free(target.multi);
	aniso_ctx_free(target.ctx);
	return status;
}
