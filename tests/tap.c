#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tap.h"

static int tests_run, tests_failed, planned = -1;

void tap_plan(int count)
{
	planned = count;
	printf("1..%d\n", count);
	fflush(stdout);
}

void tap_skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int tap_ok(int ok, const char *fmt, ...)
{
	va_list ap;

	++tests_run;
	if (!ok)
		++tests_failed;
	printf("%s %d - ", ok ? "ok" : "not ok", tests_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return ok;
}

void tap_skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	++tests_run;
	printf("ok %d - ", tests_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
	fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int tap_done(void)
{
	if (planned >= 0 && planned != tests_run) {
		printf("# planned %d tests but ran %d\n", planned, tests_run);
		return 1;
	}
	return tests_failed ? 1 : 0;
}

void tap_rng_seed(tap_rng *rng, unsigned long long seed)
{
	rng->state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

double tap_uniform(tap_rng *rng)
{
	unsigned long long x = rng->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng->state = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) * (1.0 / 9007199254740992.0);
}

unsigned long long tap_seed_from_env(void)
{
	const char *s = getenv("ANISOCL_TEST_SEED");
	unsigned long long seed = s && *s ? strtoull(s, NULL, 0)
					  : (unsigned long long)time(NULL);

	tap_diag("seed %llu (replay with ANISOCL_TEST_SEED=%llu)", seed, seed);
	return seed;
}
