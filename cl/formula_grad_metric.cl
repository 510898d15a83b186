/*
 * The gradient with respect to gamma (see formula_sum.cl for what a
 * formula file defines):  with dq/dG = d d^T,
 *
 *   out_i[.] = sum_j c_ij f'(q_ij) dq_ij/dgamma,   c_ij = sum_e a_i[e] b_j[e]
 *
 * one number per gamma number (K): |d|^2 for K = 1, d_k^2 for K = D,
 * d_k d_l for K = D*D (metric_add_dgamma in the metric file).  Per-i gamma
 * is this with rows x; per-j gamma the same with the roles swapped (d d^T
 * is even in d); a fixed gamma adds the rows' results (the host, in a
 * fixed order).  radial_derivative is df/dq.
 */
#define OUT_COLS K
#define UNROLL_OUT UNROLL_K
#define FORMULA_ROW_WEIGHTS 1
/* The gradients are sums of terms: the host builds them with the sum
 * reduction (reduce_sum.cl), whose chunk they add into directly. */
#if REDUCTION != REDUCTION_SUM
#error "the gradient formulas run with the sum reduction only"
#endif

#define ACCUMULATE_PAIR(NAME, METRIC, FOLD)                                    \
	inline void NAME(const realv xi[D], const real yj[D], GAMMA_PARAM,     \
			 const real bj[E], const realv ai[E],                   \
			 struct chunk_acc *chunk)                              \
	{                                                                      \
		realv diff[D], s, c = 0;                                       \
		UNROLL_D for (int k = 0; k < D; ++k)                           \
			diff[k] = xi[k] - yj[k];                               \
		s = METRIC(diff, GAMMA_ARGS);                                  \
		if (SCALE_METRIC)                                              \
			s *= Q_SCALE;                                          \
		UNROLL_E for (int e = 0; e < E; ++e)                           \
			c = fma(ai[e], (realv)bj[e], c);                       \
		metric_add_dgamma(diff, c * radial_derivative(s), chunk->v);      \
	}
