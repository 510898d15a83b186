/* Isotropic metric, K = 1:  d^T (g Id) d = g * |d|^2. */
inline realv metric_sqdist(const realv diff[D], GAMMA_PARAM)
{
	realv s = 0;

	UNROLL_D for (int k = 0; k < D; ++k)
		s = fma(diff[k], diff[k], s);
	return GAMMA(0) * s;
}
