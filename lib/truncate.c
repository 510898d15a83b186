/*
 * Truncated sums (options->tolerance = T > 0, aniso_sum_ex on host arrays):
 * pairs of blocks whose every term is provably at most T are skipped, so
 * that |out_ie - exact_ie| <= T sum_j |b_je| (before rounding); with
 * logsumexp the same pairs, |exp(out_ie) - exp(exact_ie)| <= T sum_j
 * exp(b_je).  Nothing here depends on the reduction.
 *
 *  1. x and y are ordered by a k-d split (the widest side of the bounding
 *     box, at a whole number of blocks from the range's start), so that
 *     each block of consecutive rows is compact.  x-blocks are the kernel's
 *     groups (WG * VW rows), y-blocks its chunks.  The caller's order is
 *     what comes back: out is written through the permutation.
 *  2. Every block and every node of y's split tree gets a bounding box and
 *     a lower bound of its metric: gamma for K = 1, gamma_k for K = D,
 *     lambda_min of the symmetric part (G + G^T) / 2 for K = D*D (q =
 *     d^T G d = d^T S d >= lambda_min |d|^2), the minimum over the block's
 *     rows for per-i and per-j gamma.  A gamma that is negative, not PSD or
 *     not finite gives "no bound": its blocks are never skipped.
 *  3. For each x-block, a walk down y's tree keeps the y-blocks whose lower
 *     bound of q (the boxes' distance per coordinate, weighted) is below
 *     f^-1(T): -log T (Gaussian), log(T)^2 (Laplace), 1/T - 1 (Cauchy),
 *     1/T^2 - 1 (IMQ); f decreases, so every skipped term is <= T.
 *  4. The kernel (TRUNCATED in cl/reduce_j.cl) sums each x-block over its
 *     listed y-blocks in ascending order: deterministic, and as accurate as
 *     the exact sum on what it keeps.
 *
 * The lists are built on the host: one walk per x-block, O(kept + depth)
 * each, a small part of the time for the problems that gain (bench/README).
 * When more than MAX_KEPT_SHARE of the block pairs are kept, or the lists
 * would pass MAX_LIST_ENTRIES, or the arrays do not fit the device at once,
 * the exact sum runs instead (a note says why): it meets the bound too.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Above this share of kept block pairs, truncation saves too little to pay
 * for its ordering (measured break-even: bench/README). */
#define MAX_KEPT_SHARE 0.75
/* The lists' size cap: 128 MiB of block indices. */
#define MAX_LIST_ENTRIES ((size_t)32 << 20)

/* Rows of one array, read as doubles whatever their dtype. */
struct rows {
	const void *data;
	aniso_dtype dtype;
	size_t cols;
};

static double at(const struct rows *r, size_t row, size_t col)
{
	const size_t k = row * r->cols + col;

	return r->dtype == ANISO_FLOAT64 ? ((const double *)r->data)[k]
					 : (double)((const float *)r->data)[k];
}

/* ---- k-d ordering ------------------------------------------------------ */

/* Reorder perm[lo..hi) so that perm[nth] holds the row whose coordinate
 * dim would be there in sorted order, smaller ones before, larger after
 * (quickselect, median-of-three pivots: deterministic). */
static void select_nth(const struct rows *p, size_t dim, size_t *perm, size_t lo, size_t hi,
		       size_t nth)
{
	while (hi - lo > 2) {
		const size_t mid = lo + (hi - lo) / 2;
		double a = at(p, perm[lo], dim), b = at(p, perm[mid], dim), c = at(p, perm[hi - 1], dim);
		const double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t i = lo, j = hi - 1;

		/* Hoare's partition: [lo, j] <= pivot <= [i, hi). */
		for (;;) {
			while (at(p, perm[i], dim) < pivot)
				++i;
			while (at(p, perm[j], dim) > pivot)
				--j;
			if (i >= j)
				break;
			{
				size_t t = perm[i];

				perm[i] = perm[j];
				perm[j] = t;
			}
			++i;
			--j;
		}
		if (nth <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
	if (hi - lo == 2 && at(p, perm[lo], dim) > at(p, perm[lo + 1], dim)) {
		size_t t = perm[lo];

		perm[lo] = perm[lo + 1];
		perm[lo + 1] = t;
	}
}

/* The k-d split of perm[lo..hi) into blocks of `block` rows: the left part
 * takes half of the blocks (rounded down), split along the widest side. */
static size_t split_point(size_t lo, size_t hi, size_t block)
{
	const size_t blocks = (hi - lo + block - 1) / block;

	return lo + blocks / 2 * block;
}

static void kd_order(const struct rows *p, size_t D, size_t *perm, size_t lo, size_t hi,
		     size_t block)
{
	size_t k, d, widest = 0, mid;
	double best = -1;

	if (hi - lo <= block)
		return;
	for (d = 0; d < D; ++d) {
		double low = INFINITY, high = -INFINITY;

		for (k = lo; k < hi; ++k) {
			const double v = at(p, perm[k], d);

			low = v < low ? v : low;
			high = v > high ? v : high;
		}
		if (high - low > best) {
			best = high - low;
			widest = d;
		}
	}
	mid = split_point(lo, hi, block);
	select_nth(p, widest, perm, lo, hi, mid);
	kd_order(p, D, perm, lo, mid, block);
	kd_order(p, D, perm, mid, hi, block);
}

/* ---- metric bounds ------------------------------------------------------ */

/* The smallest eigenvalue of the symmetric D x D matrix a (destroyed), by
 * cyclic Jacobi rotations. */
static double min_eigenvalue(double *a, size_t D)
{
	size_t sweep, p, q, k;
	double smallest;

	for (sweep = 0; sweep < 64; ++sweep) {
		double off = 0, diag = 0;

		for (p = 0; p < D; ++p) {
			diag += a[p * D + p] * a[p * D + p];
			for (q = p + 1; q < D; ++q)
				off += a[p * D + q] * a[p * D + q];
		}
		if (!(off > 1e-30 * diag))
			break;
		for (p = 0; p < D; ++p)
			for (q = p + 1; q < D; ++q) {
				const double apq = a[p * D + q];
				double theta, t, c, s;

				if (apq == 0)
					continue;
				theta = (a[q * D + q] - a[p * D + p]) / (2 * apq);
				t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
				c = 1 / sqrt(t * t + 1);
				s = t * c;
				for (k = 0; k < D; ++k) {
					const double akp = a[k * D + p], akq = a[k * D + q];

					a[k * D + p] = c * akp - s * akq;
					a[k * D + q] = s * akp + c * akq;
				}
				for (k = 0; k < D; ++k) {
					const double apk = a[p * D + k], aqk = a[q * D + k];

					a[p * D + k] = c * apk - s * aqk;
					a[q * D + k] = s * apk + c * aqk;
				}
			}
	}
	smallest = a[0];
	for (p = 1; p < D; ++p)
		smallest = a[p * D + p] < smallest ? a[p * D + p] : smallest;
	return smallest;
}

/*
 * What bounds q from below for one gamma row, as `width` numbers w:
 * q >= w_0 |d|^2 (K = 1: gamma; K = D*D: lambda_min of the symmetric
 * part, less a margin for its own rounding), or q >= sum_k w_k d_k^2
 * (K = D).  Returns 0 when there is no such bound (w = NAN then).
 */
static int row_bound(const struct rows *g, size_t row, size_t D, aniso_metric metric,
		     double *work, double *w)
{
	size_t k, l;

	if (metric == ANISO_METRIC_DIAG) {
		for (k = 0; k < D; ++k) {
			w[k] = at(g, row, k);
			if (!(w[k] >= 0) || !isfinite(w[k]))
				goto none;
		}
		return 1;
	}
	if (metric == ANISO_METRIC_ISO) {
		w[0] = at(g, row, 0);
		if (!(w[0] >= 0) || !isfinite(w[0]))
			goto none;
		return 1;
	}
	{
		double norm = 0;

		for (k = 0; k < D; ++k)
			for (l = 0; l < D; ++l) {
				const double s = 0.5 * (at(g, row, k * D + l) + at(g, row, l * D + k));

				if (!isfinite(s))
					goto none;
				work[k * D + l] = s;
				norm += s * s;
			}
		w[0] = min_eigenvalue(work, D) - 1e-12 * sqrt(norm) * (double)D;
		if (!(w[0] > 0))
			goto none;
		return 1;
	}
none:
	w[0] = NAN;
	return 0;
}

/* w = the elementwise minimum of w and v (NaN, "no bound", wins). */
static void bound_min(double *w, const double *v, size_t width)
{
	size_t k;

	for (k = 0; k < width; ++k)
		if (isnan(w[0]) || isnan(v[0]))
			w[k] = NAN;
		else
			w[k] = v[k] < w[k] ? v[k] : w[k];
}

/* ---- blocks and boxes ---------------------------------------------------- */

/* Blocks of consecutive ordered rows: a box (lo, hi per coordinate) and,
 * where gamma varies along these rows, a metric bound, per block. */
struct blocks {
	size_t count, rows_per_block, D, width;
	double *lo, *hi; /* count x D                        */
	double *bound;   /* count x width, or NULL (fixed)   */
};

static void blocks_free(struct blocks *b)
{
	free(b->lo);
	free(b->hi);
	free(b->bound);
}

static int blocks_make(const struct rows *pts, const size_t *perm, size_t n, size_t per_block,
		       const struct rows *gamma, aniso_metric metric, size_t width,
		       struct blocks *b)
{
	const size_t D = pts->cols;
	double *work = NULL, *w = NULL;
	size_t blk, k, d;
	int err = ANISO_ERR_NO_MEMORY;

	memset(b, 0, sizeof(*b));
	b->count = (n + per_block - 1) / per_block;
	b->rows_per_block = per_block;
	b->D = D;
	b->width = width;
	b->lo = malloc(b->count * D * sizeof(double));
	b->hi = malloc(b->count * D * sizeof(double));
	if (gamma) {
		b->bound = malloc(b->count * width * sizeof(double));
		work = malloc((metric == ANISO_METRIC_FULL ? D * D : 1) * sizeof(double));
		w = malloc(width * sizeof(double));
	}
	if (!b->lo || !b->hi || (gamma && (!b->bound || !work || !w)))
		goto out;
	for (blk = 0; blk < b->count; ++blk) {
		const size_t first = blk * per_block, last = first + per_block < n ? first + per_block : n;
		double *lo = b->lo + blk * D, *hi = b->hi + blk * D;

		for (d = 0; d < D; ++d) {
			lo[d] = INFINITY;
			hi[d] = -INFINITY;
		}
		for (k = first; k < last; ++k)
			for (d = 0; d < D; ++d) {
				const double v = at(pts, perm[k], d);

				/* A NaN coordinate makes the box NaN: no bound. */
				lo[d] = v < lo[d] || isnan(v) ? v : lo[d];
				hi[d] = v > hi[d] || isnan(v) ? v : hi[d];
			}
		if (!gamma)
			continue;
		row_bound(gamma, perm[first], D, metric, work, b->bound + blk * width);
		for (k = first + 1; k < last; ++k) {
			row_bound(gamma, perm[k], D, metric, work, w);
			bound_min(b->bound + blk * width, w, width);
		}
	}
	err = ANISO_OK;
out:
	free(w);
	free(work);
	return err;
}

/* q over two boxes is at least this (-Inf: no bound).  w: the metric bound
 * (width numbers, NaN: none). */
static double q_lower_bound(const double *alo, const double *ahi, const double *blo,
			    const double *bhi, size_t D, const double *w, size_t width)
{
	double q = 0;
	size_t d;

	if (isnan(w[0]))
		return -INFINITY;
	for (d = 0; d < D; ++d) {
		const double gap1 = blo[d] - ahi[d], gap2 = alo[d] - bhi[d];
		double gap = gap1 > gap2 ? gap1 : gap2;

		if (isnan(gap))
			return -INFINITY;
		gap = gap > 0 ? gap : 0;
		q += (width > 1 ? w[d] : 1) * gap * gap;
	}
	if (width == 1)
		q *= w[0];
	/* Rounding of the sums above: far below this margin. */
	return q * (1 - 1e-9);
}

/* ---- y's split tree ---------------------------------------------------- */

/* A node covers y-blocks [first, last); its children split them as
 * kd_order did (split_point on blocks). */
struct tree {
	size_t count;
	size_t *first, *last;
	long *left, *right; /* -1 for a leaf */
	double *lo, *hi, *bound;
};

static void tree_free(struct tree *t)
{
	free(t->first);
	free(t->last);
	free(t->left);
	free(t->right);
	free(t->lo);
	free(t->hi);
	free(t->bound);
}

static long tree_build(struct tree *t, const struct blocks *b, size_t first, size_t last)
{
	const size_t D = b->D, width = b->width;
	const long id = (long)t->count++;
	size_t d;

	t->first[id] = first;
	t->last[id] = last;
	if (last - first == 1) {
		t->left[id] = t->right[id] = -1;
		memcpy(t->lo + id * D, b->lo + first * D, D * sizeof(double));
		memcpy(t->hi + id * D, b->hi + first * D, D * sizeof(double));
		if (b->bound)
			memcpy(t->bound + id * width, b->bound + first * width, width * sizeof(double));
		return id;
	}
	t->left[id] = tree_build(t, b, first, split_point(first, last, 1));
	t->right[id] = tree_build(t, b, split_point(first, last, 1), last);
	for (d = 0; d < D; ++d) {
		const double *l = t->lo + t->left[id] * D, *r = t->lo + t->right[id] * D;
		const double *lh = t->hi + t->left[id] * D, *rh = t->hi + t->right[id] * D;

		t->lo[id * D + d] = l[d] < r[d] || isnan(l[d]) ? l[d] : r[d];
		t->hi[id * D + d] = lh[d] > rh[d] || isnan(lh[d]) ? lh[d] : rh[d];
	}
	if (b->bound) {
		memcpy(t->bound + id * width, t->bound + t->left[id] * width, width * sizeof(double));
		bound_min(t->bound + id * width, t->bound + t->right[id] * width, width);
	}
	return id;
}

static int tree_make(const struct blocks *b, struct tree *t)
{
	const size_t nodes = 2 * b->count;

	memset(t, 0, sizeof(*t));
	t->first = malloc(nodes * sizeof(size_t));
	t->last = malloc(nodes * sizeof(size_t));
	t->left = malloc(nodes * sizeof(long));
	t->right = malloc(nodes * sizeof(long));
	t->lo = malloc(nodes * b->D * sizeof(double));
	t->hi = malloc(nodes * b->D * sizeof(double));
	t->bound = b->bound ? malloc(nodes * b->width * sizeof(double)) : NULL;
	if (!t->first || !t->last || !t->left || !t->right || !t->lo || !t->hi ||
	    (b->bound && !t->bound))
		return ANISO_ERR_NO_MEMORY;
	tree_build(t, b, 0, b->count);
	return ANISO_OK;
}

/* ---- the lists ----------------------------------------------------------- */

/* q below which a term may exceed T: f(q) <= T for q >= this. */
static double q_cut(aniso_kernel kernel, double T)
{
	switch (kernel) {
	case ANISO_KERNEL_LAPLACE:
		return T >= 1 ? 0 : log(T) * log(T);
	case ANISO_KERNEL_CAUCHY:
		return 1 / T - 1;
	case ANISO_KERNEL_IMQ:
		return 1 / (T * T) - 1;
	default:
		return -log(T);
	}
}

struct lists {
	cl_uint *start; /* x-blocks + 1 */
	cl_uint *blocks;
	size_t entries, capacity;
};

/* Every x-block's kept y-blocks, ascending.  Returns 0 when they pass
 * limit entries (the walk stops there). */
static int lists_make(const struct blocks *xb, const struct tree *yt, const double *fixed_bound,
		      double cut, size_t limit, struct lists *l, int *err)
{
	const size_t D = xb->D, width = xb->width;
	long *stack = malloc((yt->count + 1) * sizeof(long));
	size_t a;
	int ok = 0;

	*err = ANISO_ERR_NO_MEMORY;
	memset(l, 0, sizeof(*l));
	l->start = malloc((xb->count + 1) * sizeof(cl_uint));
	l->capacity = 1024;
	l->blocks = malloc(l->capacity * sizeof(cl_uint));
	if (!stack || !l->start || !l->blocks)
		goto out;
	*err = ANISO_OK;
	for (a = 0; a < xb->count; ++a) {
		size_t top = 0;

		l->start[a] = (cl_uint)l->entries;
		stack[top++] = 0;
		while (top > 0) {
			const long node = stack[--top];
			const double *w = fixed_bound ? fixed_bound
					  : xb->bound ? xb->bound + a * width
						      : yt->bound + node * width;
			const double q = q_lower_bound(xb->lo + a * D, xb->hi + a * D, yt->lo + node * D,
						       yt->hi + node * D, D, w, width);

			if (q >= cut)
				continue;
			if (yt->left[node] >= 0) {
				/* Right first, so that the left comes out first:
				 * the blocks ascend. */
				stack[top++] = yt->right[node];
				stack[top++] = yt->left[node];
				continue;
			}
			if (l->entries >= limit)
				goto out;
			if (l->entries == l->capacity) {
				cl_uint *grown = realloc(l->blocks, 2 * l->capacity * sizeof(cl_uint));

				if (!grown) {
					*err = ANISO_ERR_NO_MEMORY;
					goto out;
				}
				l->blocks = grown;
				l->capacity *= 2;
			}
			l->blocks[l->entries++] = (cl_uint)yt->first[node];
		}
	}
	l->start[xb->count] = (cl_uint)l->entries;
	ok = 1;
out:
	free(stack);
	return ok;
}

/* ---- the sum -------------------------------------------------------------- */

/* The ordered arrays and the lists onto the device, the run, out back
 * (still in the order of the x-blocks). */
static int run_listed(aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
		      const void *x, const void *y, const void *b, const void *gamma,
		      const struct lists *l, size_t x_blocks, void *out, int *done)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	struct aniso_bytes bytes;
	size_t sizes[7];
	cl_mem bx, by, bb, bg, bs, bl, bo;
	cl_int status;
	int err;

	aniso_shape_bytes(s, &bytes);
	sizes[0] = bytes.x;
	sizes[1] = bytes.y;
	sizes[2] = bytes.b;
	sizes[3] = bytes.gamma;
	sizes[4] = bytes.out;
	sizes[5] = (x_blocks + 1) * sizeof(cl_uint);
	sizes[6] = (l->entries ? l->entries : 1) * sizeof(cl_uint);
	/* Listed runs are not cut into passes: when they do not fit the
	 * device at once, the exact sum (which is) runs instead. */
	*done = aniso_fits_at_once(&ctx->caps, sizes, 7, NULL);
	if (!*done) {
		aniso_msg_append(&ctx->msg, "note: tolerance %g: the problem does not fit the "
				 "device at once; summed exactly, in passes. ",
				 f->tolerance);
		return ANISO_OK;
	}
	if ((err = aniso_scratch_upload(ctx, SCRATCH_X, "x", x, bytes.x, &bx)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_Y, "y", y, bytes.y, &by)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_B, "b", b, bytes.b, &bb)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_GAMMA, "gamma", gamma, bytes.gamma, &bg)) !=
		    ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_LIST_START, "the block lists", l->start,
					sizes[5], &bs)) != ANISO_OK ||
	    (err = aniso_scratch_upload(ctx, SCRATCH_LIST, "the block lists", l->blocks,
					l->entries * sizeof(cl_uint), &bl)) != ANISO_OK ||
	    (err = aniso_scratch_get(ctx, SCRATCH_OUT, bytes.out, &bo)) != ANISO_OK)
		goto finish;
	if (!bl) /* no pair kept: an empty list still needs a buffer */
		if ((err = aniso_scratch_get(ctx, SCRATCH_LIST, sizeof(cl_uint), &bl)) != ANISO_OK)
			goto finish;
	err = aniso_reduce_listed(ctx, s, f, bx, by, bb, bg, bs, bl, bo);
	if (err != ANISO_OK)
		goto finish;
	status = clEnqueueReadBuffer(ctx->queue, bo, CL_TRUE, 0, s->M * s->E * elem, out, 0, NULL,
				     NULL);
	if (status != CL_SUCCESS)
		err = aniso_cl_fail(&ctx->msg, "clEnqueueReadBuffer(out)", status);
finish:
	if (err != ANISO_OK)
		/* Pending writes read the host arrays: finish them first. */
		(void)clFinish(ctx->queue);
	return err;
}

/* rows of src (cols numbers of elem bytes each) in the order perm gives. */
static void *gather(const void *src, const size_t *perm, size_t n, size_t cols, size_t elem)
{
	char *dst = malloc(n * cols * elem + 1);
	size_t k;

	if (dst)
		for (k = 0; k < n; ++k)
			memcpy(dst + k * cols * elem, (const char *)src + perm[k] * cols * elem,
			       cols * elem);
	return dst;
}

static size_t *identity(size_t n)
{
	size_t *perm = malloc((n ? n : 1) * sizeof(size_t)), k;

	if (perm)
		for (k = 0; k < n; ++k)
			perm[k] = k;
	return perm;
}

int aniso_sum_truncated(aniso_ctx *ctx, const aniso_shape *s, const struct aniso_formula *f,
			const void *x, const void *y, const void *b, const void *gamma, void *out,
			int *done)
{
	const size_t elem = aniso_dtype_size(s->dtype);
	const aniso_metric metric = aniso_metric_of(s->K, s->D);
	const size_t width = metric == ANISO_METRIC_DIAG ? s->D : 1;
	const struct rows xr = {x, s->dtype, s->D}, yr = {y, s->dtype, s->D};
	const struct rows gr = {gamma, s->dtype, s->K};
	size_t *perm_x = NULL, *perm_y = NULL;
	size_t i_block = 0, j_block = 0, pairs, limit, k;
	struct blocks xb, yb;
	struct tree yt;
	struct lists lists;
	double *fixed = NULL;
	void *xs = NULL, *ys = NULL, *bs = NULL, *gs = NULL, *outs = NULL;
	int err, complete;

	*done = 0;
	memset(&xb, 0, sizeof(xb));
	memset(&yb, 0, sizeof(yb));
	memset(&yt, 0, sizeof(yt));
	memset(&lists, 0, sizeof(lists));
	err = aniso_truncated_layout(ctx, s, f, &i_block, &j_block);
	if (err != ANISO_OK)
		goto out;
	perm_x = identity(s->M);
	perm_y = identity(s->N);
	err = ANISO_ERR_NO_MEMORY;
	if (!perm_x || !perm_y)
		goto nomem;
	kd_order(&xr, s->D, perm_x, 0, s->M, i_block);
	kd_order(&yr, s->D, perm_y, 0, s->N, j_block);
	if (s->gamma_var == ANISO_GAMMA_FIXED) {
		double *work = malloc((metric == ANISO_METRIC_FULL ? s->D * s->D : 1) * sizeof(double));

		fixed = malloc(width * sizeof(double));
		if (!work || !fixed) {
			free(work);
			goto nomem;
		}
		row_bound(&gr, 0, s->D, metric, work, fixed);
		free(work);
	}
	if (blocks_make(&xr, perm_x, s->M, i_block,
			s->gamma_var == ANISO_GAMMA_PER_I ? &gr : NULL, metric, width,
			&xb) != ANISO_OK ||
	    blocks_make(&yr, perm_y, s->N, j_block,
			s->gamma_var == ANISO_GAMMA_PER_J ? &gr : NULL, metric, width,
			&yb) != ANISO_OK ||
	    tree_make(&yb, &yt) != ANISO_OK)
		goto nomem;
	pairs = xb.count * yb.count;
	limit = (size_t)(MAX_KEPT_SHARE * (double)pairs);
	if (limit > MAX_LIST_ENTRIES)
		limit = MAX_LIST_ENTRIES;
	complete = lists_make(&xb, &yt, fixed, q_cut(f->kernel, f->tolerance), limit, &lists,
			      &err);
	if (err != ANISO_OK)
		goto nomem;
	if (!complete) {
		/* Not worth it: the caller sums exactly, which meets the
		 * bound too. */
		aniso_msg_append(&ctx->msg,
				 "note: tolerance %g: more than %zu of the %zu block pairs are "
				 "within reach of the kernel (at most %.0f%% and %zu pay); summed "
				 "exactly. ",
				 f->tolerance, limit, pairs, 100 * MAX_KEPT_SHARE, MAX_LIST_ENTRIES);
		err = ANISO_OK;
		goto out;
	}
	xs = gather(x, perm_x, s->M, s->D, elem);
	ys = gather(y, perm_y, s->N, s->D, elem);
	bs = gather(b, perm_y, s->N, s->E, elem);
	outs = malloc(s->M * s->E * elem + 1);
	if (s->gamma_var == ANISO_GAMMA_FIXED) {
		/* One row, whatever the order. */
		gs = malloc(s->K * elem);
		if (gs)
			memcpy(gs, gamma, s->K * elem);
	} else {
		gs = s->gamma_var == ANISO_GAMMA_PER_I ? gather(gamma, perm_x, s->M, s->K, elem)
						       : gather(gamma, perm_y, s->N, s->K, elem);
	}
	if (!xs || !ys || !bs || !outs || !gs)
		goto nomem;
	err = run_listed(ctx, s, f, xs, ys, bs, gs, &lists, xb.count, outs, done);
	if (err != ANISO_OK || !*done)
		goto out;
	for (k = 0; k < s->M; ++k)
		memcpy((char *)out + perm_x[k] * s->E * elem, (const char *)outs + k * s->E * elem,
		       s->E * elem);
	/* What the tolerance bought, for callers who tune it. */
	aniso_msg_append(&ctx->msg, "note: tolerance %g: summed %zu of %zu block pairs (%.3g%%). ",
			 f->tolerance, lists.entries, pairs,
			 100.0 * (double)lists.entries / (double)pairs);
	goto out;
nomem:
	err = aniso_msg_set(&ctx->msg, ANISO_ERR_NO_MEMORY,
			    "out of host memory ordering the points for a truncated sum "
			    "(M = %zu, N = %zu)",
			    s->M, s->N);
out:
	free(outs);
	free(gs);
	free(bs);
	free(ys);
	free(xs);
	free(lists.blocks);
	free(lists.start);
	tree_free(&yt);
	blocks_free(&yb);
	blocks_free(&xb);
	free(fixed);
	free(perm_y);
	free(perm_x);
	return err;
}
