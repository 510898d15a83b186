/*
 * libFuzzer target for the .npy reader (cli/npy.c, cli/npy_convert.c).
 *
 * Every input is handed to npy_parse.  Invariants, each checked with
 * abort() so that libFuzzer records the input:
 *  - the result is 0 or -1, and the same whatever error buffer is given
 *    (none, one byte, a short one, a long one); a short buffer is never
 *    written past its end and always ends in a NUL;
 *  - a failure leaves a non-empty one-line message;
 *  - a success describes the bytes given: version 1.0, 2.0 or 3.0, a known
 *    byte order and kind, count = product of the shape, data_size =
 *    count * itemsize, header_size + data_size = the input's size, data
 *    pointing just past the header;
 *  - a header rebuilt by npy_header_build from what was parsed, followed by
 *    the same data, parses back to the same array;
 *  - float32/float64 arrays convert with npy_to_native to both element
 *    sizes, and every element lands where an independent C-order /
 *    Fortran-order index computation says it should.
 * Everything allocated is freed, so LeakSanitizer stays meaningful here.
 *
 * Build and run: tests/fuzz/build.sh, tests/fuzz/run.sh.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "npy_convert.h"
#include "byte_order.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_npy: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* A message buffer: what npy_parse wrote must stay inside err_size bytes. */
#define CANARY 0xC5
#define ERR_BIG 512

static int parse_with_err(const uint8_t *data, size_t size, struct npy_array *a,
			  size_t err_size, char *msg_copy)
{
	char buf[ERR_BIG + 16];
	size_t k;
	int ret;

	memset(buf, CANARY, sizeof(buf));
	ret = npy_parse(data, size, a, err_size ? buf : NULL, err_size);
	CHECK(ret == 0 || ret == -1);
	for (k = err_size; k < sizeof(buf); ++k)
		CHECK((unsigned char)buf[k] == CANARY);
	if (ret != 0 && err_size > 0) {
		/* always NUL-terminated within the buffer */
		CHECK(memchr(buf, '\0', err_size) != NULL);
	}
	if (msg_copy) {
		if (ret != 0 && err_size > 0)
			memcpy(msg_copy, buf, err_size);
		else
			msg_copy[0] = '\0';
	}
	return ret;
}

/* Product of the shape, or 0 with *overflow set. */
static size_t shape_count(const size_t *shape, size_t ndim, int *overflow)
{
	size_t count = 1, d;

	*overflow = 0;
	for (d = 0; d < ndim; ++d) {
		if (shape[d] != 0 && count > SIZE_MAX / shape[d]) {
			*overflow = 1;
			return 0;
		}
		count *= shape[d];
	}
	return count;
}

static void check_success(const uint8_t *data, size_t size,
			  const struct npy_array *a)
{
	size_t prefix, count;
	int overflow;

	CHECK(a->major >= 1 && a->major <= 3 && a->minor == 0);
	prefix = a->major == 1 ? 10 : 12;
	CHECK(memchr(a->descr, '\0', sizeof(a->descr)) != NULL);
	CHECK(a->byte_order == '<' || a->byte_order == '>' || a->byte_order == '|');
	CHECK(a->kind != '\0' && strchr("fiubcSUVMm", a->kind) != NULL);
	CHECK(a->fortran_order == 0 || a->fortran_order == 1);
	CHECK(a->ndim <= NPY_MAX_DIMS);
	count = shape_count(a->shape, a->ndim, &overflow);
	CHECK(!overflow);
	CHECK(a->count == count);
	CHECK(a->itemsize == 0 || a->count <= SIZE_MAX / a->itemsize);
	CHECK(a->data_size == a->count * a->itemsize);
	CHECK(a->header_size >= prefix && a->header_size <= size);
	CHECK(a->header_size + a->data_size == size);
	CHECK(a->data == data + a->header_size);
	if (a->kind == 'f')
		CHECK(a->itemsize == 2 || a->itemsize == 4 || a->itemsize == 8 ||
		      a->itemsize == 16);
}

/* Offset in elements, within the file, of C-order element c, computed
 * independently of npy_convert.c: the multi-index by division, then a
 * Horner sum over it, last index fastest; a Fortran-order file is the
 * C-order layout of the reversed shape, so index and shape are reversed
 * first. */
static size_t file_offset(const struct npy_array *a, size_t c)
{
	size_t index[NPY_MAX_DIMS], extent[NPY_MAX_DIMS], offset = 0, d;

	for (d = a->ndim; d-- > 0;) {
		index[d] = c % a->shape[d];
		c /= a->shape[d];
	}
	for (d = 0; d < a->ndim; ++d)
		extent[d] = a->shape[d];
	for (d = 0; a->fortran_order && d < a->ndim / 2; ++d) {
		size_t t = index[d], u = extent[d];

		index[d] = index[a->ndim - 1 - d];
		index[a->ndim - 1 - d] = t;
		extent[d] = extent[a->ndim - 1 - d];
		extent[a->ndim - 1 - d] = u;
	}
	for (d = 0; d < a->ndim; ++d)
		offset = offset * extent[d] + index[d];
	return offset;
}

/* The element's bytes in native order, reversed by hand when the file's
 * order differs (not with the library's swap helper). */
static void element_bytes(const struct npy_array *a, size_t offset,
			  unsigned char *raw)
{
	int swap = (a->byte_order == '<') != host_is_little_endian();
	size_t k;

	for (k = 0; k < a->itemsize; ++k)
		raw[k] = a->data[offset * a->itemsize +
				 (swap ? a->itemsize - 1 - k : k)];
}

static double element_value(const struct npy_array *a, size_t offset)
{
	unsigned char raw[8];

	element_bytes(a, offset, raw);
	if (a->itemsize == 4) {
		float f;

		memcpy(&f, raw, 4);
		return f;
	} else {
		double v;

		memcpy(&v, raw, 8);
		return v;
	}
}

static void check_conversion(const struct npy_array *a)
{
	static const size_t sizes[2] = {4, 8};
	int s;

	if (!npy_is_float(a)) {
		CHECK(!(a->kind == 'f' && (a->itemsize == 4 || a->itemsize == 8) &&
			a->byte_order != '|'));
		return;
	}
	for (s = 0; s < 2; ++s) {
		size_t elem = sizes[s], c;
		unsigned char *out = npy_to_native(a, elem);

		/* count * itemsize bytes are in the input, so this fits */
		CHECK(out != NULL);
		for (c = 0; c < a->count; ++c) {
			size_t at = file_offset(a, c);
			double v = element_value(a, at);

			if (elem == a->itemsize) {
				/* same width: the bits, NaN payloads and
				 * signalling NaNs included, are kept */
				unsigned char raw[8];

				element_bytes(a, at, raw);
				CHECK(memcmp(out + c * elem, raw, elem) == 0);
			} else if (elem == 4) {
				float f = (float)v;

				CHECK(memcmp(out + c * 4, &f, 4) == 0);
			} else {
				CHECK(memcmp(out + c * 8, &v, 8) == 0);
			}
		}
		free(out);
	}
}

/* The header rebuilt from the parsed fields, with the same data, parses to
 * the same array. */
static void check_rebuild(const struct npy_array *a)
{
	enum { CAP = 4096 };
	unsigned char *buf;
	struct npy_array b;
	size_t header;
	char err[ERR_BIG];

	buf = malloc(CAP + a->data_size);
	CHECK(buf != NULL);
	header = npy_header_build(buf, CAP, a->descr, a->fortran_order, a->shape,
				  a->ndim, a->major);
	CHECK(header > 0 && header % 64 == 0 && header <= CAP);
	if (a->data_size)
		memcpy(buf + header, a->data, a->data_size);
	CHECK(npy_parse(buf, header + a->data_size, &b, err, sizeof(err)) == 0);
	CHECK(b.major == a->major && b.minor == 0);
	CHECK(strcmp(b.descr, a->descr) == 0);
	CHECK(b.byte_order == a->byte_order && b.kind == a->kind &&
	      b.itemsize == a->itemsize);
	CHECK(b.fortran_order == a->fortran_order && b.ndim == a->ndim);
	CHECK(memcmp(b.shape, a->shape, a->ndim * sizeof(a->shape[0])) == 0);
	CHECK(b.count == a->count && b.data_size == a->data_size);
	CHECK(b.header_size == header && b.data == buf + header);
	free(buf);
}

/* npy_shape_string never writes past size and always terminates. */
static void check_shape_string(const struct npy_array *a)
{
	static const size_t sizes[] = {1, 2, 5, 16, 96, 1024};
	char buf[1024 + 16];
	size_t k, i;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); ++k) {
		memset(buf, CANARY, sizeof(buf));
		npy_shape_string(a->shape, a->ndim, buf, sizes[k]);
		CHECK(memchr(buf, '\0', sizes[k]) != NULL);
		for (i = sizes[k]; i < sizeof(buf); ++i)
			CHECK((unsigned char)buf[i] == CANARY);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t err_sizes[] = {1, 7, 40};
	struct npy_array a, b;
	char msg[ERR_BIG];
	int ret;
	size_t k;

	memset(&a, 0, sizeof(a));
	ret = parse_with_err(data, size, &a, ERR_BIG, msg);
	if (ret != 0) {
		CHECK(msg[0] != '\0');
		CHECK(strchr(msg, '\n') == NULL);
	}
	/* The outcome does not depend on the message buffer. */
	memset(&b, 0, sizeof(b));
	CHECK(parse_with_err(data, size, &b, 0, NULL) == ret);
	CHECK(ret != 0 || memcmp(&a, &b, sizeof(a)) == 0);
	for (k = 0; k < sizeof(err_sizes) / sizeof(err_sizes[0]); ++k) {
		char part[ERR_BIG];

		memset(&b, 0, sizeof(b));
		CHECK(parse_with_err(data, size, &b, err_sizes[k], part) == ret);
		CHECK(ret != 0 || memcmp(&a, &b, sizeof(a)) == 0);
		if (ret != 0) {
			/* a prefix of the full message */
			CHECK(strncmp(part, msg, err_sizes[k] - 1) == 0);
		}
	}
	/* A NULL out is refused, not dereferenced. */
	CHECK(npy_parse(data, size, NULL, NULL, 0) == -1);
	if (ret != 0)
		return 0;

	check_success(data, size, &a);
	check_shape_string(&a);
	check_rebuild(&a);
	check_conversion(&a);
	return 0;
}
