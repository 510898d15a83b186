/* Diagonal metric, K = D:  d^T diag(g) d = sum_k g_k d_k^2. */
inline realv metric_sqdist(const realv diff[D], GAMMA_PARAM)
{
	realv s = 0;

	UNROLL_D for (int k = 0; k < D; ++k)
		s = fma(GAMMA(k) * diff[k], diff[k], s);
	return s;
}

/* The same form and its gradient in d, (G + G^T) d = 2 g_k d_k, for the
 * gradients with respect to the points. */
inline realv metric_sqdist_grad(const realv diff[D], GAMMA_PARAM, realv grad[D])
{
	realv s = 0;

	UNROLL_D for (int k = 0; k < D; ++k) {
		const realv gd = GAMMA(k) * diff[k];

		grad[k] = gd + gd;
		s = fma(gd, diff[k], s);
	}
	return s;
}

/* chunk[k] += w * dq/dg_k = w d_k^2, for the gradient with respect to
 * gamma. */
inline void metric_add_dgamma(const realv diff[D], realv w, realv chunk[K])
{
	UNROLL_D for (int k = 0; k < D; ++k)
		chunk[k] = fma(w * diff[k], diff[k], chunk[k]);
}
