/* Small helpers of the benchmark driver: clocks, statistics over
 * repetitions, the flop count of a pair, random data, peak memory. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <anisocl.h>

/* Seconds on CLOCK_MONOTONIC (system-wide: comparable across processes). */
double bench_now(void);

/* Median, min and max of n >= 1 timings (sorts t in place). */
struct bench_stats {
	double median, min, max;
	int n;
};
void bench_stats_of(double *t, int n, struct bench_stats *st);

/* Metric kinds, from K and D. */
enum bench_kind { BENCH_ISO = 0, BENCH_DIAG = 1, BENCH_FULL = 2 };
enum bench_kind bench_kind_of(size_t K, size_t D);
size_t bench_k_of(enum bench_kind kind, size_t D);
const char *bench_kind_name(enum bench_kind kind);
const char *bench_var_name(aniso_gamma_var var);

/*
 * Floating-point operations counted for one (i, j) pair; see
 * bench/README.md.  diff: D; iso: 2D + 1; diag: 3D; full: 2D^2 + 2D;
 * exp: 1 (one special function counted as one flop, so that GFLOP/s is a
 * lower bound, never inflated); product with b and the sum: 2E.
 */
double bench_flops_per_pair(enum bench_kind kind, size_t D, size_t E);

/* A splitmix64 generator: fast, seedable, and the same everywhere. */
struct bench_rng {
	uint64_t state;
};
double bench_uniform(struct bench_rng *rng); /* [0, 1) */

/*
 * Host arrays of one problem in double (the float32 copies are made from
 * them, so that both dtypes see the same numbers to rounding):
 * x, y uniform in [0,1)^D, b in [0.5, 1.5), gamma positive definite.
 */
struct bench_data {
	aniso_shape shape;
	void *x, *y, *b, *gamma; /* in shape.dtype */
};
int bench_data_make(struct bench_data *data, const aniso_shape *shape,
		    uint64_t seed);
void bench_data_free(struct bench_data *data);

/* Peak resident set size of this process (VmHWM), in bytes, since the
 * start or since the last bench_reset_peak_rss. */
double bench_peak_rss_bytes(void);
/* Restart the peak from the current resident size (Linux >= 4.0); returns
 * 0 on success. */
int bench_reset_peak_rss(void);
/* Resident set size now, in bytes (0 when /proc is not there). */
double bench_rss_bytes(void);

#endif /* BENCH_UTIL_H */
