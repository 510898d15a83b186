/* Isotropic metric, K = 1:  d^T (g Id) d = g * |d|^2. */
inline realv metric_sqdist(const realv diff[D], const gammav g[K])
{
	realv s = 0;

	#pragma unroll
	for (int k = 0; k < D; ++k)
		s = fma(diff[k], diff[k], s);
	return g[0] * s;
}
