/*
 * The logsumexp reduction, out = log sum_j f(q_ij) exp(b_j): the hooks that
 * the skeleton in reduce_j.cl calls.  KeOps' Max_SumShiftExp, or the online
 * softmax of streaming attention: the accumulator is a pair (m, s) standing
 * for m + log s, so no exp of a log-weight ever overflows.  A term of
 * log-weight t = log f(q) + b folds in as
 *
 *     t > m:  s = s exp(m - t) + 1,  m = t     (the max grows: rescale)
 *     else:   s = s + exp(t - m)
 *
 * Both branches need exp(-|t - m|), so a pair costs one exp and two
 * selects, no branch (vector lanes go their own ways).
 *
 * Chunks: CHUNK terms fold into (cm, cs), started at the running max with
 * cs = 0; the chunk then merges into the running (m, s) with a Neumaier-
 * compensated addition, s being rescaled only when the chunk raised the
 * max.  As for the sum, the rounding error of s grows with CHUNK, not N.
 *
 * Edges.  m starts at -REAL_MAX, not -Inf: a far pair (q = +Inf, t = -Inf)
 * then folds in as exp(-Inf) = 0 instead of -Inf - (-Inf) = NaN, and a row
 * with no nonzero term ends as (-REAL_MAX, 0), whose value is
 * -REAL_MAX + log 0 = -Inf.  fmax keeps m free of NaN, while a NaN term
 * makes s NaN, and s stays NaN.  One case still gives NaN by accident:
 * t = m = +Inf (two +Inf log-weights), as +Inf - +Inf.  The careful fold
 * takes t - m as 0 when t == m; the skeleton runs it only on chunks whose
 * plain fold gave a NaN s or m = +Inf (which the full metric's overflow
 * artefacts can also give), so the j loop stays free of that test.
 */

#define PARTIAL_WIDTH 2
#define REDUCTION_HAS_CAREFUL 1

struct acc {
	realv m[E], s[E], compensation[E];
};
struct chunk_acc {
	realv m[E], s[E];
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
		c->m[e] = a->m[e];
		c->s[e] = 0;
	}
}

/* exp(x) for x <= 0 (or NaN) through exp2, which PoCL's builtins make the
 * cheaper of the two. */
#define EXP_NONPOSITIVE(x) exp2((x) * (realv)LOG2E_R)

#define FOLD_TERM(c, e, t, d)                                                  \
	do {                                                                   \
		const realv x_ = EXP_NONPOSITIVE(-fabs(d));                    \
		(c)->s[e] = SELECT((c)->s[e] + x_, fma((c)->s[e], x_, (realv)1), \
				   (d) > (realv)0);                            \
		(c)->m[e] = fmax((c)->m[e], (t));                              \
	} while (0)

/* One pair; s is q (Q_SCALE = 1, see profile.cl). */
inline void fold_pair(realv s, const real bj[E], struct chunk_acc *c)
{
	const realv lw = log_radial_weight(s);

	UNROLL_E for (int e = 0; e < E; ++e) {
		const realv t = lw + bj[e];
		const realv d = t - c->m[e];

		FOLD_TERM(c, e, t, d);
	}
}

inline void fold_pair_careful(realv s, const real bj[E], struct chunk_acc *c)
{
	const realv lw = log_radial_weight(s);

	UNROLL_E for (int e = 0; e < E; ++e) {
		const realv t = lw + bj[e];
		const realv d = SELECT(t - c->m[e], (realv)0, t == c->m[e]);

		FOLD_TERM(c, e, t, d);
	}
}

inline int chunk_needs_care(const struct chunk_acc *c)
{
	int bad = 0;

	UNROLL_E for (int e = 0; e < E; ++e)
		bad |= ANY(isnan(c->s[e]) | (c->m[e] == (realv)INFINITY));
	return bad;
}

/* exp(old - new) for old <= new, 1 when they are equal (+Inf included). */
#define RESCALE(old, new) SELECT(EXP_NONPOSITIVE((old) - (new)), (realv)1, (old) == (new))

inline void acc_add_chunk(struct acc *a, const struct chunk_acc *c)
{
	UNROLL_E for (int e = 0; e < E; ++e) {
		const realv r = RESCALE(a->m[e], c->m[e]);

		a->s[e] *= r;
		a->compensation[e] *= r;
		a->s[e] = compensated_add(a->s[e], &a->compensation[e], c->s[e]);
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
	const real value = ps * r_new;
	real t;

	m->s *= r_old;
	m->compensation *= r_old;
	t = m->s + value;
	if (isfinite(t))
		m->compensation += fabs(m->s) >= fabs(value) ? (m->s - t) + value
							     : (value - t) + m->s;
	m->s = t;
	m->m = top;
}

inline real merge_final(const struct merge *m)
{
	return m->m + log(m->s + m->compensation);
}
