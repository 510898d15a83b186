/*
 * The reduction skeleton over j:  partial[block][i][e] = sum over the
 * j-block of  radial_weight(metric(x_i - y_j)) * b[j][e].
 *
 * Launch: dimension 0 runs over i in groups of WG, dimension 1 over the
 * j-blocks (one group per block).  When there is a single j-block the host
 * passes `out` as `partial`; otherwise combine_partials adds the blocks in
 * a fixed order, so results are bitwise reproducible run to run.
 *
 * Summation: CHUNK terms (a tile, on the tiled path) are added plainly,
 * then the chunk is added to a Neumaier-compensated accumulator.  Rounding
 * error then grows with CHUNK, not with N, for the price of a few flops per
 * chunk.  Compensation is skipped when the sum is not finite so that Inf
 * stays Inf instead of turning into Inf - Inf = NaN.
 */

inline void compensated_add(real *sum, real *compensation, real value)
{
	real t = *sum + value;

	if (isfinite(t))
		*compensation += fabs(*sum) >= fabs(value) ? (*sum - t) + value
							   : (value - t) + *sum;
	*sum = t;
}

/* Fixed and per-i gamma rows are loaded once per work-item, so log2(e)
 * is folded into them there; per-j rows scale the metric instead. */
inline void load_gamma_row(__global const real *restrict gamma, ulong row,
			   real g[K])
{
	for (int k = 0; k < K; ++k)
		g[k] = gamma[row * K + k];
}

#if !TILED
/* CPU devices: no barrier, so PoCL can vectorise across work-items; the
 * y_j / b_j loads are the same for the whole group and stay in cache. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) void
partial_sums(ulong M, ulong N, ulong j_block_len,
	     __global const real *restrict x, __global const real *restrict y,
	     __global const real *restrict b,
	     __global const real *restrict gamma, __global real *restrict partial)
{
	const ulong i_raw = get_global_id(0);
	const ulong block = get_group_id(1);
	/* Work-items past M compute row M-1 again and write nothing: every
	 * work-item of a group then runs the same loop. */
	const ulong i = min(i_raw, M - 1);
	const ulong j_begin = block * j_block_len;
	const ulong j_end = min(j_begin + j_block_len, N);
	real xi[D], g[K], sum[E], compensation[E];

	for (int k = 0; k < D; ++k)
		xi[k] = x[i * D + k];
#if GAMMA_VAR != GAMMA_PER_J
	load_gamma_row(gamma, GAMMA_VAR == GAMMA_PER_I ? i : 0, g);
	for (int k = 0; k < K; ++k)
		g[k] *= LOG2E_R;
#endif
	for (int e = 0; e < E; ++e)
		sum[e] = compensation[e] = 0;

	for (ulong j0 = j_begin; j0 < j_end; j0 += CHUNK) {
		const ulong j_stop = min(j0 + CHUNK, j_end);
		real chunk[E];

		for (int e = 0; e < E; ++e)
			chunk[e] = 0;
		for (ulong j = j0; j < j_stop; ++j) {
			real diff[D], s, w;

			for (int k = 0; k < D; ++k)
				diff[k] = xi[k] - y[j * D + k];
#if GAMMA_VAR == GAMMA_PER_J
			load_gamma_row(gamma, j, g);
			s = LOG2E_R * metric_sqdist(diff, g);
#else
			s = metric_sqdist(diff, g);
#endif
			w = radial_weight(s);
			for (int e = 0; e < E; ++e)
				chunk[e] = fma(w, b[j * E + e], chunk[e]);
		}
		for (int e = 0; e < E; ++e)
			compensated_add(&sum[e], &compensation[e], chunk[e]);
	}
	if (i_raw < M)
		for (int e = 0; e < E; ++e)
			partial[(block * M + i) * E + e] = sum[e] + compensation[e];
}

#else
/* GPUs: the group stages a tile of y_j, b_j (and gamma_j) in local memory
 * with coalesced loads; each work-item then reads them as broadcasts. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) void
partial_sums(ulong M, ulong N, ulong j_block_len,
	     __global const real *restrict x, __global const real *restrict y,
	     __global const real *restrict b,
	     __global const real *restrict gamma, __global real *restrict partial)
{
	__local real y_tile[WG * D];
	__local real b_tile[WG * E];
#if GAMMA_VAR == GAMMA_PER_J
	__local real g_tile[WG * K];
#endif
	const ulong i_raw = get_global_id(0);
	const uint lid = get_local_id(0);
	const ulong block = get_group_id(1);
	const ulong i = min(i_raw, M - 1);
	const ulong j_begin = block * j_block_len;
	const ulong j_end = min(j_begin + j_block_len, N);
	real xi[D], g[K], sum[E], compensation[E];

	for (int k = 0; k < D; ++k)
		xi[k] = x[i * D + k];
#if GAMMA_VAR != GAMMA_PER_J
	load_gamma_row(gamma, GAMMA_VAR == GAMMA_PER_I ? i : 0, g);
	for (int k = 0; k < K; ++k)
		g[k] *= LOG2E_R;
#endif
	for (int e = 0; e < E; ++e)
		sum[e] = compensation[e] = 0;

	for (ulong t0 = j_begin; t0 < j_end; t0 += WG) {
		const uint tile_len = (uint)min((ulong)WG, j_end - t0);
		real chunk[E];

		for (uint q = lid; q < tile_len * D; q += WG)
			y_tile[q] = y[t0 * D + q];
		for (uint q = lid; q < tile_len * E; q += WG)
			b_tile[q] = b[t0 * E + q];
#if GAMMA_VAR == GAMMA_PER_J
		for (uint q = lid; q < tile_len * K; q += WG)
			g_tile[q] = LOG2E_R * gamma[t0 * K + q];
#endif
		barrier(CLK_LOCAL_MEM_FENCE);
		for (int e = 0; e < E; ++e)
			chunk[e] = 0;
		for (uint jj = 0; jj < tile_len; ++jj) {
			real diff[D], w;

			for (int k = 0; k < D; ++k)
				diff[k] = xi[k] - y_tile[jj * D + k];
#if GAMMA_VAR == GAMMA_PER_J
			for (int k = 0; k < K; ++k)
				g[k] = g_tile[jj * K + k];
#endif
			w = radial_weight(metric_sqdist(diff, g));
			for (int e = 0; e < E; ++e)
				chunk[e] = fma(w, b_tile[jj * E + e], chunk[e]);
		}
		for (int e = 0; e < E; ++e)
			compensated_add(&sum[e], &compensation[e], chunk[e]);
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	if (i_raw < M)
		for (int e = 0; e < E; ++e)
			partial[(block * M + i) * E + e] = sum[e] + compensation[e];
}
#endif

/* out[idx] = sum over blocks of partial[block][idx], in block order. */
__kernel void combine_partials(ulong count, ulong j_blocks,
			       __global const real *restrict partial,
			       __global real *restrict out)
{
	const ulong idx = get_global_id(0);
	real sum = 0, compensation = 0;

	if (idx >= count)
		return;
	for (ulong block = 0; block < j_blocks; ++block)
		compensated_add(&sum, &compensation, partial[block * count + idx]);
	out[idx] = sum + compensation;
}
