/*
 * A sum's pieces (aniso_sum_block_len, aniso_sum_piece, aniso_sum_combine:
 * what libanisocl_mpi builds on): rows cut in two and the problem's
 * j-blocks cut in three runs of whole blocks, each piece's partials put
 * in block order and merged by aniso_sum_combine, give aniso_sum_ex's
 * bits (memcmp) for sum and logsumexp, both dtypes, the three gamma
 * modes; a piece holding every term gives final values with the same
 * bits; and the arguments are checked with messages.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

static int test_count;

#define CHECK(cond, ...) (++test_count, tap_ok((cond), __VA_ARGS__))

/* Rows [i0, i1) against terms [j0, j1) of p's shape, pointers set. */
static aniso_shape piece(const struct problem *p, size_t i0, size_t i1, size_t j0, size_t j1,
			 const char **x, const char **y, const char **b, const char **g)
{
	const aniso_shape *s = &p->shape;
	const size_t elem = s->dtype == ANISO_FLOAT64 ? 8 : 4;
	aniso_shape c = *s;

	c.M = i1 - i0;
	c.N = j1 - j0;
	*x = (const char *)p->xt + i0 * s->D * elem;
	*y = (const char *)p->yt + j0 * s->D * elem;
	*b = (const char *)p->bt + j0 * s->E * elem;
	*g = p->gammat;
	if (s->gamma_var == ANISO_GAMMA_PER_I) {
		c.gamma_rows = c.M;
		*g = (const char *)p->gammat + i0 * s->K * elem;
	} else if (s->gamma_var == ANISO_GAMMA_PER_J) {
		c.gamma_rows = c.N;
		*g = (const char *)p->gammat + j0 * s->K * elem;
	}
	return c;
}

/* The rows [i0, i1) of p by pieces of blocks [0, k1), [k1, k2), [k2, B)
 * merged by aniso_sum_combine, into out (rows x E). */
static int rows_by_pieces(aniso_ctx *ctx, const struct problem *p, const aniso_options *o,
			  size_t L, size_t part, size_t i0, size_t i1, void *out)
{
	const size_t blocks = (p->shape.N + L - 1) / L, rows = i1 - i0;
	const size_t cut[4] = {0, blocks / 3, 2 * blocks / 3, blocks};
	char *partials = malloc(blocks * rows * part);
	const char *x, *y, *b, *g;
	aniso_shape c;
	size_t k;
	int err = ANISO_ERR_NO_MEMORY;

	if (!partials)
		goto out;
	for (k = 0; k < 3; ++k) {
		const size_t j0 = cut[k] * L, j1 = cut[k + 1] * L < p->shape.N ? cut[k + 1] * L
										: p->shape.N;

		if (j1 <= j0)
			continue;
		c = piece(p, i0, i1, j0, j1, &x, &y, &b, &g);
		err = aniso_sum_piece(ctx, &c, o, L, 1, x, y, b, g,
				      partials + cut[k] * rows * part);
		if (err != ANISO_OK)
			goto out;
	}
	c = piece(p, i0, i1, 0, p->shape.N, &x, &y, &b, &g);
	err = aniso_sum_combine(ctx, &c, o, blocks, partials, out);
out:
	free(partials);
	return err;
}

static void check_case(aniso_ctx *ctx, tap_rng *rng, aniso_dtype dtype, size_t M, size_t N,
		       size_t D, size_t K, aniso_gamma_var var, aniso_reduction reduction)
{
	struct problem p;
	aniso_options o;
	const size_t elem = dtype == ANISO_FLOAT64 ? 8 : 4, E = 2, half = M / 2;
	char *whole = NULL, *byp = NULL, *fin = NULL;
	const char *x, *y, *b, *g;
	size_t L = 0, part = 0;
	aniso_shape c;
	int err, same;

	if (problem_make(&p, rng, dtype, M, N, D, E, K, var) != 0) {
		CHECK(0, "problem_make");
		return;
	}
	aniso_options_init(&o);
	o.reduction = reduction;
	whole = malloc(M * E * elem);
	byp = malloc(M * E * elem);
	fin = malloc(M * E * elem);
	err = !whole || !byp || !fin ? ANISO_ERR_NO_MEMORY
				      : aniso_sum_ex(ctx, &p.shape, &o, p.xt, p.yt, p.bt, p.gammat,
						     whole);
	if (err == ANISO_OK)
		err = aniso_sum_block_len(ctx, &p.shape, &o, &L, &part);
	if (err == ANISO_OK)
		err = rows_by_pieces(ctx, &p, &o, L, part, 0, half, byp);
	if (err == ANISO_OK)
		err = rows_by_pieces(ctx, &p, &o, L, part, half, M, byp + half * E * elem);
	same = err == ANISO_OK && memcmp(whole, byp, M * E * elem) == 0;
	if (!CHECK(same, "%s %s %s M=%zu N=%zu (%zu blocks of %zu): pieces of rows and blocks "
		   "merged by aniso_sum_combine are aniso_sum_ex's bits",
		   dtype == ANISO_FLOAT64 ? "f64" : "f32", gamma_var_label(var),
		   aniso_reduction_name(reduction), M, N, L ? (N + L - 1) / L : 0, L))
		tap_diag("%s: %s", aniso_strerror(err), aniso_ctx_errmsg(ctx));
	/* a piece of rows holding every term: final values */
	c = piece(&p, half, M, 0, N, &x, &y, &b, &g);
	err = aniso_sum_piece(ctx, &c, &o, L, 0, x, y, b, g, fin);
	same = err == ANISO_OK && memcmp(whole + half * E * elem, fin, (M - half) * E * elem) == 0;
	if (!CHECK(same, "  the rows [%zu, %zu) against every term: the same bits", half, M))
		tap_diag("%s: %s", aniso_strerror(err), aniso_ctx_errmsg(ctx));
	free(fin);
	free(byp);
	free(whole);
	problem_free(&p);
}

static void check_arguments(aniso_ctx *ctx)
{
	float x[2] = {0, 0}, out[1] = {0}, partials[2] = {0, 0};
	aniso_shape s;
	size_t L = 0, part = 0;
	int err;

	memset(&s, 0, sizeof(s));
	s.M = 1;
	s.N = 1;
	s.D = 2;
	s.E = 1;
	s.K = 1;
	s.gamma_rows = 1;
	s.dtype = ANISO_FLOAT32;
	CHECK(aniso_sum_block_len(NULL, &s, NULL, &L, &part) == ANISO_ERR_NULL_ARG,
	      "aniso_sum_block_len: a NULL context");
	err = aniso_sum_block_len(ctx, &s, NULL, NULL, &part);
	CHECK(err == ANISO_ERR_NULL_ARG && strstr(aniso_ctx_errmsg(ctx), "block_len"),
	      "aniso_sum_block_len: NULL block_len named (%s)", aniso_ctx_errmsg(ctx));
	err = aniso_sum_block_len(ctx, &s, NULL, &L, &part);
	CHECK(err == ANISO_OK && L == 512 && part == 4,
	      "aniso_sum_block_len: one term, float32, E = 1: 512, 4 bytes (%zu, %zu)", L, part);
	err = aniso_sum_piece(ctx, &s, NULL, 0, 1, x, x, x, x, partials);
	CHECK(err == ANISO_ERR_BAD_ARG && strstr(aniso_ctx_errmsg(ctx), "block_len"),
	      "aniso_sum_piece: block_len 0 refused (%s)", aniso_ctx_errmsg(ctx));
	err = aniso_sum_piece(ctx, &s, NULL, 512, 1, x, NULL, x, x, partials);
	CHECK(err == ANISO_ERR_NULL_ARG, "aniso_sum_piece: a NULL y refused (%s)",
	      aniso_ctx_errmsg(ctx));
	err = aniso_sum_combine(ctx, &s, NULL, 0, partials, out);
	CHECK(err == ANISO_ERR_BAD_ARG && strstr(aniso_ctx_errmsg(ctx), "blocks"),
	      "aniso_sum_combine: blocks 0 refused (%s)", aniso_ctx_errmsg(ctx));
	{
		aniso_options o;

		aniso_options_init(&o);
		o.tolerance = 1e-3;
		err = aniso_sum_piece(ctx, &s, &o, 512, 1, x, x, x, x, partials);
		CHECK(err == ANISO_ERR_BAD_ARG && strstr(aniso_ctx_errmsg(ctx), "tolerance"),
		      "aniso_sum_piece: a truncated sum refused (%s)", aniso_ctx_errmsg(ctx));
	}
	err = aniso_sum_combine(ctx, &s, NULL, 1, NULL, out);
	CHECK(err == ANISO_ERR_NULL_ARG && strstr(aniso_ctx_errmsg(ctx), "partials"),
	      "aniso_sum_combine: NULL partials refused (%s)", aniso_ctx_errmsg(ctx));
}

int main(void)
{
	tap_rng rng;
	aniso_ctx *ctx = context_or_skip();

	if (!ctx)
		return 0;
	tap_rng_seed(&rng, tap_seed_from_env());
	/* 10 and 3 j-blocks; the first cuts into pieces of 3, 3 and 4 */
	check_case(ctx, &rng, ANISO_FLOAT32, 300, 5000, 3, 1, ANISO_GAMMA_FIXED,
		   ANISO_REDUCTION_SUM);
	check_case(ctx, &rng, ANISO_FLOAT32, 37, 1500, 2, 4, ANISO_GAMMA_PER_J,
		   ANISO_REDUCTION_LOGSUMEXP);
	if (aniso_ctx_has_fp64(ctx)) {
		check_case(ctx, &rng, ANISO_FLOAT64, 300, 5000, 2, 2, ANISO_GAMMA_PER_I,
			   ANISO_REDUCTION_SUM);
		check_case(ctx, &rng, ANISO_FLOAT64, 37, 1500, 3, 1, ANISO_GAMMA_FIXED,
			   ANISO_REDUCTION_LOGSUMEXP);
	}
	check_arguments(ctx);
	aniso_ctx_free(ctx);
	tap_plan(test_count);
	return tap_done();
}
