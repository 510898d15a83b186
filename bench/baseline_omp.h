/* The plain-C OpenMP baseline of the benchmark: the same sums as
 * aniso_sum, on the host, written so that the compiler vectorises the
 * loop over j.  It is the "what a careful CPU loop gets" yardstick that the
 * library is measured against, not a second implementation to ship. */
#ifndef BENCH_BASELINE_OMP_H
#define BENCH_BASELINE_OMP_H

#include <anisocl.h>

typedef struct baseline_job_s baseline_job;

/*
 * Copy x, y, b and gamma into the layout the loops want (y, b and per-j
 * gamma transposed to one column per coordinate, so that consecutive j are
 * consecutive in memory).  This is the baseline's counterpart of
 * aniso_array_create and, like it, is not timed.
 * Returns 0, -1 when an allocation fails, -2 for a shape it does not run
 * (D > 16 or E > 16).
 */
int baseline_omp_prepare(const aniso_shape *shape, const void *x,
			 const void *y, const void *b, const void *gamma,
			 baseline_job **job);

/* out (M x E, the shape's dtype) = sum over j.  This is what is timed. */
void baseline_omp_run(const baseline_job *job, void *out);

/* Accepts NULL. */
void baseline_omp_free(baseline_job *job);

/* The compiler flags the baseline was built with, for the report. */
const char *baseline_omp_flags(void);

/* Number of OpenMP threads the baseline runs on. */
int baseline_omp_threads(void);

#endif /* BENCH_BASELINE_OMP_H */
