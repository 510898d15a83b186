/*
 * The gradient with respect to gamma (see formula_sum.cl for what a
 * formula file defines, grad_weight.cl for dL/dq):  with dq/dG = d d^T,
 *
 *   out_i[.] = sum_j dL/dq_ij dq_ij/dgamma
 *
 * one number per gamma number (K): |d|^2 for K = 1, d_k^2 for K = D,
 * d_k d_l for K = D*D (metric_add_dgamma in the metric file).  Per-i gamma
 * is this with rows x; per-j gamma the same with the roles swapped (d d^T
 * is even in d); a fixed gamma adds the rows' results (the host, in a
 * fixed order).
 */
#define OUT_COLS K
#define UNROLL_OUT UNROLL_K

#define ACCUMULATE_PAIR(NAME, METRIC, FOLD)                                    \
	inline void NAME(const realv xi[D], const real yj[D], GAMMA_PARAM,     \
			 const real bj[TERM_COLS], const realv ai[ROW_COLS],    \
			 struct chunk_acc *chunk)                              \
	{                                                                      \
		realv diff[D], s;                                              \
		UNROLL_D for (int k = 0; k < D; ++k)                           \
			diff[k] = xi[k] - yj[k];                               \
		s = METRIC(diff, GAMMA_ARGS);                                  \
		if (SCALE_METRIC)                                              \
			s *= Q_SCALE;                                          \
		metric_add_dgamma(diff, dloss_dq(s, ai, bj), chunk->v);       \
	}
