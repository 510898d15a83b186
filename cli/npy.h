/*
 * NumPy .npy format, as pure functions over byte buffers: a parser that
 * accepts format versions 1.0, 2.0 and 3.0 and a header builder for the
 * writer.  No file I/O here (npy_file.h does that), so the parser can be
 * fuzzed on its own: it never reads outside [data, data + size), never
 * overflows a size computation and never allocates.
 *
 * Format: "\x93NUMPY", major, minor, header length (uint16 LE for 1.0,
 * uint32 LE for 2.0 and 3.0), then a Python dict literal such as
 *     {'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }
 * padded with spaces and ended by '\n', then the raw elements.
 */
#ifndef ANISOCL_CLI_NPY_H
#define ANISOCL_CLI_NPY_H

#include <stddef.h>

/* numpy itself allowed 32 dimensions until 2.0; no real file has more. */
#define NPY_MAX_DIMS 32
#define NPY_DESCR_MAX 32

struct npy_array {
	int major, minor;          /* format version                        */
	char descr[NPY_DESCR_MAX]; /* as written, e.g. "<f8"                */
	char byte_order;           /* '<', '>' or '|' (1-byte types)        */
	char kind;                 /* 'f', 'i', 'u', 'b', 'c', 'S', 'U', 'V', 'M', 'm' */
	size_t itemsize;           /* bytes per element                     */
	int fortran_order;
	size_t ndim;
	size_t shape[NPY_MAX_DIMS];
	size_t count;               /* product of shape (1 for 0-d)         */
	size_t header_size;         /* bytes before the data                */
	const unsigned char *data;  /* points into the parsed buffer        */
	size_t data_size;           /* count * itemsize == bytes present    */
};

/*
 * Parse a whole .npy file held in data[0..size).  Returns 0 and fills *out,
 * or returns -1 and writes one line saying what is wrong to err (which may
 * be NULL).  The data must follow the header exactly: a file shorter or
 * longer than the shape says is refused.
 */
int npy_parse(const unsigned char *data, size_t size, struct npy_array *out,
	      char *err, size_t err_size);

/*
 * The first step of reading from a stream: from the first bytes
 * data[0..size) (12 are enough for every version), check the magic and the
 * version and give the header's total size (prefix and dict) in
 * *header_size, so that a reader fetches exactly that much next.  Returns 0,
 * or -1 with err filled (a stream of anything but a .npy file fails here).
 */
int npy_header_size(const unsigned char *data, size_t size, size_t *header_size,
		    char *err, size_t err_size);

/*
 * Parse only the header held in data[0..size) (size may exceed it): fills
 * *out as npy_parse does, but with out->data NULL and the data unchecked,
 * so that a reader knows out->data_size before reading the data.
 */
int npy_parse_header(const unsigned char *data, size_t size, struct npy_array *out,
		     char *err, size_t err_size);

/* The message npy_parse gives when available data bytes follow the
 * header instead of a->data_size; more: "more than that", length unknown. */
void npy_data_size_error(const struct npy_array *a, size_t available, int more,
			 char *err, size_t err_size);

/*
 * Build the magic, version, length and dict of a header into buf.
 * major = 1, 2 or 3 forces that version; 0 picks 1.0, or 2.0 when the dict
 * does not fit 1.0's 16-bit length.  The total is padded to a multiple of
 * 64 bytes as numpy does.  Returns the header's length, or 0 when buf is too
 * small or an argument is invalid.
 */
size_t npy_header_build(unsigned char *buf, size_t capacity, const char *descr,
			int fortran_order, const size_t *shape, size_t ndim,
			int major);

/* "(3, 2)" for messages; always NUL-terminated. */
void npy_shape_string(const size_t *shape, size_t ndim, char *buf, size_t size);

#endif
