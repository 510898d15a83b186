/* Reading and writing .npy files (see npy_file.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "byte_order.h"
#include "npy_file.h"

/* Read everything: regular files, pipes and /dev/stdin alike. */
static enum npy_load_error read_all(int fd, unsigned char **bytes, size_t *size,
				    char *err, size_t err_size)
{
	unsigned char *buf = NULL;
	size_t used = 0, capacity = 0;
	struct stat st;
	enum npy_load_error status = NPY_LOAD_OK;

	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, err_size, "is a folder, not a file");
		status = NPY_LOAD_IO;
		goto fail;
	}
	/* The size is only a hint: the file may change while it is read. */
	capacity = (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		    (uintmax_t)st.st_size < SIZE_MAX)
			   ? (size_t)st.st_size + 1
			   : 65536;
	for (;;) {
		ssize_t n;

		if (used == capacity) {
			unsigned char *bigger;

			if (capacity > SIZE_MAX / 2) {
				snprintf(err, err_size, "file too large");
				status = NPY_LOAD_MEMORY;
				goto fail;
			}
			capacity *= 2;
			bigger = realloc(buf, capacity);
			if (!bigger) {
				snprintf(err, err_size, "out of memory reading %zu bytes", capacity);
				status = NPY_LOAD_MEMORY;
				goto fail;
			}
			buf = bigger;
		} else if (!buf) {
			buf = malloc(capacity);
			if (!buf) {
				snprintf(err, err_size, "out of memory reading %zu bytes", capacity);
				status = NPY_LOAD_MEMORY;
				goto fail;
			}
		}
		n = read(fd, buf + used, capacity - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, err_size, "read failed: %s", strerror(errno));
			status = NPY_LOAD_IO;
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	*bytes = buf;
	*size = used;
	return NPY_LOAD_OK;
fail:
	free(buf);
	return status;
}

enum npy_load_error npy_file_load(const char *path, struct npy_file *file,
				  char *err, size_t err_size)
{
	enum npy_load_error status;
	int fd;

	memset(file, 0, sizeof(*file));
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(err, err_size, "%s", strerror(errno));
		return NPY_LOAD_IO;
	}
	status = read_all(fd, &file->bytes, &file->size, err, err_size);
	close(fd);
	if (status != NPY_LOAD_OK)
		goto fail;
	if (npy_parse(file->bytes, file->size, &file->array, err, err_size) != 0) {
		status = NPY_LOAD_FORMAT;
		goto fail;
	}
	return NPY_LOAD_OK;
fail:
	npy_file_free(file);
	return status;
}

void npy_file_free(struct npy_file *file)
{
	free(file->bytes);
	memset(file, 0, sizeof(*file));
}

int npy_file_save(const char *path, size_t elem_size, const size_t *shape,
		  size_t ndim, const void *values, char *err, size_t err_size)
{
	unsigned char header[4096];
	unsigned char chunk[65536];
	const unsigned char *src = values;
	struct atomic_file out;
	size_t header_size, count = 1, bytes, i;

	if (elem_size != 4 && elem_size != 8) {
		snprintf(err, err_size, "%s: element size %zu is not 4 or 8", path, elem_size);
		return -1;
	}
	for (i = 0; i < ndim; ++i) {
		if (shape[i] != 0 && count > SIZE_MAX / elem_size / shape[i]) {
			snprintf(err, err_size, "%s: array too large", path);
			return -1;
		}
		count *= shape[i];
	}
	bytes = count * elem_size;
	header_size = npy_header_build(header, sizeof(header), elem_size == 4 ? "<f4" : "<f8",
				       0, shape, ndim, 0);
	if (header_size == 0) {
		snprintf(err, err_size, "%s: cannot build the .npy header", path);
		return -1;
	}
	if (atomic_file_open(&out, path, err, err_size) != 0)
		return -1;
	if (atomic_file_write(&out, header, header_size, err, err_size) != 0)
		goto fail;
	/* The file is little-endian whatever the host: swap on big-endian
	 * hosts, a chunk at a time so no second copy of the array is needed. */
	while (bytes > 0) {
		size_t n = bytes < sizeof(chunk) ? bytes : sizeof(chunk);

		memcpy(chunk, src, n);
		if (!host_is_little_endian())
			swap_elements(chunk, n / elem_size, elem_size);
		if (atomic_file_write(&out, chunk, n, err, err_size) != 0)
			goto fail;
		src += n;
		bytes -= n;
	}
	return atomic_file_commit(&out, err, err_size);
fail:
	atomic_file_abort(&out);
	return -1;
}
