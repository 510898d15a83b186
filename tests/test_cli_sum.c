/* `anisocl sum` (and `anisocl solve`) end to end: random .npy inputs written here, the program
 * run as a user would run it, and its OUT.npy compared with the independent
 * double-precision reference, for fixed, per-i and per-j gamma of every K,
 * both dtypes, B of shape (N,) and (N, E), and inputs in Fortran order,
 * big-endian and header versions 2.0 and 3.0.
 *
 * Tolerances are the library's documented bounds, relative to
 * sum_j |term_ij|: 1e-12 for float64 and 1e-5 for float32.  The reference
 * sees the numbers exactly as stored in the files (float32 inputs are
 * widened, not recomputed). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "anisocl.h"
#include "../cli/npy.h"
#include "../cli/npy_convert.h"
#include "../cli/npy_file.h"
#include "reference.h"
#include "tap.h"

static int test_count;
static char work_dir[] = "/tmp/anisocl-test-cli-sum-XXXXXX";
static char program[2048];
static tap_rng rng;

/* How one input file is stored. */
struct layout {
	char order;   /* '<' or '>' */
	int fortran;  /* 2-d arrays only */
	int major;    /* header version, 0 for the writer's choice */
};

/* Round v to what a file of elem_size bytes holds. */
static double stored(double v, size_t elem_size)
{
	return elem_size == 4 ? (double)(float)v : v;
}

/* Write values (C order, count = product of shape) as a .npy file. */
static int write_npy(const char *name, size_t elem_size, struct layout how, const size_t *shape,
		     size_t ndim, const double *values)
{
	char path[1200], descr[8];
	unsigned char header[4096];
	unsigned char *data;
	size_t count = 1, header_size, i, k;
	FILE *f;
	int ok;

	for (k = 0; k < ndim; ++k)
		count *= shape[k];
	snprintf(path, sizeof(path), "%s/%s", work_dir, name);
	snprintf(descr, sizeof(descr), "%cf%zu", how.order, elem_size);
	header_size = npy_header_build(header, sizeof(header), descr, how.fortran && ndim == 2,
				       shape, ndim, how.major);
	data = malloc(count * elem_size + 1);
	if (!data || header_size == 0) {
		free(data);
		return -1;
	}
	for (i = 0; i < count; ++i) {
		/* Fortran order: element (r, c) sits at c * rows + r */
		size_t at = i;
		unsigned char raw[8];

		if (how.fortran && ndim == 2)
			at = (i % shape[1]) * shape[0] + i / shape[1];
		if (elem_size == 4) {
			float v = (float)values[i];

			memcpy(raw, &v, 4);
		} else {
			memcpy(raw, &values[i], 8);
		}
		/* the test runs on little-endian hosts; '>' reverses the bytes */
		for (k = 0; k < elem_size; ++k)
			data[at * elem_size + k] = how.order == '>' ? raw[elem_size - 1 - k] : raw[k];
	}
	f = fopen(path, "wb");
	ok = f && fwrite(header, 1, header_size, f) == header_size &&
	     fwrite(data, 1, count * elem_size, f) == count * elem_size;
	if (f && fclose(f) != 0)
		ok = 0;
	free(data);
	return ok ? 0 : -1;
}

/* Run the program with args; its exit code, or -1. */
static int run_program(const char *args)
{
	char command[8192];
	int status;

	snprintf(command, sizeof(command), "cd '%s' && '%s' %s 2>stderr.txt", work_dir, program,
		 args);
	status = system(command);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void show_stderr(void)
{
	char path[1200], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stderr.txt", work_dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		tap_diag("stderr: %s", strtok(line, "\n") ? line : "");
	if (f)
		fclose(f);
}

static void fill_uniform(double *v, size_t count, double low, double high)
{
	size_t i;

	for (i = 0; i < count; ++i)
		v[i] = low + (high - low) * tap_uniform(&rng);
}

/* K numbers of a positive definite metric for D: isotropic, diagonal or a
 * full A A^T + I/2, scaled so that kernels span a fair part of [0, 1]^D. */
static void fill_gamma_row(double *g, size_t D, size_t K)
{
	size_t k, l, m;

	if (aniso_metric_of(K, D) == ANISO_METRIC_ISO) {
		g[0] = 2.0 + 8.0 * tap_uniform(&rng);
	} else if (aniso_metric_of(K, D) == ANISO_METRIC_DIAG) {
		for (k = 0; k < D; ++k)
			g[k] = 1.0 + 9.0 * tap_uniform(&rng);
	} else {
		double a[16];

		for (k = 0; k < D * D; ++k)
			a[k] = 3.0 * (tap_uniform(&rng) - 0.5);
		for (k = 0; k < D; ++k)
			for (l = 0; l < D; ++l) {
				double s = k == l ? 0.5 : 0.0;

				for (m = 0; m < D; ++m)
					s += a[k * D + m] * a[l * D + m];
				g[k * D + l] = 4.0 * s;
			}
	}
}

struct sum_case {
	const char *name;
	size_t M, N, D, E, K;
	int gamma_var;       /* 0 fixed, 1 per i, 2 per j */
	int gamma_ndim;      /* 0, 1 or 2 */
	int b_ndim;          /* 1: (N,), 2: (N, E) */
	const char *gamma_var_flag; /* NULL for the default */
	size_t elem_size;    /* of the files */
	const char *dtype_flag;     /* NULL, "f32" or "f64" */
	size_t x_elem_size;  /* 0: elem_size; else X stored with this size */
	struct layout x_how, y_how, b_how, g_how;
	const char *kernel;  /* --kernel, NULL for the default (Gaussian) */
	const char *reduction; /* --reduction, NULL for the default (sum) */
};

static void run_case(const struct sum_case *tc)
{
	const size_t out_elem = tc->dtype_flag ? (strcmp(tc->dtype_flag, "f32") == 0 ? 4 : 8)
					       : tc->elem_size;
	const size_t x_elem = tc->x_elem_size ? tc->x_elem_size : tc->elem_size;
	size_t rows = tc->gamma_var == 0 ? 1 : tc->gamma_var == 1 ? tc->M : tc->N;
	size_t x_shape[2] = {tc->M, tc->D}, y_shape[2] = {tc->N, tc->D};
	size_t b_shape[2] = {tc->N, tc->E}, g_shape[2] = {rows, tc->K};
	double *x = calloc(tc->M * tc->D + 1, sizeof(double));
	double *y = calloc(tc->N * tc->D + 1, sizeof(double));
	double *b = calloc(tc->N * tc->E + 1, sizeof(double));
	double *g = calloc(rows * tc->K + 1, sizeof(double));
	double *ref = calloc(tc->M * tc->E + 1, sizeof(double));
	double *scale = calloc(tc->M * tc->E + 1, sizeof(double));
	char args[2048], path[1200], err[256] = "";
	struct npy_file out;
	double worst = 0.0, tol = out_elem == 8 ? 1e-12 : 1e-5;
	size_t i, r;
	int code, ok;

	memset(&out, 0, sizeof(out));
	fill_uniform(x, tc->M * tc->D, 0.0, 1.0);
	fill_uniform(y, tc->N * tc->D, 0.0, 1.0);
	fill_uniform(b, tc->N * tc->E, -1.0, 1.0);
	for (r = 0; r < rows; ++r)
		fill_gamma_row(g + r * tc->K, tc->D, tc->K);
	ok = write_npy("x.npy", x_elem, tc->x_how, x_shape, 2, x) == 0 &&
	     write_npy("y.npy", tc->elem_size, tc->y_how, y_shape, 2, y) == 0 &&
	     write_npy("b.npy", tc->elem_size, tc->b_how, b_shape, (size_t)tc->b_ndim, b) == 0 &&
	     write_npy("g.npy", tc->elem_size, tc->g_how, tc->gamma_ndim == 2 ? g_shape : g_shape + 1,
		       (size_t)tc->gamma_ndim, g) == 0;
	if (!ok) {
		++test_count;
		tap_ok(0, "%s: could not write the inputs in %s", tc->name, work_dir);
		goto cleanup;
	}
	/* the reference sees what the program computes with: the stored
	 * numbers, then the conversion --dtype asks for */
	for (i = 0; i < tc->M * tc->D; ++i)
		x[i] = stored(stored(x[i], x_elem), out_elem);
	for (i = 0; i < tc->N * tc->D; ++i)
		y[i] = stored(stored(y[i], tc->elem_size), out_elem);
	for (i = 0; i < tc->N * tc->E; ++i)
		b[i] = stored(stored(b[i], tc->elem_size), out_elem);
	for (i = 0; i < rows * tc->K; ++i)
		g[i] = stored(stored(g[i], tc->elem_size), out_elem);
	{
		aniso_kernel profile = ANISO_KERNEL_GAUSSIAN;

		if (tc->kernel && aniso_kernel_from_name(tc->kernel, &profile) != ANISO_OK) {
			++test_count;
			tap_ok(0, "%s: unknown kernel %s in the test table", tc->name, tc->kernel);
			goto cleanup;
		}
		if (tc->reduction && strcmp(tc->reduction, "logsumexp") == 0)
			/* scale: the bound's 1 + sum_j p_j (|log f| + |b|) */
			reference_logsumexp((int)profile, tc->M, tc->N, tc->D, tc->E, tc->K,
					    tc->gamma_var, x, y, b, g, ref, scale);
		else
			reference_sum_profile((int)profile, tc->M, tc->N, tc->D, tc->E, tc->K,
					      tc->gamma_var, x, y, b, g, ref, scale);
	}

	snprintf(path, sizeof(path), "%s/out.npy", work_dir);
	remove(path);
	snprintf(args, sizeof(args),
		 "sum -x x.npy -y y.npy -b b.npy -g g.npy -o out.npy%s%s%s%s%s%s%s%s",
		 tc->gamma_var_flag ? " --gamma-var " : "", tc->gamma_var_flag ? tc->gamma_var_flag : "",
		 tc->dtype_flag ? " --dtype " : "", tc->dtype_flag ? tc->dtype_flag : "",
		 tc->kernel ? " --kernel " : "", tc->kernel ? tc->kernel : "",
		 tc->reduction ? " --reduction " : "", tc->reduction ? tc->reduction : "");
	code = run_program(args);
	++test_count;
	if (!tap_ok(code == 0, "%s: anisocl %s exits 0", tc->name, args)) {
		show_stderr();
		goto cleanup;
	}
	ok = npy_file_load(path, &out, err, sizeof(err)) == NPY_LOAD_OK;
	if (!ok)
		tap_diag("OUT: %s", err);
	ok = ok && out.array.itemsize == out_elem && out.array.byte_order == '<' &&
	     out.array.kind == 'f' && !out.array.fortran_order &&
	     out.array.ndim == (size_t)tc->b_ndim && out.array.shape[0] == tc->M &&
	     (tc->b_ndim == 1 || out.array.shape[1] == tc->E);
	if (ok) {
		double *got = npy_to_native(&out.array, 8);

		for (i = 0; got && i < tc->M * tc->E; ++i) {
			double e = fabs(got[i] - ref[i]) / (scale[i] + 1e-300);

			if (!(e <= worst))
				worst = e;
		}
		ok = got != NULL && worst <= tol;
		free(got);
	}
	++test_count;
	tap_ok(ok, "%s: OUT is %s, shape %s, error %.2g <= %.0e of sum |term|", tc->name,
	       out.array.descr, tc->b_ndim == 1 ? "(M,)" : "(M, E)", worst, tol);
cleanup:
	npy_file_free(&out);
	free(scale);
	free(ref);
	free(g);
	free(b);
	free(y);
	free(x);
}

/* `anisocl solve` end to end: A from the program, then ||(K + lambda I) A
 * - B|| / ||B|| per column from the double reference, at most a little
 * over the --tol asked (the reference's product differs from the
 * library's by ~1e-15 relative). */
static void run_solve(aniso_kernel kernel)
{
	enum { N = 200, D = 2, E = 2 };
	const struct layout c_order = {'<', 0, 0};
	const size_t x_shape[2] = {N, D}, b_shape[2] = {N, E}, g_shape[1] = {1};
	double x[N * D], b[N * E], g[1] = {50.0}, ka[N * E], worst = 0;
	char args[512], path[1200], err[256] = "";
	struct npy_file out;
	size_t i, e;
	int ok;

	memset(&out, 0, sizeof(out));
	fill_uniform(x, N * D, 0.0, 1.0);
	fill_uniform(b, N * E, -1.0, 1.0);
	ok = write_npy("sx.npy", 8, c_order, x_shape, 2, x) == 0 &&
	     write_npy("sb.npy", 8, c_order, b_shape, 2, b) == 0 &&
	     write_npy("sg.npy", 8, c_order, g_shape, 1, g) == 0;
	snprintf(args, sizeof(args), "solve -x sx.npy -b sb.npy -g sg.npy --lambda 0.5 --tol 1e-10 "
		 "--kernel %s -o sa.npy", aniso_kernel_name(kernel));
	ok = ok && run_program(args) == 0;
	++test_count;
	if (!tap_ok(ok, "anisocl %s exits 0", args)) {
		show_stderr();
		return;
	}
	snprintf(path, sizeof(path), "%s/sa.npy", work_dir);
	ok = npy_file_load(path, &out, err, sizeof(err)) == NPY_LOAD_OK &&
	     out.array.itemsize == 8 && out.array.ndim == 2 && out.array.shape[0] == N &&
	     out.array.shape[1] == E;
	if (ok) {
		double *a = npy_to_native(&out.array, 8);

		ok = a != NULL;
		if (ok)
			reference_sum_profile((int)kernel, N, N, D, E, 1, 0, x, x, a, g, ka, NULL);
		for (e = 0; ok && e < E; ++e) {
			double r = 0, bn = 0;

			for (i = 0; i < N; ++i) {
				double t = ka[i * E + e] + 0.5 * a[i * E + e] - b[i * E + e];

				r += t * t;
				bn += b[i * E + e] * b[i * E + e];
			}
			worst = fmax(worst, sqrt(r / bn));
		}
		free(a);
		ok = ok && worst <= 1.5e-10;
	}
	++test_count;
	tap_ok(ok, "solve --kernel %s: A is (N, E) float64, ||(K + 0.5 I) A - B|| / ||B|| = %.2g "
	       "by the reference (%s)", aniso_kernel_name(kernel), worst, err);
	npy_file_free(&out);
}

static const struct sum_case cases[] = {
	/* name, M, N, D, E, K, var, g ndim, b ndim, flag, size, dtype, x size, layouts */
	{"f64 fixed diagonal (K,)", 37, 53, 3, 2, 3, 0, 1, 2, NULL, 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f64 fixed isotropic 0-d", 29, 31, 2, 1, 1, 0, 0, 1, NULL, 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f64 fixed full (1, K) --gamma-var fixed", 17, 40, 3, 3, 9, 0, 2, 2, "fixed", 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f64 per-i full, B (N,)", 41, 23, 3, 1, 9, 1, 2, 1, "i", 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f64 per-i diagonal", 33, 65, 4, 2, 4, 1, 2, 2, "i", 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f64 per-j isotropic (default for 2-d)", 64, 65, 2, 1, 1, 2, 2, 2, NULL, 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f64 per-j full --gamma-var j", 19, 129, 2, 2, 4, 2, 2, 2, "j", 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f32 fixed full (K,)", 50, 70, 2, 2, 4, 0, 1, 2, NULL, 4, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f32 per-i isotropic, B (N,)", 31, 47, 3, 1, 1, 1, 2, 1, "i", 4, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f32 per-j diagonal", 45, 77, 3, 4, 3, 2, 2, 2, NULL, 4, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"f64 Fortran X, big-endian Y, v3.0 B, v2.0 gamma", 23, 37, 3, 2, 9, 2, 2, 2, NULL, 8, NULL,
	 0, {'<', 1, 0}, {'>', 0, 0}, {'<', 0, 3}, {'<', 0, 2}, NULL, NULL},
	{"f32 big-endian Fortran X, v3.0 Y, v2.0 gamma", 21, 18, 2, 1, 2, 1, 2, 1, "i", 4, NULL, 0,
	 {'>', 1, 0}, {'<', 0, 3}, {'<', 0, 0}, {'<', 0, 2}, NULL, NULL},
	{"mixed f64 X and f32 rest with --dtype f32", 26, 30, 2, 1, 4, 2, 2, 2, NULL, 4, "f32", 8,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"mixed f32 X and f64 rest with --dtype f64", 26, 30, 2, 1, 2, 0, 1, 2, NULL, 8, "f64", 4,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	/* rows = M (not N) without --gamma-var: per i, not an error */
	{"f64 per-i full gamma, rows = M picks per i", 9, 14, 2, 2, 4, 1, 2, 2, NULL, 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"M = 1, N = 1", 1, 1, 2, 1, 1, 0, 0, 1, NULL, 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"N = 0 gives zeros", 5, 0, 2, 2, 2, 0, 1, 2, NULL, 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	{"M = 0 gives an empty (0, E)", 0, 4, 2, 3, 2, 0, 1, 2, NULL, 4, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, NULL},
	/* the other radial profiles */
	{"f64 per-j full --kernel laplace", 23, 41, 3, 2, 9, 2, 2, 2, "j", 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, "laplace", NULL},
	{"f32 fixed diagonal --kernel cauchy", 30, 20, 2, 1, 2, 0, 1, 1, NULL, 4, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, "cauchy", NULL},
	{"f64 per-i isotropic --kernel imq", 17, 33, 4, 3, 1, 1, 2, 2, "i", 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, "imq", NULL},
	{"f32 fixed isotropic --kernel gaussian (the default, spelled)", 12, 14, 2, 1, 1, 0, 0, 1,
	 NULL, 4, NULL, 0, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, "gaussian", NULL},
	/* the logsumexp reduction: the bound is tol (1 + sum_j p_j (|log f| + |b|)) */
	{"f64 per-j diagonal --reduction logsumexp", 21, 35, 3, 2, 3, 2, 2, 2, "j", 8, NULL, 0,
	 {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, NULL, "logsumexp"},
	{"f32 fixed full --kernel cauchy --reduction logsumexp", 18, 24, 2, 1, 4, 0, 1, 1, NULL, 4,
	 NULL, 0, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, {'<', 0, 0}, "cauchy", "logsumexp"},
};

/* `anisocl grad`: OUT against reference_grad, its shape that of the file
 * --wrt names. */
struct grad_case {
	const char *name;
	size_t M, N, D, E, K;
	int gamma_var;  /* 0 fixed, 1 per i, 2 per j */
	int gamma_ndim; /* 0, 1 or 2 */
	int ab_ndim;    /* 1: A (M,) and B (N,) (E = 1), 2: (M, E) and (N, E) */
	const char *wrt;
	size_t elem_size;
	const char *kernel; /* NULL: the default */
	int logsumexp;      /* --reduction logsumexp */
};

static const struct grad_case grad_cases[] = {
	{"grad x, f64 per-j full, A (M,)", 23, 31, 3, 1, 9, 2, 2, 1, "x", 8, NULL},
	{"grad y, f32 per-i diagonal --kernel cauchy", 19, 27, 2, 2, 2, 1, 2, 2, "y", 4, "cauchy"},
	{"grad b, f64 fixed isotropic 0-d --kernel imq", 17, 13, 2, 3, 1, 0, 0, 2, "b", 8, "imq"},
	{"grad b, f32 B (N,)", 9, 11, 2, 1, 2, 0, 1, 1, "b", 4, NULL},
	{"grad gamma, f64 fixed full (K,) gives (K,)", 21, 25, 2, 2, 4, 0, 1, 2, "gamma", 8, NULL},
	{"grad gamma, f64 0-d gives 0-d --kernel laplace", 12, 14, 3, 1, 1, 0, 0, 1, "gamma", 8,
	 "laplace"},
	{"grad gamma, f32 per-j diagonal", 15, 26, 3, 2, 3, 2, 2, 2, "gamma", 4, NULL},
	{"grad x, f64 fixed diagonal --reduction logsumexp", 14, 22, 2, 2, 2, 0, 1, 2, "x", 8, NULL,
	 1},
	{"grad b, f32 per-i full --reduction logsumexp --kernel cauchy", 11, 17, 2, 2, 4, 1, 2, 2,
	 "b", 4, "cauchy", 1},
};

static void run_grad_case(const struct grad_case *tc)
{
	const struct layout plain = {'<', 0, 0};
	const int wrt = strcmp(tc->wrt, "x") == 0 ? 0 : strcmp(tc->wrt, "y") == 0 ? 1
							: strcmp(tc->wrt, "b") == 0 ? 2 : 3;
	size_t rows = tc->gamma_var == 0 ? 1 : tc->gamma_var == 1 ? tc->M : tc->N;
	size_t x_shape[2] = {tc->M, tc->D}, y_shape[2] = {tc->N, tc->D};
	size_t b_shape[2] = {tc->N, tc->E}, g_shape[2] = {rows, tc->K}, a_shape[2] = {tc->M, tc->E};
	size_t grad_rows = wrt == 0 ? tc->M : wrt == 3 ? rows : tc->N;
	size_t grad_cols = wrt <= 1 ? tc->D : wrt == 2 ? tc->E : tc->K;
	/* the shape OUT must have: that of the file --wrt names */
	size_t want_ndim = wrt <= 1 ? 2 : wrt == 2 ? (size_t)tc->ab_ndim : (size_t)tc->gamma_ndim;
	double *x = calloc(tc->M * tc->D + 1, sizeof(double));
	double *y = calloc(tc->N * tc->D + 1, sizeof(double));
	double *b = calloc(tc->N * tc->E + 1, sizeof(double));
	double *g = calloc(rows * tc->K + 1, sizeof(double));
	double *a = calloc(tc->M * tc->E + 1, sizeof(double));
	double *ref = calloc(grad_rows * grad_cols + 1, sizeof(double));
	double *scale = calloc(grad_rows * grad_cols + 1, sizeof(double));
	char args[2048], path[1200], err[256] = "";
	struct npy_file out;
	double worst = 0.0, tol = tc->elem_size == 8 ? 1e-12 : 1e-5;
	aniso_kernel profile = ANISO_KERNEL_GAUSSIAN;
	size_t i, r;
	int code, ok;

	memset(&out, 0, sizeof(out));
	fill_uniform(x, tc->M * tc->D, 0.0, 1.0);
	fill_uniform(y, tc->N * tc->D, 0.0, 1.0);
	fill_uniform(b, tc->N * tc->E, -1.0, 1.0);
	fill_uniform(a, tc->M * tc->E, -1.0, 1.0);
	for (r = 0; r < rows; ++r)
		fill_gamma_row(g + r * tc->K, tc->D, tc->K);
	ok = write_npy("x.npy", tc->elem_size, plain, x_shape, 2, x) == 0 &&
	     write_npy("y.npy", tc->elem_size, plain, y_shape, 2, y) == 0 &&
	     write_npy("b.npy", tc->elem_size, plain, b_shape, (size_t)tc->ab_ndim, b) == 0 &&
	     write_npy("a.npy", tc->elem_size, plain, a_shape, (size_t)tc->ab_ndim, a) == 0 &&
	     write_npy("g.npy", tc->elem_size, plain, tc->gamma_ndim == 2 ? g_shape : g_shape + 1,
		       (size_t)tc->gamma_ndim, g) == 0;
	if (!ok) {
		++test_count;
		tap_ok(0, "%s: could not write the inputs in %s", tc->name, work_dir);
		goto cleanup;
	}
	for (i = 0; i < tc->M * tc->D; ++i)
		x[i] = stored(x[i], tc->elem_size);
	for (i = 0; i < tc->N * tc->D; ++i)
		y[i] = stored(y[i], tc->elem_size);
	for (i = 0; i < tc->N * tc->E; ++i)
		b[i] = stored(b[i], tc->elem_size);
	for (i = 0; i < tc->M * tc->E; ++i)
		a[i] = stored(a[i], tc->elem_size);
	for (i = 0; i < rows * tc->K; ++i)
		g[i] = stored(g[i], tc->elem_size);
	if (tc->kernel)
		aniso_kernel_from_name(tc->kernel, &profile);
	reference_grad_reduction((int)profile, tc->logsumexp, wrt, tc->M, tc->N, tc->D, tc->E, tc->K,
				 tc->gamma_var, x, y, b, g, a, ref, scale);
	snprintf(path, sizeof(path), "%s/out.npy", work_dir);
	remove(path);
	snprintf(args, sizeof(args),
		 "grad -x x.npy -y y.npy -b b.npy -g g.npy -a a.npy --wrt %s -o out.npy%s%s%s%s%s",
		 tc->wrt, tc->gamma_var == 2 ? " --gamma-var j" : "",
		 tc->gamma_var == 1 ? " --gamma-var i" : "", tc->kernel ? " --kernel " : "",
		 tc->kernel ? tc->kernel : "", tc->logsumexp ? " --reduction logsumexp" : "");
	code = run_program(args);
	++test_count;
	if (!tap_ok(code == 0, "%s: anisocl %s exits 0", tc->name, args)) {
		show_stderr();
		goto cleanup;
	}
	ok = npy_file_load(path, &out, err, sizeof(err)) == NPY_LOAD_OK;
	if (!ok)
		tap_diag("OUT: %s", err);
	ok = ok && out.array.itemsize == tc->elem_size && out.array.ndim == want_ndim &&
	     (want_ndim == 0 || out.array.shape[want_ndim - 1] == (want_ndim == 2 ? grad_cols
						: grad_rows * grad_cols)) &&
	     (want_ndim < 2 || out.array.shape[0] == grad_rows);
	if (ok) {
		double *got = npy_to_native(&out.array, 8);

		for (i = 0; got && i < grad_rows * grad_cols; ++i) {
			double e = fabs(got[i] - ref[i]) / (scale[i] + 1e-300);

			if (!(e <= worst))
				worst = e;
		}
		ok = got != NULL && worst <= tol;
		free(got);
	}
	++test_count;
	tap_ok(ok, "%s: OUT is %s with %zu dimensions, error %.2g <= %.0e of sum |term|", tc->name,
	       out.array.descr, want_ndim, worst, tol);
cleanup:
	npy_file_free(&out);
	free(scale);
	free(ref);
	free(a);
	free(g);
	free(b);
	free(y);
	free(x);
}

int main(void)
{
	const char *top = getenv("top_builddir");
	size_t count = 0, k;
	char command[1200], cwd[1024];

	if (aniso_device_list(NULL, 0, &count, NULL, NULL, 0) != ANISO_OK || count == 0) {
		tap_skip_all("no OpenCL device: `anisocl sum` cannot run");
		return 0;
	}
	if (!mkdtemp(work_dir)) {
		tap_skip_all("cannot create a temporary folder");
		return 0;
	}
	/* absolute, since the program runs from the work folder */
	if (!top || !*top)
		top = ".";
	if (top[0] == '/')
		snprintf(program, sizeof(program), "%s/anisocl", top);
	else if (getcwd(cwd, sizeof(cwd)))
		snprintf(program, sizeof(program), "%s/%s/anisocl", cwd, top);
	tap_rng_seed(&rng, tap_seed_from_env());
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); ++k)
		run_case(&cases[k]);
	for (k = 0; k < sizeof(grad_cases) / sizeof(grad_cases[0]); ++k)
		run_grad_case(&grad_cases[k]);
	run_solve(ANISO_KERNEL_GAUSSIAN);
	run_solve(ANISO_KERNEL_CAUCHY);
	tap_plan(test_count);
	snprintf(command, sizeof(command), "rm -rf '%s'", work_dir);
	if (system(command) != 0)
		tap_diag("could not remove %s", work_dir);
	return tap_done();
}
