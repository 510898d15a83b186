/*
 * Files that appear whole or not at all: bytes go to a temporary file in
 * the destination's folder (so rename() stays on one file system and is
 * atomic), which replaces the destination only on commit.  An existing
 * destination is therefore never left half-written, and a failed command
 * leaves no output behind.
 *
 * What "the destination" is: a symbolic link is followed, so its target
 * (in the target's folder) is what gets replaced, or created when the link
 * dangles.  An existing character device or FIFO (/dev/null, a pipe to
 * another program) cannot be replaced without destroying it, so it is
 * written straight into instead, and a write error there (ENOSPC from
 * /dev/full) is reported like any other.  Folders, block devices and
 * sockets are refused.
 */
#ifndef ANISOCL_CLI_ATOMIC_FILE_H
#define ANISOCL_CLI_ATOMIC_FILE_H

#include <stddef.h>

struct atomic_file {
	char *final_path; /* as the caller named it, for messages */
	char *target_path; /* final_path with its symbolic links followed */
	char *temp_path;  /* NULL when writing straight into the target */
	int fd;
	int direct;       /* 1: fd is the target itself (device or FIFO) */
};

/* Create the temporary file next to path's target, or open a device or
 * FIFO target.  0 or -1 with err filled. */
int atomic_file_open(struct atomic_file *f, const char *path, char *err,
		     size_t err_size);
/* Append size bytes.  0 or -1 with err filled. */
int atomic_file_write(struct atomic_file *f, const void *bytes, size_t size,
		      char *err, size_t err_size);
/* Flush to disk and rename over the target (or just close a device or
 * FIFO); frees f either way. */
int atomic_file_commit(struct atomic_file *f, char *err, size_t err_size);
/* Remove the temporary file and free f.  Accepts a closed or zeroed f. */
void atomic_file_abort(struct atomic_file *f);

#endif
