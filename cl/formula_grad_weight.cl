/*
 * The gradient of a logsumexp with respect to its log-weights b (see
 * formula_sum.cl for what a formula file defines, grad_weight.cl for the
 * packed sides):
 *
 *   dL/db_je = sum_i a_ie p_ije,   p_ije = exp(log f(q_ij) + b_je - out_ie)
 *
 * run with rows y (the j side) and terms x (the i side).  The sum
 * reduction's dL/db is the sum formula itself with terms weighted by a,
 * so this file exists for logsumexp only.
 */
#if REDUCTION != REDUCTION_LOGSUMEXP
#error "formula_grad_weight.cl differentiates the logsumexp reduction only"
#endif
#define OUT_COLS E
#define UNROLL_OUT UNROLL_E

#define ACCUMULATE_PAIR(NAME, METRIC, FOLD)                                    \
	inline void NAME(const realv xi[D], const real yj[D], GAMMA_PARAM,     \
			 const real bj[TERM_COLS], const realv ai[ROW_COLS],    \
			 struct chunk_acc *chunk)                              \
	{                                                                      \
		realv diff[D], log_f;                                          \
		UNROLL_D for (int k = 0; k < D; ++k)                           \
			diff[k] = xi[k] - yj[k];                               \
		log_f = log_radial_weight(METRIC(diff, GAMMA_ARGS));           \
		UNROLL_E for (int e = 0; e < E; ++e)                           \
			chunk->v[e] += softmax_weight(log_f, ai, bj, e);       \
	}
