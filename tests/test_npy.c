/* The .npy reader and writer of the command-line program: round trips of
 * both dtypes and every header version, conversions of Fortran order and
 * big-endian data, a corpus of malformed files with the error each must
 * give, and truncations and random mutations that must fail cleanly (run
 * under --enable-sanitizers, these also check for out-of-bounds reads).
 *
 * `test_npy --write-corpus DIR` writes the malformed corpus as files, as a
 * seed corpus for fuzzing. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cli/npy.h"
#include "../cli/npy_convert.h"
#include "../cli/npy_file.h"
#include "tap.h"

static int test_count;

#define CHECK(cond, ...) (++test_count, tap_ok((cond), __VA_ARGS__))

/* A file: header (version major) then the given data bytes. */
static size_t make_file(unsigned char *buf, size_t capacity, const char *descr, int fortran,
			const size_t *shape, size_t ndim, int major, const void *data,
			size_t data_size)
{
	size_t header = npy_header_build(buf, capacity, descr, fortran, shape, ndim, major);

	if (header == 0 || header + data_size > capacity)
		return 0;
	if (data_size)
		memcpy(buf + header, data, data_size);
	return header + data_size;
}

/* ---- round trips ------------------------------------------------------ */

static void test_round_trips(void)
{
	static const size_t shapes[][3] = {{0, 0, 0}, {0, 0, 0}, {5, 0, 0}, {3, 4, 0}, {2, 3, 4}};
	static const size_t ndims[] = {0, 1, 1, 2, 3};
	unsigned char file[8192];
	double values[24];
	size_t s, i;
	int major, size;

	for (i = 0; i < 24; ++i)
		values[i] = (double)i * 0.25 - 3.0;
	for (size = 4; size <= 8; size += 4) {
		for (major = 1; major <= 3; ++major) {
			for (s = 0; s < sizeof(ndims) / sizeof(ndims[0]); ++s) {
				const char *descr = size == 4 ? "<f4" : "<f8";
				unsigned char data[24 * 8];
				size_t count = 1, n, d;
				struct npy_array a;
				char err[256] = "", text[64];
				int ok;

				for (d = 0; d < ndims[s]; ++d)
					count *= shapes[s][d];
				for (i = 0; i < count; ++i) {
					float f = (float)values[i];

					if (size == 4)
						memcpy(data + 4 * i, &f, 4);
					else
						memcpy(data + 8 * i, &values[i], 8);
				}
				n = make_file(file, sizeof(file), descr, 0, shapes[s], ndims[s], major,
					      data, count * (size_t)size);
				ok = n > 0 && npy_parse(file, n, &a, err, sizeof(err)) == 0;
				ok = ok && a.major == major && a.minor == 0 && a.ndim == ndims[s] &&
				     a.count == count && a.itemsize == (size_t)size && a.kind == 'f' &&
				     a.byte_order == '<' && !a.fortran_order &&
				     a.header_size % 64 == 0 && a.data == file + a.header_size &&
				     memcmp(a.data, data, count * (size_t)size) == 0;
				for (d = 0; ok && d < ndims[s]; ++d)
					ok = a.shape[d] == shapes[s][d];
				npy_shape_string(shapes[s], ndims[s], text, sizeof(text));
				if (!CHECK(ok, "round trip %s version %d.0, shape %s", descr, major, text))
					tap_diag("error: %s", err);
			}
		}
	}
}

static void test_file_round_trip(const char *dir)
{
	const size_t shape[2] = {3, 5};
	double d[15];
	float f[15];
	char path[512], err[256] = "";
	struct npy_file file;
	int i, ok;

	for (i = 0; i < 15; ++i) {
		d[i] = 1.0 / (i + 1);
		f[i] = (float)d[i];
	}
	snprintf(path, sizeof(path), "%s/f8.npy", dir);
	ok = npy_file_save(path, 8, shape, 2, d, err, sizeof(err)) == 0 &&
	     npy_file_load(path, &file, err, sizeof(err)) == NPY_LOAD_OK;
	ok = ok && strcmp(file.array.descr, "<f8") == 0 && file.array.ndim == 2 &&
	     file.array.shape[0] == 3 && file.array.shape[1] == 5 &&
	     memcmp(file.array.data, d, sizeof(d)) == 0;
	if (!CHECK(ok, "npy_file_save then npy_file_load, float64 (3, 5)"))
		tap_diag("%s", err);
	npy_file_free(&file);

	snprintf(path, sizeof(path), "%s/f4.npy", dir);
	ok = npy_file_save(path, 4, shape, 1, f, err, sizeof(err)) == 0 &&
	     npy_file_load(path, &file, err, sizeof(err)) == NPY_LOAD_OK;
	ok = ok && strcmp(file.array.descr, "<f4") == 0 && file.array.ndim == 1 &&
	     file.array.shape[0] == 3 && memcmp(file.array.data, f, 3 * sizeof(float)) == 0;
	if (!CHECK(ok, "npy_file_save then npy_file_load, float32 (3,)"))
		tap_diag("%s", err);
	npy_file_free(&file);

	/* Overwrite: the new contents replace the old whole. */
	ok = npy_file_save(path, 8, shape, 2, d, err, sizeof(err)) == 0 &&
	     npy_file_load(path, &file, err, sizeof(err)) == NPY_LOAD_OK &&
	     strcmp(file.array.descr, "<f8") == 0 && file.array.count == 15;
	CHECK(ok, "saving over an existing file replaces it");
	npy_file_free(&file);

	snprintf(path, sizeof(path), "%s/no-such-folder/out.npy", dir);
	ok = npy_file_save(path, 8, shape, 2, d, err, sizeof(err)) != 0;
	CHECK(ok && strstr(err, "no-such-folder") != NULL,
	      "saving into a missing folder fails and names the path (%s)", err);

	snprintf(path, sizeof(path), "%s/missing.npy", dir);
	CHECK(npy_file_load(path, &file, err, sizeof(err)) == NPY_LOAD_IO,
	      "loading a missing file is an I/O error (%s)", err);
	CHECK(npy_file_load(dir, &file, err, sizeof(err)) == NPY_LOAD_IO,
	      "loading a folder is an I/O error (%s)", err);
}

/* Rows [r0, r1) of a file, and its header alone (anisocl-mpi's slices). */
static void test_row_ranges(const char *dir)
{
	const size_t shape[2] = {7, 3};
	double d[21];
	char path[512], err[256] = "";
	struct npy_file file;
	unsigned char fortran[1024];
	size_t size, r0, r1;
	FILE *f;
	int i, ok = 1;

	for (i = 0; i < 21; ++i)
		d[i] = i + 0.5;
	snprintf(path, sizeof(path), "%s/rows.npy", dir);
	if (npy_file_save(path, 8, shape, 2, d, err, sizeof(err)) != 0) {
		CHECK(0, "npy_file_save for the row ranges (%s)", err);
		return;
	}
	for (r0 = 0; r0 <= 7; ++r0)
		for (r1 = r0; r1 <= 7; ++r1) {
			int got = npy_file_load_rows(path, r0, r1, &file, err, sizeof(err)) ==
					  NPY_LOAD_OK &&
				  file.array.ndim == 2 && file.array.shape[0] == r1 - r0 &&
				  file.array.shape[1] == 3 && file.array.count == 3 * (r1 - r0) &&
				  memcmp(file.array.data, d + 3 * r0, 3 * (r1 - r0) * sizeof(double)) == 0;

			if (!got)
				tap_diag("rows [%zu, %zu): %s", r0, r1, err);
			ok = ok && got;
			npy_file_free(&file);
		}
	CHECK(ok, "npy_file_load_rows: every row range [r0, r1) of a (7, 3) float64 file");
	CHECK(npy_file_load_rows(path, 3, 8, &file, err, sizeof(err)) == NPY_LOAD_FORMAT &&
	      strstr(err, "[3, 8)") != NULL, "rows past the end are refused (%s)", err);
	ok = npy_file_load_header(path, &file, err, sizeof(err)) == NPY_LOAD_OK &&
	     file.array.shape[0] == 7 && file.array.data == NULL && file.bytes == NULL;
	CHECK(ok, "npy_file_load_header: the shape, no data");
	npy_file_free(&file);

	size = make_file(fortran, sizeof(fortran), "<f8", 1, shape, 2, 1, d, sizeof(d));
	snprintf(path, sizeof(path), "%s/fortran.npy", dir);
	f = fopen(path, "wb");
	ok = f && fwrite(fortran, 1, size, f) == size;
	if (f)
		ok = fclose(f) == 0 && ok;
	CHECK(ok && npy_file_load_rows(path, 0, 2, &file, err, sizeof(err)) == NPY_LOAD_FORMAT &&
	      strstr(err, "Fortran") != NULL, "rows of a Fortran-order array are refused (%s)",
	      err);
	CHECK(npy_file_load_rows("/dev/null", 0, 0, &file, err, sizeof(err)) == NPY_LOAD_IO,
	      "a slice of something that is not a regular file is refused (%s)", err);
}

/* ---- conversions ------------------------------------------------------ */

static void test_conversions(void)
{
	const size_t shape[2] = {2, 3};
	/* C order [[1, 2, 3], [4, 5, 6]] stored column by column */
	const double fortran_data[6] = {1, 4, 2, 5, 3, 6};
	unsigned char file[1024], big[24];
	struct npy_array a;
	double *d = NULL;
	float *f = NULL;
	size_t n, i;
	int ok;

	n = make_file(file, sizeof(file), "<f8", 1, shape, 2, 1, fortran_data, sizeof(fortran_data));
	ok = n && npy_parse(file, n, &a, NULL, 0) == 0 && a.fortran_order && npy_is_float(&a);
	d = ok ? npy_to_native(&a, 8) : NULL;
	for (i = 0; ok && d && i < 6; ++i)
		ok = d[i] == (double)(i + 1);
	CHECK(ok && d, "Fortran-order (2, 3) float64 becomes C order");
	free(d);

	/* big-endian float32 1.5, -2, 0.25, 8, 100, -0.5 */
	{
		const float values[6] = {1.5f, -2.0f, 0.25f, 8.0f, 100.0f, -0.5f};

		for (i = 0; i < 6; ++i) {
			uint32_t bits;

			memcpy(&bits, &values[i], 4);
			big[4 * i] = (unsigned char)(bits >> 24);
			big[4 * i + 1] = (unsigned char)(bits >> 16);
			big[4 * i + 2] = (unsigned char)(bits >> 8);
			big[4 * i + 3] = (unsigned char)bits;
		}
		n = make_file(file, sizeof(file), ">f4", 0, shape, 2, 1, big, 24);
		ok = n && npy_parse(file, n, &a, NULL, 0) == 0 && npy_is_float(&a);
		f = ok ? npy_to_native(&a, 4) : NULL;
		d = ok ? npy_to_native(&a, 8) : NULL;
		for (i = 0; ok && f && d && i < 6; ++i)
			ok = f[i] == values[i] && d[i] == (double)values[i];
		CHECK(ok && f && d, "big-endian float32 is swapped, also when widened to float64");
		free(f);
		free(d);
	}

	/* A signalling NaN (a float32 whose quiet bit is clear) keeps its
	 * bits in every layout: the one-copy path and the element-by-element
	 * Fortran-order path must agree.  Found by fuzz_npy. */
	{
		const uint32_t snan = 0xff800001u;
		uint32_t column_major[6] = {0x3f800000u, snan, snan, snan, snan, snan};
		uint32_t *got;

		for (i = 0; i < 2; ++i) {
			n = make_file(file, sizeof(file), "<f4", (int)i, shape, 2, 1, column_major, 24);
			ok = n && npy_parse(file, n, &a, NULL, 0) == 0;
			got = ok ? npy_to_native(&a, 4) : NULL;
			ok = ok && got && memcmp(got + 1, &snan, 4) == 0 &&
			     got[0] == 0x3f800000u;
			CHECK(ok, "a signalling NaN keeps its bits at the same width (%s order)",
			      i ? "Fortran" : "C");
			free(got);
		}
	}

	n = make_file(file, sizeof(file), "<i8", 0, shape, 2, 1, fortran_data, 48);
	ok = n && npy_parse(file, n, &a, NULL, 0) == 0 && a.kind == 'i' && !npy_is_float(&a);
	CHECK(ok, "an int64 file parses but is not a float array");

	n = make_file(file, sizeof(file), "<M8[ns]", 0, shape, 2, 1, fortran_data, 48);
	ok = n && npy_parse(file, n, &a, NULL, 0) == 0 && a.kind == 'M' && a.itemsize == 8 &&
	     !npy_is_float(&a);
	CHECK(ok, "a datetime64[ns] file parses but is not a float array");
}

/* ---- malformed corpus --------------------------------------------------- */

struct bad_file {
	const char *name;
	const char *expected; /* substring of the error message */
	unsigned char bytes[512];
	size_t size;
};

/* A version 1.0 file whose dict is text, padded as numpy pads it, followed
 * by data_size zero bytes. */
static void v1_file(struct bad_file *f, const char *text, size_t data_size)
{
	size_t len = strlen(text);
	size_t total = (10 + len + 1 + 63) / 64 * 64;

	memcpy(f->bytes, "\x93NUMPY\x01\x00", 8);
	f->bytes[8] = (unsigned char)((total - 10) & 0xff);
	f->bytes[9] = (unsigned char)((total - 10) >> 8);
	memcpy(f->bytes + 10, text, len);
	memset(f->bytes + 10 + len, ' ', total - 10 - len - 1);
	f->bytes[total - 1] = '\n';
	memset(f->bytes + total, 0, data_size);
	f->size = total + data_size;
}

static size_t build_corpus(struct bad_file *c, size_t capacity)
{
	size_t n = 0, k;
	char text[400];

#define BAD(name_, expected_)                                                  \
	(c[n].name = (name_), c[n].expected = (expected_), &c[n++])
	if (capacity < 32)
		return 0;
	BAD("empty", "too short")->size = 0;
	memcpy(BAD("bad_magic", "bad magic")->bytes, "\x93NUMPX\x01\x00\x10\x00", 10);
	c[n - 1].size = 10;
	memcpy(BAD("magic_only", "too short")->bytes, "\x93NUMP", 5);
	c[n - 1].size = 5;
	v1_file(BAD("version_4", "unsupported .npy format version 4.0"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8);
	c[n - 1].bytes[6] = 4;
	v1_file(BAD("version_1_1", "unsupported .npy format version 1.1"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8);
	c[n - 1].bytes[7] = 1;
	memcpy(BAD("truncated_prefix", "truncated header")->bytes, "\x93NUMPY\x02\x00\x40\x00", 10);
	c[n - 1].size = 10;
	v1_file(BAD("truncated_header", "runs past the end"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 0);
	c[n - 1].size = 40;
	v1_file(BAD("header_length_past_end", "runs past the end"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8);
	c[n - 1].bytes[8] = 0xff;
	c[n - 1].bytes[9] = 0x7f;
	memcpy(BAD("v2_header_length_huge", "runs past the end")->bytes,
	       "\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14);
	c[n - 1].size = 14;
	v1_file(BAD("not_a_dict", "not a dict"), "['descr', '<f8']", 0);
	v1_file(BAD("missing_shape", "lacks 'shape'"), "{'descr': '<f8', 'fortran_order': False}", 0);
	v1_file(BAD("extra_key", "unexpected or repeated key 'order'"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (), 'order': 1}", 8);
	v1_file(BAD("repeated_key", "unexpected or repeated key 'descr'"),
		"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': ()}", 8);
	v1_file(BAD("fortran_order_not_bool", "neither True nor False"),
		"{'descr': '<f8', 'fortran_order': 0, 'shape': ()}", 8);
	v1_file(BAD("unknown_dtype", "unknown dtype '<x9'"),
		"{'descr': '<x9', 'fortran_order': False, 'shape': ()}", 9);
	v1_file(BAD("float3_dtype", "unknown dtype '<f3'"),
		"{'descr': '<f3', 'fortran_order': False, 'shape': ()}", 3);
	v1_file(BAD("native_order_dtype", "unknown dtype '=f8'"),
		"{'descr': '=f8', 'fortran_order': False, 'shape': ()}", 8);
	v1_file(BAD("empty_dtype", "unknown dtype ''"),
		"{'descr': '', 'fortran_order': False, 'shape': ()}", 8);
	v1_file(BAD("object_dtype", "object arrays (pickled Python objects) are not supported"),
		"{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", 8);
	v1_file(BAD("datetime_bad_unit", "unknown dtype '<M8[ns'"),
		"{'descr': '<M8[ns', 'fortran_order': False, 'shape': ()}", 8);
	v1_file(BAD("structured_dtype", "structured dtypes are not supported"),
		"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': ()}", 8);
	v1_file(BAD("shape_not_tuple", "not a tuple"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': 3}", 24);
	v1_file(BAD("shape_int_in_parens", "is an integer, not a tuple"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (3)}", 24);
	v1_file(BAD("negative_dimension", "other than non-negative integers"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", 0);
	v1_file(BAD("absurd_dimension", "absurd dimension"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}", 0);
	v1_file(BAD("count_overflow", "element count overflows"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16)}", 0);
	v1_file(BAD("byte_overflow", "byte count overflows"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,)}", 0);
	strcpy(text, "{'descr': '<f8', 'fortran_order': False, 'shape': (");
	for (k = 0; k < NPY_MAX_DIMS + 1; ++k)
		strcat(text, "1,");
	strcat(text, ")}");
	v1_file(BAD("too_many_dimensions", "more than 32 dimensions"), text, 8);
	v1_file(BAD("data_truncated", "needs 48 data bytes but the file has 40 (truncated)"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 40);
	v1_file(BAD("data_too_long", "needs 48 data bytes but the file has 56"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 56);
	v1_file(BAD("unterminated_string", "'descr' is not a dtype string"),
		"{'descr': '<f8", 0);
	v1_file(BAD("text_after_dict", "unexpected text after the dict"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': ()} x", 8);
	v1_file(BAD("control_char_in_header", "expected ',' or '}'"),
		"{'descr': '<f8', 'fortran_order': False, 'shape': ()\x01}", 8);
#undef BAD
	return n;
}

static void test_corpus(void)
{
	static struct bad_file corpus[40];
	size_t n = build_corpus(corpus, sizeof(corpus) / sizeof(corpus[0])), k;

	for (k = 0; k < n; ++k) {
		struct npy_array a;
		char err[256] = "";
		/* a private heap copy of exactly size bytes, so that sanitizers
		 * see any read past the end */
		unsigned char *copy = malloc(corpus[k].size ? corpus[k].size : 1);
		int failed;

		memcpy(copy, corpus[k].bytes, corpus[k].size);
		failed = npy_parse(copy, corpus[k].size, &a, err, sizeof(err)) != 0;
		if (!CHECK(failed && strstr(err, corpus[k].expected) != NULL,
			   "malformed %s: %s", corpus[k].name, err))
			tap_diag("expected an error containing \"%s\"", corpus[k].expected);
		free(copy);
	}
}

/* ---- truncations and mutations ------------------------------------------ */

static void test_truncations_and_mutations(void)
{
	const size_t shape[2] = {4, 3};
	double data[12] = {0};
	unsigned char file[1024], *copy;
	size_t n, cut, trial;
	struct npy_array a;
	tap_rng rng;
	int all_failed = 1, consistent = 1, accepted = 0;

	n = make_file(file, sizeof(file), "<f8", 0, shape, 2, 1, data, sizeof(data));
	for (cut = 0; cut < n; ++cut) {
		copy = malloc(cut ? cut : 1);
		memcpy(copy, file, cut);
		if (npy_parse(copy, cut, &a, NULL, 0) == 0)
			all_failed = 0;
		free(copy);
	}
	CHECK(all_failed, "every one of the %zu proper prefixes of a valid file is refused", n);

	tap_rng_seed(&rng, tap_seed_from_env());
	for (trial = 0; trial < 20000; ++trial) {
		size_t flips = 1 + (size_t)(tap_uniform(&rng) * 4), k;
		size_t size = n;

		if (tap_uniform(&rng) < 0.2)
			size = (size_t)(tap_uniform(&rng) * (double)n);
		copy = malloc(size ? size : 1);
		memcpy(copy, file, size);
		for (k = 0; k < flips && size > 0; ++k) {
			size_t at = (size_t)(tap_uniform(&rng) * (double)size);

			copy[at] = (unsigned char)(tap_uniform(&rng) * 256.0);
		}
		if (npy_parse(copy, size, &a, NULL, 0) == 0) {
			++accepted;
			/* what is accepted must describe exactly the bytes present */
			if (a.data < copy || a.data_size != a.count * a.itemsize ||
			    a.header_size + a.data_size != size || a.data != copy + a.header_size)
				consistent = 0;
		}
		free(copy);
	}
	CHECK(consistent, "20000 random mutations: no crash, and the %d accepted ones are consistent",
	      accepted);
}

static int write_corpus(const char *dir)
{
	static struct bad_file corpus[40];
	size_t n = build_corpus(corpus, sizeof(corpus) / sizeof(corpus[0])), k;
	char path[1024];

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	for (k = 0; k < n; ++k) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s.npy", dir, corpus[k].name);
		f = fopen(path, "wb");
		if (!f || fwrite(corpus[k].bytes, 1, corpus[k].size, f) != corpus[k].size ||
		    fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	printf("wrote %zu malformed files to %s\n", n, dir);
	return 0;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/anisocl-test-npy-XXXXXX";
	char cmd[128];

	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(argv[2]);
	if (!mkdtemp(dir)) {
		tap_skip_all("cannot create a temporary folder");
		return 0;
	}
	test_round_trips();
	test_file_round_trip(dir);
	test_row_ranges(dir);
	test_conversions();
	test_corpus();
	test_truncations_and_mutations();
	tap_plan(test_count);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
	return tap_done();
}
