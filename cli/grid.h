/* Sampling a kernel sum on the unit square, as the KeOps tutorial does:
 * the res x res cell centres ((c + 0.5) / res, (r + 0.5) / res). */
#ifndef ANISOCL_CLI_GRID_H
#define ANISOCL_CLI_GRID_H

#include <stddef.h>

#include "anisocl.h"

/*
 * values[r * res + c] (in shape->dtype) = the sum at x = (tick c, tick r),
 * so row r is the y-coordinate index and row 0 the bottom of the picture.
 * shape gives N, K, gamma_rows, gamma_var and dtype; M, D and E are set
 * here (res * res, 2, 1).  options as aniso_sum_ex takes them (NULL: the
 * Gaussian).  Returns an aniso_status; ANISO_ERR_NO_MEMORY when the grid
 * does not fit in host memory.
 */
int grid_evaluate(aniso_ctx *ctx, const aniso_shape *shape, const aniso_options *options,
		  size_t res, const void *y, const void *b, const void *gamma, void *values);

/* A malloc'd double copy of count values of dtype, for drawing. */
double *grid_to_double(const void *values, size_t count, aniso_dtype dtype);

#endif
