/* Element conversion from .npy data to native arrays (see npy_convert.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "byte_order.h"
#include "npy_convert.h"

int npy_is_float(const struct npy_array *a)
{
	return a->kind == 'f' && (a->itemsize == 4 || a->itemsize == 8) &&
	       (a->byte_order == '<' || a->byte_order == '>');
}

/* One element of the file, as a double in native order. */
static double element_at(const struct npy_array *a, size_t index, int swap)
{
	unsigned char raw[8];

	memcpy(raw, a->data + index * a->itemsize, a->itemsize);
	if (swap)
		swap_elements(raw, 1, a->itemsize);
	if (a->itemsize == 4) {
		float f;

		memcpy(&f, raw, sizeof(f));
		return f;
	} else {
		double d;

		memcpy(&d, raw, sizeof(d));
		return d;
	}
}

/*
 * Offset in the file of the element at C-order position c.  For Fortran
 * order the first index varies fastest, so the strides are reversed.
 */
static size_t file_index(const struct npy_array *a, const size_t *index)
{
	size_t offset = 0, stride = 1, d;

	if (!a->fortran_order) {
		for (d = a->ndim; d-- > 0;) {
			offset += index[d] * stride;
			stride *= a->shape[d];
		}
	} else {
		for (d = 0; d < a->ndim; ++d) {
			offset += index[d] * stride;
			stride *= a->shape[d];
		}
	}
	return offset;
}

/*
 * Writes the element at file index `at` to dst as elem_size bytes in
 * native order.  At the same width the bits travel as they are, so a
 * signalling NaN stays one whatever the layout, as in the one-copy path of
 * npy_to_native; across widths the value goes through C's conversion.
 */
static void convert_element(const struct npy_array *a, size_t at, int swap,
			    size_t elem_size, unsigned char *dst)
{
	if (elem_size == a->itemsize) {
		memcpy(dst, a->data + at * elem_size, elem_size);
		if (swap)
			swap_elements(dst, 1, elem_size);
	} else if (elem_size == 4) {
		float f = (float)element_at(a, at, swap);

		memcpy(dst, &f, 4);
	} else {
		double v = element_at(a, at, swap);

		memcpy(dst, &v, 8);
	}
}

void *npy_to_native(const struct npy_array *a, size_t elem_size)
{
	size_t index[NPY_MAX_DIMS] = {0};
	int swap = (a->byte_order == '<') != host_is_little_endian();
	unsigned char *out;
	size_t c, d;

	if (a->count > ((size_t)-1) / elem_size)
		return NULL;
	out = malloc(a->count ? a->count * elem_size : 1);
	if (!out)
		return NULL;
	/* The common case, already in the wanted layout: one copy. */
	if (!swap && (!a->fortran_order || a->ndim < 2) && elem_size == a->itemsize) {
		memcpy(out, a->data, a->data_size);
		return out;
	}
	for (c = 0; c < a->count; ++c) {
		convert_element(a, file_index(a, index), swap, elem_size,
				out + c * elem_size);
		/* next C-order multi-index: the last dimension runs fastest */
		for (d = a->ndim; d-- > 0;) {
			if (++index[d] < a->shape[d])
				break;
			index[d] = 0;
		}
	}
	return out;
}
