/* Argument checks: every rule a problem's shape must follow, each failure
 * with its own code and a message naming the argument and what was
 * expected. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "internal.h"

size_t aniso_dtype_size(aniso_dtype dtype)
{
	return dtype == ANISO_FLOAT64 ? sizeof(double) : sizeof(float);
}

static const char *gamma_var_name(aniso_gamma_var v)
{
	switch (v) {
	case ANISO_GAMMA_FIXED:
		return "ANISO_GAMMA_FIXED";
	case ANISO_GAMMA_PER_I:
		return "ANISO_GAMMA_PER_I";
	case ANISO_GAMMA_PER_J:
		return "ANISO_GAMMA_PER_J";
	}
	return "?";
}

/* a * b * c without overflow, else 0 with *overflow set. */
static size_t mul3(size_t a, size_t b, size_t c, int *overflow)
{
	size_t ab;

	if (a != 0 && b > SIZE_MAX / a) {
		*overflow = 1;
		return 0;
	}
	ab = a * b;
	if (ab != 0 && c > SIZE_MAX / ab) {
		*overflow = 1;
		return 0;
	}
	return ab * c;
}

void aniso_shape_bytes(const aniso_shape *s, struct aniso_bytes *bytes)
{
	size_t elem = aniso_dtype_size(s->dtype);
	int overflow = 0;

	bytes->x = mul3(s->M, s->D, elem, &overflow);
	bytes->y = mul3(s->N, s->D, elem, &overflow);
	bytes->b = mul3(s->N, s->E, elem, &overflow);
	bytes->gamma = mul3(s->gamma_rows, s->K, elem, &overflow);
	bytes->out = mul3(s->M, s->E, elem, &overflow);
}

/* One array's byte count: it must fit size_t (kernels index with 64-bit
 * integers), and with check_limits one device allocation. */
static int check_bytes(aniso_ctx *ctx, const char *name, size_t rows,
		       const char *rows_name, size_t cols, const char *cols_name,
		       size_t elem, int check_limits)
{
	int overflow = 0;
	size_t bytes = mul3(rows, cols, elem, &overflow);

	if (overflow)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_OVERFLOW,
				     "%s: %s (%zu) x %s (%zu) x %zu bytes overflows size_t",
				     name, rows_name, rows, cols_name, cols, elem);
	if (check_limits && (cl_ulong)bytes > ctx->caps.max_alloc_bytes)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				     "%s: %zu bytes exceed the device's largest allocation (%llu bytes on %s); "
				     "device arrays are not streamed: pass host arrays to aniso_sum",
				     name, bytes, (unsigned long long)ctx->caps.max_alloc_bytes,
				     ctx->caps.name);
	return ANISO_OK;
}

int aniso_validate_shape(aniso_ctx *ctx, const aniso_shape *s, int check_limits)
{
	size_t expected_rows, elem, DD;
	struct aniso_bytes bytes;
	int err = ANISO_OK, overflow = 0;
	unsigned long long total;

	if (!s)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_NULL_ARG, "shape is NULL: expected a filled aniso_shape");
	if (s->dtype != ANISO_FLOAT32 && s->dtype != ANISO_FLOAT64)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_DTYPE,
				     "shape->dtype is %d: expected ANISO_FLOAT32 (0) or ANISO_FLOAT64 (1)",
				     (int)s->dtype);
	if (s->D == 0)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_DIM,
				     "shape->D is 0: expected the dimension of the points, at least 1");
	if (s->E == 0)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_DIM,
				     "shape->E is 0: expected the number of columns of b, at least 1");
	/* Kernels hold a row of x and the E sums per work-item in private
	 * memory; beyond these limits nothing was measured to work. */
	if (s->D > ANISO_MAX_D)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				     "shape->D is %zu: at most ANISO_MAX_D = %d dimensions are supported",
				     s->D, ANISO_MAX_D);
	if (s->E > ANISO_MAX_E)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				     "shape->E is %zu: at most ANISO_MAX_E = %d columns of b are supported "
				     "(split b into column blocks)",
				     s->E, ANISO_MAX_E);
	DD = mul3(s->D, s->D, 1, &overflow);
	if (overflow)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_OVERFLOW,
				     "shape->D is %zu: D*D overflows size_t", s->D);
	if (aniso_metric_of(s->K, s->D) == ANISO_METRIC_INVALID)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_K,
				     "shape->K is %zu: expected 1 (isotropic), %zu (diagonal, D) or %zu (full, D*D) for D = %zu",
				     s->K, s->D, DD, s->D);
	switch (s->gamma_var) {
	case ANISO_GAMMA_FIXED:
		expected_rows = 1;
		break;
	case ANISO_GAMMA_PER_I:
		expected_rows = s->M;
		break;
	case ANISO_GAMMA_PER_J:
		expected_rows = s->N;
		break;
	default:
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_GAMMA_VAR,
				     "shape->gamma_var is %d: expected ANISO_GAMMA_FIXED (0), "
				     "ANISO_GAMMA_PER_I (1) or ANISO_GAMMA_PER_J (2)",
				     (int)s->gamma_var);
	}
	if (s->gamma_rows != expected_rows)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_BAD_GAMMA_VAR,
				     "shape->gamma_rows is %zu with %s: expected %s = %zu",
				     s->gamma_rows, gamma_var_name(s->gamma_var),
				     s->gamma_var == ANISO_GAMMA_FIXED ? "1"
				     : s->gamma_var == ANISO_GAMMA_PER_I ? "M" : "N",
				     expected_rows);
	if (s->dtype == ANISO_FLOAT64 && !ctx->caps.has_fp64)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_NO_FP64,
				     "shape->dtype is ANISO_FLOAT64 but device %s has no float64 support "
				     "(cl_khr_fp64): use ANISO_FLOAT32 or another device",
				     ctx->caps.name);
	elem = aniso_dtype_size(s->dtype);
	if ((err = check_bytes(ctx, "x", s->M, "M", s->D, "D", elem, check_limits)) != ANISO_OK ||
	    (err = check_bytes(ctx, "y", s->N, "N", s->D, "D", elem, check_limits)) != ANISO_OK ||
	    (err = check_bytes(ctx, "b", s->N, "N", s->E, "E", elem, check_limits)) != ANISO_OK ||
	    (err = check_bytes(ctx, "gamma", s->gamma_rows, "gamma_rows", s->K, "K", elem,
			       check_limits)) != ANISO_OK ||
	    (err = check_bytes(ctx, "out", s->M, "M", s->E, "E", elem, check_limits)) != ANISO_OK)
		return err;
	if (!check_limits)
		return ANISO_OK;
	aniso_shape_bytes(s, &bytes);
	total = (unsigned long long)bytes.x + bytes.y + bytes.b + bytes.gamma + bytes.out;
	if (total > ctx->caps.global_mem_bytes)
		return aniso_msg_set(&ctx->msg, ANISO_ERR_TOO_LARGE,
				     "x, y, b, gamma and out need %llu bytes together, more than the %llu bytes "
				     "of global memory on %s",
				     total, (unsigned long long)ctx->caps.global_mem_bytes, ctx->caps.name);
	return ANISO_OK;
}
