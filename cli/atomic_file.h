/*
 * Files that appear whole or not at all: bytes go to a temporary file in
 * the destination's folder (so rename() stays on one file system and is
 * atomic), which replaces the destination only on commit.  An existing
 * destination is therefore never left half-written, and a failed command
 * leaves no output behind.
 */
#ifndef ANISOCL_CLI_ATOMIC_FILE_H
#define ANISOCL_CLI_ATOMIC_FILE_H

#include <stddef.h>

struct atomic_file {
	char *final_path;
	char *temp_path;
	int fd;
};

/* Create the temporary file next to path.  0 or -1 with err filled. */
int atomic_file_open(struct atomic_file *f, const char *path, char *err,
		     size_t err_size);
/* Append size bytes.  0 or -1 with err filled. */
int atomic_file_write(struct atomic_file *f, const void *bytes, size_t size,
		      char *err, size_t err_size);
/* Flush to disk and rename over the destination; frees f either way. */
int atomic_file_commit(struct atomic_file *f, char *err, size_t err_size);
/* Remove the temporary file and free f.  Accepts a closed or zeroed f. */
void atomic_file_abort(struct atomic_file *f);

#endif
