/*
 * What the gradient formulas (formula_grad_point.cl, formula_grad_metric.cl,
 * formula_grad_weight.cl) share: how much one pair's q_ij matters to
 * L = sum_ie a_ie out_ie, dL/dq_ij, for the reduction that made out.
 * Every gradient is this times dq_ij/d(x_i, y_j or gamma), summed: the
 * host accumulates them with the sum reduction (reduce_sum.cl) whatever
 * REDUCTION says; REDUCTION names the forward reduction differentiated.
 *
 * The rows carry ROW_COLS weights and the terms TERM_COLS, the same on
 * both sides, so that the host can swap rows and terms (grad.c):
 *
 *   sum:        dL/dq_ij = f'(q_ij) sum_e a_ie b_je
 *               i side a_i, j side b_j (E numbers each);
 *
 *   logsumexp:  out_ie = log sum_j f(q_ij) exp(b_je), so
 *               dL/dq_ij = (log f)'(q_ij) sum_e a_ie p_ije with the
 *               softmax weight p_ije = exp(log f(q_ij) + b_je - out_ie),
 *               which lies in [0, 1] (out_ie >= log f_ij + b_je): it is
 *               formed from its exponent, never as f exp(b) / exp(out),
 *               which overflows for large b.  Each side is E pairs
 *               (u_e, v_e), packed by pack_softmax_side below:
 *               i side (a_ie, -out_ie), j side (1, b_je), and
 *               p_ije = u_ie u_je exp((v_ie + v_je) + log f(q_ij)).
 *               v_ie + v_je is added first: b - out cancels exactly where
 *               the two are close, before the small log f joins.
 *
 * s is Q_SCALE * q (Q_SCALE = 1 for logsumexp, see profile.cl).
 */
#define FORMULA_IS_GRADIENT 1

#if REDUCTION == REDUCTION_SUM
#define ROW_COLS E
#define TERM_COLS E
#define UNROLL_ROW UNROLL_E
#define UNROLL_TERM UNROLL_E

inline realv dloss_dq(realv s, const realv ai[ROW_COLS], const real bj[TERM_COLS])
{
	realv c = 0;

	UNROLL_E for (int e = 0; e < E; ++e)
		c = fma(ai[e], (realv)bj[e], c);
	return c * radial_derivative(s);
}
#elif REDUCTION == REDUCTION_LOGSUMEXP
#define ROW_COLS (2 * E)
#define TERM_COLS (2 * E)
#if E <= 8
#define UNROLL_ROW UNROLL_
#define UNROLL_TERM UNROLL_
#else
#define UNROLL_ROW
#define UNROLL_TERM
#endif

/* p_ije for one e, from the packed sides and log f(q_ij). */
inline realv softmax_weight(realv log_f, const realv ai[ROW_COLS], const real bj[TERM_COLS],
			    int e)
{
	return ai[2 * e] * bj[2 * e] * exp((ai[2 * e + 1] + bj[2 * e + 1]) + log_f);
}

inline realv dloss_dq(realv q, const realv ai[ROW_COLS], const real bj[TERM_COLS])
{
	const realv log_f = log_radial_weight(q);
	realv c = 0;

	UNROLL_E for (int e = 0; e < E; ++e)
		c += softmax_weight(log_f, ai, bj, e);
	return c * log_radial_slope(q);
}

/*
 * packed[r][2e] = u, packed[r][2e + 1] = v for rows r < rows, from
 * v = sign * values[r][e] and u = weights[r][e] (has_weights) or 1.  An
 * i row whose out_ie is -Inf (every term 0: log f + b_je = -Inf for all
 * j) gets (0, 0): the row adds nothing, where -out_ie = +Inf would give
 * exp(-Inf + Inf) = NaN.
 */
__kernel void pack_softmax_side(ulong rows, int has_weights, real sign,
				__global const real *restrict weights,
				__global const real *restrict values,
				__global real *restrict packed)
{
	const ulong idx = get_global_id(0);
	real u, v;

	if (idx >= rows * E)
		return;
	u = has_weights ? weights[idx] : (real)1;
	v = sign * values[idx];
	if (v == (real)INFINITY && sign < 0)
		u = v = 0;
	packed[2 * idx] = u;
	packed[2 * idx + 1] = v;
}
#else
#error "REDUCTION must be REDUCTION_SUM or REDUCTION_LOGSUMEXP"
#endif
