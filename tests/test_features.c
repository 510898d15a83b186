/*
 * Features around the sum: reproducibility, small M with large N,
 * device-resident arrays, the disk cache (cold, warm, corrupted, a FIFO), kernel
 * sources from a folder, build failures with their log, the device list,
 * and float32 accuracy on long sums.  The caller's own OpenCL objects are
 * test_interop.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reference.h"
#include "test_common.h"

static void test_version(void)
{
	tap_ok(aniso_version_number() == ANISO_VERSION_NUMBER &&
		       strcmp(aniso_version_string(), ANISO_VERSION_STRING) == 0,
	       "runtime version %s matches the header", aniso_version_string());
}

static void test_reproducible(aniso_ctx *ctx, tap_rng *rng)
{
	struct problem p;
	float *a = malloc(16 * 3 * sizeof(float)), *c = malloc(16 * 3 * sizeof(float));
	int ok;

	problem_make(&p, rng, ANISO_FLOAT32, 16, 200000, 3, 3, 3, ANISO_GAMMA_PER_J);
	ok = aniso_sum(ctx, &p.shape, p.xt, p.yt, p.bt, p.gammat, a) == ANISO_OK &&
	     aniso_sum(ctx, &p.shape, p.xt, p.yt, p.bt, p.gammat, c) == ANISO_OK &&
	     memcmp(a, c, 16 * 3 * sizeof(float)) == 0;
	tap_ok(ok, "two runs are bitwise equal (M = 16, N = 2e5, many j-blocks)");
	tap_ok(problem_check(ctx, &p, TOL_FLOAT32, NULL),
	       "small M, large N matches the reference (M = 16, N = 2e5)");
	problem_free(&p);
	free(a);
	free(c);
}

/* A float32 sum of N positive terms of like size: the compensated
 * summation must keep the error near one rounding, not N of them. */
static void test_long_sum_accuracy(aniso_ctx *ctx, tap_rng *rng)
{
	const size_t M = 32, N = 1000000, D = 3;
	float *x = malloc(M * D * sizeof(float)), *y = malloc(N * D * sizeof(float));
	float *b = malloc(N * sizeof(float)), *out = malloc(M * sizeof(float)), g = 1.0f;
	double *xd = malloc(M * D * sizeof(double)), *yd = malloc(N * D * sizeof(double));
	double *bd = malloc(N * sizeof(double)), *ref = malloc(M * sizeof(double)), gd = 1.0;
	aniso_shape s = {M, N, D, 1, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT32};
	double worst = 0;
	size_t k;

	for (k = 0; k < M * D; ++k)
		xd[k] = x[k] = (float)tap_uniform(rng);
	for (k = 0; k < N * D; ++k)
		yd[k] = y[k] = (float)tap_uniform(rng);
	for (k = 0; k < N; ++k)
		bd[k] = b[k] = (float)(0.5 + tap_uniform(rng));
	if (aniso_sum(ctx, &s, x, y, b, &g, out) == ANISO_OK) {
		reference_sum(M, N, D, 1, 1, 0, xd, yd, bd, &gd, ref, NULL);
		for (k = 0; k < M; ++k)
			worst = fmax(worst, fabs(out[k] - ref[k]) / ref[k]);
	} else {
		worst = INFINITY;
	}
	/* 2e-7 is 1.7 float32 ulps of the sum: a plain float sum of 1e6 terms
	 * is off by ~1e-4, a blocked one by ~1e-6. */
	tap_ok(worst <= 2e-7, "float32, N = 1e6 positive terms: max relative error %.3g <= 2e-7", worst);
	free(x), free(y), free(b), free(out), free(xd), free(yd), free(bd), free(ref);
}

static void test_device_arrays(aniso_ctx *ctx, tap_rng *rng)
{
	struct problem p;
	aniso_array *ax = NULL, *ay = NULL, *ab = NULL, *ag = NULL, *ao = NULL, *bad = NULL;
	float host[40 * 2], dev[40 * 2];
	int ok, err;

	problem_make(&p, rng, ANISO_FLOAT32, 40, 900, 2, 2, 4, ANISO_GAMMA_PER_I);
	ok = aniso_array_create(ctx, ANISO_FLOAT32, 40, 2, p.xt, &ax) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 900, 2, p.yt, &ay) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 900, 2, p.bt, &ab) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 40, 4, p.gammat, &ag) == ANISO_OK &&
	     aniso_array_create(ctx, ANISO_FLOAT32, 40, 2, NULL, &ao) == ANISO_OK &&
	     aniso_sum_arrays(ctx, ax, ay, ab, ag, ANISO_GAMMA_PER_I, ao) == ANISO_OK &&
	     aniso_array_read(ao, dev) == ANISO_OK &&
	     aniso_sum(ctx, &p.shape, p.xt, p.yt, p.bt, p.gammat, host) == ANISO_OK &&
	     memcmp(host, dev, sizeof(host)) == 0;
	tap_ok(ok, "device arrays give the host call's result, bitwise");
	/* New weights on the same points: the optimisation loop's case. */
	((float *)p.bt)[0] += 1.0f;
	p.b[0] = ((float *)p.bt)[0];
	ok = aniso_array_write(ab, p.bt) == ANISO_OK &&
	     aniso_sum_arrays(ctx, ax, ay, ab, ag, ANISO_GAMMA_PER_I, ao) == ANISO_OK &&
	     aniso_array_read(ao, dev) == ANISO_OK &&
	     aniso_sum(ctx, &p.shape, p.xt, p.yt, p.bt, p.gammat, host) == ANISO_OK &&
	     memcmp(host, dev, sizeof(host)) == 0 && problem_check(ctx, &p, TOL_FLOAT32, NULL);
	tap_ok(ok, "after aniso_array_write of b the sum follows");
	err = aniso_array_create(ctx, ANISO_FLOAT32, 41, 2, NULL, &bad);
	err = err ? err : aniso_sum_arrays(ctx, ax, ay, ab, ag, ANISO_GAMMA_PER_I, bad);
	tap_ok(err == ANISO_ERR_SHAPE && strstr(aniso_ctx_errmsg(ctx), "out is 41 x 2"),
	       "an out array of the wrong shape: ERR_SHAPE naming out");
	err = aniso_sum_arrays(ctx, ax, ay, ab, ag, ANISO_GAMMA_PER_J, ao);
	tap_ok(err == ANISO_ERR_BAD_GAMMA_VAR, "per-i gamma passed as per-j: ERR_BAD_GAMMA_VAR");
	tap_ok(aniso_sum_arrays(ctx, ax, NULL, ab, ag, ANISO_GAMMA_PER_I, ao) == ANISO_ERR_NULL_ARG &&
		       strstr(aniso_ctx_errmsg(ctx), "y is NULL"),
	       "a NULL array: ERR_NULL_ARG naming it");
	aniso_array_free(bad);
	aniso_array_free(ao);
	aniso_array_free(ag);
	aniso_array_free(ab);
	aniso_array_free(ay);
	aniso_array_free(ax);
	aniso_array_free(NULL);
	problem_free(&p);
}

/* Files in dir whose name ends in suffix; the last one's path in last
 * (may be NULL). */
static int count_files(const char *dir, const char *suffix, char *last, size_t last_size)
{
	size_t suffix_len = strlen(suffix);
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > suffix_len && strcmp(e->d_name + len - suffix_len, suffix) == 0) {
			++n;
			if (last)
				snprintf(last, last_size, "%s/%s", dir, e->d_name);
		}
	}
	closedir(d);
	return n;
}

/* Puts back the ANISOCL_CACHE_DIR a test saved (NULL: unset) and frees
 * the copy. */
static void cache_dir_restore(char *saved)
{
	if (saved)
		setenv("ANISOCL_CACHE_DIR", saved, 1);
	else
		unsetenv("ANISOCL_CACHE_DIR");
	free(saved);
}

static char last_note[1024];

static int sum_in_fresh_context(tap_rng *rng, const char *cache_dir)
{
	aniso_ctx *ctx = NULL;
	struct problem p;
	char why[512];
	int ok;

	setenv("ANISOCL_CACHE_DIR", cache_dir, 1);
	ok = aniso_ctx_create(&ctx, why, sizeof(why)) == ANISO_OK;
	ok = ok && problem_make(&p, rng, ANISO_FLOAT32, 50, 60, 5, 1, 25, ANISO_GAMMA_FIXED) == 0;
	ok = ok && problem_check(ctx, &p, TOL_FLOAT32, NULL);
	snprintf(last_note, sizeof(last_note), "%s", ctx ? aniso_ctx_errmsg(ctx) : "");
	if (ctx)
		problem_free(&p);
	aniso_ctx_free(ctx);
	return ok;
}

/* A sum blocked on a FIFO would hang the whole suite: fail instead. */
static void hung_on_fifo(int sig)
{
	static const char line[] = "not ok - the sum hung on a FIFO in the cache folder\n";

	(void)sig;
	if (write(STDOUT_FILENO, line, sizeof(line) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void test_disk_cache(tap_rng *rng)
{
	char dir[] = "/tmp/anisocl-cache-XXXXXX", entry[1024] = "", *saved;
	const char *old = getenv("ANISOCL_CACHE_DIR");
	struct stat st;
	FILE *f;
	int n;

	saved = old ? strdup(old) : NULL;
	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		free(saved);
		return;
	}
	tap_ok(sum_in_fresh_context(rng, dir) && count_files(dir, ".bin", entry, sizeof(entry)) == 1,
	       "cold cache: correct sum, one entry written");
	tap_ok(sum_in_fresh_context(rng, dir) && count_files(dir, ".bin", NULL, 0) == 1,
	       "warm cache: correct sum from the stored binary, no new entry");
	/* Corrupt the payload in the middle: the hash check must catch it. */
	n = stat(entry, &st) == 0 && (f = fopen(entry, "r+b")) != NULL;
	if (n) {
		fseek(f, st.st_size / 2, SEEK_SET);
		fputs("garbage!", f);
		fclose(f);
	}
	tap_ok(n && sum_in_fresh_context(rng, dir) && count_files(dir, ".bin", NULL, 0) == 1 &&
		       strstr(last_note, "note: disk cache entry") && strstr(last_note, "hash check"),
	       "corrupted entry: rebuilt from source, correct sum, a note says so");
	/* Truncated to a header's worth: also rejected. */
	n = truncate(entry, 20) == 0;
	tap_ok(n && sum_in_fresh_context(rng, dir) && stat(entry, &st) == 0 && st.st_size > 20,
	       "truncated entry: rebuilt and rewritten");
	/* A FIFO in place of the entry: opening or reading it must not block
	 * (the alarm turns a hang into a failure), and the entry is rebuilt
	 * as a regular file. */
	n = remove(entry) == 0 && mkfifo(entry, 0644) == 0;
	signal(SIGALRM, hung_on_fifo);
	alarm(120);
	tap_ok(n && sum_in_fresh_context(rng, dir) && strstr(last_note, "not a regular file") &&
		       stat(entry, &st) == 0 && S_ISREG(st.st_mode) && count_files(dir, ".bin", NULL, 0) == 1,
	       "FIFO in place of an entry: no hang, correct sum, a note, rebuilt as a regular file");
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	if (!strstr(last_note, "not a regular file"))
		tap_diag("message after the sum: \"%s\"", last_note);
	tap_ok(sum_in_fresh_context(rng, "/proc/no-such-dir/anisocl") &&
		       strstr(last_note, "note: disk cache not written"),
	       "unwritable cache folder: correct sum all the same, a note says so");
	if (!strstr(last_note, "note:"))
		tap_diag("message after the sum: \"%s\"", last_note);
	remove(entry);
	rmdir(dir);
	cache_dir_restore(saved);
}

/* A sum with a fresh context on cache_dir in a new process (this program
 * run again with --child: a fork of a process whose OpenCL runtime has
 * started is not safe); with file_limit > 0, writes past that many bytes
 * fail (EFBIG).  The child exits 0 when the sum is
 * right, 2 when it is right and a note says the cache was not written. */
static pid_t sum_in_child(unsigned long long seed, const char *cache_dir, long file_limit)
{
	pid_t pid = fork();

	if (pid == 0) {
		char seed_text[32], limit_text[32];

		snprintf(seed_text, sizeof(seed_text), "%llu", seed);
		snprintf(limit_text, sizeof(limit_text), "%ld", file_limit);
		execl("/proc/self/exe", "test_features", "--child", cache_dir, limit_text, seed_text,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int child_main(const char *cache_dir, long file_limit, unsigned long long seed)
{
	tap_rng rng;
	int ok;

	if (file_limit > 0) {
		struct rlimit limit = {(rlim_t)file_limit, (rlim_t)file_limit};

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &limit);
	}
	tap_rng_seed(&rng, seed);
	ok = sum_in_fresh_context(&rng, cache_dir);
	return !ok ? 1 : strstr(last_note, "note: disk cache not written") ? 2 : 0;
}

static int child_status(pid_t pid)
{
	int status = 0;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * A full disk: the cache folder is a 16 KiB tmpfs filled to the last byte
 * (RLIMIT_FSIZE is no substitute: it also stops PoCL's own temporary
 * files).  The sum must be right, a note must say the entry was not
 * written, and no temporary file may be left behind.  Mounting needs root
 * (CI runs as root); elsewhere the test is skipped with the reason.
 */
static void test_disk_cache_full(tap_rng *rng)
{
	char dir[] = "/tmp/anisocl-full-XXXXXX", filler[1100];
	const char *old = getenv("ANISOCL_CACHE_DIR");
	char *saved = old ? strdup(old) : NULL;
	static const char block[512];
	FILE *f;
	int ok;

	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		free(saved);
		return;
	}
	if (mount("tmpfs", dir, "tmpfs", 0, "size=16k") != 0) {
		tap_skip("mounting a tmpfs needs root", "a full disk under the cache folder (%s)",
			 strerror(errno));
		rmdir(dir);
		free(saved);
		return;
	}
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	f = fopen(filler, "wb");
	if (f) {
		setvbuf(f, NULL, _IONBF, 0);
		while (fwrite(block, 1, sizeof(block), f) == sizeof(block))
			;
		while (fwrite(block, 1, 1, f) == 1)
			;
		fclose(f);
	}
	ok = f && sum_in_fresh_context(rng, dir) &&
	     strstr(last_note, "note: disk cache not written") &&
	     count_files(dir, ".bin", NULL, 0) == 0 && count_files(dir, ".tmp", NULL, 0) == 0;
	if (!ok)
		tap_diag("message after the sum: \"%s\"", last_note);
	tap_ok(ok, "full disk under the cache folder: correct sum, a note, no file left behind");
	umount(dir);
	rmdir(dir);
	cache_dir_restore(saved);
}

/* Two processes writing the same entry at once. */
static void test_disk_cache_races(void)
{
	char dir[] = "/tmp/anisocl-race-XXXXXX";
	char entry[1024] = "";
	pid_t a, b;
	int sa, sb;

	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return;
	}
	a = sum_in_child(11, dir, 0);
	b = sum_in_child(12, dir, 0);
	sa = child_status(a);
	sb = child_status(b);
	tap_ok(sa == 0 && sb == 0 && count_files(dir, ".bin", entry, sizeof(entry)) == 1 &&
		       count_files(dir, ".tmp", NULL, 0) == 0 && child_status(sum_in_child(13, dir, 0)) == 0,
	       "two processes writing one cache entry at once: both right, one valid entry");
	if (entry[0])
		remove(entry);
	rmdir(dir);
}

/*
 * A reduction over i (what the gradient with respect to y needs):
 *   out_j = sum_i exp(-(x_i - y_j)^T G_j (x_i - y_j)) a_i
 * is the sum over j with the roles swapped (y as the rows, x as the terms,
 * the per-j metric now per row), since the quadratic form is the same for
 * x_i - y_j and y_j - x_i.  Checked against a direct double loop over i.
 */
static void test_sum_over_i(aniso_ctx *ctx, tap_rng *rng)
{
	enum { M = 211, N = 150, D = 3, E = 2, K = 9 };
	struct problem p;
	aniso_shape t;
	double a[M * E], out[N * E], worst = 0;
	int ok;

	if (!aniso_ctx_has_fp64(ctx)) {
		tap_skip("the device has no float64", "a sum over i by swapped roles");
		return;
	}
	problem_make(&p, rng, ANISO_FLOAT64, M, N, D, E, K, ANISO_GAMMA_PER_J);
	for (size_t k = 0; k < M * E; ++k)
		a[k] = 2 * tap_uniform(rng) - 1;
	t = p.shape;
	t.M = N;
	t.N = M;
	t.gamma_var = ANISO_GAMMA_PER_I; /* gamma_rows stays N, the rows now */
	ok = aniso_sum(ctx, &t, p.yt, p.xt, a, p.gammat, out) == ANISO_OK;
	for (size_t j = 0; ok && j < N; ++j) {
		for (size_t e = 0; e < E; ++e) {
			double sum = 0, scale = 0;

			for (size_t i = 0; i < M; ++i) {
				double q = 0, term;

				for (size_t k = 0; k < D; ++k)
					for (size_t l = 0; l < D; ++l)
						q += (p.x[i * D + k] - p.y[j * D + k]) *
						     p.gamma[j * K + k * D + l] *
						     (p.x[i * D + l] - p.y[j * D + l]);
				term = exp(-q) * a[i * E + e];
				sum += term;
				scale += fabs(term);
			}
			if (fabs(out[j * E + e] - sum) / scale > worst)
				worst = fabs(out[j * E + e] - sum) / scale;
		}
	}
	if (!ok)
		tap_diag("aniso_sum: %s", aniso_ctx_errmsg(ctx));
	tap_ok(ok && worst <= TOL_FLOAT64,
	       "a sum over i (per-j full gamma) by swapped roles: worst %.2g of sum|term|", worst);
	problem_free(&p);
}

static void test_kernel_dir(tap_rng *rng)
{
	const char *srcdir = getenv("top_srcdir");
	char path[1024], broken_dir[] = "/tmp/anisocl-cl-XXXXXX", file[1100];
	aniso_ctx *ctx = NULL;
	struct problem p;
	char why[512];
	/* Every source of the sum's program but reduce_j.cl, which is replaced. */
	const char *names[] = {"real.cl", "metric_iso.cl", "profile.cl", "formula_sum.cl",
			       "reduce_sum.cl"};
	aniso_shape tiny = {1, 1, 2, 2, 1, 1, ANISO_GAMMA_FIXED, ANISO_FLOAT64};
	double small[8] = {0}, result[2];
	int ok, err;
	size_t k;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cl", srcdir ? srcdir : ".");
	setenv("ANISOCL_CACHE", "off", 1);
	setenv("ANISOCL_KERNEL_DIR", path, 1);
	ok = aniso_ctx_create(&ctx, why, sizeof(why)) == ANISO_OK &&
	     problem_make(&p, rng, ANISO_FLOAT64, 20, 30, 2, 1, 1, ANISO_GAMMA_FIXED) == 0 &&
	     problem_check(ctx, &p, TOL_FLOAT64, NULL);
	tap_ok(ok, "ANISOCL_KERNEL_DIR=%s: sources read from the folder", path);
	/* A folder with a broken reduction file: the build log must come back. */
	if (mkdtemp(broken_dir)) {
		for (k = 0; k < sizeof(names) / sizeof(names[0]); ++k) {
			char src[1100], line[512];
			FILE *in;

			snprintf(src, sizeof(src), "%s/%s", path, names[k]);
			snprintf(file, sizeof(file), "%s/%s", broken_dir, names[k]);
			in = fopen(src, "r");
			f = fopen(file, "w");
			while (in && f && fgets(line, sizeof(line), in))
				fputs(line, f);
			if (in)
				fclose(in);
			if (f)
				fclose(f);
		}
		snprintf(file, sizeof(file), "%s/reduce_j.cl", broken_dir);
		f = fopen(file, "w");
		if (f) {
			fputs("__kernel void partial_sums(void) { this_is_not_opencl; }\n", f);
			fclose(f);
		}
		setenv("ANISOCL_KERNEL_DIR", broken_dir, 1);
		/* Configurations this context has not compiled yet. */
		err = aniso_sum(ctx, &tiny, small, small, small, small, result);
		if (!tap_ok(err == ANISO_ERR_BUILD && strstr(aniso_ctx_errmsg(ctx), "build log") &&
				    strstr(aniso_ctx_errmsg(ctx), "this_is_not_opencl"),
			    "a kernel that does not compile: ERR_BUILD with the device's build log"))
			tap_diag("%d: %s", err, aniso_ctx_errmsg(ctx));
		remove(file);
		for (k = 0; k < sizeof(names) / sizeof(names[0]); ++k) {
			snprintf(file, sizeof(file), "%s/%s", broken_dir, names[k]);
			remove(file);
		}
		/* A folder without the files. */
		tiny.K = 4;
		err = aniso_sum(ctx, &tiny, small, small, small, small, result);
		tap_ok(err == ANISO_ERR_KERNEL_SOURCE && strstr(aniso_ctx_errmsg(ctx), broken_dir),
		       "a kernel folder without the sources: ERR_KERNEL_SOURCE naming the path");
		rmdir(broken_dir);
	} else {
		tap_ok(0, "mkdtemp");
		tap_ok(0, "mkdtemp");
	}
	unsetenv("ANISOCL_KERNEL_DIR");
	unsetenv("ANISOCL_CACHE");
	problem_free(&p);
	aniso_ctx_free(ctx);
}

/* Under a small artificial allocation cap the host call streams x, y, b and
 * gamma through the device in chunks: same answer, reproducibly. */
static void test_streaming(tap_rng *rng)
{
	static const aniso_gamma_var vars[3] = {ANISO_GAMMA_FIXED, ANISO_GAMMA_PER_I,
						ANISO_GAMMA_PER_J};
	aniso_ctx *ctx = NULL;
	char why[512];
	int v;

	/* 4 KiB per buffer: chunks of 341 rows of a float32 3-vector. */
	setenv("ANISOCL_MAX_ALLOC_BYTES", "4096", 1);
	if (aniso_ctx_create(&ctx, why, sizeof(why)) != ANISO_OK) {
		unsetenv("ANISOCL_MAX_ALLOC_BYTES");
		for (v = 0; v < 4; ++v)
			tap_ok(0, "context with a 4 KiB allocation cap: %s", why);
		return;
	}
	unsetenv("ANISOCL_MAX_ALLOC_BYTES");
	for (v = 0; v < 3; ++v) {
		struct problem p;
		aniso_dtype dtype = v == 1 ? ANISO_FLOAT64 : ANISO_FLOAT32;

		problem_make(&p, rng, dtype, 700, 2500, 3, 2, v == 2 ? 9 : 3, vars[v]);
		tap_ok(problem_check(ctx, &p, dtype_tolerance(dtype), NULL),
		       "streamed under a 4 KiB cap: %s %s M=700 N=2500 matches the reference",
		       dtype == ANISO_FLOAT64 ? "float64" : "float32", gamma_var_label(vars[v]));
		if (v == 2) {
			size_t bytes = 700 * 2 * sizeof(float);
			float *a = malloc(bytes), *c = malloc(bytes);

			tap_ok(aniso_sum(ctx, &p.shape, p.xt, p.yt, p.bt, p.gammat, a) == ANISO_OK &&
				       aniso_sum(ctx, &p.shape, p.xt, p.yt, p.bt, p.gammat, c) == ANISO_OK &&
				       memcmp(a, c, bytes) == 0,
			       "streamed sums are bitwise reproducible");
			free(a);
			free(c);
		}
		problem_free(&p);
	}
	aniso_ctx_free(ctx);
}

static void test_device_list(void)
{
	aniso_device_info info[16];
	size_t count = 0;
	int def = -1;
	char why[128] = "";
	/* Called before tap_ok: its other arguments must see the results. */
	int err = aniso_device_list(info, 16, &count, &def, why, sizeof(why));

	tap_ok(err == ANISO_OK && count >= 1 &&
		       def >= 0 && (size_t)def < count && info[0].compute_units >= 1 && why[0],
	       "device list: %zu device(s), default %d (%s)", count, def, why);
}

int main(int argc, char **argv)
{
	aniso_ctx *ctx;
	tap_rng rng;

	if (argc == 5 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2], strtol(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
	ctx = context_or_skip();
	if (!ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	tap_plan(26);
	test_version();
	test_reproducible(ctx, &rng);
	test_long_sum_accuracy(ctx, &rng);
	test_device_arrays(ctx, &rng);
	test_sum_over_i(ctx, &rng);
	test_disk_cache(&rng);
	test_disk_cache_races();
	test_disk_cache_full(&rng);
	test_kernel_dir(&rng);
	test_streaming(&rng);
	test_device_list();
	aniso_ctx_free(ctx);
	return tap_done();
}
