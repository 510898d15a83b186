/*
 * `anisocl-mpi sum`: `anisocl sum` over the ranks of MPI_COMM_WORLD.  Each
 * rank reads the four headers, then only its slices of the files
 * (aniso_mpi_slices), runs aniso_mpi_sum, and rank 0 gathers the rows and
 * writes OUT through the atomic writer.  Every step ends with the ranks
 * agreeing on its outcome, so that a failure on any rank makes every rank
 * exit with that rank's code and no OUT is written.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "anisocl.h"
#include "anisocl_mpi.h"
#include "cli.h"
#include "inputs.h"
#include "mpi_cli.h"
#include "npy_file.h"
#include "shapes.h"
#include "sum_options.h"

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Agree on a step of this program: status is a CLI_* code, this rank's
 * reason the line its cli_fail printed.  Every other rank prints one
 * line naming the rank that failed and why. */
static int agree(aniso_mpi *m, int status)
{
	int code = aniso_mpi_agree(m, status, status != CLI_OK ? cli_mpi_last_failure : NULL);

	if (code != CLI_OK && status == CLI_OK)
		fprintf(stderr, "anisocl-mpi: rank %d: stopping: %s\n", cli_mpi_rank,
			aniso_mpi_errmsg(m));
	return code;
}

/* The same for a library call of every rank: the message is already the
 * failing rank's, on every rank. */
static int library_fail(aniso_mpi *m, const char *what, int code)
{
	/* as anisocl's cli_library_fail sorts them */
	int status = code == ANISO_ERR_BAD_DIM || code == ANISO_ERR_BAD_K ||
				     code == ANISO_ERR_BAD_GAMMA_VAR || code == ANISO_ERR_OVERFLOW ||
				     code == ANISO_ERR_SHAPE
			     ? CLI_SHAPE
			     : CLI_DEVICE;

	fprintf(stderr, "anisocl-mpi: rank %d: %s: %s: %s\n", cli_mpi_rank, what,
		aniso_strerror(code), aniso_mpi_errmsg(m));
	return status;
}

/* Headers, dtype and shapes: the same on every rank when the files are. */
static int check_inputs(const struct cli_sum_options *opt, struct cli_input *const inputs[4],
			aniso_shape *shape, int *b_is_1d)
{
	struct cli_input *x = inputs[0];
	char err[256], x_what[300];
	aniso_dtype dtype;
	size_t k;
	int status = CLI_OK;

	for (k = 0; k < 4 && status == CLI_OK; ++k) {
		enum npy_load_error e = npy_file_load_header(inputs[k]->path, &inputs[k]->file, err,
							     sizeof(err));

		if (e == NPY_LOAD_FORMAT)
			status = cli_fail(CLI_INPUT, "%s (%s): not a valid .npy file: %s",
					  inputs[k]->path, inputs[k]->option, err);
		else if (e != NPY_LOAD_OK)
			status = cli_fail(CLI_INPUT, "%s (%s): cannot read: %s", inputs[k]->path,
					  inputs[k]->option, err);
	}
	if (status == CLI_OK)
		status = cli_inputs_dtype(inputs, 4, opt->dtype, &dtype);
	if (status != CLI_OK)
		goto out;
	if (x->file.array.ndim != 2 || x->file.array.shape[1] == 0) {
		npy_shape_string(x->file.array.shape, x->file.array.ndim, err, sizeof(err));
		status = cli_fail(CLI_SHAPE, "%s (-x): shape %s is not (M, D) with D >= 1", x->path,
				  err);
		goto out;
	}
	snprintf(x_what, sizeof(x_what), "%s (-x)", x->path);
	status = cli_check_shapes(x->file.array.shape[0], x->file.array.shape[1], x_what,
				  inputs[1], inputs[2], inputs[3], opt->gamma_var, shape, b_is_1d);
	shape->dtype = dtype;
out:
	return status;
}

/* This rank's rows [r0, r1) of one input, converted to dtype. */
static int read_slice(struct cli_input *in, size_t r0, size_t r1, aniso_dtype dtype,
		      void **values)
{
	char err[256];
	enum npy_load_error e;
	int status = CLI_OK;

	npy_file_free(&in->file);
	e = npy_file_load_rows(in->path, r0, r1, &in->file, err, sizeof(err));
	if (e != NPY_LOAD_OK) {
		status = cli_fail(e == NPY_LOAD_MEMORY ? CLI_DEVICE : CLI_INPUT,
				  "%s (%s): rows [%zu, %zu): %s", in->path, in->option, r0, r1, err);
		goto out;
	}
	*values = cli_input_values(in, dtype);
	if (!*values)
		status = CLI_INPUT;
	npy_file_free(&in->file);
out:
	return status;
}

/* Every rank's slices of the four inputs, and the checks on them. */
static int read_slices(aniso_mpi *m, const struct cli_sum_options *opt,
		       struct cli_input *const inputs[4], const aniso_shape *shape,
		       const aniso_mpi_slice *mine, void *values[4])
{
	size_t g0 = 0, g1 = shape->gamma_rows, bad_row = 0;
	int status, code;

	if (shape->gamma_var == ANISO_GAMMA_PER_I) {
		g0 = mine->i0;
		g1 = mine->i1;
	} else if (shape->gamma_var == ANISO_GAMMA_PER_J) {
		g0 = mine->j0;
		g1 = mine->j1;
	} else {
		/* fixed: every row of the file, whichever layout ((), (K,), (1, K)) */
		g1 = inputs[3]->file.array.ndim ? inputs[3]->file.array.shape[0] : 0;
	}
	status = read_slice(inputs[0], mine->i0, mine->i1, shape->dtype, &values[0]);
	if (status == CLI_OK)
		status = read_slice(inputs[1], mine->j0, mine->j1, shape->dtype, &values[1]);
	if (status == CLI_OK)
		status = read_slice(inputs[2], mine->j0, mine->j1, shape->dtype, &values[2]);
	if (status == CLI_OK)
		status = read_slice(inputs[3], g0, g1, shape->dtype, &values[3]);
	if (status == CLI_OK && shape->dtype == ANISO_FLOAT64 &&
	    !aniso_ctx_has_fp64(aniso_mpi_ctx(m)))
		status = cli_fail(CLI_DEVICE, "%s has no float64 support: pass --dtype f32",
				  aniso_ctx_device_name(aniso_mpi_ctx(m)));
	if (status == CLI_OK && opt->check_gamma) {
		code = aniso_gamma_check(shape->dtype, shape->D, shape->K, g1 - g0, values[3],
					 &bad_row);
		if (code == ANISO_ERR_BAD_ARG)
			status = cli_fail(CLI_SHAPE, "%s (-g): row %zu is not a positive "
					  "semi-definite metric (--check-gamma)", inputs[3]->path,
					  g0 + bad_row);
		else if (code != ANISO_OK)
			status = cli_fail(CLI_INPUT, "%s (-g): cannot check: %s", inputs[3]->path,
					  aniso_strerror(code));
	}
	return status;
}

/* Rank 0 gathers every rank's rows of out (rows of E numbers) into all. */
static int gather(aniso_mpi *m, const aniso_shape *shape, const void *mine, size_t rows,
		  void *all)
{
	const int size = aniso_mpi_size(m);
	const size_t row_bytes = shape->E * (shape->dtype == ANISO_FLOAT64 ? 8 : 4);
	int *counts = NULL, *offsets = NULL, status = CLI_OK, k;
	MPI_Datatype row = MPI_DATATYPE_NULL;

	/* MPI counts rows in ints */
	if (shape->M / (size_t)size + 1 > (size_t)INT_MAX || row_bytes > (size_t)INT_MAX) {
		status = cli_fail(CLI_SHAPE, "%zu rows of %zu bytes over %d ranks: more than an "
				  "MPI count per rank", shape->M, row_bytes, size);
		goto out;
	}
	counts = calloc((size_t)size, sizeof(*counts));
	offsets = calloc((size_t)size, sizeof(*offsets));
	if (!counts || !offsets)
		status = cli_fail(CLI_DEVICE, "out of memory for %d ranks' counts", size);
	if (agree(m, status) != CLI_OK) {
		status = CLI_DEVICE;
		goto out;
	}
	for (k = 0; k < size; ++k) {
		counts[k] = (int)(shape->M * (size_t)(k + 1) / (size_t)size -
				  shape->M * (size_t)k / (size_t)size);
		offsets[k] = (int)(shape->M * (size_t)k / (size_t)size);
	}
	MPI_Type_contiguous((int)row_bytes, MPI_BYTE, &row);
	MPI_Type_commit(&row);
	MPI_Gatherv(mine, (int)rows, row, all, counts, offsets, row, 0, MPI_COMM_WORLD);
	MPI_Type_free(&row);
out:
	free(offsets);
	free(counts);
	return status;
}

int cli_mpi_sum(int argc, char **argv)
{
	struct cli_sum_options opt;
	struct cli_input x = {"-x", NULL, {0}}, y = {"-y", NULL, {0}};
	struct cli_input b = {"-b", NULL, {0}}, g = {"-g", NULL, {0}};
	struct cli_input *const inputs[4] = {&x, &y, &b, &g};
	void *values[4] = {NULL, NULL, NULL, NULL};
	void *out = NULL, *all = NULL;
	aniso_mpi *m = NULL;
	aniso_mpi_slice mine;
	aniso_shape shape;
	size_t rows, elem, out_shape[2], i;
	char err[1200];
	int status, code, b_is_1d = 0, rank;
	double start, elapsed, slowest = 0.0;

	/* The command line: the same on every rank, so every rank returns
	 * the same status without a word to the others.  Rank 0 alone prints
	 * the help. */
	for (i = 1; i < (size_t)argc; ++i)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			if (cli_mpi_rank == 0)
				fputs("anisocl-mpi sum: run as mpirun -np P anisocl-mpi sum ..., with "
				      "the options of anisocl sum:\n", stdout);
			else
				return CLI_OK;
		}
	status = cli_sum_parse(argc, argv, &opt);
	if (status != CLI_OK)
		return status < 0 ? CLI_OK : status;
	if (opt.formula.tolerance > 0)
		return cli_fail(CLI_USAGE, "sum: --tolerance runs in one process (anisocl sum): "
				"anisocl-mpi computes exact sums only");
	if (opt.device && (strchr(opt.device, ',') || strcmp(opt.device, "all") == 0))
		return cli_fail(CLI_USAGE, "sum: --device %s: anisocl-mpi runs one device per rank "
				"(give each rank its own through ANISOCL_DEVICE, or use anisocl sum "
				"for several devices in one process)", opt.device);
	cli_mpi_quiet = 0;
	x.path = opt.x;
	y.path = opt.y;
	b.path = opt.b;
	g.path = opt.gamma;

	code = aniso_mpi_create(MPI_COMM_WORLD, opt.device, &m, err, sizeof(err));
	if (code != ANISO_OK) {
		fprintf(stderr, "anisocl-mpi: rank %d: OpenCL device: %s: %s\n", cli_mpi_rank,
			aniso_strerror(code), err);
		status = CLI_DEVICE;
		goto cleanup;
	}
	rank = aniso_mpi_rank(m);
	status = agree(m, check_inputs(&opt, inputs, &shape, &b_is_1d));
	if (status != CLI_OK)
		goto cleanup;
	code = aniso_mpi_slices(m, &shape, &opt.formula, &mine);
	if (code != ANISO_OK) {
		/* the same shape and options on every rank: the same answer */
		status = library_fail(m, "aniso_mpi_slices", code);
		goto cleanup;
	}
	status = read_slices(m, &opt, inputs, &shape, &mine, values);
	elem = cli_dtype_size(shape.dtype);
	rows = mine.i1 - mine.i0;
	if (status == CLI_OK) {
		/* E >= 1 (cli_check_shapes) */
		out = malloc(rows > 0 ? rows * shape.E * elem : 1);
		all = rank == 0 ? malloc(shape.M > 0 ? shape.M * shape.E * elem : 1) : NULL;
		if (!out || (rank == 0 && !all))
			status = cli_fail(CLI_DEVICE, "out of memory for the %zu x %zu result",
					  rank == 0 ? shape.M : rows, shape.E);
	}
	status = agree(m, status);
	if (status != CLI_OK)
		goto cleanup;
	if (opt.time) {
		/* A first call builds the kernels (seconds, or nothing with a
		 * warm disk cache); the second is timed. */
		code = aniso_mpi_sum(m, &shape, &opt.formula, values[0], values[1], values[2],
				     values[3], out);
		if (code != ANISO_OK) {
			status = library_fail(m, "aniso_mpi_sum (warm-up for --time)", code);
			goto cleanup;
		}
	}
	MPI_Barrier(MPI_COMM_WORLD);
	start = seconds_now();
	code = aniso_mpi_sum(m, &shape, &opt.formula, values[0], values[1], values[2], values[3],
			     out);
	elapsed = seconds_now() - start;
	if (code != ANISO_OK) {
		status = library_fail(m, "aniso_mpi_sum", code);
		goto cleanup;
	}
	MPI_Reduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	status = gather(m, &shape, out, rows, all);
	if (status != CLI_OK)
		goto cleanup;
	if (rank == 0 && opt.time)
		fprintf(stderr,
			"anisocl-mpi: %zu x %zu pairs (D = %zu, E = %zu, K = %zu, %s, %s, %s) on %d "
			"ranks (rank 0: %s): %.6f s (the slowest rank, kernel build not counted), "
			"%.3g pairs/s\n",
			shape.M, shape.N, shape.D, shape.E, shape.K,
			shape.dtype == ANISO_FLOAT64 ? "float64" : "float32",
			aniso_kernel_name(opt.formula.kernel),
			aniso_reduction_name(opt.formula.reduction), aniso_mpi_size(m),
			aniso_ctx_device_name(aniso_mpi_ctx(m)), slowest,
			slowest > 0 ? (double)shape.M * (double)shape.N / slowest : 0.0);
	if (rank == 0) {
		out_shape[0] = shape.M;
		out_shape[1] = shape.E;
		if (npy_file_save(opt.out, elem, out_shape, b_is_1d ? 1 : 2, all, err,
				  sizeof(err)) != 0)
			status = cli_fail(CLI_OUTPUT, "-o %s", err);
	}
	status = agree(m, status);
cleanup:
	free(all);
	free(out);
	for (i = 4; i-- > 0;) {
		free(values[i]);
		cli_input_free(inputs[i]);
	}
	aniso_mpi_free(m);
	return status;
}
