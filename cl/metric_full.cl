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
