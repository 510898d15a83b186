/* Parsing the values of options that several subcommands share. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "shapes.h"

int cli_check_dtype(const char *text)
{
	if (text && strcmp(text, "f32") != 0 && strcmp(text, "f64") != 0)
		return cli_fail(CLI_USAGE, "--dtype: '%s' is not f32 or f64", text);
	return CLI_OK;
}

int cli_parse_kernel(const char *text, aniso_options *options)
{
	aniso_kernel kernel;

	if (aniso_kernel_from_name(text, &kernel) != ANISO_OK)
		return cli_fail(CLI_USAGE, "--kernel: '%s' is not gaussian, laplace, cauchy or imq",
				text);
	options->kernel = kernel;
	return CLI_OK;
}

int cli_parse_reduction(const char *text, aniso_options *options)
{
	aniso_reduction reduction;

	if (aniso_reduction_from_name(text, &reduction) != ANISO_OK)
		return cli_fail(CLI_USAGE, "--reduction: '%s' is not sum or logsumexp", text);
	options->reduction = reduction;
	return CLI_OK;
}

int cli_parse_tolerance(const char *text, aniso_options *options)
{
	char *end = NULL;
	double value;

	errno = 0;
	value = strtod(text, &end);
	if (end == text || *end != '\0' || errno == ERANGE || !isfinite(value) || !(value >= 0))
		return cli_fail(CLI_USAGE,
				"--tolerance: '%s' is not a finite number >= 0 (0: exact sum)", text);
	options->tolerance = value;
	return CLI_OK;
}

int cli_formula_option(int c, const char *arg, int *gamma_var, aniso_options *formula)
{
	switch (c) {
	case 'v':
		return cli_parse_gamma_var(arg, gamma_var);
	case 'k':
		return cli_parse_kernel(arg, formula);
	case 'R':
		return cli_parse_reduction(arg, formula);
	default:
		return cli_fail(CLI_USAGE, "internal: option '%c' is not one of a formula's", c);
	}
}
