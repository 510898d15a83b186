/* Diagonal metric, K = D:  d^T diag(g) d = sum_k g_k d_k^2. */
inline realv metric_sqdist(const realv diff[D], const gammav g[K])
{
	realv s = 0;

	#pragma unroll
	for (int k = 0; k < D; ++k)
		s = fma(g[k] * diff[k], diff[k], s);
	return s;
}
