/*
 * A formula is what the reduction skeleton (reduce_j.cl) sums over j for
 * each row i; the skeleton loops, tiles, compensates and combines without
 * knowing which one it runs.  A formula file defines:
 *   OUT_COLS            numbers per row of the result
 *   UNROLL_OUT          the unroll pragma for loops over them
 *   FORMULA_ROW_WEIGHTS 1 when each row carries E weights a_i (a kernel
 *                       argument after `partial`), else 0
 *   ACCUMULATE_PAIR(NAME, METRIC)  a function NAME adding one pair's terms
 *                       (VW rows against one j) into chunk[OUT_COLS], with
 *                       the metric function METRIC (plain or careful)
 * and the host knows the same numbers (lib/plan.c, aniso_formula_cols).
 *
 * This one is the sum:  out_i[e] = sum_j f(q_ij) b_j[e].
 */
#define OUT_COLS E
#define UNROLL_OUT UNROLL_E
#define FORMULA_ROW_WEIGHTS 0

#define ACCUMULATE_PAIR(NAME, METRIC)                                          \
	inline void NAME(const realv xi[D], const real yj[D], GAMMA_PARAM,     \
			 const real bj[E], realv chunk[E])                     \
	{                                                                      \
		realv diff[D], s;                                              \
		UNROLL_D for (int k = 0; k < D; ++k)                           \
			diff[k] = xi[k] - yj[k];                               \
		s = METRIC(diff, GAMMA_ARGS);                                  \
		if (SCALE_METRIC)                                              \
			s *= Q_SCALE;                                          \
		s = radial_weight(s);                                          \
		UNROLL_E for (int e = 0; e < E; ++e)                           \
			chunk[e] = fma(s, (realv)bj[e], chunk[e]);             \
	}
