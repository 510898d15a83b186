/* Diagonal metric, K = D:  d^T diag(g) d = sum_k g_k d_k^2. */
inline real metric_sqdist(const real diff[D], const real g[K])
{
	real s = 0;
	for (int k = 0; k < D; ++k)
		s = fma(g[k] * diff[k], diff[k], s);
	return s;
}
