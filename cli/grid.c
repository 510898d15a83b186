/* Kernel sums on the grid of cell centres of the unit square (grid.h). */
#include "config.h"

#include <stdlib.h>

#include "grid.h"

int grid_evaluate(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
		  size_t res, const void *y, const void *b, const void *gamma, void *values)
{
	aniso_shape grid_shape = *shape;
	void *x = NULL;
	size_t r, c, count;
	int code;

	if (res == 0 || res > 65535)
		return ANISO_ERR_BAD_ARG;
	count = res * res;
	grid_shape.M = count;
	grid_shape.D = 2;
	grid_shape.E = 1;
	x = malloc(count * 2 * (shape->dtype == ANISO_FLOAT64 ? sizeof(double) : sizeof(float)));
	if (!x) {
		code = ANISO_ERR_NO_MEMORY;
		goto cleanup;
	}
	/* numpy.meshgrid(ticks, ticks) flattened: x varies along a row */
	for (r = 0; r < res; ++r) {
		for (c = 0; c < res; ++c) {
			double u = ((double)c + 0.5) / (double)res;
			double v = ((double)r + 0.5) / (double)res;
			size_t i = r * res + c;

			if (shape->dtype == ANISO_FLOAT64) {
				((double *)x)[2 * i] = u;
				((double *)x)[2 * i + 1] = v;
			} else {
				((float *)x)[2 * i] = (float)u;
				((float *)x)[2 * i + 1] = (float)v;
			}
		}
	}
	code = aniso_sum_ex(ctx, &grid_shape, options, x, y, b, gamma, values);
cleanup:
	free(x);
	return code;
}

double *grid_to_double(const void *values, size_t count, aniso_dtype dtype)
{
	double *out = malloc(count ? count * sizeof(double) : 1);
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < count; ++i)
		out[i] = dtype == ANISO_FLOAT64 ? ((const double *)values)[i]
						: (double)((const float *)values)[i];
	return out;
}
