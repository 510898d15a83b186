/* The plain-C OpenMP baseline: layout preparation, and dispatch to the
 * loops of baseline_omp_tmpl.h specialised for float/double and D = 2, 3, 8.
 * Built with -O3 -march=native -ffast-math and OpenMP (see bench/local.mk):
 * -ffast-math is what lets GCC call libmvec's vector exp and reassociate
 * the sums over j into vector lanes. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "baseline_omp.h"

/* Larger D or E have no benchmark case; the caps keep private arrays of
 * the loops on the stack. */
#define BL_MAX_DIM 16
#define BL_MAX_E 16
/* Terms summed in the working precision before going into a double. */
#define BL_J_BLOCK 1024

enum { BL_ISO = 0, BL_DIAG = 1, BL_FULL = 2 };

struct baseline_job_s {
	aniso_shape shape;
	int kind;          /* BL_ISO, BL_DIAG or BL_FULL */
	const void *x;     /* the caller's M x D, row-major */
	const void *gamma; /* the caller's, used as is unless per-j */
	void *yt;          /* D x N: column k of y is yt[k*N ...] */
	void *bt;          /* E x N */
	void *gt;          /* K x N, per-j gamma only */
	void *out;         /* set for the duration of baseline_omp_run */
};

/* dst[c*rows + r] = src[r*cols + c], for elements of `size` bytes. */
static void *transpose(const void *src, size_t rows, size_t cols, size_t size)
{
	const char *s = src;
	char *dst = malloc(rows * cols * size + 1);

	if (!dst)
		return NULL;
	for (size_t r = 0; r < rows; ++r)
		for (size_t c = 0; c < cols; ++c)
			memcpy(dst + (c * rows + r) * size, s + (r * cols + c) * size, size);
	return dst;
}

#define BL_REAL float
#define BL_EXP expf
#define BL_DIM 2
#define BL_NAME f32_d2
#include "baseline_omp_tmpl.h"
#undef BL_DIM
#undef BL_NAME
#define BL_DIM 3
#define BL_NAME f32_d3
#include "baseline_omp_tmpl.h"
#undef BL_DIM
#undef BL_NAME
#define BL_DIM 8
#define BL_NAME f32_d8
#include "baseline_omp_tmpl.h"
#undef BL_DIM
#undef BL_NAME
#define BL_DIM 0
#define BL_NAME f32_dn
#include "baseline_omp_tmpl.h"
#undef BL_DIM
#undef BL_NAME
#undef BL_REAL
#undef BL_EXP

#define BL_REAL double
#define BL_EXP exp
#define BL_DIM 2
#define BL_NAME f64_d2
#include "baseline_omp_tmpl.h"
#undef BL_DIM
#undef BL_NAME
#define BL_DIM 3
#define BL_NAME f64_d3
#include "baseline_omp_tmpl.h"
#undef BL_DIM
#undef BL_NAME
#define BL_DIM 8
#define BL_NAME f64_d8
#include "baseline_omp_tmpl.h"
#undef BL_DIM
#undef BL_NAME
#define BL_DIM 0
#define BL_NAME f64_dn
#include "baseline_omp_tmpl.h"
#undef BL_DIM
#undef BL_NAME
#undef BL_REAL
#undef BL_EXP

int baseline_omp_prepare(const aniso_shape *shape, const void *x,
			 const void *y, const void *b, const void *gamma,
			 baseline_job **out_job)
{
	const size_t size = shape->dtype == ANISO_FLOAT64 ? sizeof(double) : sizeof(float);
	baseline_job *job = NULL;
	int err = -1;

	*out_job = NULL;
	if (shape->D > BL_MAX_DIM || shape->E > BL_MAX_E || shape->D == 0 ||
	    shape->E == 0 || shape->N == 0) {
		err = -2;
		goto fail;
	}
	job = calloc(1, sizeof(*job));
	if (!job)
		goto fail;
	job->shape = *shape;
	switch (aniso_metric_of(shape->K, shape->D)) {
	case ANISO_METRIC_ISO:
		job->kind = BL_ISO;
		break;
	case ANISO_METRIC_DIAG:
		job->kind = BL_DIAG;
		break;
	default:
		job->kind = BL_FULL;
		break;
	}
	job->x = x;
	job->gamma = gamma;
	job->yt = transpose(y, shape->N, shape->D, size);
	job->bt = transpose(b, shape->N, shape->E, size);
	if (!job->yt || !job->bt)
		goto fail;
	if (shape->gamma_var == ANISO_GAMMA_PER_J) {
		job->gt = transpose(gamma, shape->N, shape->K, size);
		if (!job->gt)
			goto fail;
	}
	*out_job = job;
	return 0;
fail:
	baseline_omp_free(job);
	return err;
}

void baseline_omp_run(const baseline_job *job, void *out)
{
	/* The loops write through job->out; the job is otherwise read-only. */
	baseline_job *j = (baseline_job *)job;
	const int f64 = job->shape.dtype == ANISO_FLOAT64;

	j->out = out;
	switch (job->shape.D) {
	case 2:
		f64 ? rows_f64_d2(job) : rows_f32_d2(job);
		break;
	case 3:
		f64 ? rows_f64_d3(job) : rows_f32_d3(job);
		break;
	case 8:
		f64 ? rows_f64_d8(job) : rows_f32_d8(job);
		break;
	default:
		f64 ? rows_f64_dn(job) : rows_f32_dn(job);
		break;
	}
	j->out = NULL;
}

void baseline_omp_free(baseline_job *job)
{
	if (!job)
		return;
	free(job->gt);
	free(job->bt);
	free(job->yt);
	free(job);
}

const char *baseline_omp_flags(void)
{
	return BASELINE_OMP_FLAGS;
}

int baseline_omp_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}
