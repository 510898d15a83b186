/*
 * The on-disk program cache.
 *
 * Location: $ANISOCL_CACHE_DIR, else $XDG_CACHE_HOME/anisocl, else
 * ~/.cache/anisocl; ANISOCL_CACHE=off turns it off.
 *
 * One file per program, named by a hash of its key.  The key text holds
 * everything the binary depends on (library version, platform, device,
 * driver, options, a hash of the source) and is stored in the file and
 * compared in full on load, so a hash collision cannot return a wrong
 * binary.  The payload's size and hash are checked too.  Files are written
 * to a temporary name and renamed, so readers never see half a file.  Any
 * doubt on load means "absent": the caller rebuilds from source and
 * overwrites the entry.
 *
 * File layout (little-endian u64 fields):
 *   "ANISOCL\1" | key_len | payload_len | payload_hash | key | payload
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const char MAGIC[8] = {'A', 'N', 'I', 'S', 'O', 'C', 'L', 1};
#define HEADER_BYTES (8 + 3 * 8)
/* Refuse absurd sizes from a corrupted header before allocating. */
#define MAX_ENTRY_BYTES ((uint64_t)1 << 30)

/* FNV-1a, 64 bits, then a final avalanche (splitmix64's mixer). */
uint64_t aniso_hash64(const void *data, size_t size, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t k;

	for (k = 0; k < size; ++k) {
		h ^= p[k];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

char *aniso_disk_cache_dir(void)
{
	const char *off = getenv("ANISOCL_CACHE");
	const char *dir = getenv("ANISOCL_CACHE_DIR");
	const char *base;
	char *path;
	size_t size;

	if (off && (strcmp(off, "off") == 0 || strcmp(off, "0") == 0))
		return NULL;
	if (dir && *dir)
		return strdup(dir);
	base = getenv("XDG_CACHE_HOME");
	if (base && *base) {
		size = strlen(base) + sizeof("/anisocl");
		path = malloc(size);
		if (path)
			snprintf(path, size, "%s/anisocl", base);
		return path;
	}
	base = getenv("HOME");
	if (!base || !*base)
		return NULL;
	size = strlen(base) + sizeof("/.cache/anisocl");
	path = malloc(size);
	if (path)
		snprintf(path, size, "%s/.cache/anisocl", base);
	return path;
}

char *aniso_disk_cache_key(const struct aniso_device_caps *caps,
			   const char *source, const char *options)
{
	size_t source_size = strlen(source);
	uint64_t source_hash = aniso_hash64(source, source_size, 0);
	int needed;
	char *key;
	const char *fmt = "anisocl %s\nplatform: %s | %s\ndevice: %s | %s\n"
			  "driver: %s\noptions: %s\nsource: %zu bytes, hash %016llx\n";

	needed = snprintf(NULL, 0, fmt, ANISO_VERSION_STRING, caps->platform_name,
			  caps->platform_version, caps->name, caps->device_version,
			  caps->driver_version, options, source_size,
			  (unsigned long long)source_hash);
	if (needed < 0)
		return NULL;
	key = malloc((size_t)needed + 1);
	if (key)
		snprintf(key, (size_t)needed + 1, fmt, ANISO_VERSION_STRING,
			 caps->platform_name, caps->platform_version, caps->name,
			 caps->device_version, caps->driver_version, options,
			 source_size, (unsigned long long)source_hash);
	return key;
}

static char *entry_path(const char *dir, const char *key, const char *suffix)
{
	uint64_t h = aniso_hash64(key, strlen(key), 0);
	size_t size = strlen(dir) + 64;
	char *path = malloc(size);

	if (path)
		snprintf(path, size, "%s/%016llx%s", dir, (unsigned long long)h, suffix);
	return path;
}

static void put_u64(unsigned char *p, uint64_t v)
{
	int k;

	for (k = 0; k < 8; ++k)
		p[k] = (unsigned char)(v >> (8 * k));
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	int k;

	for (k = 7; k >= 0; --k)
		v = (v << 8) | p[k];
	return v;
}

void aniso_disk_cache_load(const char *dir, const char *key,
			  unsigned char **binary, size_t *size, const char **rejected)
{
	char *path = entry_path(dir, key, ".bin");
	unsigned char header[HEADER_BYTES];
	unsigned char *stored_key = NULL, *payload = NULL;
	uint64_t key_len, payload_len, payload_hash;
	FILE *file = NULL;
	struct stat st;
	int fd = -1;

	*binary = NULL;
	*size = 0;
	*rejected = NULL;
	if (!path)
		goto out;
	/* O_NONBLOCK: a FIFO put in place of an entry must not hang every
	 * later build in open() or read(); O_NOFOLLOW: this cache only ever
	 * writes regular files, so a link is not one of its entries. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			*rejected = "a symbolic link, not an entry this cache wrote";
		goto out;
	}
	/* From here on the entry exists: any failure is a rejection. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*rejected = "not a regular file";
		goto out;
	}
	file = fdopen(fd, "rb");
	if (!file)
		goto out;
	fd = -1; /* the FILE owns it now */
	*rejected = "bad header";
	if (fread(header, 1, sizeof(header), file) != sizeof(header) ||
	    memcmp(header, MAGIC, sizeof(MAGIC)) != 0)
		goto out;
	key_len = get_u64(header + 8);
	payload_len = get_u64(header + 16);
	payload_hash = get_u64(header + 24);
	if (key_len != strlen(key) || payload_len == 0 || payload_len > MAX_ENTRY_BYTES) {
		*rejected = "key or size does not match";
		goto out;
	}
	stored_key = malloc(key_len);
	payload = malloc(payload_len);
	if (!stored_key || !payload)
		goto out;
	if (fread(stored_key, 1, key_len, file) != key_len ||
	    memcmp(stored_key, key, key_len) != 0) {
		*rejected = "key does not match (hash collision or stale entry)";
		goto out;
	}
	*rejected = "truncated, or its contents fail the hash check";
	if (fread(payload, 1, payload_len, file) != payload_len ||
	    fgetc(file) != EOF || /* trailing bytes: not a file we wrote */
	    aniso_hash64(payload, payload_len, 0) != payload_hash)
		goto out;
	*binary = payload;
	*size = (size_t)payload_len;
	*rejected = NULL;
	payload = NULL;
out:
	free(payload);
	free(stored_key);
	if (file)
		fclose(file);
	if (fd >= 0)
		close(fd);
	free(path);
}

/* mkdir -p; errors show up when the file is opened. */
static void make_dirs(const char *dir)
{
	char *copy = strdup(dir);
	char *p;

	if (!copy)
		return;
	for (p = copy + 1; *p; ++p) {
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(copy, 0755);
			*p = '/';
		}
	}
	(void)mkdir(copy, 0755);
	free(copy);
}

int aniso_disk_cache_store(const char *dir, const char *key,
			   const unsigned char *binary, size_t size, char *why, size_t why_size)
{
	char *path = entry_path(dir, key, ".bin");
	char *tmp = NULL;
	unsigned char header[HEADER_BYTES];
	size_t key_len = strlen(key), tmp_size;
	FILE *file = NULL;
	int err = ANISO_ERR_KERNEL_SOURCE, written = 0, fd = -1;

	snprintf(why, why_size, "out of host memory");
	if (!path)
		goto out;
	make_dirs(dir);
	tmp_size = strlen(path) + 64;
	tmp = malloc(tmp_size);
	if (!tmp)
		goto out;
	/* Unique per process and call: two writers never share a temp file.
	 * O_EXCL | O_NOFOLLOW: a file or link already at that name (left by a
	 * crash, or planted) is never written through. */
	snprintf(tmp, tmp_size, "%s.%ld.%p.tmp", path, (long)getpid(), (void *)&header);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	file = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!file) {
		snprintf(why, why_size, "cannot create %s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			(void)remove(tmp);
		}
		goto out;
	}
	memcpy(header, MAGIC, sizeof(MAGIC));
	put_u64(header + 8, key_len);
	put_u64(header + 16, size);
	put_u64(header + 24, aniso_hash64(binary, size, 0));
	written = fwrite(header, 1, sizeof(header), file) == sizeof(header) &&
		  fwrite(key, 1, key_len, file) == key_len &&
		  fwrite(binary, 1, size, file) == size;
	if (fclose(file) != 0)
		written = 0;
	file = NULL;
	if (!written) {
		snprintf(why, why_size, "cannot write %s (disk full?)", tmp);
		(void)remove(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		snprintf(why, why_size, "cannot rename %s: %s", tmp, strerror(errno));
		(void)remove(tmp);
		goto out;
	}
	err = ANISO_OK;
out:
	free(tmp);
	free(path);
	return err;
}
