/*
 * The reduction skeleton over j:
 *
 *   partial[block][i][.] = the reduction, over j in the block, of the
 *                          formula's pair terms (OUT_COLS numbers per row)
 *
 * It loops and merges, never knowing what it computes.  The program holds,
 * before this file:
 *  - one formula file (cl/formula_sum.cl, or a gradient's
 *    cl/formula_grad_*.cl after cl/grad_weight.cl): the result's width
 *    OUT_COLS, the weights that rows and terms carry (ROW_COLS, TERM_COLS)
 *    and the pair function ACCUMULATE_PAIR;
 *  - one reduction file (cl/reduce_sum.cl, cl/reduce_lse.cl): the
 *    accumulator (struct acc), a chunk's (struct chunk_acc), how a pair's
 *    value folds into a chunk (fold_pair, which the sum formula calls), how
 *    a chunk goes into the accumulator, and how block partials merge
 *    (struct merge), each partial being PARTIAL_WIDTH numbers.
 * The gradients are sums (reduce_sum.cl) of whichever reduction they
 * differentiate; logsumexp has the sum formula.
 *
 * Launch: one dimension of i_groups * j_blocks groups of WG work-items;
 * group g takes i-group g % i_groups and j-block g / i_groups, and each
 * work-item VW rows i.  (A second NDRange dimension for the j-blocks left
 * all but one PoCL thread idle when there was a single i-group.)  With a
 * single j-block the host passes `out` as `partial` and the kernel writes
 * final values; otherwise combine_partials merges the blocks in a fixed
 * order, so results are bitwise reproducible run to run.
 *
 * Terms are folded CHUNK at a time into a chunk accumulator, which then
 * goes into the running one (see the reduction files for why).
 */

/* Set by a metric file that has a careful variant (metric_full.cl), and by
 * a reduction file that has a careful fold (reduce_lse.cl). */
#ifndef METRIC_HAS_CAREFUL
#define METRIC_HAS_CAREFUL 0
#endif
#ifndef REDUCTION_HAS_CAREFUL
#define REDUCTION_HAS_CAREFUL 0
#endif
#ifndef TRUNCATED
#define TRUNCATED 0
#endif

/* Rows i0 .. i0+VW-1 of a row-major array with COLS columns, as COLS
 * vectors of VW lanes (out[k] lane l = a[i0 + l][k] * scale); rows past M
 * repeat row M-1 (their results are never written).  Row by row, so that
 * each row is one contiguous read: with few j per row (N = 16) these loads
 * are a good part of the work. */
#define LOAD_LANES(a, COLS, UNROLL_COLS, i0, M, scale, out)                    \
	do {                                                                   \
		real lanes_[COLS][VW];                                         \
		UNROLL_VW for (int l_ = 0; l_ < VW; ++l_) {                    \
			const ulong row_ = min((i0) + l_, (M) - 1);             \
			UNROLL_COLS for (int k_ = 0; k_ < COLS; ++k_)          \
				lanes_[k_][l_] = (scale) * (a)[row_ * COLS + k_];  \
		}                                                              \
		UNROLL_COLS for (int k_ = 0; k_ < COLS; ++k_)                  \
			(out)[k_] = VLOAD(lanes_[k_]);                         \
	} while (0)

/* The per-work-item state: x_i, and gamma for fixed or per-i gamma when it
 * lives in private memory.  Those gammas are loaded once here, so log2(e)
 * is folded into them; per-j rows and gammas left in global memory scale
 * the metric instead. */
#if !GAMMA_IN_GLOBAL
inline void load_rows(__global const real *restrict x,
		      __global const real *restrict gamma, ulong i0, ulong M,
		      realv xi[D], gammav g[K])
{
	LOAD_LANES(x, D, UNROLL_D, i0, M, (real)1, xi);
#if GAMMA_VAR == GAMMA_PER_I
	LOAD_LANES(gamma, K, UNROLL_K, i0, M, Q_SCALE, g);
#elif GAMMA_VAR == GAMMA_FIXED
	UNROLL_K for (int k = 0; k < K; ++k)
		g[k] = Q_SCALE * gamma[k];
#endif
}
#define SCALE_METRIC (GAMMA_VAR == GAMMA_PER_J)
#else
inline void load_rows(__global const real *restrict x, ulong i0, ulong M,
		      realv xi[D])
{
	LOAD_LANES(x, D, UNROLL_D, i0, M, (real)1, xi);
}
#define SCALE_METRIC 1
#endif

/* The rows' own weights (ROW_COLS numbers), for formulas that have them:
 * passed to the pair function after the term's, and read by the kernel
 * from its last argument. */
#if ROW_COLS > 0
#define ROW_WEIGHTS_ARGS ai,
#define ROW_WEIGHTS_KERNEL_PARAM , __global const real *restrict a
#else
#define ROW_WEIGHTS_ARGS
#define ROW_WEIGHTS_KERNEL_PARAM
#endif

/* One pair (VW rows i against one j), the formula's ACCUMULATE_PAIR, with
 * the metric's plain form (METRIC = metric_sqdist) or its careful one (see
 * metric_full.cl), and the reduction's plain or careful fold. */
ACCUMULATE_PAIR(accumulate_pair, metric_sqdist, fold_pair)
#define HAS_CAREFUL (METRIC_HAS_CAREFUL || REDUCTION_HAS_CAREFUL)
#if METRIC_HAS_CAREFUL
#define CAREFUL_METRIC metric_sqdist_careful
#else
#define CAREFUL_METRIC metric_sqdist
#endif
#if REDUCTION_HAS_CAREFUL
#define CAREFUL_FOLD fold_pair_careful
#else
#define CAREFUL_FOLD fold_pair
#endif
#if HAS_CAREFUL
/* One more level, so that CAREFUL_METRIC is expanded before the formula
 * pastes names onto it (metric_sqdist_careful##_grad). */
#define ACCUMULATE_PAIR_EXPANDED(NAME, METRIC, FOLD) ACCUMULATE_PAIR(NAME, METRIC, FOLD)
ACCUMULATE_PAIR_EXPANDED(accumulate_pair_careful, CAREFUL_METRIC, CAREFUL_FOLD)
#endif

/* The accumulator of rows i0 .. i0+VW-1: PARTIAL_WIDTH numbers per (i, c)
 * into partial, or the final value into out (partial is out then). */
inline void store_rows(__global real *restrict partial, ulong block, ulong i0,
		       ulong M, int final, const struct acc *a)
{
	UNROLL_OUT for (int e = 0; e < OUT_COLS; ++e) {
		real lanes[VW];

		if (final) {
			VSTORE(acc_final(a, e), lanes);
			UNROLL_VW for (int l = 0; l < VW; ++l)
				if (i0 + l < M)
					partial[(i0 + l) * OUT_COLS + e] = lanes[l];
			continue;
		}
		for (int k = 0; k < PARTIAL_WIDTH; ++k) {
			VSTORE(acc_partial(a, e, k), lanes);
			UNROLL_VW for (int l = 0; l < VW; ++l)
				if (i0 + l < M)
					partial[((block * M + i0 + l) * OUT_COLS + e) *
							PARTIAL_WIDTH + k] = lanes[l];
		}
	}
}

/* Per-j gamma rows come with y_j (copied, or pointed at where they lie);
 * other gammas are already in g. */
#if GAMMA_VAR == GAMMA_PER_J && GAMMA_IN_GLOBAL
#define LOAD_GAMMA_J(src, j) g = (src) + (j) * K
#elif GAMMA_VAR == GAMMA_PER_J
#define LOAD_GAMMA_J(src, j)                                                   \
	UNROLL_K for (int k_ = 0; k_ < K; ++k_)                                \
		g[k_] = (src)[(j) * K + k_]
#else
#define LOAD_GAMMA_J(src, j)
#endif

/* Terms first..last-1 of y_src/b_src/g_src (global arrays on the loop path,
 * local tiles on the tiled one: OpenCL 1.2 has no generic address space,
 * hence macros) folded into chunk, started from the kernel's accumulator,
 * with the pair function PAIR. */
#define SUM_TERMS(y_src, b_src, g_src, first, last, PAIR, chunk)               \
	do {                                                                   \
		chunk_start(&acc, &(chunk));                                   \
		for (ulong j_ = (first); j_ < (last); ++j_) {                  \
			real yj[D], bj[TERM_COLS];                             \
			UNROLL_D for (int k_ = 0; k_ < D; ++k_)                \
				yj[k_] = (y_src)[j_ * D + k_];                 \
			UNROLL_TERM for (int e_ = 0; e_ < TERM_COLS; ++e_)     \
				bj[e_] = (b_src)[j_ * TERM_COLS + e_];         \
			LOAD_GAMMA_J(g_src, j_);                               \
			PAIR(xi, yj, GAMMA_ARGS, bj, ROW_WEIGHTS_ARGS &(chunk)); \
		}                                                              \
	} while (0)

/* A chunk that the reduction finds suspect (not finite, for the sum) is
 * folded again with the careful metric and fold where either has one:
 * rare, so the j loop stays free of tests.  One that the accumulator
 * already says needs care (acc_wants_care) goes there directly. */
#if HAS_CAREFUL
#define SUM_TERMS_CHECKED(y_src, b_src, g_src, first, last, chunk)             \
	do {                                                                   \
		int care_ = acc_wants_care(&acc);                              \
		if (!care_) {                                                  \
			SUM_TERMS(y_src, b_src, g_src, first, last,            \
				  accumulate_pair, chunk);                     \
			care_ = chunk_needs_care(&(chunk));                    \
		}                                                              \
		if (care_)                                                     \
			SUM_TERMS(y_src, b_src, g_src, first, last,            \
				  accumulate_pair_careful, chunk);             \
	} while (0)
#else
#define SUM_TERMS_CHECKED(y_src, b_src, g_src, first, last, chunk)             \
	SUM_TERMS(y_src, b_src, g_src, first, last, accumulate_pair, chunk)
#endif

/* The terms folded as a chunk, then the chunk added to the kernel's
 * accumulator.  Uses xi, g and acc of the kernel (and ai where the formula
 * has row weights). */
#define ADD_TERMS(y_src, b_src, g_src, first, last)                            \
	do {                                                                   \
		struct chunk_acc chunk;                                        \
		SUM_TERMS_CHECKED(y_src, b_src, g_src, first, last, chunk);    \
		acc_add_chunk(&acc, &chunk);                                   \
	} while (0)

/* Terms j_begin .. j_end-1 into the kernel's accumulator.  CPU devices:
 * no barrier; y_j and b_j are read straight from global memory, where the
 * group's j-block stays in cache.  GPUs: the group stages a tile of y_j,
 * b_j (and gamma_j) in local memory with coalesced loads; work-items then
 * read broadcasts.  Large per-j rows stay in global memory: no local tile
 * holds K = D*D numbers per j.  Every work-item of a group runs the same
 * ranges (the barriers need it). */
#if !TILED
#define SUM_RANGE(j_begin, j_end)                                              \
	for (ulong j0 = (j_begin); j0 < (j_end); j0 += CHUNK)                  \
		ADD_TERMS(y, b, gamma, j0, min(j0 + CHUNK, (ulong)(j_end)))
#else
#if GAMMA_VAR == GAMMA_PER_J && !GAMMA_IN_GLOBAL
#define STAGE_GAMMA_TILE(t0, tile_len)                                         \
	for (uint q = lid; q < (tile_len) * K; q += WG)                        \
		g_tile[q] = gamma[(t0) * K + q]
#define ADD_TILE(t0, tile_len) ADD_TERMS(y_tile, b_tile, g_tile, 0, tile_len)
#else
#define STAGE_GAMMA_TILE(t0, tile_len)
#define ADD_TILE(t0, tile_len) ADD_TERMS(y_tile, b_tile, gamma + (t0) * K, 0, tile_len)
#endif
#define SUM_RANGE(j_begin, j_end)                                              \
	for (ulong t0 = (j_begin); t0 < (j_end); t0 += WG) {                   \
		const uint tile_len = (uint)min((ulong)WG, (ulong)(j_end) - t0); \
		for (uint q = lid; q < tile_len * D; q += WG)                  \
			y_tile[q] = y[t0 * D + q];                             \
		for (uint q = lid; q < tile_len * TERM_COLS; q += WG)          \
			b_tile[q] = b[t0 * TERM_COLS + q];                     \
		STAGE_GAMMA_TILE(t0, tile_len);                                \
		barrier(CLK_LOCAL_MEM_FENCE);                                  \
		ADD_TILE(t0, tile_len);                                        \
		barrier(CLK_LOCAL_MEM_FENCE);                                  \
	}
#endif

/*
 * Without TRUNCATED: group g takes i-group g % i_groups and j-block
 * g / i_groups (j_block_len terms each), as the header says.
 *
 * With TRUNCATED (lib/truncate.c): group g takes i-block g (its WG * VW
 * rows, ordered so that they lie close together) and only the j-blocks
 * listed for it, blocks[block_start[g] .. block_start[g + 1]), in
 * ascending order, each of j_block_len terms; the others are far enough
 * that every term they hold is below the tolerance.  One group covers all
 * of its rows' terms, so it writes final values.
 */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) void
partial_sums(ulong M, ulong N, ulong j_block_len, ulong i_groups,
	     __global const real *restrict x, __global const real *restrict y,
	     __global const real *restrict b,
	     __global const real *restrict gamma,
	     __global real *restrict partial ROW_WEIGHTS_KERNEL_PARAM
#if TRUNCATED
	     , __global const uint *restrict block_start,
	     __global const uint *restrict blocks
#endif
	     )
{
	const ulong group = get_group_id(0);
#if TRUNCATED
	const ulong i0 = (group * WG + get_local_id(0)) * VW;
#else
	const ulong block = group / i_groups;
	const ulong i0 = ((group - block * i_groups) * WG + get_local_id(0)) * VW;
	const ulong j_begin = block * j_block_len;
	const ulong j_end = min(j_begin + j_block_len, N);
#endif
	realv xi[D];
	struct acc acc;
#if ROW_COLS > 0
	realv ai[ROW_COLS];
#endif
#if !GAMMA_IN_GLOBAL
	gammav g[K];
#elif GAMMA_VAR == GAMMA_PER_I
	/* This work-item's first row and the lanes that have one. */
	__global const real *restrict g = gamma + min(i0, M - 1) * K;
	const uint g_last = (uint)(min(i0 + VW, M) - 1 - min(i0, M - 1));
#elif GAMMA_VAR == GAMMA_FIXED
	__global const real *restrict g = gamma;
#else
	__global const real *restrict g; /* set for each j */
#endif
#if TILED
	__local real y_tile[WG * D];
	__local real b_tile[WG * TERM_COLS];
#if GAMMA_VAR == GAMMA_PER_J && !GAMMA_IN_GLOBAL
	__local real g_tile[WG * K];
#endif
	const uint lid = get_local_id(0);
#endif

#if !GAMMA_IN_GLOBAL
	load_rows(x, gamma, i0, M, xi, g);
#else
	load_rows(x, i0, M, xi);
#endif
#if ROW_COLS > 0
	LOAD_LANES(a, ROW_COLS, UNROLL_ROW, i0, M, (real)1, ai);
#endif
	acc_init(&acc);
#if TRUNCATED
	for (uint k = block_start[group]; k < block_start[group + 1]; ++k) {
		const ulong j_begin = (ulong)blocks[k] * j_block_len;

		SUM_RANGE(j_begin, min(j_begin + j_block_len, N));
	}
	store_rows(partial, 0, i0, M, 1, &acc);
#else
	SUM_RANGE(j_begin, j_end);
	store_rows(partial, block, i0, M, j_block_len >= N, &acc);
#endif
}

/* out[idx] = the merge of partial[block][idx] over blocks, in block order. */
__kernel void combine_partials(ulong count, ulong j_blocks,
			       __global const real *restrict partial,
			       __global real *restrict out)
{
	const ulong idx = get_global_id(0);
	struct merge m;

	if (idx >= count)
		return;
	merge_init(&m);
	for (ulong block = 0; block < j_blocks; ++block)
		merge_add(&m, partial + (block * count + idx) * PARTIAL_WIDTH);
	out[idx] = merge_final(&m);
}
