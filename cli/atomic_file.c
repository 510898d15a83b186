/* Write-to-temporary-then-rename output files (see atomic_file.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"

/* Symbolic links followed before giving up, as Linux's own limit. */
#define MAX_LINK_HOPS 40

/* The folder part of path with its '/' ("" for a bare name), as a prefix
 * for another name in the same folder. */
static size_t folder_length(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) + 1 : 0;
}

/* link_text read from the link at link_path, as a path from here: relative
 * link texts are relative to the link's folder, not to ours. */
static char *resolve_link_text(const char *link_path, const char *link_text)
{
	size_t dir_len = link_text[0] == '/' ? 0 : folder_length(link_path);
	size_t size = dir_len + strlen(link_text) + 1;
	char *path = malloc(size);

	if (path)
		snprintf(path, size, "%.*s%s", (int)dir_len, link_path, link_text);
	return path;
}

/*
 * The name that open(path) would reach: symbolic links followed one at a
 * time, so that a dangling link gives the name it points at (realpath()
 * fails there).  That is what gets replaced, in its own folder; replacing
 * the link itself would leave its target stale.
 */
static int follow_links(const char *path, char **target, char *err, size_t err_size)
{
	char *current = strdup(path);
	char link_text[PATH_MAX];
	struct stat st;
	int hops, status = -1;

	if (!current) {
		snprintf(err, err_size, "%s: out of memory", path);
		goto out;
	}
	for (hops = 0;; ++hops) {
		char *next;
		ssize_t n;

		/* missing, unreadable or not a link: current is the name */
		if (lstat(current, &st) != 0 || !S_ISLNK(st.st_mode))
			break;
		if (hops == MAX_LINK_HOPS) {
			snprintf(err, err_size, "%s: more than %d symbolic links in a row (a loop?)",
				 path, MAX_LINK_HOPS);
			goto out;
		}
		n = readlink(current, link_text, sizeof(link_text) - 1);
		if (n <= 0) {
			snprintf(err, err_size, "%s: cannot read the symbolic link %s: %s", path,
				 current, n < 0 ? strerror(errno) : "empty");
			goto out;
		}
		link_text[n] = '\0';
		next = resolve_link_text(current, link_text);
		if (!next) {
			snprintf(err, err_size, "%s: out of memory", path);
			goto out;
		}
		free(current);
		current = next;
	}
	*target = current;
	current = NULL;
	status = 0;
out:
	free(current);
	return status;
}

/* Six letters or digits that differ per process, call and attempt. */
static void random_suffix(char *out, unsigned attempt)
{
	static const char letters[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static unsigned calls;
	struct timespec ts;
	uint64_t v;
	int k;

	clock_gettime(CLOCK_REALTIME, &ts);
	v = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_nsec ^
	    (uint64_t)ts.tv_sec << 20 ^ (uint64_t)(++calls) << 40 ^ attempt;
	/* splitmix64's mixer, so that neighbouring inputs differ everywhere */
	v ^= v >> 30;
	v *= 0xbf58476d1ce4e5b9ULL;
	v ^= v >> 27;
	v *= 0x94d049bb133111ebULL;
	v ^= v >> 31;
	for (k = 0; k < 6; ++k) {
		out[k] = letters[v % (sizeof(letters) - 1)];
		v /= sizeof(letters) - 1;
	}
	out[6] = '\0';
}

/*
 * "folder/.anisocl-XXXXXX": hidden, and short whatever the destination's
 * name, so that a destination of NAME_MAX characters still gets one (a
 * suffix added to its name would not fit).  Not mkstemp(): its 0600 would
 * ignore the umask that decides the permissions of any new file.
 */
static int create_temp_file(struct atomic_file *f, char *err, size_t err_size)
{
	size_t dir_len = folder_length(f->target_path);
	size_t size = dir_len + sizeof(".anisocl-XXXXXX");
	char suffix[7];
	unsigned attempt;
	int saved_errno = EEXIST;

	f->temp_path = malloc(size);
	if (!f->temp_path) {
		snprintf(err, err_size, "%s: out of memory", f->final_path);
		return -1;
	}
	for (attempt = 0; attempt < 100 && saved_errno == EEXIST; ++attempt) {
		random_suffix(suffix, attempt);
		snprintf(f->temp_path, size, "%.*s.anisocl-%s", (int)dir_len, f->target_path,
			 suffix);
		/* O_EXCL: never follow or reuse somebody else's file; 0666 lets
		 * the umask decide the permissions, as for any new file. */
		f->fd = open(f->temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (f->fd >= 0)
			return 0;
		saved_errno = errno;
	}
	snprintf(err, err_size, "%s: cannot create a temporary file there: %s", f->final_path,
		 strerror(saved_errno));
	free(f->temp_path);
	f->temp_path = NULL;
	return -1;
}

int atomic_file_open(struct atomic_file *f, const char *path, char *err,
		     size_t err_size)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
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
	if (follow_links(path, &f->target_path, err, err_size) != 0)
		goto fail;
	/* A missing target (or one we cannot stat) is created by the rename;
	 * only an existing one that is not a regular file needs a decision. */
	if (lstat(f->target_path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, err_size, "%s: is a folder, not a file", path);
			goto fail;
		}
		if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
			snprintf(err, err_size, "%s: is neither a regular file, a character device "
				 "nor a FIFO: not written", path);
			goto fail;
		}
		/* Renaming over a device node or a FIFO would destroy it. */
		f->fd = open(f->target_path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (f->fd < 0) {
			snprintf(err, err_size, "%s: cannot open for writing: %s", path,
				 strerror(errno));
			goto fail;
		}
		f->direct = 1;
		return 0;
	}
	if (create_temp_file(f, err, err_size) != 0)
		goto fail;
	return 0;
fail:
	atomic_file_abort(f);
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
	 * whose blocks never reached the disk.  A device or FIFO has no
	 * blocks to wait for. */
	if (!f->direct && fsync(f->fd) != 0 && errno != EINVAL) {
		snprintf(err, err_size, "%s: fsync failed: %s", f->final_path, strerror(errno));
		goto out;
	}
	if (close(f->fd) != 0) {
		f->fd = -1;
		snprintf(err, err_size, "%s: close failed: %s", f->final_path, strerror(errno));
		goto out;
	}
	f->fd = -1;
	if (f->direct) {
		status = 0;
		goto out;
	}
	if (rename(f->temp_path, f->target_path) != 0) {
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
	/* A zeroed f has fd 0 but neither a temporary file nor a direct
	 * target: never close what we did not open. */
	if ((f->temp_path || f->direct) && f->fd >= 0)
		close(f->fd);
	if (f->temp_path)
		unlink(f->temp_path);
	free(f->temp_path);
	free(f->target_path);
	free(f->final_path);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}
