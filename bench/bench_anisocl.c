/*
 * The anisocl benchmark driver: times the library against the plain-C
 * OpenMP baseline (bench/baseline_omp.c) on the same data in the same run,
 * and prints one CSV line per measurement (bench/README.md says what each
 * column means; bench/run.sh adds KeOps and writes the tables and plot).
 *
 *   bench_anisocl [--quick | --full] [options] > results.csv
 *
 * Sections (--sections, comma-separated):
 *   square    M = N, the nine gamma modes x dtypes x D at 1e4; two modes
 *             at 1e5; 1e6 only as an estimate (a sum takes minutes)
 *   wide      M = 1e4, N = 1e5, every mode: stands for M = N = 1e5
 *   skinny    M = 16, N = 1e7 and M = 1e7, N = 16, each next to the square
 *             shape with the same M*N
 *   host      aniso_sum on host arrays (transfers included) next to
 *             aniso_sum_arrays on device-resident arrays (compute alone)
 *   latency   first sum in a fresh process, disk caches cold and warm
 *   accuracy  float32 against a float64 host reference, N = 1e6
 *   memory    peak resident memory for M = N = 1e6
 *   grad      (not in the default list) each gradient (wrt x, y, b, gamma)
 *             next to the forward sum of the same square problem, on
 *             device arrays, alternating within each round; with
 *             --reduction logsumexp (or both) the same for logsumexp,
 *             its gradients next to its own forward sum
 *
 * --reduction logsumexp times the square section's cases with
 * ANISO_REDUCTION_LOGSUMEXP (impl "anisocl_logsumexp"); --reduction both
 * runs each with the sum and with logsumexp side by side, their timed
 * rounds alternating, and notes the ratio of their pairs/s.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <anisocl.h>

#include "baseline_omp.h"
#include "bench_util.h"

#define SEED 20261125u

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

struct options {
	int quick;
	int reps;              /* timed repetitions after the warm-up */
	double max_sum_s;      /* skip a case whose single sum exceeds this */
	double max_case_s;     /* fewer repetitions (>= 3) when the sums of
				  all implementations of a case exceed this */
	double warm_pairs;     /* size of the warm-up run that also estimates */
	unsigned modes;        /* bit (var*3 + kind) */
	unsigned dtypes;       /* bit 0 float32, bit 1 float64 */
	size_t dims[8], n_dims;
	size_t sizes[8], n_sizes;
	size_t large_dims[8], n_large_dims; /* dims run at M = N >= 1e5 */
	size_t E;
	int baseline;
	unsigned reductions; /* bit 0 sum, bit 1 logsumexp (square section) */
	char sections[256];
	const char *self; /* path of this executable, for the subprocesses */
};

static int has_section(const struct options *o, const char *name)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", o->sections);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, name) || !strcmp(tok, "all"))
			return 1;
	return 0;
}

static size_t parse_list(const char *s, size_t *out, size_t cap)
{
	size_t n = 0;
	char *end;

	while (*s && n < cap) {
		double v = strtod(s, &end); /* takes 1e5 as well as 100000 */

		if (end == s)
			break;
		out[n++] = (size_t)(v + 0.5);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* "fixed-iso,per_j-full" or "all" into the mode bit set. */
static unsigned parse_modes(const char *s)
{
	unsigned bits = 0;

	if (!strcmp(s, "all"))
		return 0x1ff;
	for (int var = 0; var < 3; ++var)
		for (int kind = 0; kind < 3; ++kind) {
			char name[32];

			snprintf(name, sizeof(name), "%s-%s",
				 bench_var_name((aniso_gamma_var)var),
				 bench_kind_name((enum bench_kind)kind));
			if (strstr(s, name))
				bits |= 1u << (var * 3 + kind);
		}
	return bits;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_anisocl [--quick|--full] [options]\n"
		"  --sections LIST   square,wide,skinny,host,latency,accuracy,memory (or all),\n"
		"                    grad (gradients next to the sum, M = N = --sizes),\n"
		"                    narrow (gamma = 20, 200, 1e4 on the same points),\n"
		"                    truncate (T = 1e-6, gamma ~ 1e4, M = N = --sizes),\n"
		"                    breakeven (truncated against exact, gamma 1 to 3e3)\n"
		"  --modes LIST      e.g. fixed-iso,per_j-full (default all nine)\n"
		"  --dtypes LIST     f32,f64\n"
		"  --dims LIST       e.g. 2,3,8\n"
		"  --sizes LIST      M = N of the square section, e.g. 1e4,1e5,1e6\n"
		"  --large-dims LIST dims of the wide section (M = 1e4, N = 1e5)\n"
		"  --reps R          timed repetitions after one warm-up\n"
		"  --max-sum-seconds S   skip a case whose one sum would take longer\n"
		"                    than S (estimated from the warm-up; default 60)\n"
		"  --max-case-seconds S  fewer repetitions (never under 3) when R\n"
		"                    rounds would take longer than S (default 150)\n"
		"  --E E             columns of b (default 1)\n"
		"  --no-baseline     do not run the plain-C baseline\n"
		"  --reduction R     sum (default), logsumexp, or both side by side\n"
		"                    (square section; the baseline runs with the sum)\n"
		"Prints CSV on stdout, progress on stderr.\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const size_t quick_sizes[] = {10000};
	static const size_t full_sizes[] = {10000, 100000, 1000000};
	const char *modes = NULL, *dtypes = NULL, *dims = NULL, *sizes = NULL;
	const char *large = NULL, *sections = NULL;
	int reps = 0;

	memset(o, 0, sizeof(*o));
	o->max_sum_s = 60;
	o->max_case_s = 150;
	o->warm_pairs = 2e8;
	o->E = 1;
	o->baseline = 1;
	o->reductions = 1;
	for (int a = 1; a < argc; ++a) {
		const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(arg, "--quick")) {
			o->quick = 1;
		} else if (!strcmp(arg, "--full")) {
			o->quick = 0;
		} else if (!strcmp(arg, "--no-baseline")) {
			o->baseline = 0;
		} else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!val) {
			fprintf(stderr, "bench_anisocl: %s: unknown or missing value\n", arg);
			return -1;
		} else {
			++a;
			if (!strcmp(arg, "--sections"))
				sections = val;
			else if (!strcmp(arg, "--modes"))
				modes = val;
			else if (!strcmp(arg, "--dtypes"))
				dtypes = val;
			else if (!strcmp(arg, "--dims"))
				dims = val;
			else if (!strcmp(arg, "--sizes"))
				sizes = val;
			else if (!strcmp(arg, "--large-dims"))
				large = val;
			else if (!strcmp(arg, "--reps"))
				reps = atoi(val);
			else if (!strcmp(arg, "--max-sum-seconds"))
				o->max_sum_s = atof(val);
			else if (!strcmp(arg, "--max-case-seconds"))
				o->max_case_s = atof(val);
			else if (!strcmp(arg, "--E"))
				o->E = (size_t)atoi(val);
			else if (!strcmp(arg, "--reduction") && !strcmp(val, "both"))
				o->reductions = 3;
			else if (!strcmp(arg, "--reduction") && !strcmp(val, "logsumexp"))
				o->reductions = 2;
			else if (!strcmp(arg, "--reduction") && !strcmp(val, "sum"))
				o->reductions = 1;
			else {
				fprintf(stderr, "bench_anisocl: unknown option %s\n", arg);
				usage(stderr);
				return -1;
			}
		}
	}
	/* --quick: the two shapes the issue quotes earlier numbers for, at
	 * 1e4 for every mode and 1e5 for two; about 2-3 minutes here. */
	o->reps = reps > 0 ? reps : o->quick ? 3 : 5;
	o->modes = parse_modes(modes ? modes : "all");
	o->dtypes = dtypes ? (strstr(dtypes, "32") ? 1u : 0u) | (strstr(dtypes, "64") ? 2u : 0u) : 3u;
	if (dims) {
		o->n_dims = parse_list(dims, o->dims, 8);
	} else {
		o->dims[0] = 2;
		o->dims[1] = 3;
		o->dims[2] = 8;
		o->n_dims = o->quick ? 2 : 3;
	}
	if (sizes) {
		o->n_sizes = parse_list(sizes, o->sizes, 8);
	} else if (o->quick) {
		memcpy(o->sizes, quick_sizes, sizeof(quick_sizes));
		o->n_sizes = 1;
	} else {
		memcpy(o->sizes, full_sizes, sizeof(full_sizes));
		o->n_sizes = 3;
	}
	/* D = 8 at N = 1e5 costs minutes per dtype and mode: the wide
	 * section keeps to the dims of the targets. */
	o->n_large_dims = parse_list(large ? large : "2,3", o->large_dims, 8);
	snprintf(o->sections, sizeof(o->sections), "%s",
		 sections ? sections : "square,wide,skinny,host,latency,accuracy,memory");
	return o->modes && o->dtypes && o->n_dims && o->n_sizes && o->E ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

static const char *g_device = "?";

static void csv_header(void)
{
	printf("section,impl,device,dtype,D,E,mode,M,N,reps,median_s,min_s,max_s,"
	       "pairs_per_s,gflops,flops_per_pair,status,note\n");
	fflush(stdout);
}

/* One measurement; st may be NULL for a skipped or failed case. */
static void csv_row(const char *section, const char *impl, const aniso_shape *s,
		    const struct bench_stats *st, const char *status, const char *note)
{
	const enum bench_kind kind = bench_kind_of(s->K, s->D);
	const double fpp = bench_flops_per_pair(kind, s->D, s->E);
	const double pairs = (double)s->M * (double)s->N;

	printf("%s,%s,\"%s\",%s,%zu,%zu,%s-%s,%zu,%zu,", section, impl, g_device,
	       s->dtype == ANISO_FLOAT64 ? "f64" : "f32", s->D, s->E,
	       bench_var_name(s->gamma_var), bench_kind_name(kind), s->M, s->N);
	if (st && st->median > 0)
		printf("%d,%.6g,%.6g,%.6g,%.6g,%.6g,", st->n, st->median, st->min,
		       st->max, pairs / st->median, pairs * fpp / st->median * 1e-9);
	else
		printf("0,,,,,,");
	printf("%g,%s,\"%s\"\n", fpp, status, note ? note : "");
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* Timing one implementation on one case                               */
/* ------------------------------------------------------------------ */

/*
 * A runner does one warm-up sum on the first m_warm rows (which also tells
 * how long the whole case would take), then reps timed sums on all rows.
 */
struct runner {
	const char *impl;
	int (*prepare)(struct runner *r, size_t rows);
	int (*run)(struct runner *r, size_t rows);
	void (*release)(struct runner *r);
	const struct bench_data *data;
	aniso_ctx *ctx;
	aniso_reduction reduction; /* of the library's runners */
	void *out; /* M x E host result of the last full-size run */
	/* anisocl arrays: [0] full size, [1] warm-up size */
	aniso_array *x[2], *gamma[2], *o[2], *y, *b;
	size_t rows[2];
	baseline_job *job[2];
	char err[256];
};

static size_t elem(const aniso_shape *s)
{
	return s->dtype == ANISO_FLOAT64 ? sizeof(double) : sizeof(float);
}

static aniso_shape rows_shape(const aniso_shape *s, size_t rows)
{
	aniso_shape t = *s;

	t.M = rows;
	if (t.gamma_var == ANISO_GAMMA_PER_I)
		t.gamma_rows = rows;
	return t;
}

static int lib_slot(struct runner *r, size_t rows)
{
	return rows == r->rows[0] ? 0 : 1;
}

/* Device arrays are made outside the timing, as a caller of
 * aniso_array_create would. */
static int lib_prepare(struct runner *r, size_t rows)
{
	const aniso_shape *s = &r->data->shape;
	const int k = r->rows[0] == 0 || r->rows[0] == rows ? 0 : 1;
	const aniso_shape t = rows_shape(s, rows);
	int err = ANISO_OK;

	r->rows[k] = rows;
	if (!r->y)
		err = aniso_array_create(r->ctx, s->dtype, s->N, s->D, r->data->y, &r->y);
	if (!err && !r->b)
		err = aniso_array_create(r->ctx, s->dtype, s->N, s->E, r->data->b, &r->b);
	if (!err)
		err = aniso_array_create(r->ctx, s->dtype, rows, s->D, r->data->x, &r->x[k]);
	if (!err)
		err = aniso_array_create(r->ctx, s->dtype, t.gamma_rows, s->K,
					 r->data->gamma, &r->gamma[k]);
	if (!err)
		err = aniso_array_create(r->ctx, s->dtype, rows, s->E, NULL, &r->o[k]);
	if (err)
		snprintf(r->err, sizeof(r->err), "%s: %s", aniso_err_name(err),
			 aniso_ctx_errmsg(r->ctx));
	return err;
}

static int lib_run(struct runner *r, size_t rows)
{
	const int k = lib_slot(r, rows);
	aniso_options options;
	int err;

	aniso_options_init(&options);
	options.reduction = r->reduction;
	err = aniso_sum_arrays_ex(r->ctx, &options, r->x[k], r->y, r->b, r->gamma[k],
				  r->data->shape.gamma_var, r->o[k]);

	if (err)
		snprintf(r->err, sizeof(r->err), "%s: %s", aniso_err_name(err),
			 aniso_ctx_errmsg(r->ctx));
	return err;
}

static void lib_release(struct runner *r)
{
	const int k = lib_slot(r, r->data->shape.M);

	/* Read the result back for the cross-check, outside the timing. */
	if (r->o[k] && r->out)
		(void)aniso_array_read(r->o[k], r->out);
	for (int q = 0; q < 2; ++q) {
		aniso_array_free(r->o[q]);
		aniso_array_free(r->gamma[q]);
		aniso_array_free(r->x[q]);
	}
	aniso_array_free(r->b);
	aniso_array_free(r->y);
}

/* aniso_sum on host arrays: uploads, sum, download, all timed. */
static int host_prepare(struct runner *r, size_t rows)
{
	return 0;
}

static int host_run(struct runner *r, size_t rows)
{
	const aniso_shape t = rows_shape(&r->data->shape, rows);
	int err = aniso_sum(r->ctx, &t, r->data->x, r->data->y, r->data->b,
			    r->data->gamma, r->out);

	if (err)
		snprintf(r->err, sizeof(r->err), "%s: %s", aniso_err_name(err),
			 aniso_ctx_errmsg(r->ctx));
	return err;
}

static void host_release(struct runner *r)
{
}

static int omp_prepare(struct runner *r, size_t rows)
{
	const int k = r->rows[0] == 0 || r->rows[0] == rows ? 0 : 1;
	const aniso_shape t = rows_shape(&r->data->shape, rows);
	int err;

	r->rows[k] = rows;
	err = baseline_omp_prepare(&t, r->data->x, r->data->y, r->data->b,
				   r->data->gamma, &r->job[k]);
	if (err)
		snprintf(r->err, sizeof(r->err), "baseline_omp_prepare: %s",
			 err == -2 ? "shape not supported" : "out of memory");
	return err;
}

static int omp_run(struct runner *r, size_t rows)
{
	baseline_omp_run(r->job[lib_slot(r, rows)], r->out);
	return 0;
}

static void omp_release(struct runner *r)
{
	baseline_omp_free(r->job[0]);
	baseline_omp_free(r->job[1]);
}

/*
 * Warm up on the first m_warm rows (the kernel compile or cache load and
 * the first touch of the pages need no more), estimate one full sum from
 * it, and prepare the full size unless one sum would exceed the limit.
 * Returns 0 with *estimate set, 1 when skipped, -1 on failure (note says
 * why).
 */
static int warm_up(struct runner *r, const struct options *o, double *estimate,
		   char *note, size_t note_size)
{
	const aniso_shape *s = &r->data->shape;
	double pairs_warm, t0, t_warm;
	size_t m_warm;
	int rc = -1;

	m_warm = (size_t)(o->warm_pairs / (double)s->N);
	if (m_warm < 64)
		m_warm = 64;
	if (m_warm > s->M)
		m_warm = s->M;
	if (r->prepare(r, m_warm))
		goto out;
	pairs_warm = (double)m_warm * (double)s->N;
	t0 = bench_now();
	if (r->run(r, m_warm))
		goto out;
	t_warm = bench_now() - t0;
	*estimate = t_warm * (double)s->M / (double)m_warm;
	if (*estimate > o->max_sum_s) {
		snprintf(note, note_size,
			 "skipped: one sum estimated at %.0f s (%.3g pairs/s on %zu rows)",
			 *estimate, pairs_warm / t_warm, m_warm);
		rc = 1;
		goto out;
	}
	if (m_warm != s->M && r->prepare(r, s->M))
		goto out;
	rc = 0;
out:
	if (rc < 0)
		snprintf(note, note_size, "failed: %s", r->err);
	return rc;
}

/* Largest relative difference of two M x E results, relative to |ref|. */
static double max_rel_diff(const aniso_shape *s, const void *a, const void *ref)
{
	double worst = 0;

	for (size_t i = 0; i < s->M * s->E; ++i) {
		double u, v, d;

		if (s->dtype == ANISO_FLOAT64) {
			u = ((const double *)a)[i];
			v = ((const double *)ref)[i];
		} else {
			u = ((const float *)a)[i];
			v = ((const float *)ref)[i];
		}
		d = fabs(u - v) / (fabs(v) > 1e-300 ? fabs(v) : 1e-300);
		if (!(d <= worst)) /* NaN counts as the worst */
			worst = d;
	}
	return worst;
}

enum impl_id { IMPL_LIB, IMPL_HOST, IMPL_OMP };

static void print_case(FILE *f, const char *section, const aniso_shape *shape)
{
	fprintf(f, "  %-10s %s D=%zu %s-%s M=%zu N=%zu:", section,
		shape->dtype == ANISO_FLOAT64 ? "f64" : "f32", shape->D,
		bench_var_name(shape->gamma_var),
		bench_kind_name(bench_kind_of(shape->K, shape->D)), shape->M, shape->N);
}

/* One shape of a run_cases call, with its data and its runners. */
struct bench_case {
	const char *section;
	aniso_shape shape;
	aniso_reduction reduction; /* of the library's runners */
	int want[3];
	struct bench_data data;
	int have_data;
	struct runner r[3];
	double *t[3], estimate[3];
	int state[3]; /* 0 running, 1 skipped, -1 failed */
	char note[3][320];
};

static const char *const impl_names[] = {"anisocl", "anisocl_host", "plain_c"};

/* Data, runners and warm-ups of one case; returns the estimated time of
 * one round of it. */
static double case_start(struct bench_case *c, aniso_ctx *ctx, const struct options *o)
{
	const aniso_shape *shape = &c->shape;
	double total = 0;

	for (int id = IMPL_LIB; id <= IMPL_OMP; ++id) {
		c->state[id] = -1;
		c->note[id][0] = 0;
	}
	/* The same data for the same shape, whatever the reduction. */
	if (bench_data_make(&c->data, shape, SEED ^ shape->M ^ (shape->N << 20))) {
		for (int id = IMPL_LIB; id <= IMPL_OMP; ++id)
			snprintf(c->note[id], sizeof(c->note[id]), "failed: host out of memory");
		return 0;
	}
	c->have_data = 1;
	print_case(stderr, c->section, shape);
	fprintf(stderr, " warm-up\n");
	for (int id = IMPL_LIB; id <= IMPL_OMP; ++id) {
		struct runner *r = &c->r[id];

		if (!c->want[id])
			continue;
		r->impl = id == IMPL_LIB && c->reduction == ANISO_REDUCTION_LOGSUMEXP
				  ? "anisocl_logsumexp"
				  : impl_names[id];
		r->data = &c->data;
		r->ctx = ctx;
		r->reduction = c->reduction;
		r->out = calloc(shape->M * shape->E + 1, elem(shape));
		r->prepare = id == IMPL_LIB ? lib_prepare : id == IMPL_HOST ? host_prepare : omp_prepare;
		r->run = id == IMPL_LIB ? lib_run : id == IMPL_HOST ? host_run : omp_run;
		r->release = id == IMPL_LIB ? lib_release : id == IMPL_HOST ? host_release : omp_release;
		c->t[id] = calloc((size_t)o->reps + 1, sizeof(double));
		if (!r->out || !c->t[id]) {
			snprintf(c->note[id], sizeof(c->note[id]), "failed: host out of memory");
			continue;
		}
		c->state[id] = warm_up(r, o, &c->estimate[id], c->note[id], sizeof(c->note[id]));
		if (c->state[id] == 0)
			total += c->estimate[id];
	}
	return total;
}

/* One timed sum of every running implementation of the case. */
static void case_round(struct bench_case *c, int k)
{
	for (int id = IMPL_LIB; id <= IMPL_OMP; ++id) {
		struct runner *r = &c->r[id];
		double t0;

		if (!c->want[id] || c->state[id] != 0)
			continue;
		t0 = bench_now();
		if (r->run(r, c->shape.M)) {
			snprintf(c->note[id], sizeof(c->note[id]), "failed: %s", r->err);
			c->state[id] = -1;
			continue;
		}
		c->t[id][k] = bench_now() - t0;
	}
}

/* Statistics, CSV rows and the release of one case. */
static void case_finish(struct bench_case *c, int reps)
{
	const double pairs = (double)c->shape.M * (double)c->shape.N;
	struct bench_stats st[3];

	for (int id = IMPL_LIB; id <= IMPL_OMP; ++id) {
		if (!c->want[id])
			continue;
		if (c->r[id].release)
			c->r[id].release(&c->r[id]); /* reads the library's result back */
		if (c->state[id] == 0)
			bench_stats_of(c->t[id], reps, &st[id]);
	}
	print_case(stderr, c->section, &c->shape);
	for (int id = IMPL_LIB; id <= IMPL_OMP; ++id) {
		if (!c->want[id])
			continue;
		if (c->state[id] == 0) {
			fprintf(stderr, " %s %.3g pairs/s (%.3g..%.3g s);", c->r[id].impl,
				pairs / st[id].median, st[id].min, st[id].max);
			/* The cross-check against the baseline goes on its row. */
			if (id == IMPL_OMP && c->state[IMPL_LIB] == 0)
				snprintf(c->note[id], sizeof(c->note[id]),
					 "max rel diff anisocl vs plain_c %.2g",
					 max_rel_diff(&c->shape, c->r[IMPL_LIB].out,
						      c->r[IMPL_OMP].out));
			csv_row(c->section, c->r[id].impl, &c->shape, &st[id], "ok", c->note[id]);
		} else {
			fprintf(stderr, " %s %s;", impl_names[id], c->note[id]);
			csv_row(c->section, impl_names[id], &c->shape, NULL,
				c->state[id] > 0 ? "skipped" : "failed", c->note[id]);
		}
	}
	fprintf(stderr, "\n");
	for (int id = 0; id < 3; ++id) {
		free(c->t[id]);
		free(c->r[id].out);
	}
	if (c->have_data)
		bench_data_free(&c->data);
}

/*
 * Run several cases side by side: for each, the library on device arrays
 * and, when asked, aniso_sum on host arrays and the baseline, on the same
 * data.  After the warm-ups the timed sums go in rounds, one of every
 * implementation of every case in turn, so that a change of load on this
 * shared machine falls on all of them alike and their ratios (library
 * against baseline, or small M against the square shape) stay honest.
 */
static int run_rounds(aniso_ctx *ctx, const struct options *o, struct bench_case *cases,
		      int n)
{
	double total = 0;
	int reps = o->reps;

	for (int q = 0; q < n; ++q)
		total += case_start(&cases[q], ctx, o);
	/* Long cases get fewer repetitions, but three at least: a median of
	 * fewer says nothing about the spread. */
	if (total * reps > o->max_case_s) {
		reps = (int)(o->max_case_s / total);
		if (reps < 3)
			reps = 3;
		if (reps > o->reps)
			reps = o->reps;
	}
	for (int k = 0; k < reps; ++k)
		for (int q = 0; q < n; ++q)
			case_round(&cases[q], k);
	return reps;
}

static void run_cases(aniso_ctx *ctx, const struct options *o, struct bench_case *cases,
		      int n)
{
	const int reps = run_rounds(ctx, o, cases, n);

	for (int q = 0; q < n; ++q)
		case_finish(&cases[q], reps);
}

/* c[0] the sum, c[1] logsumexp on the same shape: their rounds alternate,
 * and logsumexp's row notes its speed relative to the sum's. */
static void run_cases_ratio(aniso_ctx *ctx, const struct options *o, struct bench_case c[2])
{
	const int reps = run_rounds(ctx, o, c, 2);
	struct bench_stats sum, lse;

	if (c[0].state[IMPL_LIB] == 0 && c[1].state[IMPL_LIB] == 0) {
		bench_stats_of(c[0].t[IMPL_LIB], reps, &sum);
		bench_stats_of(c[1].t[IMPL_LIB], reps, &lse);
		snprintf(c[1].note[IMPL_LIB], sizeof(c[1].note[IMPL_LIB]),
			 "pairs/s %.3f x the sum's (medians, alternating rounds)",
			 sum.median / lse.median);
		fprintf(stderr, "    logsumexp / sum pairs/s: %.3f\n", sum.median / lse.median);
	}
	case_finish(&c[0], reps);
	case_finish(&c[1], reps);
}

static void case_set(struct bench_case *c, const char *section, const aniso_shape *shape,
		     int with_host, int with_omp)
{
	memset(c, 0, sizeof(*c));
	c->section = section;
	c->shape = *shape;
	c->want[IMPL_LIB] = 1;
	c->want[IMPL_HOST] = with_host;
	c->want[IMPL_OMP] = with_omp;
}

static void run_case(aniso_ctx *ctx, const struct options *o, const char *section,
		     const aniso_shape *shape, int with_host, int with_omp)
{
	struct bench_case c;

	case_set(&c, section, shape, with_host, with_omp);
	run_cases(ctx, o, &c, 1);
}

static aniso_shape make_shape(size_t M, size_t N, size_t D, size_t E, int var,
			      int kind, aniso_dtype dtype)
{
	aniso_shape s;

	memset(&s, 0, sizeof(s));
	s.M = M;
	s.N = N;
	s.D = D;
	s.E = E;
	s.K = bench_k_of((enum bench_kind)kind, D);
	s.gamma_var = (aniso_gamma_var)var;
	s.gamma_rows = var == ANISO_GAMMA_FIXED ? 1 : var == ANISO_GAMMA_PER_I ? M : N;
	s.dtype = dtype;
	return s;
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */
/* ------------------------------------------------------------------ */

/* M = N = 1e5 costs 5-20 s a sum here, so the square section runs it for
 * two modes only: the shapes of the earlier measurements quoted in the
 * issue (D = 2 diagonal, D = 3 full, fixed gamma).  Every mode runs at
 * N = 1e5 in the wide section. */
static int representative(size_t D, int var, int kind)
{
	return var == ANISO_GAMMA_FIXED &&
	       ((D == 2 && kind == BENCH_DIAG) || (D == 3 && kind == BENCH_FULL));
}

/* The square case s with each reduction asked for, side by side (their
 * rounds alternate); with both, the logsumexp row notes its pairs/s as a
 * fraction of the sum's. */
static void run_square_case(aniso_ctx *ctx, const struct options *o, const aniso_shape *s)
{
	struct bench_case c[2];
	int n = 0;

	if (o->reductions & 1)
		case_set(&c[n++], "square", s, 0, o->baseline);
	if (o->reductions & 2) {
		case_set(&c[n], "square", s, 0, n == 0 && o->baseline);
		c[n++].reduction = ANISO_REDUCTION_LOGSUMEXP;
	}
	if (n == 2)
		/* The note goes on the row, written by case_finish: run the
		 * rounds, then finish the sum first to know its time. */
		run_cases_ratio(ctx, o, c);
	else
		run_cases(ctx, o, c, n);
}

static void section_square(aniso_ctx *ctx, const struct options *o)
{
	for (size_t si = 0; si < o->n_sizes; ++si)
		for (int dt = 0; dt < 2; ++dt)
			for (size_t di = 0; di < o->n_dims; ++di)
				for (int var = 0; var < 3; ++var)
					for (int kind = 0; kind < 3; ++kind) {
						const size_t n = o->sizes[si], D = o->dims[di];
						aniso_shape s;

						if (!(o->dtypes & (1u << dt)) ||
						    !(o->modes & (1u << (var * 3 + kind))))
							continue;
						if (kind == BENCH_DIAG && D == 1)
							continue;
						s = make_shape(n, n, D, o->E, var, kind,
							       dt ? ANISO_FLOAT64 : ANISO_FLOAT32);
						if (n >= 100000 && !representative(D, var, kind)) {
							csv_row("square", "anisocl", &s, NULL, "skipped",
								"skipped: M = N >= 1e5 runs two modes; "
								"see the wide section");
							continue;
						}
						run_square_case(ctx, o, &s);
					}
}

/*
 * M = 1e4 rows against N = 1e5, every mode: stands for M = N = 1e5 at a
 * tenth of the time.  Rows are independent and 1e4 of them already make
 * hundreds of work-groups, so pairs/s does not depend on M here; the
 * square section checks that on two modes.
 */
static void section_wide(aniso_ctx *ctx, const struct options *o)
{
	const size_t M = 10000, N = 100000;

	for (int dt = 0; dt < 2; ++dt)
		for (size_t di = 0; di < o->n_large_dims; ++di)
			for (int var = 0; var < 3; ++var)
				for (int kind = 0; kind < 3; ++kind) {
					const size_t D = o->large_dims[di];
					aniso_shape s;

					if (!(o->dtypes & (1u << dt)) ||
					    !(o->modes & (1u << (var * 3 + kind))))
						continue;
					if (o->quick && (dt || !representative(D, var, kind)))
						continue;
					s = make_shape(M, N, D, o->E, var, kind,
						       dt ? ANISO_FLOAT64 : ANISO_FLOAT32);
					run_case(ctx, o, "wide", &s, 0, o->baseline);
				}
}

/*
 * Small M and small N next to the square shape with the same M*N (the
 * target: at least 0.7x its pairs/s).  aniso_sum on host arrays runs too:
 * for these shapes the O(N) or O(M) transfers are not negligible.
 */
static void section_skinny(aniso_ctx *ctx, const struct options *o)
{
	const size_t small = 16, big = 10000000;
	const size_t side = (size_t)(sqrt((double)small * (double)big) + 0.5);
	struct bench_case trio[3];

	for (int dt = 0; dt < 2; ++dt)
		for (size_t di = 0; di < o->n_dims; ++di)
			for (int var = 0; var < 3; ++var)
				for (int kind = 0; kind < 3; ++kind) {
					const size_t D = o->dims[di];
					const aniso_dtype dtype = dt ? ANISO_FLOAT64 : ANISO_FLOAT32;
					aniso_shape s;

					if (!(o->dtypes & (1u << dt)) ||
					    !(o->modes & (1u << (var * 3 + kind))) || D > 3)
						continue;
					if (o->quick && (dt || !representative(D, var, kind)))
						continue;
					s = make_shape(side, side, D, o->E, var, kind, dtype);
					case_set(&trio[0], "skinny_ref", &s, 0, 0);
					s = make_shape(small, big, D, o->E, var, kind, dtype);
					case_set(&trio[1], "small_m", &s, 1, o->baseline);
					s = make_shape(big, small, D, o->E, var, kind, dtype);
					case_set(&trio[2], "small_n", &s, 1, o->baseline);
					/* in alternating rounds: the ratios to
					 * the square shape are the target */
					run_cases(ctx, o, trio, 3);
				}
}

/* Transfers against compute: one mode, growing sizes. */
static void section_host(aniso_ctx *ctx, const struct options *o)
{
	static const size_t sizes[] = {1000, 10000, 100000};

	for (int dt = 0; dt < 2; ++dt)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); ++k) {
			aniso_shape s;

			/* 1e5 costs a minute per dtype: float32 only. */
			if (!(o->dtypes & (1u << dt)) || (sizes[k] > 10000 && (o->quick || dt)))
				continue;
			s = make_shape(sizes[k], sizes[k], 3, o->E, ANISO_GAMMA_FIXED,
				       BENCH_DIAG, dt ? ANISO_FLOAT64 : ANISO_FLOAT32);
			run_case(ctx, o, "host", &s, 1, 0);
		}
}

/* ---- latency: a fresh process per measurement ---- */

/* The child side of --first-call: from main to the first result, then the
 * steady state, on M = N = 1e3, D = 2, fixed diagonal gamma, float32. */
static int first_call_child(double t_parent)
{
	const aniso_shape s = make_shape(1000, 1000, 2, 1, ANISO_GAMMA_FIXED,
					 BENCH_DIAG, ANISO_FLOAT32);
	const double t_main = bench_now();
	struct bench_data data;
	struct bench_stats st;
	aniso_ctx *ctx = NULL;
	double t_ctx0, t_ctx1, t_first0, t_first1, t[9];
	char why[512];
	void *out = NULL;
	int rc = 1;

	if (bench_data_make(&data, &s, SEED))
		return 1;
	out = malloc(s.M * s.E * sizeof(float));
	if (!out)
		goto out;
	t_ctx0 = bench_now();
	if (aniso_ctx_create(&ctx, why, sizeof(why))) {
		fprintf(stderr, "aniso_ctx_create: %s\n", why);
		goto out;
	}
	t_ctx1 = t_first0 = bench_now();
	if (aniso_sum(ctx, &s, data.x, data.y, data.b, data.gamma, out))
		goto out;
	t_first1 = bench_now();
	for (int k = 0; k < 9; ++k) {
		double t0 = bench_now();

		if (aniso_sum(ctx, &s, data.x, data.y, data.b, data.gamma, out))
			goto out;
		t[k] = bench_now() - t0;
	}
	bench_stats_of(t, 9, &st);
	/* spawn to main, context creation, first sum, steady median, spawn
	 * to first result */
	printf("FIRST_CALL %.6f %.6f %.6f %.6f %.6f\n", t_main - t_parent,
	       t_ctx1 - t_ctx0, t_first1 - t_first0, st.median, t_first1 - t_parent);
	rc = 0;
out:
	aniso_ctx_free(ctx);
	free(out);
	bench_data_free(&data);
	return rc;
}

/* Run `env ... self --first-call T` and parse its line. */
static int spawn_first_call(const struct options *o, const char *env, double v[5])
{
	char cmd[2048], line[512];
	FILE *p;
	int rc = -1;

	snprintf(cmd, sizeof(cmd), "env %s '%s' --first-call %.9f", env, o->self, bench_now());
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "FIRST_CALL %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2],
			   &v[3], &v[4]) == 5)
			rc = 0;
	if (pclose(p) != 0)
		rc = -1;
	return rc;
}

static void section_latency(const struct options *o)
{
	/* name, empty the anisocl cache, empty the PoCL cache, extra env */
	static const struct {
		const char *name;
		int clear_aniso, clear_pocl;
		const char *env;
	} runs[] = {
		{"cold_both", 1, 1, ""},
		{"warm_both", 0, 0, ""},
		{"warm_pocl_anisocl_off", 0, 0, "ANISOCL_CACHE=off"},
		{"warm_anisocl_cold_pocl", 0, 1, ""},
	};
	const aniso_shape s = make_shape(1000, 1000, 2, 1, ANISO_GAMMA_FIXED,
					 BENCH_DIAG, ANISO_FLOAT32);
	char dir[] = "/tmp/anisocl-bench-XXXXXX";
	char env[1024], cmd[1200], note[320];

	if (!mkdtemp(dir)) {
		csv_row("latency", "anisocl", &s, NULL, "failed", "mkdtemp failed");
		return;
	}
	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); ++k) {
		const int n = runs[k].clear_aniso || runs[k].clear_pocl ? 3 : 5;
		double first[5], steady[5], total[5], ctxt[5], v[5];
		struct bench_stats s_first, s_steady, s_total, s_ctx;
		int ok = 1;

		for (int r = 0; r < n && ok; ++r) {
			/* Empty a cache by removing its folder: both programs
			 * make it again. */
			snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s' '%s/%s'", dir,
				 runs[k].clear_aniso ? "anisocl" : "none", dir,
				 runs[k].clear_pocl ? "pocl" : "none");
			if (system(cmd) != 0)
				ok = 0;
			snprintf(env, sizeof(env),
				 "ANISOCL_CACHE_DIR='%s/anisocl' POCL_CACHE_DIR='%s/pocl' %s", dir,
				 dir, runs[k].env);
			if (ok && spawn_first_call(o, env, v) != 0)
				ok = 0;
			ctxt[r] = v[1];
			first[r] = v[2];
			steady[r] = v[3];
			total[r] = v[4];
		}
		if (!ok) {
			csv_row("latency", runs[k].name, &s, NULL, "failed", "child failed");
			continue;
		}
		bench_stats_of(first, n, &s_first);
		bench_stats_of(steady, n, &s_steady);
		bench_stats_of(total, n, &s_total);
		bench_stats_of(ctxt, n, &s_ctx);
		snprintf(note, sizeof(note),
			 "first sum %.1f ms (%.1f..%.1f), steady %.2f ms, first minus steady "
			 "%.1f ms; ctx create %.1f ms; spawn to first result %.0f ms",
			 1e3 * s_first.median, 1e3 * s_first.min, 1e3 * s_first.max,
			 1e3 * s_steady.median, 1e3 * (s_first.median - s_steady.median),
			 1e3 * s_ctx.median, 1e3 * s_total.median);
		fprintf(stderr, "  latency  %-24s %s\n", runs[k].name, note);
		csv_row("latency", runs[k].name, &s, &s_first, "ok", note);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_anisocl: could not remove %s\n", dir);
}

/* ---- accuracy ---- */

/* Double-precision host loop over the float inputs (promoted exactly),
 * with compensated summation: an independent reference whose own error
 * (~1e-16) is far below what is measured. */
static void reference_f64(const aniso_shape *s, const float *x, const float *y,
			  const float *b, double gamma, double *out)
{
#pragma omp parallel for schedule(dynamic, 4)
	for (size_t i = 0; i < s->M; ++i) {
		double sum = 0, comp = 0;

		for (size_t j = 0; j < s->N; ++j) {
			double d2 = 0, term, t;

			for (size_t k = 0; k < s->D; ++k) {
				double d = (double)x[i * s->D + k] - (double)y[j * s->D + k];

				d2 += d * d;
			}
			term = exp(-gamma * d2) * (double)b[j];
			t = sum + term;
			comp += fabs(sum) >= fabs(term) ? (sum - t) + term : (term - t) + sum;
			sum = t;
		}
		out[i] = sum + comp;
	}
}

static void section_accuracy(aniso_ctx *ctx, const struct options *o)
{
	const size_t M = 200, N = 1000000, D = 3;
	aniso_shape s32 = make_shape(M, N, D, 1, ANISO_GAMMA_FIXED, BENCH_ISO, ANISO_FLOAT32);
	aniso_shape s64 = make_shape(M, N, D, 1, ANISO_GAMMA_FIXED, BENCH_ISO, ANISO_FLOAT64);
	struct bench_data d32;
	double *ref = NULL, *xd = NULL, *yd = NULL, *bd = NULL, *out64 = NULL;
	float *out32 = NULL, *omp32 = NULL;
	const float one_f = 1.0f;
	const double one_d = 1.0;
	baseline_job *job = NULL;
	char note[320];
	double e32 = 0, e64 = 0, eomp = 0;

	if (bench_data_make(&d32, &s32, SEED + 1))
		return;
	ref = malloc(M * sizeof(double));
	out64 = malloc(M * sizeof(double));
	out32 = malloc(M * sizeof(float));
	omp32 = malloc(M * sizeof(float));
	xd = malloc(M * D * sizeof(double));
	yd = malloc(N * D * sizeof(double));
	bd = malloc(N * sizeof(double));
	if (!ref || !out64 || !out32 || !omp32 || !xd || !yd || !bd)
		goto out;
	/* Same numbers in both precisions: the float inputs, widened. */
	for (size_t k = 0; k < M * D; ++k)
		xd[k] = ((float *)d32.x)[k];
	for (size_t k = 0; k < N * D; ++k)
		yd[k] = ((float *)d32.y)[k];
	for (size_t k = 0; k < N; ++k)
		bd[k] = ((float *)d32.b)[k];
	fprintf(stderr, "  accuracy reference (double host loop, M=%zu N=%zu) ...\n", M, N);
	reference_f64(&s32, d32.x, d32.y, d32.b, 1.0, ref);
	if (aniso_sum(ctx, &s32, d32.x, d32.y, d32.b, &one_f, out32) ||
	    (aniso_ctx_has_fp64(ctx) &&
	     aniso_sum(ctx, &s64, xd, yd, bd, &one_d, out64))) {
		csv_row("accuracy", "anisocl", &s32, NULL, "failed", aniso_ctx_errmsg(ctx));
		goto out;
	}
	if (baseline_omp_prepare(&s32, d32.x, d32.y, d32.b, &one_f, &job) == 0)
		baseline_omp_run(job, omp32);
	for (size_t i = 0; i < M; ++i) {
		e32 = fmax(e32, fabs(out32[i] - ref[i]) / ref[i]);
		e64 = fmax(e64, fabs(out64[i] - ref[i]) / ref[i]);
		eomp = fmax(eomp, fabs(omp32[i] - ref[i]) / ref[i]);
	}
	snprintf(note, sizeof(note),
		 "max rel err vs double host reference: anisocl f32 %.3g (target <= 2e-7), "
		 "anisocl f64 %.3g, plain_c f32 %.3g", e32, aniso_ctx_has_fp64(ctx) ? e64 : NAN, eomp);
	fprintf(stderr, "  accuracy %s\n", note);
	csv_row("accuracy", "anisocl", &s32, NULL, e32 <= 2e-7 ? "ok" : "over_target", note);
out:
	baseline_omp_free(job);
	free(bd);
	free(yd);
	free(xd);
	free(omp32);
	free(out32);
	free(out64);
	free(ref);
	bench_data_free(&d32);
	(void)o;
}

/* ---- memory: one process per measurement, so that the peak is its own ---- */

struct sum_thread {
	aniso_ctx *ctx;
	const struct bench_data *data;
	void *out;
	int err;
	volatile int done;
};

static void *sum_thread_main(void *arg)
{
	struct sum_thread *t = arg;

	t->err = aniso_sum(t->ctx, &t->data->shape, t->data->x, t->data->y,
			   t->data->b, t->data->gamma, t->out);
	t->done = 1;
	return NULL;
}

/*
 * The child side of --peak-mem: M = N = 1e6, D = 3, full per-j gamma (the
 * largest gamma array).  The sum itself would take minutes; everything is
 * allocated and uploaded before the kernel starts, so the peak is read
 * after `wait` seconds of it and the process exits without waiting for the
 * result (only the M x E output pages, 4-8 MB, may not be touched yet).
 */
static int peak_mem_child(aniso_dtype dtype, double wait)
{
	const aniso_shape s = make_shape(1000000, 1000000, 3, 1, ANISO_GAMMA_PER_J,
					 BENCH_FULL, dtype);
	struct sum_thread t;
	struct bench_data data;
	pthread_t th;
	char why[512];
	double rss_ctx, rss_before, t0, peak, theory;
	size_t es = elem(&s);
	int reset;

	memset(&t, 0, sizeof(t));
	if (aniso_ctx_create(&t.ctx, why, sizeof(why)))
		return 1;
	/* Build the kernel first on a tiny problem of the same mode: a
	 * compile by PoCL's LLVM costs its own 100+ MB, once per process, and
	 * is not what O((M+N)(D+E+K)) is about. */
	{
		const aniso_shape tiny = make_shape(64, 64, 3, 1, ANISO_GAMMA_PER_J,
						    BENCH_FULL, dtype);

		if (bench_data_make(&data, &tiny, SEED))
			return 1;
		t.out = calloc(64, es);
		if (!t.out || aniso_sum(t.ctx, &tiny, data.x, data.y, data.b, data.gamma, t.out))
			return 1;
		free(t.out);
		bench_data_free(&data);
	}
	rss_ctx = bench_rss_bytes();
	if (bench_data_make(&data, &s, SEED))
		return 1;
	t.data = &data;
	t.out = calloc(s.M * s.E, es);
	if (!t.out)
		return 1;
	/* Our own temporaries of bench_data_make are freed by now: restart
	 * the peak so that it is the caller's arrays plus the library's. */
	reset = bench_reset_peak_rss();
	rss_before = bench_rss_bytes();
	if (pthread_create(&th, NULL, sum_thread_main, &t))
		return 1;
	t0 = bench_now();
	while (!t.done && bench_now() - t0 < wait)
		usleep(20000);
	peak = bench_peak_rss_bytes();
	theory = (double)es * (double)(s.M * s.D + s.N * s.D + s.N * s.E +
				       s.gamma_rows * s.K + s.M * s.E);
	printf("PEAK_MEM %.0f %.0f %.0f %.0f %d %d\n", peak, rss_ctx, rss_before,
	       theory, t.done, reset == 0);
	fflush(stdout);
	_exit(0); /* the sum is left running on purpose, see above */
}

static void section_memory(const struct options *o)
{
	for (int dt = 0; dt < 2; ++dt) {
		const aniso_dtype dtype = dt ? ANISO_FLOAT64 : ANISO_FLOAT32;
		const aniso_shape s = make_shape(1000000, 1000000, 3, 1, ANISO_GAMMA_PER_J,
						 BENCH_FULL, dtype);
		double peak, rss_ctx, rss_before, theory;
		int done, reset;
		char cmd[1200], line[256], note[320];
		FILE *p;
		int ok = 0;

		if (!(o->dtypes & (1u << dt)))
			continue;
		snprintf(cmd, sizeof(cmd), "'%s' --peak-mem %s", o->self, dt ? "f64" : "f32");
		p = popen(cmd, "r");
		if (!p)
			continue;
		while (fgets(line, sizeof(line), p))
			if (sscanf(line, "PEAK_MEM %lf %lf %lf %lf %d %d", &peak, &rss_ctx,
				   &rss_before, &theory, &done, &reset) == 6)
				ok = 1;
		(void)pclose(p);
		if (!ok) {
			csv_row("memory", "anisocl_host", &s, NULL, "failed", "child failed");
			continue;
		}
		/* Host arrays plus their device copies: on PoCL device memory
		 * is host memory, so the process holds both. */
		snprintf(note, sizeof(note),
			 "peak RSS %.0f MB during the sum%s; %.0f MB after the context and kernel build, %.0f MB "
			 "with the host arrays; library added %.0f MB; arrays O((M+N)(D+E+K)) "
			 "%.0f MB; sum %s when read",
			 peak / 1e6, reset ? "" : " (peak not reset: includes set-up)",
			 rss_ctx / 1e6, rss_before / 1e6, (peak - rss_before) / 1e6,
			 theory / 1e6, done ? "finished" : "still running");
		fprintf(stderr, "  memory   %s %s\n", dt ? "f64" : "f32", note);
		csv_row("memory", "anisocl_host", &s, NULL, "ok", note);
	}
}

/* ------------------------------------------------------------------ */

static int self_path(char *buf, size_t size, const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n > 0) {
		buf[n] = 0;
		return 0;
	}
	snprintf(buf, size, "%s", argv0);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Gradients next to the sum                                           */
/* ------------------------------------------------------------------ */

/*
 * For each mode, dtype, D and size: the forward sum and the four gradients
 * on device arrays, one of each per round in the same order, so that the
 * machine's drift (two cores shared with others) hits them alike; medians
 * over the rounds.  The note gives each gradient's pairs/s as a fraction
 * of the sum's, the figure bench/README.md quotes.  M = N, so the
 * cotangent a (M x E) reuses b's numbers.
 */
#define GRAD_IMPLS 5

static void grad_case(aniso_ctx *ctx, const struct options *o, const aniso_shape *s,
		      aniso_reduction reduction)
{
	static const char *const sum_impls[GRAD_IMPLS] = {"anisocl-sum", "anisocl-grad-x",
							  "anisocl-grad-y", "anisocl-grad-b",
							  "anisocl-grad-gamma"};
	/* logsumexp's gradients are given the forward result of the same
	 * round (aniso_grad_arrays_with_out), as after a training step's
	 * forward call. */
	static const char *const lse_impls[GRAD_IMPLS] = {
		"anisocl-logsumexp", "anisocl-logsumexp-grad-x-given-out",
		"anisocl-logsumexp-grad-y-given-out", "anisocl-logsumexp-grad-b-given-out",
		"anisocl-logsumexp-grad-gamma-given-out"};
	const char *const *impls = reduction == ANISO_REDUCTION_LOGSUMEXP ? lse_impls : sum_impls;
	aniso_options options;
	struct bench_data data;
	aniso_array *x = NULL, *y = NULL, *b = NULL, *g = NULL, *out[GRAD_IMPLS] = {NULL};
	size_t rows[GRAD_IMPLS] = {s->M, s->M, s->N, s->N, s->gamma_rows};
	size_t cols[GRAD_IMPLS] = {s->E, s->D, s->D, s->E, s->K};
	double times[GRAD_IMPLS][64];
	struct bench_stats st[GRAD_IMPLS];
	int reps = o->reps < 64 ? o->reps : 64, err = 0, r, k;
	char note[128];

	aniso_options_init(&options);
	options.reduction = reduction;
	if (bench_data_make(&data, s, SEED))
		return;
	err = aniso_array_create(ctx, s->dtype, s->M, s->D, data.x, &x) ||
	      aniso_array_create(ctx, s->dtype, s->N, s->D, data.y, &y) ||
	      aniso_array_create(ctx, s->dtype, s->N, s->E, data.b, &b) ||
	      aniso_array_create(ctx, s->dtype, s->gamma_rows, s->K, data.gamma, &g);
	for (k = 0; !err && k < GRAD_IMPLS; ++k)
		err = aniso_array_create(ctx, s->dtype, rows[k], cols[k], NULL, &out[k]);
	/* round -1 is the warm-up: it builds the programs */
	for (r = -1; !err && r < reps; ++r)
		for (k = 0; !err && k < GRAD_IMPLS; ++k) {
			double t0 = bench_now();

			err = k == 0 ? aniso_sum_arrays_ex(ctx, &options, x, y, b, g, s->gamma_var,
							   out[0])
				     : aniso_grad_arrays_with_out(
					       ctx, &options, (aniso_wrt)(k - 1), x, y, b, g,
					       s->gamma_var, b,
					       reduction == ANISO_REDUCTION_LOGSUMEXP ? out[0] : NULL,
					       out[k]);
			if (r >= 0)
				times[k][r] = bench_now() - t0;
		}
	if (err) {
		fprintf(stderr, "bench_anisocl: grad: %s: %s\n", aniso_err_name(err),
			aniso_ctx_errmsg(ctx));
		csv_row("grad", "anisocl", s, NULL, "failed", aniso_err_name(err));
	} else {
		for (k = 0; k < GRAD_IMPLS; ++k)
			bench_stats_of(times[k], reps, &st[k]);
		for (k = 0; k < GRAD_IMPLS; ++k) {
			snprintf(note, sizeof(note), "%.2fx the %s's pairs/s, same rounds",
				 st[0].median / st[k].median, aniso_reduction_name(reduction));
			csv_row("grad", impls[k], s, &st[k], "ok", note);
		}
	}
	for (k = GRAD_IMPLS; k-- > 0;)
		aniso_array_free(out[k]);
	aniso_array_free(g);
	aniso_array_free(b);
	aniso_array_free(y);
	aniso_array_free(x);
	bench_data_free(&data);
}

static void section_grad(aniso_ctx *ctx, const struct options *o)
{
	for (int dt = 0; dt < 2; ++dt) {
		if (!(o->dtypes & (1u << dt)))
			continue;
		for (int var = 0; var < 3; ++var)
			for (int kind = 0; kind < 3; ++kind) {
				if (!(o->modes & (1u << (var * 3 + kind))))
					continue;
				for (size_t d = 0; d < o->n_dims; ++d)
					for (size_t n = 0; n < o->n_sizes; ++n) {
						const size_t D = o->dims[d], M = o->sizes[n];
						const size_t K = bench_k_of((enum bench_kind)kind, D);
						aniso_shape s = {M, M, D, o->E, K, var == 0 ? 1 : M,
								 (aniso_gamma_var)var, (aniso_dtype)dt};

						if (K > ANISO_MAX_GRAD_GAMMA_K)
							continue;
						fprintf(stderr, "grad: %s %s-%s D=%zu M=N=%zu\n",
							dt ? "f64" : "f32",
							bench_var_name((aniso_gamma_var)var),
							bench_kind_name((enum bench_kind)kind), D, M);
						if (o->reductions & 1u)
							grad_case(ctx, o, &s, ANISO_REDUCTION_SUM);
						if (o->reductions & 2u)
							grad_case(ctx, o, &s,
								  ANISO_REDUCTION_LOGSUMEXP);
					}
			}
	}
}

/* ------------------------------------------------------------------ */
/* Narrow kernels                                                      */
/* ------------------------------------------------------------------ */

/*
 * The same points (M = 1e4, N = 1e5, D = 3, uniform in the unit cube,
 * fixed isotropic gamma, each --dtypes) with gamma = 20 (wide: terms
 * spread over [e^-60, 1]), 200, 1e4 (narrow: almost every term below the
 * dtype's smallest normal number), one sum of each per round in that
 * order; the note gives each one's pairs/s as a fraction of gamma = 20's
 * in the same rounds.  Exact sums pay for every pair, so a narrow kernel
 * should cost what a wide one does.
 */
#define NARROW_CASES 3

static void narrow_case(aniso_ctx *ctx, const struct options *o, aniso_dtype dtype)
{
	static const double gammas[NARROW_CASES] = {20, 200, 1e4};
	const aniso_shape s = {10000, 100000, 3, 1, 1, 1, ANISO_GAMMA_FIXED, dtype};
	struct bench_data data;
	aniso_array *x = NULL, *y = NULL, *b = NULL, *g[NARROW_CASES] = {NULL}, *out = NULL;
	double times[NARROW_CASES][64];
	struct bench_stats st[NARROW_CASES];
	int reps = o->reps < 64 ? o->reps : 64, err = 0, r, k;
	char impl[64], note[128];

	if (bench_data_make(&data, &s, SEED))
		return;
	err = aniso_array_create(ctx, dtype, s.M, s.D, data.x, &x) ||
	      aniso_array_create(ctx, dtype, s.N, s.D, data.y, &y) ||
	      aniso_array_create(ctx, dtype, s.N, s.E, data.b, &b) ||
	      aniso_array_create(ctx, dtype, s.M, s.E, NULL, &out);
	for (k = 0; !err && k < NARROW_CASES; ++k) {
		const float g32 = (float)gammas[k];

		err = aniso_array_create(ctx, dtype, 1, 1,
					 dtype == ANISO_FLOAT64 ? (const void *)&gammas[k]
								: (const void *)&g32,
					 &g[k]);
	}
	for (r = -1; !err && r < reps; ++r)
		for (k = 0; !err && k < NARROW_CASES; ++k) {
			double t0 = bench_now();

			err = aniso_sum_arrays(ctx, x, y, b, g[k], ANISO_GAMMA_FIXED, out);
			if (r >= 0)
				times[k][r] = bench_now() - t0;
		}
	if (err) {
		fprintf(stderr, "bench_anisocl: narrow: %s: %s\n", aniso_err_name(err),
			aniso_ctx_errmsg(ctx));
		csv_row("narrow", "anisocl", &s, NULL, "failed", aniso_err_name(err));
	} else {
		for (k = 0; k < NARROW_CASES; ++k)
			bench_stats_of(times[k], reps, &st[k]);
		for (k = 0; k < NARROW_CASES; ++k) {
			snprintf(impl, sizeof(impl), "anisocl-gamma-%g", gammas[k]);
			snprintf(note, sizeof(note), "%.2fx gamma = 20's pairs/s, same rounds",
				 st[0].median / st[k].median);
			csv_row("narrow", impl, &s, &st[k], "ok", note);
		}
	}
	aniso_array_free(out);
	for (k = NARROW_CASES; k-- > 0;)
		aniso_array_free(g[k]);
	aniso_array_free(b);
	aniso_array_free(y);
	aniso_array_free(x);
	bench_data_free(&data);
}

static void section_narrow(aniso_ctx *ctx, const struct options *o)
{
	for (int dt = 0; dt < 2; ++dt)
		if (o->dtypes & (1u << dt))
			narrow_case(ctx, o, (aniso_dtype)dt);
}

/* ------------------------------------------------------------------ */
/* Truncated sums                                                      */
/* ------------------------------------------------------------------ */

/*
 * Issue #12's figure: M = N = --sizes (2e6 by default in the issue's
 * command), float32, points uniform in the unit cube, Gaussian, T = 1e-6,
 * gamma of scale 1e4: fixed isotropic 1e4, fixed diagonal (0.5, 1, 1.5,
 * ...) x 1e4, and per-j full 1e4 (I + 0.3 U) with U symmetric in [-1, 1]
 * (diagonally dominant for D <= 3, so positive definite).
 *
 * The exact sum of all M rows would take minutes; rows are independent, so
 * it runs on the first EXACT_ROWS rows against all N and its time is
 * scaled by M / EXACT_ROWS (pairs/s does not depend on M at these sizes:
 * the square and wide sections).  Those rows of the truncated result are
 * compared with it: the worst |out - exact| / sum_j |b_j|, which the
 * guarantee bounds by T.
 */
#define EXACT_ROWS 20000

static void truncate_case(aniso_ctx *ctx, const struct options *o, size_t n, size_t D,
			  int mode, double T)
{
	static const char *const modes[3] = {"fixed-iso", "fixed-diag", "per_j-full"};
	const aniso_gamma_var var = mode == 2 ? ANISO_GAMMA_PER_J : ANISO_GAMMA_FIXED;
	const size_t K = mode == 0 ? 1 : mode == 1 ? D : D * D, rows = mode == 2 ? n : 1;
	const size_t exact_rows = n < EXACT_ROWS ? n : EXACT_ROWS;
	aniso_shape s = {n, n, D, 1, K, rows, var, ANISO_FLOAT32};
	aniso_shape sub = s;
	struct bench_rng rng = {SEED};
	float *x = malloc(n * D * sizeof(float)), *y = malloc(n * D * sizeof(float));
	float *b = malloc(n * sizeof(float)), *g = malloc(rows * K * sizeof(float));
	float *out = malloc(n * sizeof(float)), *exact = malloc(exact_rows * sizeof(float));
	double times[64], b_abs = 0, worst = 0, t0, t_first, t_exact;
	int reps = o->reps < 64 ? o->reps : 64, r, err = 1;
	struct bench_stats st;
	aniso_options options;
	char note[256];
	size_t k, l, i;

	if (!x || !y || !b || !g || !out || !exact)
		goto done;
	for (k = 0; k < n * D; ++k) {
		x[k] = (float)bench_uniform(&rng);
		y[k] = (float)bench_uniform(&rng);
	}
	for (k = 0; k < n; ++k) {
		b[k] = (float)(2 * bench_uniform(&rng) - 1);
		b_abs += fabs(b[k]);
	}
	for (i = 0; i < rows; ++i) {
		float *row = g + i * K;

		for (k = 0; k < K; ++k)
			row[k] = mode == 1 ? (float)(1e4 * (0.5 + 0.5 * (double)k)) : 1e4f;
		if (mode == 2)
			for (k = 0; k < D; ++k)
				for (l = 0; l < D; ++l)
					row[k * D + l] =
						k == l ? 1e4f
						: l > k ? (float)(3e3 * (2 * bench_uniform(&rng) - 1))
							: row[l * D + k];
	}
	aniso_options_init(&options);
	options.tolerance = T;
	t0 = bench_now();
	err = aniso_sum_ex(ctx, &s, &options, x, y, b, g, out);
	t_first = bench_now() - t0;
	for (r = 0; !err && r < reps; ++r) {
		t0 = bench_now();
		err = aniso_sum_ex(ctx, &s, &options, x, y, b, g, out);
		times[r] = bench_now() - t0;
	}
	if (err)
		goto done;
	bench_stats_of(times, reps, &st);
	snprintf(note, sizeof(note), "%s", aniso_ctx_errmsg(ctx));
	sub.M = exact_rows;
	options.tolerance = 0;
	(void)aniso_sum_ex(ctx, &sub, &options, x, y, b, g, exact); /* builds the program */
	t0 = bench_now();
	err = aniso_sum_ex(ctx, &sub, &options, x, y, b, g, exact);
	t_exact = (bench_now() - t0) * (double)n / (double)exact_rows;
	if (err)
		goto done;
	for (i = 0; i < exact_rows; ++i)
		worst = fmax(worst, fabs((double)out[i] - (double)exact[i]) / b_abs);
	{
		char full[512];

		snprintf(full, sizeof(full),
			 "%s T=%g: %.1fx the exact sum (%.1f s, scaled from %zu rows); worst "
			 "|out - exact| / sum|b| = %.3g; first call %.2f s; %s",
			 modes[mode], T, t_exact / st.median, t_exact, exact_rows, worst, t_first,
			 note);
		csv_row("truncate", "anisocl-tolerance", &s, &st, "ok", full);
	}
done:
	if (err) {
		fprintf(stderr, "bench_anisocl: truncate: %s\n", aniso_ctx_errmsg(ctx));
		csv_row("truncate", "anisocl-tolerance", &s, NULL, "failed", aniso_ctx_errmsg(ctx));
	}
	free(exact);
	free(out);
	free(g);
	free(b);
	free(y);
	free(x);
}

/*
 * Where truncation stops paying: M = N = 1e5, float32, D = 3, fixed
 * isotropic gamma from 1 to 3e3, T = 1e-6; the exact sum and the
 * truncated one alternate in each round; the note gives the ratio of
 * their times and what the library decided (its note).
 */
static void section_breakeven(aniso_ctx *ctx, const struct options *o)
{
	static const double gammas[] = {1, 10, 30, 100, 300, 1000, 3000};
	const size_t n = 100000, D = 3;
	aniso_shape s = {n, n, D, 1, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32};
	struct bench_rng rng = {SEED};
	float *x = malloc(n * D * sizeof(float)), *y = malloc(n * D * sizeof(float));
	float *b = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
	int reps = o->reps < 64 ? o->reps : 64;
	size_t k, c;

	if (!x || !y || !b || !out)
		goto done;
	for (k = 0; k < n * D; ++k) {
		x[k] = (float)bench_uniform(&rng);
		y[k] = (float)bench_uniform(&rng);
	}
	for (k = 0; k < n; ++k)
		b[k] = (float)(2 * bench_uniform(&rng) - 1);
	for (c = 0; c < sizeof(gammas) / sizeof(gammas[0]); ++c) {
		const float g = (float)gammas[c];
		double t[2][64];
		struct bench_stats st[2];
		char note[512], decided[256] = "";
		aniso_options options;
		int r, which, err = 0;

		aniso_options_init(&options);
		for (r = -1; !err && r < reps; ++r)
			for (which = 0; !err && which < 2; ++which) {
				double t0 = bench_now();

				options.tolerance = which ? 1e-6 : 0;
				err = aniso_sum_ex(ctx, &s, &options, x, y, b, &g, out);
				if (r >= 0)
					t[which][r] = bench_now() - t0;
				if (which && r < 0)
					snprintf(decided, sizeof(decided), "%s", aniso_ctx_errmsg(ctx));
			}
		if (err) {
			csv_row("breakeven", "anisocl-tolerance", &s, NULL, "failed",
				aniso_ctx_errmsg(ctx));
			continue;
		}
		bench_stats_of(t[0], reps, &st[0]);
		bench_stats_of(t[1], reps, &st[1]);
		snprintf(note, sizeof(note), "gamma = %g: %.2fx the exact sum's time; %s", gammas[c],
			 st[1].median / st[0].median, decided);
		csv_row("breakeven", "anisocl-exact", &s, &st[0], "ok", "");
		csv_row("breakeven", "anisocl-tolerance", &s, &st[1], "ok", note);
	}
done:
	free(out);
	free(b);
	free(y);
	free(x);
}

static void section_truncate(aniso_ctx *ctx, const struct options *o)
{
	for (size_t si = 0; si < o->n_sizes; ++si)
		for (size_t di = 0; di < o->n_dims; ++di)
			for (int mode = 0; mode < 3; ++mode)
				truncate_case(ctx, o, o->sizes[si], o->dims[di], mode, 1e-6);
}

int main(int argc, char **argv)
{
	struct options o;
	aniso_ctx *ctx = NULL;
	char why[512], self[4096];
	double t_start = bench_now();
	int rc = 1;

	/* Subprocess modes first: they must not create anything else. */
	if (argc == 3 && !strcmp(argv[1], "--first-call"))
		return first_call_child(atof(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "--peak-mem"))
		return peak_mem_child(strstr(argv[2], "64") ? ANISO_FLOAT64 : ANISO_FLOAT32, 8.0);
	if (parse_options(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	self_path(self, sizeof(self), argv[0]);
	o.self = self;
	if (aniso_ctx_create(&ctx, why, sizeof(why))) {
		fprintf(stderr, "bench_anisocl: no OpenCL context: %s\n", why);
		goto out;
	}
	g_device = aniso_ctx_device_name(ctx);
	if (!aniso_ctx_has_fp64(ctx))
		o.dtypes &= 1u;
	fprintf(stderr,
		"anisocl %s on \"%s\"; plain C: %d OpenMP threads, %s; %d reps after a warm-up\n",
		aniso_version_string(), g_device, baseline_omp_threads(), baseline_omp_flags(),
		o.reps);
	csv_header();
	if (has_section(&o, "accuracy"))
		section_accuracy(ctx, &o);
	if (has_section(&o, "latency"))
		section_latency(&o);
	if (has_section(&o, "memory"))
		section_memory(&o);
	if (has_section(&o, "host"))
		section_host(ctx, &o);
	if (has_section(&o, "square"))
		section_square(ctx, &o);
	if (has_section(&o, "wide"))
		section_wide(ctx, &o);
	if (has_section(&o, "skinny"))
		section_skinny(ctx, &o);
	if (has_section(&o, "grad") && strstr(o.sections, "grad"))
		section_grad(ctx, &o);
	if (has_section(&o, "narrow"))
		section_narrow(ctx, &o);
	if (has_section(&o, "truncate") && strstr(o.sections, "truncate"))
		section_truncate(ctx, &o);
	if (has_section(&o, "breakeven") && strstr(o.sections, "breakeven"))
		section_breakeven(ctx, &o);
	fprintf(stderr, "bench_anisocl: done in %.0f s\n", bench_now() - t_start);
	rc = 0;
out:
	aniso_ctx_free(ctx);
	return rc;
}
