/* From a parsed .npy array to the library's layout: native byte order,
 * C (row-major) order, float32 or float64. */
#ifndef ANISOCL_CLI_NPY_CONVERT_H
#define ANISOCL_CLI_NPY_CONVERT_H

#include <stddef.h>

#include "npy.h"

/* Whether the array holds float32 or float64 numbers (either byte order). */
int npy_is_float(const struct npy_array *a);

/*
 * A malloc'd copy of a's elements as elem_size-byte floats (4 or 8) in
 * native byte order and C order; big-endian data is swapped and Fortran
 * order transposed.  a must satisfy npy_is_float.  NULL when out of memory
 * (never for count 0: a 1-byte block is returned then).
 */
void *npy_to_native(const struct npy_array *a, size_t elem_size);

#endif
