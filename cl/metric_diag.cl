/* Diagonal metric, K = D:  d^T diag(g) d = sum_k g_k d_k^2. */
inline realv metric_sqdist(const realv diff[D], GAMMA_PARAM)
{
	realv s = 0;

	UNROLL_D for (int k = 0; k < D; ++k)
		s = fma(GAMMA(k) * diff[k], diff[k], s);
	return s;
}
