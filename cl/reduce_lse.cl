/*
 * The logsumexp reduction, out = log sum_j f(q_ij) exp(b_j): the hooks that
 * the skeleton in reduce_j.cl calls.  KeOps' Max_SumShiftExp, or the online
 * softmax of streaming attention: the accumulator is a pair (m, s) standing
 * for m + log s, m the largest log-term seen, so no exp of a log-weight
 * ever overflows.
 *
 * A chunk is folded relative to a fixed reference r, the running max when
 * the chunk starts: s_chunk = sum exp(t - r) and its max, for log-terms
 * t = log f(q) + b.  One exp, two adds and an fmax per term, no select:
 * measured on PoCL (2 cores, D = 3, M = N = 2e4), an online fold that
 * rescales per term (if t > m: s = s exp(m - t) + 1, m = t; else
 * s += exp(t - m), branch-free with exp(-|t - m|)) ran at 0.52 to 0.81 of
 * the sum's pairs/s.  Terms above r by less than the dtype's exp range
 * (88 in float32) stay finite; the chunk then merges into (m, s), which
 * is rescaled only when the max grew.  Terms far below r underflow to 0,
 * harmlessly: s >= 1 (the max term counts 1).
 *
 * That fast fold needs care in a few cases, which the skeleton then folds
 * again with the online form (fold_pair_careful):
 *  - no reference yet (m = -REAL_MAX, the start of a block, or rows whose
 *    terms were all 0 so far): every finite term would overflow, so such
 *    chunks go to the careful fold directly (acc_wants_care);
 *  - a term above r by more than the exp range: s_chunk = +Inf;
 *  - +Inf log-terms (b = +Inf, or the full metric's overflow artefact
 *    q = -Inf, which the careful metric then fixes): +Inf - r;
 *  - NaN, which stays NaN either way.
 * The online fold starts at m = -REAL_MAX, not -Inf, so that a far pair
 * (q = +Inf, t = -Inf) folds in as exp(-Inf) = 0 instead of
 * -Inf - (-Inf) = NaN, and takes t - m as 0 when t == m (two +Inf terms).
 * A row with no nonzero term ends as (-REAL_MAX, 0), whose value is
 * -REAL_MAX + log 0 = -Inf.  fmax keeps m free of NaN; a NaN term makes s
 * NaN, and s stays NaN.
 *
 * As for the sum, the chunk's plain sum goes into the running s with
 * compensation: the rounding error grows with CHUNK, not N.
 */

/* The sum formula's pair values only (one result per column of b). */
#if OUT_COLS != E
#error "logsumexp reduces the sum formula only"
#endif
#define PARTIAL_WIDTH 2
#define REDUCTION_HAS_CAREFUL 1

struct acc {
	realv m[E], s[E], compensation[E];
};
/* s is relative to r: the chunk stands for r + log s, its max being m. */
struct chunk_acc {
	realv r[E], m[E], s[E];
};

inline void acc_init(struct acc *a)
{
	UNROLL_E for (int e = 0; e < E; ++e) {
		a->m[e] = -REAL_MAX;
		a->s[e] = a->compensation[e] = 0;
	}
}

inline void chunk_start(const struct acc *a, struct chunk_acc *c)
{
	UNROLL_E for (int e = 0; e < E; ++e) {
		c->r[e] = c->m[e] = a->m[e];
		c->s[e] = 0;
	}
}

/* exp(x) through exp2, which PoCL's builtins make the cheaper of the two;
 * terms below the smallest normal number relative to the running maximum
 * (which contributes 1) fold in as 0 (see exp2_minus). */
#define EXP_R(x) exp2_minus((x) * (realv)-LOG2E_R)

/* One pair; s is q (Q_SCALE = 1, see profile.cl). */
inline void fold_pair(realv s, const real bj[E], struct chunk_acc *c)
{
	const realv lw = log_radial_weight(s);

	UNROLL_E for (int e = 0; e < E; ++e) {
		const realv t = lw + bj[e];

		c->s[e] += EXP_R(t - c->r[e]);
		c->m[e] = fmax(c->m[e], t);
	}
}

/* The online fold: the reference follows the max, term by term. */
inline void fold_pair_careful(realv s, const real bj[E], struct chunk_acc *c)
{
	const realv lw = log_radial_weight(s);

	UNROLL_E for (int e = 0; e < E; ++e) {
		const realv t = lw + bj[e];
		const realv d = SELECT(t - c->m[e], (realv)0, t == c->m[e]);
		const realv x = EXP_R(-fabs(d));

		c->s[e] = SELECT(c->s[e] + x, fma(c->s[e], x, (realv)1), d > (realv)0);
		c->m[e] = fmax(c->m[e], t);
		c->r[e] = c->m[e];
	}
}

/* Chunks that go to the careful fold without a fast try: no reference. */
inline int acc_wants_care(const struct acc *a)
{
	int none = 0;

	UNROLL_E for (int e = 0; e < E; ++e)
		none |= ANY(a->m[e] == (realv)(-REAL_MAX));
	return none;
}

inline int chunk_needs_care(const struct chunk_acc *c)
{
	int bad = 0;

	UNROLL_E for (int e = 0; e < E; ++e)
		bad |= ANY(!isfinite(c->s[e]) | (c->m[e] == (realv)INFINITY));
	return bad;
}

/* exp(old - new) for old <= new, 1 when they are equal (+Inf included). */
#define RESCALE(old, new) SELECT(EXP_R((old) - (new)), (realv)1, (old) == (new))

/* Both sides rescaled to the new max c->m (>= a->m and >= c->r): a no-op
 * multiplication by 1 unless the max grew. */
inline void acc_add_chunk(struct acc *a, const struct chunk_acc *c)
{
	UNROLL_E for (int e = 0; e < E; ++e) {
		const realv old = RESCALE(a->m[e], c->m[e]);

		a->s[e] *= old;
		a->compensation[e] *= old;
		a->s[e] = compensated_add(a->s[e], &a->compensation[e],
					  c->s[e] * RESCALE(c->r[e], c->m[e]));
		a->m[e] = c->m[e];
	}
}

/* Partials are (m, s) pairs; the final value is m + log s. */
inline realv acc_partial(const struct acc *a, int e, int k)
{
	return k == 0 ? a->m[e] : a->s[e] + a->compensation[e];
}

inline realv acc_final(const struct acc *a, int e)
{
	return a->m[e] + log(a->s[e] + a->compensation[e]);
}

/* The combine pass: (m, s) pairs merged in block order, the sum of the
 * rescaled s compensated as the sum's partials are. */
struct merge {
	real m, s, compensation;
};

inline void merge_init(struct merge *m)
{
	m->m = -REAL_MAX;
	m->s = m->compensation = 0;
}

inline void merge_add(struct merge *m, __global const real *restrict partial)
{
	const real pm = partial[0], ps = partial[1], top = fmax(m->m, pm);
	const real r_old = m->m == top ? (real)1 : exp(m->m - top);
	const real r_new = pm == top ? (real)1 : exp(pm - top);

	m->compensation *= r_old;
	m->s = compensated_add_one(m->s * r_old, &m->compensation, ps * r_new);
	m->m = top;
}

inline real merge_final(const struct merge *m)
{
	return m->m + log(m->s + m->compensation);
}
