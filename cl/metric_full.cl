/* Full metric, K = D*D, row-major:  d^T G d = sum_k d_k sum_l g[k*D+l] d_l.
 * Summed over every k and l as given: a non-symmetric G is not symmetrised
 * (the value is the same in exact arithmetic, and this is what KeOps does). */
inline realv metric_sqdist(const realv diff[D], const gammav g[K])
{
	realv s = 0;

	#pragma unroll
	for (int k = 0; k < D; ++k) {
		realv row = 0;

		#pragma unroll
		for (int l = 0; l < D; ++l)
			row = fma(g[k * D + l], diff[l], row);
		s = fma(diff[k], row, s);
	}
	return s;
}
