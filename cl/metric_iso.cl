/* Isotropic metric, K = 1:  d^T (g Id) d = g * |d|^2. */
inline real metric_sqdist(const real diff[D], const real g[K])
{
	real s = 0;
	for (int k = 0; k < D; ++k)
		s = fma(diff[k], diff[k], s);
	return g[0] * s;
}
