/* Shape checks and gamma mode rules (see shapes.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "shapes.h"

int cli_parse_gamma_var(const char *text, int *gamma_var)
{
	if (strcmp(text, "fixed") == 0)
		*gamma_var = ANISO_GAMMA_FIXED;
	else if (strcmp(text, "i") == 0)
		*gamma_var = ANISO_GAMMA_PER_I;
	else if (strcmp(text, "j") == 0)
		*gamma_var = ANISO_GAMMA_PER_J;
	else
		return cli_fail(CLI_USAGE, "--gamma-var: '%s' is not fixed, i or j", text);
	return CLI_OK;
}

static const char *gamma_var_name(int gamma_var)
{
	return gamma_var == ANISO_GAMMA_PER_I ? "i" : gamma_var == ANISO_GAMMA_PER_J ? "j" : "fixed";
}

static void shape_text(const struct cli_input *in, char *buf, size_t size)
{
	npy_shape_string(in->file.array.shape, in->file.array.ndim, buf, size);
}

/*
 * The mode of a (rows, K) gamma given without --gamma-var: one row is
 * fixed; rows = M is per i and rows = N per j when only one of them holds.
 * When M = N the shape cannot tell a per-i gamma from a per-j one, and a
 * guess would silently compute another sum: the user must say.
 */
static int default_gamma_var(size_t M, size_t N, const struct cli_input *gamma,
			     const char *x_what, const char *y_what, aniso_gamma_var *gamma_var)
{
	const struct npy_array *g = &gamma->file.array;
	size_t rows = g->shape[0];
	char text[96];
	int status = CLI_OK;

	shape_text(gamma, text, sizeof(text));
	if (rows == 1)
		*gamma_var = ANISO_GAMMA_FIXED;
	else if (rows == M && rows == N)
		status = cli_fail(CLI_SHAPE,
				  "%s (-g): shape %s has %zu rows, which is both M (the points of "
				  "%s) and N (the points of %s): pass --gamma-var i (one row per "
				  "x_i) or --gamma-var j (one row per y_j)",
				  gamma->path, text, rows, x_what, y_what);
	else if (rows == M)
		*gamma_var = ANISO_GAMMA_PER_I;
	else if (rows == N)
		*gamma_var = ANISO_GAMMA_PER_J;
	else
		status = cli_fail(CLI_SHAPE,
				  "%s (-g): shape %s has %zu rows; a (rows, K) gamma needs 1 row "
				  "(fixed), M = %zu (one per point of %s) or N = %zu (one per point "
				  "of %s)",
				  gamma->path, text, rows, M, x_what, N, y_what);
	return status;
}

/* Rows and K of gamma, and the mode, from its shape and --gamma-var. */
static int gamma_layout(size_t M, size_t N, const struct cli_input *gamma, int gamma_var,
			const char *x_what, const char *y_what, aniso_shape *shape)
{
	const struct npy_array *g = &gamma->file.array;
	char text[96];
	size_t want_rows;
	int status;

	shape_text(gamma, text, sizeof(text));
	if (g->ndim > 2)
		return cli_fail(CLI_SHAPE, "%s (-g): shape %s has %zu dimensions; expected (K,) or (rows, K)",
				gamma->path, text, g->ndim);
	if (g->ndim < 2) {
		/* A scalar or a vector is always one row of K numbers, one gamma
		 * for every pair, whatever its length happens to equal. */
		if (gamma_var != CLI_GAMMA_VAR_DEFAULT && gamma_var != ANISO_GAMMA_FIXED)
			return cli_fail(CLI_SHAPE,
					"%s (-g): shape %s is one gamma for all pairs; --gamma-var %s "
					"needs a (%zu, K) array",
					gamma->path, text, gamma_var_name(gamma_var),
					gamma_var == ANISO_GAMMA_PER_I ? M : N);
		shape->gamma_var = ANISO_GAMMA_FIXED;
		shape->gamma_rows = 1;
		shape->K = g->ndim == 0 ? 1 : g->shape[0];
		return CLI_OK;
	}
	shape->gamma_rows = g->shape[0];
	shape->K = g->shape[1];
	if (gamma_var == CLI_GAMMA_VAR_DEFAULT)
		return default_gamma_var(M, N, gamma, x_what, y_what, &shape->gamma_var);
	shape->gamma_var = (aniso_gamma_var)gamma_var;
	want_rows = shape->gamma_var == ANISO_GAMMA_FIXED   ? 1
		    : shape->gamma_var == ANISO_GAMMA_PER_I ? M
							    : N;
	status = CLI_OK;
	if (shape->gamma_rows != want_rows)
		status = cli_fail(CLI_SHAPE, "%s (-g): shape %s has %zu rows but --gamma-var %s needs "
				  "%zu (%s)",
				  gamma->path, text, shape->gamma_rows,
				  gamma_var_name(shape->gamma_var), want_rows,
				  shape->gamma_var == ANISO_GAMMA_FIXED   ? "one row for all pairs"
				  : shape->gamma_var == ANISO_GAMMA_PER_I ? "one row per x_i, M"
									  : "one row per y_j, N");
	return status;
}

int cli_check_shapes(size_t M, size_t D, const char *x_what,
		     const struct cli_input *y, const struct cli_input *b,
		     const struct cli_input *gamma, int gamma_var,
		     aniso_shape *shape, int *b_is_1d)
{
	const struct npy_array *ya = &y->file.array, *ba = &b->file.array;
	char text[96];
	size_t N;
	int status;

	memset(shape, 0, sizeof(*shape));
	shape->M = M;
	shape->D = D;
	shape_text(y, text, sizeof(text));
	if (ya->ndim != 2)
		return cli_fail(CLI_SHAPE, "%s (-y): shape %s is not (N, D)", y->path, text);
	if (ya->shape[1] != D)
		return cli_fail(CLI_SHAPE, "%s (-y): shape %s has D = %zu columns but %s has D = %zu",
				y->path, text, ya->shape[1], x_what, D);
	N = ya->shape[0];
	shape->N = N;

	shape_text(b, text, sizeof(text));
	if (ba->ndim != 1 && ba->ndim != 2)
		return cli_fail(CLI_SHAPE, "%s (-b): shape %s is neither (N,) nor (N, E)", b->path, text);
	if (ba->shape[0] != N)
		return cli_fail(CLI_SHAPE, "%s (-b): shape %s has %zu rows but %s has N = %zu", b->path,
				text, ba->shape[0], y->path, N);
	*b_is_1d = ba->ndim == 1;
	shape->E = ba->ndim == 1 ? 1 : ba->shape[1];
	if (shape->E == 0)
		return cli_fail(CLI_SHAPE, "%s (-b): shape %s has E = 0 columns", b->path, text);

	status = gamma_layout(M, N, gamma, gamma_var, x_what, y->path, shape);
	if (status != CLI_OK)
		return status;
	/* The kernels need D*D (the full metric's size) to be a number,
	 * whatever K is: the library refuses a D whose square overflows, and
	 * that is a shape error, not a device one.  No real D comes near. */
	if (D != 0 && D > SIZE_MAX / D)
		return cli_fail(CLI_SHAPE, "%s: D = %zu columns are too many: D*D overflows", x_what,
				D);
	if (shape->K != 1 && shape->K != D && shape->K != D * D) {
		shape_text(gamma, text, sizeof(text));
		return cli_fail(CLI_SHAPE, "%s (-g): shape %s gives K = %zu, which is not 1, D = %zu or "
				"D*D = %zu",
				gamma->path, text, shape->K, D, D * D);
	}
	return CLI_OK;
}
