/* Small helpers of the benchmark driver (see bench_util.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_stats_of(double *t, int n, struct bench_stats *st)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	st->n = n;
	st->min = t[0];
	st->max = t[n - 1];
	st->median = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

enum bench_kind bench_kind_of(size_t K, size_t D)
{
	const aniso_metric metric = aniso_metric_of(K, D);

	return metric == ANISO_METRIC_ISO ? BENCH_ISO : metric == ANISO_METRIC_DIAG ? BENCH_DIAG
										   : BENCH_FULL;
}

size_t bench_k_of(enum bench_kind kind, size_t D)
{
	return kind == BENCH_ISO ? 1 : kind == BENCH_DIAG ? D : D * D;
}

const char *bench_kind_name(enum bench_kind kind)
{
	return kind == BENCH_ISO ? "iso" : kind == BENCH_DIAG ? "diag" : "full";
}

const char *bench_var_name(aniso_gamma_var var)
{
	return var == ANISO_GAMMA_FIXED ? "fixed" : var == ANISO_GAMMA_PER_I ? "per_i" : "per_j";
}

double bench_flops_per_pair(enum bench_kind kind, size_t D, size_t E)
{
	double d = (double)D, metric;

	if (kind == BENCH_ISO)
		metric = 2 * d + 1; /* D squares and adds, one product by gamma */
	else if (kind == BENCH_DIAG)
		metric = 3 * d; /* d*d, *g, + */
	else
		metric = 2 * d * d + 2 * d; /* D rows of D fma, then D fma */
	/* D differences + metric + exp (1) + E multiply-adds with b. */
	return d + metric + 1 + 2 * (double)E;
}

double bench_uniform(struct bench_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

/* One gamma row of K numbers: positive scales for iso and diag; for full a
 * symmetric, diagonally dominant (so positive definite) matrix. */
static void gamma_row(struct bench_rng *rng, enum bench_kind kind, size_t D,
		      double *g)
{
	if (kind != BENCH_FULL) {
		for (size_t k = 0; k < bench_k_of(kind, D); ++k)
			g[k] = 0.5 + bench_uniform(rng);
		return;
	}
	for (size_t k = 0; k < D; ++k) {
		g[k * D + k] = 1.0 + bench_uniform(rng);
		for (size_t l = 0; l < k; ++l) {
			double v = (bench_uniform(rng) - 0.5) * 0.8 / (double)D;

			g[k * D + l] = g[l * D + k] = v;
		}
	}
}

/* Store n doubles as the dtype into a fresh allocation. */
static void *store(const double *v, size_t n, aniso_dtype dtype)
{
	void *out;

	if (dtype == ANISO_FLOAT64) {
		out = malloc(n * sizeof(double) + 1);
		if (out)
			memcpy(out, v, n * sizeof(double));
		return out;
	}
	out = malloc(n * sizeof(float) + 1);
	if (out)
		for (size_t i = 0; i < n; ++i)
			((float *)out)[i] = (float)v[i];
	return out;
}

static int fill(void **dst, size_t n, aniso_dtype dtype, struct bench_rng *rng,
		double lo, double width)
{
	double *v = malloc(n * sizeof(double) + 1);

	if (!v)
		return -1;
	for (size_t i = 0; i < n; ++i)
		v[i] = lo + width * bench_uniform(rng);
	*dst = store(v, n, dtype);
	free(v);
	return *dst ? 0 : -1;
}

int bench_data_make(struct bench_data *data, const aniso_shape *shape,
		    uint64_t seed)
{
	struct bench_rng rng = {seed};
	const enum bench_kind kind = bench_kind_of(shape->K, shape->D);
	double *g = NULL;
	int err = -1;

	memset(data, 0, sizeof(*data));
	data->shape = *shape;
	if (fill(&data->x, shape->M * shape->D, shape->dtype, &rng, 0, 1) ||
	    fill(&data->y, shape->N * shape->D, shape->dtype, &rng, 0, 1) ||
	    fill(&data->b, shape->N * shape->E, shape->dtype, &rng, 0.5, 1))
		goto out;
	g = malloc(shape->gamma_rows * shape->K * sizeof(double) + 1);
	if (!g)
		goto out;
	for (size_t r = 0; r < shape->gamma_rows; ++r)
		gamma_row(&rng, kind, shape->D, g + r * shape->K);
	data->gamma = store(g, shape->gamma_rows * shape->K, shape->dtype);
	if (data->gamma)
		err = 0;
out:
	free(g);
	if (err)
		bench_data_free(data);
	return err;
}

void bench_data_free(struct bench_data *data)
{
	free(data->gamma);
	free(data->b);
	free(data->y);
	free(data->x);
	memset(data, 0, sizeof(*data));
}

double bench_peak_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	double kb = 0;
	struct rusage ru;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "VmHWM: %lf kB", &kb) == 1)
				break;
		fclose(f);
	}
	if (kb > 0)
		return 1024.0 * kb;
	/* No /proc: the peak of the whole life of the process. */
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return 1024.0 * (double)ru.ru_maxrss; /* Linux: kilobytes */
}

int bench_reset_peak_rss(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int rc;

	if (!f)
		return -1;
	rc = fputs("5", f) < 0;
	return fclose(f) != 0 || rc ? -1 : 0;
}

double bench_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, resident = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (double)resident * (double)sysconf(_SC_PAGESIZE);
}
