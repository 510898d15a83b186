/* Full metric, K = D*D, row-major:  d^T G d = sum_k d_k sum_l g[k*D+l] d_l.
 * Summed over every k and l as given: a non-symmetric G is not symmetrised
 * (the value is the same in exact arithmetic, and this is what KeOps does). */
inline real metric_sqdist(const real diff[D], const real g[K])
{
	real s = 0;
	for (int k = 0; k < D; ++k) {
		real row = 0;
		for (int l = 0; l < D; ++l)
			row = fma(g[k * D + l], diff[l], row);
		s = fma(diff[k], row, s);
	}
	return s;
}
