/*
 * The first contexts of a process, created by 8 threads at once with no
 * library or OpenCL call before them.  That race is in the driver's
 * first-time setup (PoCL crashed in strlen under clGetPlatformIDs), so it
 * happens once per process: each round runs in a fresh child process, and
 * any crash, hang or failed create fails the test.  Forking is safe here:
 * the parent makes no OpenCL call before its children are done.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "anisocl.h"

#define THREADS 8
#define ROUNDS 20
/* A round takes well under a second; this only catches a deadlock. */
#define ROUND_TIMEOUT_S 60

/* Exit codes of a child besides 0 (all created) and a signal. */
#define CHILD_NO_DEVICE 3
#define CHILD_CREATE_FAILED 4
#define CHILD_NO_THREAD 5

static pthread_barrier_t start;

static void *create_and_free(void *arg)
{
	int *result = arg;
	aniso_ctx *ctx = NULL;

	/* All threads leave the barrier together, so the creates overlap. */
	pthread_barrier_wait(&start);
	*result = aniso_ctx_create(&ctx, NULL, 0);
	aniso_ctx_free(ctx);
	return NULL;
}

static int child(void)
{
	pthread_t threads[THREADS];
	int results[THREADS], k, code = 0;

	alarm(ROUND_TIMEOUT_S);
	if (pthread_barrier_init(&start, NULL, THREADS) != 0)
		return CHILD_NO_THREAD;
	for (k = 0; k < THREADS; ++k)
		if (pthread_create(&threads[k], NULL, create_and_free, &results[k]) != 0)
			/* The barrier would wait forever for the missing ones. */
			_exit(CHILD_NO_THREAD);
	for (k = 0; k < THREADS; ++k)
		pthread_join(threads[k], NULL);
	for (k = 0; k < THREADS; ++k) {
		if (results[k] == ANISO_ERR_NO_DEVICE && code == 0)
			code = CHILD_NO_DEVICE;
		else if (results[k] != ANISO_OK)
			code = CHILD_CREATE_FAILED;
	}
	pthread_barrier_destroy(&start);
	return code;
}

int main(void)
{
	int round, crashed = 0, failed = 0, no_device = 0, other = 0;
	char first_crash[256] = "", first_failure[256] = "";

	for (round = 0; round < ROUNDS; ++round) {
		int status = 0;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			tap_plan(1);
			tap_ok(0, "fork failed");
			return tap_done();
		}
		if (pid == 0)
			_exit(child());
		if (waitpid(pid, &status, 0) != pid) {
			++other;
			continue;
		}
		if (WIFSIGNALED(status)) {
			if (crashed++ == 0)
				snprintf(first_crash, sizeof(first_crash), "round %d: killed by signal %d (%s)", round,
					 WTERMSIG(status), strsignal(WTERMSIG(status)));
		} else if (WEXITSTATUS(status) == CHILD_NO_DEVICE) {
			++no_device;
		} else if (WEXITSTATUS(status) != 0) {
			if (failed++ == 0)
				snprintf(first_failure, sizeof(first_failure), "round %d: exit status %d", round,
					 WEXITSTATUS(status));
		}
	}
	if (no_device == ROUNDS) {
		tap_skip_all("no OpenCL device");
		return tap_done();
	}
	tap_plan(2);
	if (!tap_ok(crashed == 0, "%d fresh processes x %d threads creating their first context: "
			"%d crashed", ROUNDS, THREADS, crashed))
		tap_diag("first: %s", first_crash);
	if (!tap_ok(failed == 0 && other == 0 && no_device == 0,
		    "every create succeeded (%d rounds failed, %d without a device)", failed + other,
		    no_device))
		tap_diag("first: %s", first_failure);
	return tap_done();
}
