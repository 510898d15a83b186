/* Full metric, K = D*D, row-major:  d^T G d = sum_k d_k sum_l g[k*D+l] d_l.
 * Summed over every k and l as given: a non-symmetric G is not symmetrised
 * (the value is the same in exact arithmetic, and this is what KeOps does). */
inline realv metric_sqdist(const realv diff[D], GAMMA_PARAM)
{
	realv s = 0;

	UNROLL_D for (int k = 0; k < D; ++k) {
		realv row = 0;

		UNROLL_D for (int l = 0; l < D; ++l)
			row = fma(GAMMA(k * D + l), diff[l], row);
		s = fma(diff[k], row, s);
	}
	return s;
}

/*
 * For far-apart points the running sum above can overflow: an off-diagonal
 * G gives products d_k * (G d)_k of both signs, and the first one to
 * overflow fixes the sign of the result.  For a positive semi-definite G
 * the form is >= 0, so -Inf (a weight of +Inf where it is exactly 0) or
 * NaN (Inf - Inf) is an artefact of the order of summation.  This version
 * recomputes such lanes with d scaled by its largest component, then
 * scales back, so that an overflow has the sign of the form itself (-Inf
 * still for a G that is not PSD, as documented); a NaN from the data
 * stays NaN.  Elsewhere it returns metric_sqdist's value, bit for bit.
 * The reduction calls it only for chunks whose plain sum is not finite: a
 * test per pair in the j loop cost PoCL half its speed (measured).
 */
#define METRIC_HAS_CAREFUL 1
inline realv metric_sqdist_careful(const realv diff[D], GAMMA_PARAM)
{
	realv s = metric_sqdist(diff, GAMMA_ARGS), largest = fabs(diff[0]), scaled[D];

	UNROLL_D for (int k = 1; k < D; ++k)
		largest = fmax(largest, fabs(diff[k]));
	UNROLL_D for (int k = 0; k < D; ++k)
		scaled[k] = diff[k] / largest;
	return SELECT(s, metric_sqdist(scaled, GAMMA_ARGS) * largest * largest,
		      isnan(s) | (s == (realv)(-INFINITY)));
}

/* The same form and its gradient in d, (G + G^T) d: G is used as given, so
 * a non-symmetric G has rows and columns to add.  One pass over G gives
 * the row sums (G d)_k, which make the form as metric_sqdist does (the
 * same value, bit for bit), and the column sums (G^T d)_l. */
inline realv metric_sqdist_grad(const realv diff[D], GAMMA_PARAM, realv grad[D])
{
	realv s = 0;

	UNROLL_D for (int l = 0; l < D; ++l)
		grad[l] = 0;
	UNROLL_D for (int k = 0; k < D; ++k) {
		realv row = 0;

		UNROLL_D for (int l = 0; l < D; ++l) {
			const realv g_kl = GAMMA(k * D + l);

			row = fma(g_kl, diff[l], row);
			grad[l] = fma(g_kl, diff[k], grad[l]);
		}
		s = fma(diff[k], row, s);
		grad[k] += row;
	}
	return s;
}

/* The careful form with the plain gradient, for chunks that are not finite
 * (the gradient's terms do not cancel as the form's can). */
inline realv metric_sqdist_careful_grad(const realv diff[D], GAMMA_PARAM, realv grad[D])
{
	(void)metric_sqdist_grad(diff, GAMMA_ARGS, grad);
	return metric_sqdist_careful(diff, GAMMA_ARGS);
}

/* chunk[k*D + l] += w * dq/dg_kl = w d_k d_l, for the gradient with
 * respect to gamma. */
inline void metric_add_dgamma(const realv diff[D], realv w, realv chunk[K])
{
	UNROLL_D for (int k = 0; k < D; ++k) {
		const realv wd = w * diff[k];

		UNROLL_D for (int l = 0; l < D; ++l)
			chunk[k * D + l] = fma(wd, diff[l], chunk[k * D + l]);
	}
}
