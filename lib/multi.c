/*
 * One sum over several devices (aniso_multi): a context per device, the
 * problem cut into pieces by the one planner of lib/plan.c, the pieces run
 * at once (a host thread per device), and the result checked in and
 * merged in one fixed order.
 *
 * Why the bits do not depend on the devices: the j-blocks are a function
 * of the problem (aniso_plan_j_block_len), a row's partials are the same
 * whichever device of a kind computes them (the kernel's arithmetic for a
 * row does not depend on the work-item or lane that holds it), and every
 * row's partials are merged by the same combine pass, in block order,
 * as a single device merges them.  Rows split among the devices: each
 * combines its own rows.  Blocks split (few rows): the partials come back
 * to the host and the first device combines them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* Below this many rows per device the rows are not split (a device would
 * get less than one nominal group): the j-blocks are, so that M = 16 with
 * a large N still uses every device. */
#define MIN_ROWS_PER_DEVICE 128
/* A row share is a multiple of this (the CPU kernels' 16 lanes). */
#define ROW_ALIGN 16
/* A piece timed for less than this says little about the device's speed
 * (kernel builds, launch latency): see after_success. */
#define MIN_TIMED_SECONDS 0.05
/* Estimated pairs/s per (compute unit x MHz) before anything is measured.
 * Only the ratio between devices matters: a GPU compute unit runs many
 * more lanes than a CPU core. */
#define GPU_RATE_FACTOR 16.0
#define CPU_RATE_FACTOR 1.0

struct aniso_multi_s {
	size_t count;
	aniso_ctx **ctx;
	char (*label)[32]; /* "device 1": how messages name each device */
	/* Speeds: the first guess (compute units x clock, arbitrary units)
	 * and the pairs/s last measured (0: not yet).  The two are not
	 * comparable, so a split uses the measured ones only once every
	 * device has one (see weight). */
	double *estimate, *measured;
	pthread_mutex_t lock;
	struct aniso_msg msg;
};

/* One device's piece of a call, and what became of it. */
struct job {
	aniso_ctx *ctx;
	aniso_shape shape;
	const struct aniso_formula *formula;
	size_t j_block_len;
	int partials_only;
	const char *x, *y, *b, *gamma;
	char *result;
	int err;
	double seconds;
};

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *job_run(void *arg)
{
	struct job *j = arg;
	double start = seconds_now();

	j->err = aniso_host_piece(j->ctx, &j->shape, j->formula, j->j_block_len, j->partials_only,
				  j->x, j->y, j->b, j->gamma, j->result);
	j->seconds = seconds_now() - start;
	return NULL;
}

void aniso_multi_free(aniso_multi *m)
{
	size_t k;

	if (!m)
		return;
	for (k = 0; k < m->count; ++k)
		aniso_ctx_free(m->ctx[k]);
	free(m->ctx);
	free(m->label);
	free(m->measured);
	free(m->estimate);
	aniso_msg_free(&m->msg);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* A first guess of a device's speed: compute units x clock, scaled by kind. */
static int estimate_rate(aniso_ctx *ctx, double *rate, struct aniso_msg *msg)
{
	cl_uint mhz = 0;
	cl_int status = clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof(mhz),
					&mhz, NULL);

	if (status != CL_SUCCESS)
		return aniso_cl_fail(msg, "clGetDeviceInfo(CL_DEVICE_MAX_CLOCK_FREQUENCY)", status);
	*rate = (double)ctx->caps.compute_units * (double)(mhz ? mhz : 1000) *
		(ctx->caps.kind == ANISO_KIND_GPU ? GPU_RATE_FACTOR : CPU_RATE_FACTOR);
	return ANISO_OK;
}

/* Add the context for device spec `item` (NULL: the default device) as
 * the next device of m. */
static int add_device(aniso_multi *m, const char *list, const char *item, size_t capacity)
{
	const char *shown = item ? item : "(default)";
	char why[512] = "";
	aniso_ctx *ctx = NULL;
	size_t k;
	int err = ANISO_OK;

	if (m->count == capacity) {
		err = aniso_msg_set(&m->msg, ANISO_ERR_BAD_DEVICE_SPEC,
				    "device list \"%s\": more than %zu devices", list, capacity);
		goto out;
	}
	if (item && !*item) {
		err = aniso_msg_set(&m->msg, ANISO_ERR_BAD_DEVICE_SPEC,
				    "device list \"%s\": an empty item: expected device indices or "
				    "name substrings separated by commas, or \"all\"", list);
		goto out;
	}
	err = aniso_ctx_create_on(item, &ctx, why, sizeof(why));
	if (err != ANISO_OK) {
		err = aniso_msg_set(&m->msg, err, "device list \"%s\": item \"%s\": %s", list, shown,
				    why);
		goto out;
	}
	for (k = 0; k < m->count; ++k)
		if (m->ctx[k]->device == ctx->device) {
			err = aniso_msg_set(&m->msg, ANISO_ERR_BAD_DEVICE_SPEC,
					    "device list \"%s\": item \"%s\" names %s (%s) again: "
					    "expected each device once", list, shown, m->label[k],
					    m->ctx[k]->caps.name);
			goto out;
		}
	err = estimate_rate(ctx, &m->estimate[m->count], &m->msg);
	if (err != ANISO_OK)
		goto out;
	snprintf(m->label[m->count], sizeof(m->label[0]), "device %.24s", shown);
	m->ctx[m->count++] = ctx;
	ctx = NULL;
out:
	aniso_ctx_free(ctx);
	return err;
}

/* Every device of a list "0,1", "gpu,cpu" or "all". */
static int add_devices(aniso_multi *m, const char *list)
{
	size_t capacity = 1, count = 0, k;
	char *copy = NULL, *item, *save = NULL;
	int err;

	for (k = 0; list[k]; ++k)
		capacity += list[k] == ',';
	if (strcmp(list, "all") == 0) {
		err = aniso_device_list(NULL, 0, &count, NULL, NULL, 0);
		if (err != ANISO_OK) {
			err = aniso_msg_set(&m->msg, err, "device list \"all\": listing the devices "
					    "failed: %s", aniso_strerror(err));
			goto out;
		}
		if (count == 0) {
			err = aniso_msg_set(&m->msg, ANISO_ERR_NO_DEVICE,
					    "device list \"all\": no OpenCL device found");
			goto out;
		}
		capacity = count;
	}
	m->ctx = calloc(capacity, sizeof(*m->ctx));
	m->label = calloc(capacity, sizeof(*m->label));
	m->estimate = calloc(capacity, sizeof(*m->estimate));
	m->measured = calloc(capacity, sizeof(*m->measured));
	copy = strdup(list);
	if (!m->ctx || !m->label || !m->estimate || !m->measured || !copy) {
		err = aniso_msg_set(&m->msg, ANISO_ERR_NO_MEMORY,
				    "out of host memory for %zu devices", capacity);
		goto out;
	}
	err = ANISO_OK;
	if (!*list) {
		err = add_device(m, list, NULL, capacity);
		goto out;
	}
	if (count > 0) {
		for (k = 0; k < count && err == ANISO_OK; ++k) {
			char index[24];

			snprintf(index, sizeof(index), "%zu", k);
			err = add_device(m, list, index, capacity);
		}
		goto out;
	}
	/* strtok would skip empty items: split by hand so "0,,1" is refused. */
	for (item = copy; err == ANISO_OK; item = save + 1) {
		save = strchr(item, ',');
		if (save)
			*save = '\0';
		err = add_device(m, list, item, capacity);
		if (!save)
			break;
	}
out:
	free(copy);
	return err;
}

int aniso_multi_create(const char *device_list, aniso_multi **out, char *errmsg,
		       size_t errmsg_size)
{
	aniso_multi *m = NULL;
	const char *list = device_list;
	int err;

	aniso_copy_message(errmsg, errmsg_size, "");
	if (!out)
		return ANISO_ERR_NULL_ARG;
	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m) {
		aniso_copy_message(errmsg, errmsg_size, "out of host memory creating the device set");
		return ANISO_ERR_NO_MEMORY;
	}
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		aniso_copy_message(errmsg, errmsg_size, "pthread_mutex_init failed");
		return ANISO_ERR_NO_MEMORY;
	}
	if (!list || !*list)
		list = getenv("ANISOCL_DEVICE");
	/* Nothing named: the one device aniso_ctx_create would take. */
	err = add_devices(m, list && *list ? list : "");
	if (err == ANISO_OK && m->count == 0)
		err = aniso_msg_set(&m->msg, ANISO_ERR_NO_DEVICE, "no device in the list");
	if (err != ANISO_OK) {
		aniso_copy_message(errmsg, errmsg_size, aniso_msg_text(&m->msg));
		aniso_multi_free(m);
		return err;
	}
	*out = m;
	return ANISO_OK;
}

const char *aniso_multi_errmsg(const aniso_multi *m)
{
	return m ? aniso_msg_text(&m->msg) : "multi is NULL";
}

size_t aniso_multi_count(const aniso_multi *m)
{
	return m ? m->count : 0;
}

aniso_ctx *aniso_multi_ctx(const aniso_multi *m, size_t k)
{
	return m && k < m->count ? m->ctx[k] : NULL;
}

/* Device k's speed for a split: measured once every device has been
 * measured, else the first guess. */
static double weight(const aniso_multi *m, size_t k)
{
	size_t q;

	for (q = 0; q < m->count; ++q)
		if (m->measured[q] <= 0.0)
			return m->estimate[k];
	return m->measured[k];
}

/*
 * Cut total units (rows or j-blocks) among the devices in proportion to
 * their speeds: device k gets [first[k], first[k + 1]).  Boundaries are
 * multiples of align, except the end.
 */
static void split(const aniso_multi *m, size_t total, size_t align, size_t *first)
{
	double sum = 0.0, cumulative = 0.0;
	size_t k;

	for (k = 0; k < m->count; ++k)
		sum += weight(m, k);
	first[0] = 0;
	for (k = 0; k < m->count; ++k) {
		size_t at;

		cumulative += weight(m, k);
		at = (size_t)((double)total * cumulative / sum + 0.5);
		at = at / align * align;
		if (k + 1 == m->count || at > total)
			at = total;
		if (at < first[k])
			at = first[k];
		first[k + 1] = at;
	}
}

/* The piece of job j: rows [i0, i1) against blocks [k0, k1). */
static void set_piece(struct job *j, const aniso_shape *s, size_t L, size_t i0, size_t i1,
		      size_t k0, size_t k1, const char *x, const char *y, const char *b,
		      const char *gamma)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	const size_t j0 = k0 * L, j1 = k1 * L < s->N ? k1 * L : s->N;

	j->shape = *s;
	j->shape.M = i1 - i0;
	j->shape.N = j1 - j0;
	j->j_block_len = L;
	j->x = x + i0 * s->D * elem;
	j->y = y + j0 * s->D * elem;
	j->b = b + j0 * s->E * elem;
	j->gamma = gamma;
	if (s->gamma_var == ANISO_GAMMA_PER_I) {
		j->shape.gamma_rows = i1 - i0;
		j->gamma = gamma + i0 * s->K * elem;
	} else if (s->gamma_var == ANISO_GAMMA_PER_J) {
		j->shape.gamma_rows = j1 - j0;
		j->gamma = gamma + j0 * s->K * elem;
	}
}

/* Run the jobs with a piece, one thread each (the last on this thread),
 * and wait for all of them. */
static int run_jobs(aniso_multi *m, struct job *jobs)
{
	pthread_t *threads = calloc(m->count, sizeof(*threads));
	char *started = calloc(m->count, 1);
	size_t k, last = m->count;
	int err = ANISO_OK;

	if (!threads || !started) {
		err = aniso_msg_set(&m->msg, ANISO_ERR_NO_MEMORY, "out of host memory for threads");
		goto out;
	}
	for (k = 0; k < m->count; ++k)
		if (jobs[k].shape.M > 0 && jobs[k].shape.N > 0)
			last = k;
	for (k = 0; k < m->count; ++k) {
		if (jobs[k].shape.M == 0 || jobs[k].shape.N == 0 || k == last)
			continue;
		/* A thread that cannot start runs its piece here instead. */
		if (pthread_create(&threads[k], NULL, job_run, &jobs[k]) == 0)
			started[k] = 1;
		else
			job_run(&jobs[k]);
	}
	if (last < m->count)
		job_run(&jobs[last]);
	for (k = 0; k < m->count; ++k)
		if (started[k])
			pthread_join(threads[k], NULL);
out:
	free(started);
	free(threads);
	return err;
}

/* The first failure, in device order, named after its device. */
static int first_failure(aniso_multi *m, const struct job *jobs)
{
	size_t k;

	for (k = 0; k < m->count; ++k)
		if (jobs[k].err != ANISO_OK)
			return aniso_msg_set(&m->msg, jobs[k].err, "%s (%s): %s", m->label[k],
					     m->ctx[k]->caps.name, aniso_ctx_errmsg(m->ctx[k]));
	return ANISO_OK;
}

/*
 * Keep each device's measured speed for the next call's split, and pass
 * the contexts' notes on.  A short piece says little (launch latency, a
 * kernel build), so it replaces a measurement only when there is none or
 * when it is faster: a device slowed once by a build gets a small share,
 * whose short pieces can still raise its speed, never lower it.
 */
static void after_success(aniso_multi *m, const struct job *jobs)
{
	size_t k;

	for (k = 0; k < m->count; ++k) {
		const char *note = strstr(aniso_ctx_errmsg(m->ctx[k]), "note:");
		const double rate = jobs[k].seconds > 0.0 ? (double)jobs[k].shape.M *
								    (double)jobs[k].shape.N /
								    jobs[k].seconds
							  : 0.0;

		if (rate > 0.0 && (jobs[k].seconds >= MIN_TIMED_SECONDS ||
				   m->measured[k] <= 0.0 || rate > m->measured[k]))
			m->measured[k] = rate;
		if (note)
			aniso_msg_append(&m->msg, "%s%s: %s", aniso_msg_text(&m->msg)[0] ? " " : "",
					 m->label[k], note);
	}
}

/* Checks every device's context can take the call (shape, fp64,
 * options); the message names the device. */
static int check_call(aniso_multi *m, const aniso_shape *shape, const aniso_options *options,
		      struct aniso_formula *formula)
{
	size_t k;
	int err = ANISO_OK;

	for (k = 0; k < m->count && err == ANISO_OK; ++k) {
		aniso_ctx *ctx = m->ctx[k];

		pthread_mutex_lock(&ctx->lock);
		aniso_msg_clear(&ctx->msg);
		err = aniso_host_entry_formula(ctx, shape, options, "aniso_multi_sum", formula);
		if (err != ANISO_OK)
			err = aniso_msg_set(&m->msg, err, "%s (%s): %s", m->label[k], ctx->caps.name,
					    aniso_msg_text(&ctx->msg));
		pthread_mutex_unlock(&ctx->lock);
	}
	return err;
}

static int multi_sum(aniso_multi *m, const aniso_shape *s, const struct aniso_formula *f,
		     const char *x, const char *y, const char *b, const char *gamma, void *out)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	const size_t L = aniso_plan_j_block_len(s, s->E, aniso_formula_partial_width(f));
	const size_t blocks = (s->N + L - 1) / L;
	const size_t part = s->E * elem * aniso_formula_partial_width(f);
	struct job *jobs = calloc(m->count, sizeof(*jobs));
	size_t *first = calloc(m->count + 1, sizeof(*first));
	char *staging = NULL, *partials = NULL;
	size_t k, best = 0;
	int err;

	staging = malloc(s->M * s->E * elem);
	if (!jobs || !first || !staging) {
		err = aniso_msg_set(&m->msg, ANISO_ERR_NO_MEMORY,
				    "out of host memory for a %zu-byte staging copy of out",
				    s->M * s->E * elem);
		goto out;
	}
	for (k = 0; k < m->count; ++k) {
		jobs[k].ctx = m->ctx[k];
		jobs[k].formula = f;
		if (weight(m, k) > weight(m, best))
			best = k;
	}
	if (m->count == 1 || s->M >= m->count * MIN_ROWS_PER_DEVICE) {
		/* Rows: each device's rows are final where it ran (one
		 * device: the whole sum, as aniso_sum_ex runs it). */
		split(m, s->M, ROW_ALIGN, first);
		for (k = 0; k < m->count; ++k) {
			set_piece(&jobs[k], s, L, first[k], first[k + 1], 0, blocks, x, y, b, gamma);
			jobs[k].result = staging + first[k] * s->E * elem;
		}
	} else if (blocks >= 2) {
		/* Blocks: partials back to the host, merged on one device. */
		partials = malloc(blocks * s->M * part);
		if (!partials) {
			err = aniso_msg_set(&m->msg, ANISO_ERR_NO_MEMORY,
					    "out of host memory for the block partials (%zu blocks x "
					    "M = %zu x E = %zu)", blocks, s->M, s->E);
			goto out;
		}
		split(m, blocks, 1, first);
		for (k = 0; k < m->count; ++k) {
			set_piece(&jobs[k], s, L, 0, first[k + 1] > first[k] ? s->M : 0, first[k],
				  first[k + 1], x, y, b, gamma);
			jobs[k].partials_only = 1;
			jobs[k].result = partials + first[k] * s->M * part;
		}
	} else {
		/* One block: the fastest device alone. */
		set_piece(&jobs[best], s, L, 0, s->M, 0, blocks, x, y, b, gamma);
		jobs[best].result = staging;
	}
	err = run_jobs(m, jobs);
	if (err == ANISO_OK)
		err = first_failure(m, jobs);
	if (err == ANISO_OK && partials) {
		err = aniso_host_combine(m->ctx[0], s, f, blocks, partials, staging);
		if (err != ANISO_OK)
			err = aniso_msg_set(&m->msg, err, "%s (%s): merging the block partials: %s",
					    m->label[0], m->ctx[0]->caps.name,
					    aniso_ctx_errmsg(m->ctx[0]));
	}
	if (err != ANISO_OK)
		goto out;
	after_success(m, jobs);
	memcpy(out, staging, s->M * s->E * elem);
out:
	free(partials);
	free(staging);
	free(first);
	free(jobs);
	return err;
}

int aniso_multi_sum(aniso_multi *m, const aniso_shape *shape, const aniso_options *options,
		    const void *x, const void *y, const void *b, const void *gamma, void *out)
{
	struct aniso_host_arrays arrays = {
		.x = x, .y = y, .b = b, .gamma = gamma, .result_name = "out", .result = out};
	struct aniso_formula formula;
	int err, finished;

	if (!m)
		return ANISO_ERR_NULL_ARG;
	pthread_mutex_lock(&m->lock);
	aniso_msg_clear(&m->msg);
	err = check_call(m, shape, options, &formula);
	if (err != ANISO_OK)
		goto out;
	arrays.result_count = shape->M * shape->E;
	err = aniso_host_entry_arrays(&m->msg, shape, &arrays, aniso_empty_value(&formula),
				      &finished);
	if (err != ANISO_OK || finished)
		goto out;
	err = multi_sum(m, shape, &formula, x, y, b, gamma, out);
out:
	pthread_mutex_unlock(&m->lock);
	return err;
}
