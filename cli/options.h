/* The values of options that several subcommands take: --dtype, --kernel
 * and --reduction.  Each parser prints one error line naming the option and what
 * it accepts, and returns CLI_USAGE; CLI_OK otherwise. */
#ifndef ANISOCL_CLI_OPTIONS_H
#define ANISOCL_CLI_OPTIONS_H

#include "anisocl.h"

/* --dtype: "f32" or "f64" (text itself is kept: cli_inputs_load reads it). */
int cli_check_dtype(const char *text);

/* --kernel: gaussian, laplace, cauchy or imq, into options->kernel. */
int cli_parse_kernel(const char *text, aniso_options *options);

/* --reduction: sum or logsumexp, into options->reduction. */
int cli_parse_reduction(const char *text, aniso_options *options);

/* --tolerance: a finite number >= 0, into options->tolerance. */
int cli_parse_tolerance(const char *text, aniso_options *options);

/* The options of what a sum computes, shared by sum and grad: getopt's
 * value c is 'v' (--gamma-var, into *gamma_var), 'k' (--kernel) or 'R'
 * (--reduction, both into *formula).  CLI_OK, or CLI_USAGE after printing
 * why (also for another c, which is the caller's mistake). */
int cli_formula_option(int c, const char *arg, int *gamma_var, aniso_options *formula);

/* The usage lines of --reduction, for sum and grad. */
#define CLI_REDUCTION_HELP                                                     \
	"  --reduction R  sum (default): out_i = sum_j f(q_ij) b_j; logsumexp:\n" \
	"                 out_i = log sum_j f(q_ij) exp(b_j), b log-weights\n"

/* The usage lines of --kernel, shared by every subcommand's help. */
#define CLI_KERNEL_HELP                                                        \
	"  --kernel F     the radial profile f(q): gaussian exp(-q) (default),\n" \
	"                 laplace exp(-sqrt q), cauchy 1/(1+q), imq 1/sqrt(1+q)\n"

#endif
