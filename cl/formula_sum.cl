/*
 * A formula is what the reduction skeleton (reduce_j.cl) sums over j for
 * each row i; the skeleton loops, tiles, compensates and combines without
 * knowing which one it runs.  A formula file defines:
 *   OUT_COLS            numbers per row of the result
 *   UNROLL_OUT          the unroll pragma for loops over them
 *   ROW_COLS            weights per row (a kernel argument after
 *                       `partial` when > 0), UNROLL_ROW for loops over them
 *   TERM_COLS           weights per term (the `b` argument), UNROLL_TERM
 *   FORMULA_IS_GRADIENT 1 for the gradients (grad_weight.cl), which add
 *                       into the sum reduction's chunk themselves
 *   ACCUMULATE_PAIR(NAME, METRIC, FOLD)  a function NAME adding one pair's
 *                       terms (VW rows against one j) into the chunk (struct
 *                       chunk_acc of the reduction file), with the metric
 *                       function METRIC (plain or careful) and the
 *                       reduction's fold FOLD (plain or careful) where the
 *                       formula folds values f(q) b_j as the sum does
 * and the host knows the same numbers (lib/plan.c, aniso_formula_cols).
 *
 * This one is the sum:  out_i[e] = sum_j f(q_ij) b_j[e], or with the
 * logsumexp reduction log sum_j f(q_ij) exp(b_j[e]): the reduction's fold
 * takes s = Q_SCALE q and b_j.
 */
#define OUT_COLS E
#define UNROLL_OUT UNROLL_E
#define ROW_COLS 0
#define TERM_COLS E
#define UNROLL_TERM UNROLL_E
#define FORMULA_IS_GRADIENT 0

#define ACCUMULATE_PAIR(NAME, METRIC, FOLD)                                    \
	inline void NAME(const realv xi[D], const real yj[D], GAMMA_PARAM,     \
			 const real bj[E], struct chunk_acc *chunk)            \
	{                                                                      \
		realv diff[D], s;                                              \
		UNROLL_D for (int k = 0; k < D; ++k)                           \
			diff[k] = xi[k] - yj[k];                               \
		s = METRIC(diff, GAMMA_ARGS);                                  \
		if (SCALE_METRIC)                                              \
			s *= Q_SCALE;                                          \
		FOLD(s, bj, chunk);                                            \
	}
