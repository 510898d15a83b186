/* Assembling a program's OpenCL C source from the files of cl/: embedded
 * copies by default, or read from $ANISOCL_KERNEL_DIR while developing. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_sources.h"
#include "internal.h"

static int read_file(const char *dir, const char *name, char **text,
		     size_t *size, struct aniso_msg *msg)
{
	char path[4096];
	FILE *file = NULL;
	char *buffer = NULL;
	long length;
	int err = ANISO_OK;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	file = fopen(path, "rb");
	if (!file) {
		err = aniso_msg_set(msg, ANISO_ERR_KERNEL_SOURCE,
				    "ANISOCL_KERNEL_DIR: cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (fseek(file, 0, SEEK_END) != 0 || (length = ftell(file)) < 0 ||
	    fseek(file, 0, SEEK_SET) != 0) {
		err = aniso_msg_set(msg, ANISO_ERR_KERNEL_SOURCE,
				    "ANISOCL_KERNEL_DIR: cannot size %s", path);
		goto out;
	}
	buffer = malloc((size_t)length + 1);
	if (!buffer) {
		err = aniso_msg_set(msg, ANISO_ERR_NO_MEMORY, "out of host memory reading %s", path);
		goto out;
	}
	if (fread(buffer, 1, (size_t)length, file) != (size_t)length) {
		err = aniso_msg_set(msg, ANISO_ERR_KERNEL_SOURCE,
				    "ANISOCL_KERNEL_DIR: short read of %s", path);
		goto out;
	}
	buffer[length] = '\0';
	*text = buffer;
	*size = (size_t)length;
	buffer = NULL;
out:
	free(buffer);
	if (file)
		fclose(file);
	return err;
}

static const struct aniso_cl_source *embedded(const char *name)
{
	const struct aniso_cl_source *s;

	for (s = aniso_cl_sources; s->name; ++s)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

int aniso_program_source(const char *const names[], size_t count, char **source,
			 struct aniso_msg *msg)
{
	char *texts[ANISO_MAX_SOURCES] = {NULL};
	size_t sizes[ANISO_MAX_SOURCES] = {0};
	const char *dir = getenv("ANISOCL_KERNEL_DIR");
	char *joined = NULL;
	size_t total = 1, used = 0, k;
	int err = ANISO_OK;

	if (count > ANISO_MAX_SOURCES)
		return aniso_msg_set(msg, ANISO_ERR_KERNEL_SOURCE, "a program of %zu files (at most %d)",
				     count, ANISO_MAX_SOURCES);
	for (k = 0; k < count; ++k) {
		if (dir && *dir) {
			err = read_file(dir, names[k], &texts[k], &sizes[k], msg);
			if (err != ANISO_OK)
				goto out;
		} else {
			const struct aniso_cl_source *s = embedded(names[k]);

			if (!s) {
				err = aniso_msg_set(msg, ANISO_ERR_KERNEL_SOURCE,
						    "kernel source %s is not embedded in this build", names[k]);
				goto out;
			}
			texts[k] = malloc(s->size + 1);
			if (!texts[k]) {
				err = aniso_msg_set(msg, ANISO_ERR_NO_MEMORY, "out of host memory");
				goto out;
			}
			memcpy(texts[k], s->text, s->size);
			texts[k][s->size] = '\0';
			sizes[k] = s->size;
		}
		total += sizes[k] + 1;
	}
	joined = malloc(total);
	if (!joined) {
		err = aniso_msg_set(msg, ANISO_ERR_NO_MEMORY, "out of host memory");
		goto out;
	}
	for (k = 0; k < count; ++k) {
		memcpy(joined + used, texts[k], sizes[k]);
		used += sizes[k];
		joined[used++] = '\n';
	}
	joined[used] = '\0';
	*source = joined;
out:
	for (k = 0; k < count; ++k)
		free(texts[k]);
	return err;
}
