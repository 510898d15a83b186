/*
 * The gradient with respect to the rows' points (see formula_sum.cl for
 * what a formula file defines):
 *
 *   out_i[k] = sum_j c_ij f'(q_ij) ((G + G^T) d_ij)_k,   c_ij = sum_e a_i[e] b_j[e]
 *
 * with d_ij = x_i - y_j.  Rows x and weights a give dL/dx; the host swaps
 * the roles (rows y with weights b, terms x with weights a, per-j gamma
 * read as per-row) for dL/dy, since d changes sign and with it the sum.
 * Each pair's contribution is computed from its own d: nothing is formed as
 * x_i * S0 - S1, which would lose every digit for points far from 0.
 *
 * Gamma loaded once into private memory carries Q_SCALE (see reduce_j.cl),
 * so (G + G^T) d made from it is Q_SCALE times too large; where the metric
 * is scaled instead (SCALE_METRIC) it is not.  radial_derivative is df/dq.
 */
#define OUT_COLS D
#define UNROLL_OUT UNROLL_D
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
		realv diff[D], grad[D], s, c = 0, w;                           \
		UNROLL_D for (int k = 0; k < D; ++k)                           \
			diff[k] = xi[k] - yj[k];                               \
		s = METRIC##_grad(diff, GAMMA_ARGS, grad);                     \
		if (SCALE_METRIC)                                              \
			s *= Q_SCALE;                                          \
		UNROLL_E for (int e = 0; e < E; ++e)                           \
			c = fma(ai[e], (realv)bj[e], c);                       \
		w = c * radial_derivative(s);                                  \
		if (!SCALE_METRIC)                                             \
			w *= (real)1 / Q_SCALE;                                \
		UNROLL_D for (int k = 0; k < D; ++k)                           \
			chunk->v[k] = fma(w, grad[k], chunk->v[k]);                  \
	}
