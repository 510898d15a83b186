/*
 * The gradient with respect to the rows' points (see formula_sum.cl for
 * what a formula file defines, grad_weight.cl for dL/dq):
 *
 *   out_i[k] = sum_j dL/dq_ij ((G + G^T) d_ij)_k,   d_ij = x_i - y_j
 *
 * Rows x with the i side's weights give dL/dx; the host swaps the roles
 * (rows y with the j side's weights, terms x, per-j gamma read as per-row)
 * for dL/dy, since d changes sign and with it the sum.  Each pair's
 * contribution is computed from its own d: nothing is formed as
 * x_i * S0 - S1, which would lose every digit for points far from 0.
 *
 * Gamma loaded once into private memory carries Q_SCALE (see reduce_j.cl),
 * so (G + G^T) d made from it is Q_SCALE times too large; where the metric
 * is scaled instead (SCALE_METRIC) it is not.
 */
#define OUT_COLS D
#define UNROLL_OUT UNROLL_D

#define ACCUMULATE_PAIR(NAME, METRIC, FOLD)                                    \
	inline void NAME(const realv xi[D], const real yj[D], GAMMA_PARAM,     \
			 const real bj[TERM_COLS], const realv ai[ROW_COLS],    \
			 struct chunk_acc *chunk)                              \
	{                                                                      \
		realv diff[D], grad[D], s, w;                                  \
		UNROLL_D for (int k = 0; k < D; ++k)                           \
			diff[k] = xi[k] - yj[k];                               \
		s = METRIC##_grad(diff, GAMMA_ARGS, grad);                     \
		if (SCALE_METRIC)                                              \
			s *= Q_SCALE;                                          \
		w = dloss_dq(s, ai, bj);                                       \
		if (!SCALE_METRIC)                                             \
			w *= (real)1 / Q_SCALE;                                \
		UNROLL_D for (int k = 0; k < D; ++k)                           \
			chunk->v[k] = fma(w, grad[k], chunk->v[k]);            \
	}
