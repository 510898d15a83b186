/* Write-to-temporary-then-rename output files (see atomic_file.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"

/* "dir/.name.tmp.PID.N": hidden, and unique per process and attempt. */
static char *temp_name_for(const char *path, unsigned attempt)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dir_len;
	size_t size = strlen(path) + 64;
	char *name = malloc(size);

	if (!name)
		return NULL;
	snprintf(name, size, "%.*s.%s.tmp.%ld.%u", (int)dir_len, path, base,
		 (long)getpid(), attempt);
	return name;
}

int atomic_file_open(struct atomic_file *f, const char *path, char *err,
		     size_t err_size)
{
	unsigned attempt;
	int saved_errno = 0;

	f->final_path = NULL;
	f->temp_path = NULL;
	f->fd = -1;
	if (path[0] == '\0' || path[strlen(path) - 1] == '/') {
		snprintf(err, err_size, "%s: not a file name", path);
		goto fail;
	}
	f->final_path = strdup(path);
	if (!f->final_path) {
		snprintf(err, err_size, "%s: out of memory", path);
		goto fail;
	}
	for (attempt = 0; attempt < 100 && f->fd < 0; ++attempt) {
		free(f->temp_path);
		f->temp_path = temp_name_for(path, attempt);
		if (!f->temp_path) {
			snprintf(err, err_size, "%s: out of memory", path);
			goto fail;
		}
		/* O_EXCL: never follow or reuse somebody else's file; 0666 lets
		 * the umask decide the permissions, as for any new file. */
		f->fd = open(f->temp_path, O_WRONLY | O_CREAT | O_EXCL, 0666);
		saved_errno = errno;
		if (f->fd < 0 && saved_errno != EEXIST)
			break;
	}
	if (f->fd < 0) {
		snprintf(err, err_size, "%s: cannot create a temporary file there: %s", path,
			 strerror(saved_errno));
		goto fail;
	}
	return 0;
fail:
	free(f->temp_path);
	free(f->final_path);
	f->temp_path = NULL;
	f->final_path = NULL;
	return -1;
}

int atomic_file_write(struct atomic_file *f, const void *bytes, size_t size,
		      char *err, size_t err_size)
{
	const unsigned char *p = bytes;

	while (size > 0) {
		ssize_t n = write(f->fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, err_size, "%s: write failed: %s", f->final_path,
				 n < 0 ? strerror(errno) : "no progress");
			return -1;
		}
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

int atomic_file_commit(struct atomic_file *f, char *err, size_t err_size)
{
	int status = -1;

	/* fsync before rename: after a crash the name must not point at a file
	 * whose blocks never reached the disk. */
	if (fsync(f->fd) != 0 && errno != EINVAL) {
		snprintf(err, err_size, "%s: fsync failed: %s", f->final_path, strerror(errno));
		goto out;
	}
	if (close(f->fd) != 0) {
		f->fd = -1;
		snprintf(err, err_size, "%s: close failed: %s", f->final_path, strerror(errno));
		goto out;
	}
	f->fd = -1;
	if (rename(f->temp_path, f->final_path) != 0) {
		snprintf(err, err_size, "%s: cannot rename the temporary file into place: %s",
			 f->final_path, strerror(errno));
		goto out;
	}
	free(f->temp_path);
	f->temp_path = NULL;
	status = 0;
out:
	atomic_file_abort(f);
	return status;
}

void atomic_file_abort(struct atomic_file *f)
{
	/* A zeroed f has fd 0 but no temp_path: never close what we did not open. */
	if (f->temp_path) {
		if (f->fd >= 0)
			close(f->fd);
		unlink(f->temp_path);
	}
	f->fd = -1;
	free(f->temp_path);
	free(f->final_path);
	f->temp_path = NULL;
	f->final_path = NULL;
}
