/*
 * The sum reduction, out = sum_j of the formula's terms (f(q_ij) b_j for
 * the sum formula, OUT_COLS numbers per row): the hooks that the skeleton
 * in reduce_j.cl calls (KeOps' four: initialise, fold one term in, merge
 * two accumulators, finalise).
 *
 * CHUNK terms are added plainly into a chunk, then the chunk goes into a
 * Neumaier-compensated accumulator.  The rounding error then grows with
 * CHUNK, not with N, for a few flops per chunk.
 */

/* Numbers per (block, i, e) in the partial buffer. */
#define PARTIAL_WIDTH 1
/* No careful fold: a chunk that is not finite is redone only for the
 * metric's sake (metric_full.cl). */
#define REDUCTION_HAS_CAREFUL 0

/* The running result of VW rows i, and the plain sum of one chunk. */
struct acc {
	realv sum[OUT_COLS], compensation[OUT_COLS];
};
struct chunk_acc {
	realv v[OUT_COLS];
};

inline void acc_init(struct acc *a)
{
	UNROLL_OUT for (int e = 0; e < OUT_COLS; ++e)
		a->sum[e] = a->compensation[e] = 0;
}

inline void chunk_start(const struct acc *a, struct chunk_acc *c)
{
	UNROLL_OUT for (int e = 0; e < OUT_COLS; ++e)
		c->v[e] = 0;
}

/* One pair of the sum formula (OUT_COLS = E); s is Q_SCALE * q.  The
 * gradient formulas add into the chunk themselves. */
#if !FORMULA_IS_GRADIENT
inline void fold_pair(realv s, const real bj[E], struct chunk_acc *c)
{
	const realv w = radial_weight(s);

	UNROLL_E for (int e = 0; e < E; ++e)
		c->v[e] = fma(w, (realv)bj[e], c->v[e]);
}
#endif

/* Every chunk gets the plain fold first. */
inline int acc_wants_care(const struct acc *a)
{
	return 0;
}

/* Whether a chunk may hold the metric's overflow artefacts. */
inline int chunk_needs_care(const struct chunk_acc *c)
{
	int bad = 0;

	UNROLL_OUT for (int e = 0; e < OUT_COLS; ++e)
		bad |= ANY(!isfinite(c->v[e]));
	return bad;
}

inline void acc_add_chunk(struct acc *a, const struct chunk_acc *c)
{
	UNROLL_OUT for (int e = 0; e < OUT_COLS; ++e)
		a->sum[e] = compensated_add(a->sum[e], &a->compensation[e], c->v[e]);
}

/* Number k of column e's partial, and its final value (one j-block). */
inline realv acc_partial(const struct acc *a, int e, int k)
{
	return a->sum[e] + a->compensation[e];
}

inline realv acc_final(const struct acc *a, int e)
{
	return a->sum[e] + a->compensation[e];
}

/* The combine pass: partials of one (i, e) merged in block order. */
struct merge {
	real sum, compensation;
};

inline void merge_init(struct merge *m)
{
	m->sum = m->compensation = 0;
}

inline void merge_add(struct merge *m, __global const real *restrict partial)
{
	m->sum = compensated_add_one(m->sum, &m->compensation, partial[0]);
}

inline real merge_final(const struct merge *m)
{
	return m->sum + m->compensation;
}
