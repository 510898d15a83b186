/* .npy files on disk: bounded reading into a buffer for npy_parse, and
 * writing of little-endian C-order float arrays through atomic_file. */
#ifndef ANISOCL_CLI_NPY_FILE_H
#define ANISOCL_CLI_NPY_FILE_H

#include <stddef.h>

#include "npy.h"

struct npy_file {
	unsigned char *bytes; /* the whole file; array.data points into it */
	size_t size;
	struct npy_array array;
};

/* Errors that callers map to different exit codes. */
enum npy_load_error {
	NPY_LOAD_OK = 0,
	NPY_LOAD_IO = 1,     /* missing or unreadable file */
	NPY_LOAD_FORMAT = 2, /* read, but not a valid .npy file */
	NPY_LOAD_MEMORY = 3
};

/* Read and parse path: a regular file, a pipe or a device, reading no
 * more than its header asks for (so /dev/zero is refused after 12 bytes).
 * err gets "what is wrong" without the path. */
enum npy_load_error npy_file_load(const char *path, struct npy_file *file,
				  char *err, size_t err_size);
/*
 * Read only the header of path (file->bytes NULL, file->array.data NULL),
 * or its header and rows [r0, r1) of its first axis (an MPI rank's slice:
 * anisocl-mpi), file->array's first axis cut to r1 - r0 and its data
 * pointing into file->bytes.  Seeks, so path must be a regular file whose
 * size agrees with its header; rows of a Fortran-order array of 2 or more
 * dimensions are not contiguous and are refused.  A 0-d array is read
 * whole whatever r0 and r1.  Errors as npy_file_load's.
 */
enum npy_load_error npy_file_load_header(const char *path, struct npy_file *file,
					 char *err, size_t err_size);
enum npy_load_error npy_file_load_rows(const char *path, size_t r0, size_t r1,
				       struct npy_file *file, char *err, size_t err_size);
/* Accepts a zeroed or failed file. */
void npy_file_free(struct npy_file *file);

/*
 * Write count elements of elem_size (4: float32, 8: float64) bytes in
 * native order as a little-endian C-order array of the given shape, to a
 * temporary file renamed to path at the end.  0 or -1 with err filled.
 */
int npy_file_save(const char *path, size_t elem_size, const size_t *shape,
		  size_t ndim, const void *values, char *err, size_t err_size);

#endif
