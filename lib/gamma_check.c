/* Checking that a metric is positive semi-definite, so that every term
 * exp(-d^T G d) stays at most 1.  Host-side, on the caller's gamma. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "internal.h"

/* Cholesky of the symmetric part of a D x D row-major matrix, with a
 * tolerance relative to its largest diagonal entry for the semi-definite
 * case.  1 when it is positive semi-definite. */
static int symmetric_part_is_psd(const double *g, size_t D, double *work)
{
	double scale = 0, tolerance;
	size_t i, j, k;

	for (i = 0; i < D; ++i)
		for (j = 0; j < D; ++j) {
			work[i * D + j] = 0.5 * (g[i * D + j] + g[j * D + i]);
			if (!isfinite(work[i * D + j]))
				return 0;
		}
	for (i = 0; i < D; ++i)
		scale = fmax(scale, fabs(work[i * D + i]));
	tolerance = 1e-12 * (scale > 0 ? scale : 1) * (double)D;
	for (j = 0; j < D; ++j) {
		double pivot = work[j * D + j];

		for (k = 0; k < j; ++k)
			pivot -= work[j * D + k] * work[j * D + k];
		if (pivot < -tolerance)
			return 0;
		if (pivot <= tolerance) {
			/* A zero pivot: the rest of its column must vanish too. */
			for (i = j + 1; i < D; ++i) {
				double v = work[i * D + j];

				for (k = 0; k < j; ++k)
					v -= work[i * D + k] * work[j * D + k];
				if (fabs(v) > tolerance)
					return 0;
				work[i * D + j] = 0;
			}
			work[j * D + j] = 0;
			continue;
		}
		pivot = sqrt(pivot);
		work[j * D + j] = pivot;
		for (i = j + 1; i < D; ++i) {
			double v = work[i * D + j];

			for (k = 0; k < j; ++k)
				v -= work[i * D + k] * work[j * D + k];
			work[i * D + j] = v / pivot;
		}
	}
	return 1;
}

int aniso_gamma_check(aniso_dtype dtype, size_t D, size_t K, size_t rows,
		      const void *gamma, size_t *first_bad_row)
{
	double *row = NULL, *work = NULL;
	aniso_metric metric;
	size_t r, k;
	int err = ANISO_OK, ok = 1;

	if (first_bad_row)
		*first_bad_row = rows;
	if (!gamma && rows > 0)
		return ANISO_ERR_NULL_ARG;
	if (dtype != ANISO_FLOAT32 && dtype != ANISO_FLOAT64)
		return ANISO_ERR_BAD_DTYPE;
	if (D == 0)
		return ANISO_ERR_BAD_DIM;
	metric = aniso_metric_of(K, D);
	if (metric == ANISO_METRIC_INVALID)
		return ANISO_ERR_BAD_K;
	row = malloc(K * sizeof(*row));
	work = metric == ANISO_METRIC_FULL ? malloc(K * sizeof(*work)) : NULL;
	if (!row || (metric == ANISO_METRIC_FULL && !work)) {
		err = ANISO_ERR_NO_MEMORY;
		goto out;
	}
	for (r = 0; r < rows && ok; ++r) {
		for (k = 0; k < K; ++k)
			row[k] = dtype == ANISO_FLOAT64 ? ((const double *)gamma)[r * K + k]
							: ((const float *)gamma)[r * K + k];
		if (metric == ANISO_METRIC_FULL) {
			ok = symmetric_part_is_psd(row, D, work);
		} else {
			for (k = 0; k < K; ++k)
				ok &= row[k] >= 0 && isfinite(row[k]);
		}
		if (!ok && first_bad_row)
			*first_bad_row = r;
	}
	if (!ok)
		err = ANISO_ERR_BAD_ARG;
out:
	free(work);
	free(row);
	return err;
}
