/*
 * One context shared by 8 threads, 100 calls each, mixing gamma modes,
 * dtypes and sizes, host arrays and device arrays: every answer must match
 * the one computed alone beforehand, bit for bit (the reduction order is
 * fixed, so sharing the context must change nothing).  Run it under
 * ThreadSanitizer or helgrind as well (see README, "Reliability").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

#define THREADS 8
#define CALLS 100
#define PROBLEMS 6

static struct problem problems[PROBLEMS];
static void *expected[PROBLEMS];
static aniso_ctx *shared_ctx;

struct worker {
	int id;
	int failures;
	char first_failure[256];
};

static size_t out_bytes(const struct problem *p)
{
	return p->shape.M * p->shape.E * (p->shape.dtype == ANISO_FLOAT64 ? 8 : 4);
}

/* The same sum through device arrays made and freed by this thread. */
static int sum_with_arrays(const struct problem *p, void *out)
{
	const aniso_shape *s = &p->shape;
	aniso_array *x = NULL, *y = NULL, *b = NULL, *g = NULL, *o = NULL;
	int err;

	err = aniso_array_create(shared_ctx, s->dtype, s->M, s->D, p->xt, &x);
	if (!err)
		err = aniso_array_create(shared_ctx, s->dtype, s->N, s->D, p->yt, &y);
	if (!err)
		err = aniso_array_create(shared_ctx, s->dtype, s->N, s->E, p->bt, &b);
	if (!err)
		err = aniso_array_create(shared_ctx, s->dtype, s->gamma_rows, s->K, p->gammat, &g);
	if (!err)
		err = aniso_array_create(shared_ctx, s->dtype, s->M, s->E, NULL, &o);
	if (!err)
		err = aniso_sum_arrays(shared_ctx, x, y, b, g, s->gamma_var, o);
	if (!err)
		err = aniso_array_read(o, out);
	aniso_array_free(o);
	aniso_array_free(g);
	aniso_array_free(b);
	aniso_array_free(y);
	aniso_array_free(x);
	return err;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	tap_rng rng;
	int call;

	tap_rng_seed(&rng, 1000 + (unsigned long long)w->id);
	for (call = 0; call < CALLS; ++call) {
		int k = (int)(tap_uniform(&rng) * PROBLEMS);
		const struct problem *p = &problems[k];
		size_t bytes = out_bytes(p);
		void *out = malloc(bytes);
		int err = call % 4 == 3 ? sum_with_arrays(p, out)
					: aniso_sum(shared_ctx, &p->shape, p->xt, p->yt, p->bt,
						    p->gammat, out);

		if (err || memcmp(out, expected[k], bytes) != 0) {
			if (w->failures++ == 0)
				snprintf(w->first_failure, sizeof(w->first_failure),
					 "thread %d call %d problem %d: %s", w->id, call, k,
					 err ? aniso_strerror(err) : "result differs");
		}
		free(out);
	}
	return NULL;
}

int main(void)
{
	struct worker workers[THREADS];
	pthread_t threads[THREADS];
	tap_rng rng;
	int k, started = 0, failures = 0, ok = 1;

	shared_ctx = context_or_skip();
	if (!shared_ctx)
		return tap_done();
	tap_rng_seed(&rng, tap_seed_from_env());
	tap_plan(PROBLEMS + 2);
	problem_make(&problems[0], &rng, ANISO_FLOAT32, 70, 300, 2, 1, 1, ANISO_GAMMA_FIXED);
	problem_make(&problems[1], &rng, ANISO_FLOAT32, 33, 1500, 3, 2, 3, ANISO_GAMMA_PER_J);
	problem_make(&problems[2], &rng, ANISO_FLOAT32, 129, 40, 2, 1, 4, ANISO_GAMMA_PER_I);
	problem_make(&problems[3], &rng, ANISO_FLOAT64, 17, 900, 3, 1, 9, ANISO_GAMMA_FIXED);
	problem_make(&problems[4], &rng, ANISO_FLOAT64, 5, 2000, 2, 3, 2, ANISO_GAMMA_PER_J);
	problem_make(&problems[5], &rng, ANISO_FLOAT32, 1, 1, 1, 1, 1, ANISO_GAMMA_PER_I);
	/* Alone first: the answers the threads must reproduce. */
	for (k = 0; k < PROBLEMS; ++k) {
		expected[k] = malloc(out_bytes(&problems[k]));
		tap_ok(problem_check(shared_ctx, &problems[k], dtype_tolerance(problems[k].shape.dtype), NULL) &&
			       aniso_sum(shared_ctx, &problems[k].shape, problems[k].xt, problems[k].yt,
					 problems[k].bt, problems[k].gammat, expected[k]) == ANISO_OK,
		       "problem %d alone matches the reference", k);
	}
	for (k = 0; k < THREADS; ++k) {
		workers[k] = (struct worker){k, 0, ""};
		if (pthread_create(&threads[k], NULL, work, &workers[k]) == 0)
			++started;
		else
			ok = 0;
	}
	for (k = 0; k < started; ++k)
		pthread_join(threads[k], NULL);
	tap_ok(ok && started == THREADS, "%d threads started", THREADS);
	for (k = 0; k < started; ++k) {
		failures += workers[k].failures;
		if (workers[k].failures)
			tap_diag("%s", workers[k].first_failure);
	}
	tap_ok(failures == 0, "%d threads x %d calls on one context: %d wrong answers", THREADS,
	       CALLS, failures);
	for (k = 0; k < PROBLEMS; ++k) {
		problem_free(&problems[k]);
		free(expected[k]);
	}
	aniso_ctx_free(shared_ctx);
	return tap_done();
}
