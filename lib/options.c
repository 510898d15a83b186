/* Options of a sum: their defaults, their names, and the check that turns
 * a caller's aniso_options (of whatever version) into what the library
 * computes (struct aniso_formula). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "internal.h"

static const char *const KERNEL_NAMES[] = {"gaussian", "laplace", "cauchy", "imq"};
#define KERNEL_COUNT (sizeof(KERNEL_NAMES) / sizeof(KERNEL_NAMES[0]))
static const char *const REDUCTION_NAMES[] = {"sum", "logsumexp"};
#define REDUCTION_COUNT (sizeof(REDUCTION_NAMES) / sizeof(REDUCTION_NAMES[0]))

void aniso_options_init(aniso_options *options)
{
	if (!options)
		return;
	memset(options, 0, sizeof(*options));
	options->struct_size = sizeof(*options);
	options->kernel = ANISO_KERNEL_GAUSSIAN;
	options->reduction = ANISO_REDUCTION_SUM;
}

const char *aniso_kernel_name(aniso_kernel kernel)
{
	return (unsigned)kernel < KERNEL_COUNT ? KERNEL_NAMES[kernel] : NULL;
}

int aniso_kernel_from_name(const char *name, aniso_kernel *kernel)
{
	size_t k;

	if (!name || !kernel)
		return ANISO_ERR_NULL_ARG;
	for (k = 0; k < KERNEL_COUNT; ++k)
		if (strcmp(name, KERNEL_NAMES[k]) == 0) {
			*kernel = (aniso_kernel)k;
			return ANISO_OK;
		}
	return ANISO_ERR_BAD_ARG;
}

const char *aniso_reduction_name(aniso_reduction reduction)
{
	return (unsigned)reduction < REDUCTION_COUNT ? REDUCTION_NAMES[reduction] : NULL;
}

int aniso_reduction_from_name(const char *name, aniso_reduction *reduction)
{
	size_t k;

	if (!name || !reduction)
		return ANISO_ERR_NULL_ARG;
	for (k = 0; k < REDUCTION_COUNT; ++k)
		if (strcmp(name, REDUCTION_NAMES[k]) == 0) {
			*reduction = (aniso_reduction)k;
			return ANISO_OK;
		}
	return ANISO_ERR_BAD_ARG;
}

/* The end of a field, to tell whether a caller's struct_size covers it. */
#define FIELD_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

int aniso_formula_from_options(aniso_ctx *ctx, const aniso_options *options,
			       struct aniso_formula *formula)
{
	aniso_options known;
	size_t k;
	int err = ANISO_OK;

	aniso_options_init(&known);
	formula->kernel = known.kernel;
	formula->id = ANISO_FORMULA_SUM;
	formula->reduction = known.reduction;
	formula->tolerance = 0;
	if (!options)
		goto out;
	if (options->struct_size < FIELD_END(aniso_options, struct_size) ||
	    options->struct_size > ((size_t)1 << 20)) {
		err = aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
				    "options->struct_size is %zu: expected sizeof(aniso_options) (%zu "
				    "in this library), set by aniso_options_init",
				    options->struct_size, sizeof(aniso_options));
		goto out;
	}
	/* Fields of a newer header that this library does not know must hold
	 * their defaults (zero), or the caller would silently get something
	 * other than what it asked for. */
	for (k = sizeof(known); k < options->struct_size; ++k)
		if (((const unsigned char *)options)[k] != 0) {
			err = aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
					    "options: byte %zu of %zu is set, but this library (%s) "
					    "knows only the first %zu bytes of aniso_options",
					    k, options->struct_size, ANISO_VERSION_STRING,
					    sizeof(known));
			goto out;
		}
	memcpy(&known, options,
	       options->struct_size < sizeof(known) ? options->struct_size : sizeof(known));
	if (options->struct_size >= FIELD_END(aniso_options, kernel)) {
		if (!aniso_kernel_name(known.kernel)) {
			err = aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
					    "options->kernel is %d: expected ANISO_KERNEL_GAUSSIAN (0), "
					    "_LAPLACE (1), _CAUCHY (2) or _IMQ (3)",
					    (int)known.kernel);
			goto out;
		}
		formula->kernel = known.kernel;
	}
	if (options->struct_size >= FIELD_END(aniso_options, reduction)) {
		if (!aniso_reduction_name(known.reduction)) {
			err = aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
					    "options->reduction is %d: expected ANISO_REDUCTION_SUM (0) "
					    "or _LOGSUMEXP (1)",
					    (int)known.reduction);
			goto out;
		}
		formula->reduction = known.reduction;
	}
	if (options->struct_size >= FIELD_END(aniso_options, tolerance)) {
		if (!(known.tolerance >= 0) || !isfinite(known.tolerance)) {
			err = aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
					    "options->tolerance is %g: expected 0 (exact) or a finite "
					    "T > 0",
					    known.tolerance);
			goto out;
		}
		/* Both reductions: logsumexp's bound is the sum's on the
		 * weights exp(b_je) (see the header). */
		formula->tolerance = known.tolerance;
	}
out:
	return err;
}

int aniso_formula_exact_only(aniso_ctx *ctx, const struct aniso_formula *formula,
			     const char *call)
{
	if (formula->tolerance == 0)
		return ANISO_OK;
	return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_ARG,
			     "options->tolerance is %g: %s computes exact sums only (truncated sums "
			     "are for aniso_sum_ex on host arrays in this version); expected 0",
			     formula->tolerance, call);
}
