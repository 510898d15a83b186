/* A small TAP producer for the test programs (read by tap-driver.sh). */
#ifndef ANISOCL_TESTS_TAP_H
#define ANISOCL_TESTS_TAP_H

#include <stddef.h>

#if defined(__GNUC__)
#define TAP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TAP_PRINTF(a, b)
#endif

void tap_plan(int count);
/* Skip the whole program: "1..0 # SKIP reason". */
void tap_skip_all(const char *fmt, ...) TAP_PRINTF(1, 2);
/* Report one test; returns ok so callers can add diagnostics. */
int tap_ok(int ok, const char *fmt, ...) TAP_PRINTF(2, 3);
void tap_skip(const char *reason, const char *fmt, ...) TAP_PRINTF(2, 3);
void tap_diag(const char *fmt, ...) TAP_PRINTF(1, 2);
/* Exit status for the end of main: 0 when every test passed. */
int tap_done(void);

/* Seeded xorshift generator, so a failure can be replayed from its seed. */
typedef struct {
	unsigned long long state;
} tap_rng;
void tap_rng_seed(tap_rng *rng, unsigned long long seed);
double tap_uniform(tap_rng *rng); /* in [0, 1) */
/* Seed from $ANISOCL_TEST_SEED, else from the time; printed as a diagnostic. */
unsigned long long tap_seed_from_env(void);

#endif
