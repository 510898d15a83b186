/* Isotropic metric, K = 1:  d^T (g Id) d = g * |d|^2. */
inline realv metric_sqdist(const realv diff[D], GAMMA_PARAM)
{
	realv s = 0;

	UNROLL_D for (int k = 0; k < D; ++k)
		s = fma(diff[k], diff[k], s);
	return GAMMA(0) * s;
}

/* The same form and its gradient in d, (G + G^T) d = 2 g d, for the
 * gradients with respect to the points. */
inline realv metric_sqdist_grad(const realv diff[D], GAMMA_PARAM, realv grad[D])
{
	const realv two_g = (real)2 * GAMMA(0);

	UNROLL_D for (int k = 0; k < D; ++k)
		grad[k] = two_g * diff[k];
	return metric_sqdist(diff, GAMMA_ARGS);
}

/* chunk += w * dq/dgamma = w |d|^2 (one number), for the gradient with
 * respect to gamma. */
inline void metric_add_dgamma(const realv diff[D], realv w, realv chunk[K])
{
	realv s = 0;

	UNROLL_D for (int k = 0; k < D; ++k)
		s = fma(diff[k], diff[k], s);
	chunk[0] = fma(w, s, chunk[0]);
}
