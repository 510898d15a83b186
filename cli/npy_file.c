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

/* The longest header this reader takes.  A 32-dimension dict is under
 * 1 KiB and numpy itself refuses more than 10000 bytes by default; a
 * stream must not make us read 4 GiB of "header" first. */
#define NPY_FILE_HEADER_MAX ((size_t)1 << 20)
/* The magic, the version and the longest length field (versions 2 and 3). */
#define NPY_PREFIX_MAX 12

/*
 * Read until *used reaches limit or the input ends, growing *buf as bytes
 * arrive rather than to limit at once: a pipe whose header promises a
 * huge array but delivers little costs little.  *capacity is *buf's size.
 */
static enum npy_load_error read_up_to(int fd, size_t limit, unsigned char **buf,
				      size_t *capacity, size_t *used, char *err,
				      size_t err_size)
{
	while (*used < limit) {
		ssize_t n;

		if (*used == *capacity) {
			size_t bigger_size = *capacity < 65536 ? 65536 : *capacity * 2;
			unsigned char *bigger;

			if (bigger_size > limit || bigger_size < *capacity)
				bigger_size = limit;
			bigger = realloc(*buf, bigger_size);
			if (!bigger) {
				snprintf(err, err_size, "out of memory reading %zu bytes", bigger_size);
				return NPY_LOAD_MEMORY;
			}
			*buf = bigger;
			*capacity = bigger_size;
		}
		n = read(fd, *buf + *used, *capacity - *used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, err_size, "read failed: %s", strerror(errno));
			return NPY_LOAD_IO;
		}
		if (n == 0)
			break;
		*used += (size_t)n;
	}
	return NPY_LOAD_OK;
}

/*
 * Read exactly what the header asks for, from a regular file, a pipe or a
 * device alike: the magic from the first bytes (so /dev/zero fails after
 * 12 bytes), then the header's length, then the data bytes its shape says
 * and one more to tell a longer input.  npy_parse then checks the whole.
 */
static enum npy_load_error read_npy(int fd, unsigned char **bytes, size_t *size,
				    char *err, size_t err_size)
{
	unsigned char *buf = NULL;
	size_t used = 0, capacity = 0, header_size, expected;
	struct npy_array header;
	struct stat st;
	int is_regular;
	enum npy_load_error status;

	if (fstat(fd, &st) != 0) {
		snprintf(err, err_size, "cannot stat: %s", strerror(errno));
		status = NPY_LOAD_IO;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, err_size, "is a folder, not a file");
		status = NPY_LOAD_IO;
		goto fail;
	}
	is_regular = S_ISREG(st.st_mode);
	status = read_up_to(fd, NPY_PREFIX_MAX, &buf, &capacity, &used, err, err_size);
	if (status != NPY_LOAD_OK)
		goto fail;
	status = NPY_LOAD_FORMAT;
	if (npy_header_size(buf, used, &header_size, err, err_size) != 0)
		goto fail;
	if (header_size > NPY_FILE_HEADER_MAX) {
		snprintf(err, err_size, "header length %zu is over the %zu bytes this reader accepts",
			 header_size, NPY_FILE_HEADER_MAX);
		goto fail;
	}
	status = read_up_to(fd, header_size, &buf, &capacity, &used, err, err_size);
	if (status != NPY_LOAD_OK)
		goto fail;
	/* the whole header, or the whole input when it ends inside it */
	status = NPY_LOAD_FORMAT;
	if (npy_parse_header(buf, used, &header, err, err_size) != 0)
		goto fail;
	/* The size is only a hint (the file may change while it is read),
	 * but a file whose size disagrees with its header need not be read. */
	if (is_regular && (uintmax_t)st.st_size >= header_size &&
	    (uintmax_t)st.st_size - header_size != header.data_size) {
		npy_data_size_error(&header, (size_t)((uintmax_t)st.st_size - header_size), 0, err,
				    err_size);
		goto fail;
	}
	if (header.data_size > SIZE_MAX - header_size - 1) {
		snprintf(err, err_size, "absurd shape: the file size overflows");
		goto fail;
	}
	expected = header_size + header.data_size;
	status = read_up_to(fd, expected + 1, &buf, &capacity, &used, err, err_size);
	if (status != NPY_LOAD_OK)
		goto fail;
	if (used > expected) {
		status = NPY_LOAD_FORMAT;
		npy_data_size_error(&header, 0, 1, err, err_size);
		goto fail;
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
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "%s", strerror(errno));
		return NPY_LOAD_IO;
	}
	status = read_npy(fd, &file->bytes, &file->size, err, err_size);
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

/*
 * The header of a regular file open as fd, parsed into *header, checked
 * against the file's size (a slice of a file whose size disagrees with
 * its header could read the wrong numbers).
 */
static enum npy_load_error read_header(int fd, struct npy_array *header, char *err,
				       size_t err_size)
{
	unsigned char *buf = NULL;
	size_t used = 0, capacity = 0, header_size;
	struct stat st;
	enum npy_load_error status = NPY_LOAD_IO;

	if (fstat(fd, &st) != 0) {
		snprintf(err, err_size, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, err_size, "is not a regular file: reading a slice of rows seeks");
		goto out;
	}
	status = read_up_to(fd, NPY_PREFIX_MAX, &buf, &capacity, &used, err, err_size);
	if (status != NPY_LOAD_OK)
		goto out;
	status = NPY_LOAD_FORMAT;
	if (npy_header_size(buf, used, &header_size, err, err_size) != 0)
		goto out;
	if (header_size > NPY_FILE_HEADER_MAX) {
		snprintf(err, err_size, "header length %zu is over the %zu bytes this reader accepts",
			 header_size, NPY_FILE_HEADER_MAX);
		goto out;
	}
	status = read_up_to(fd, header_size, &buf, &capacity, &used, err, err_size);
	if (status != NPY_LOAD_OK)
		goto out;
	status = NPY_LOAD_FORMAT;
	if (npy_parse_header(buf, used, header, err, err_size) != 0)
		goto out;
	if ((uintmax_t)st.st_size < header_size ||
	    (uintmax_t)st.st_size - header_size != header->data_size) {
		npy_data_size_error(header, (uintmax_t)st.st_size < header_size ? 0 :
				    (size_t)((uintmax_t)st.st_size - header_size), 0, err, err_size);
		goto out;
	}
	status = NPY_LOAD_OK;
out:
	free(buf);
	return status;
}

enum npy_load_error npy_file_load_header(const char *path, struct npy_file *file,
					 char *err, size_t err_size)
{
	enum npy_load_error status;
	int fd;

	memset(file, 0, sizeof(*file));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "%s", strerror(errno));
		return NPY_LOAD_IO;
	}
	status = read_header(fd, &file->array, err, err_size);
	close(fd);
	if (status != NPY_LOAD_OK)
		npy_file_free(file);
	return status;
}

/* Read size bytes at offset, whatever pread returns at a time. */
static enum npy_load_error read_at(int fd, unsigned char *dst, size_t size, size_t offset,
				   char *err, size_t err_size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, dst + done, size - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, err_size, "read failed: %s", strerror(errno));
			return NPY_LOAD_IO;
		}
		if (n == 0) {
			snprintf(err, err_size, "the file ended %zu bytes early (changed while "
				 "read?)", size - done);
			return NPY_LOAD_IO;
		}
		done += (size_t)n;
	}
	return NPY_LOAD_OK;
}

enum npy_load_error npy_file_load_rows(const char *path, size_t r0, size_t r1,
				       struct npy_file *file, char *err, size_t err_size)
{
	struct npy_array *a = &file->array;
	size_t row_bytes, d, rows;
	enum npy_load_error status;
	int fd;

	memset(file, 0, sizeof(*file));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "%s", strerror(errno));
		return NPY_LOAD_IO;
	}
	status = read_header(fd, a, err, err_size);
	if (status != NPY_LOAD_OK)
		goto out;
	status = NPY_LOAD_FORMAT;
	if (a->ndim == 0) {
		r0 = 0;
		r1 = 1;
		row_bytes = a->itemsize;
	} else {
		if (a->fortran_order && a->ndim >= 2) {
			snprintf(err, err_size, "is in Fortran order, whose rows are not contiguous: "
				 "save it in C order to read a slice of rows");
			goto out;
		}
		if (r0 > r1 || r1 > a->shape[0]) {
			snprintf(err, err_size, "rows [%zu, %zu) are not within its %zu rows", r0, r1,
				 a->shape[0]);
			goto out;
		}
		/* data_size = rows x row_bytes did not overflow (npy_parse_header) */
		row_bytes = a->itemsize;
		for (d = 1; d < a->ndim; ++d)
			row_bytes *= a->shape[d];
	}
	rows = r1 - r0;
	file->size = rows * row_bytes;
	file->bytes = malloc(file->size ? file->size : 1);
	if (!file->bytes) {
		snprintf(err, err_size, "out of memory reading %zu bytes", file->size);
		status = NPY_LOAD_MEMORY;
		goto out;
	}
	status = read_at(fd, file->bytes, file->size, a->header_size + r0 * row_bytes, err,
			 err_size);
	if (status != NPY_LOAD_OK)
		goto out;
	if (a->ndim > 0) {
		a->shape[0] = rows;
		a->count = a->itemsize ? file->size / a->itemsize : 0;
	}
	a->data = file->bytes;
	a->data_size = file->size;
out:
	close(fd);
	if (status != NPY_LOAD_OK)
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
