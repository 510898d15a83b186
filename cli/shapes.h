/* The shape rules of `anisocl sum` and `anisocl heatmap`: which gamma mode
 * an array's shape means (KeOps' rules) and whether Y, B and GAMMA agree
 * with X. */
#ifndef ANISOCL_CLI_SHAPES_H
#define ANISOCL_CLI_SHAPES_H

#include "anisocl.h"
#include "inputs.h"

/* No --gamma-var: the shape decides.  0-d and 1-d are fixed (one row of K
 * numbers); a (rows, K) array is fixed for rows = 1, else per i or per j
 * for whichever of M and N rows equals, and refused when it equals both. */
#define CLI_GAMMA_VAR_DEFAULT (-1)

/* "fixed", "i" or "j" to an aniso_gamma_var; CLI_USAGE with a message if
 * text is none of them. */
int cli_parse_gamma_var(const char *text, int *gamma_var);

/*
 * Fill shape (dtype aside) from M and D of the points x (described by
 * x_what for messages, e.g. "-x X.npy") and the arrays y, b, gamma.
 * *b_is_1d tells that B was (N,) so the output is (M,).  CLI_SHAPE with one
 * line naming the file at fault when they disagree.
 */
int cli_check_shapes(size_t M, size_t D, const char *x_what,
		     const struct cli_input *y, const struct cli_input *b,
		     const struct cli_input *gamma, int gamma_var,
		     aniso_shape *shape, int *b_is_1d);

#endif
