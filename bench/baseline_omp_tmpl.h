/*
 * One instance of the baseline loops for a real type and a dimension.
 * baseline_omp.c includes this file once per (type, D) with
 *   BL_REAL  float or double
 *   BL_EXP   expf or exp
 *   BL_DIM   2, 3, 8, or 0 for "D known only at run time"
 *   BL_NAME  suffix of the function names
 * A constant BL_DIM lets the compiler unroll the loops over coordinates
 * completely, so that what is left is one loop over j that it vectorises
 * (with libmvec's vector exp under -ffast-math).
 */

#define BL_CAT2(a, b) a##_##b
#define BL_CAT(a, b) BL_CAT2(a, b)
#define BL_FN(name) BL_CAT(name, BL_NAME)
/* Private arrays inside the j loop need a size known at compile time. */
#define BL_ARR (BL_DIM ? BL_DIM : BL_MAX_DIM)

/* d^T G d for the three metrics; kind and dim are constants after
 * inlining, so each call site becomes straight-line code. */
static inline __attribute__((always_inline)) BL_REAL
BL_FN(metric)(int kind, size_t dim, const BL_REAL *d, const BL_REAL *g)
{
	BL_REAL s = 0;

	if (kind == BL_ISO) {
		for (size_t k = 0; k < dim; ++k)
			s += d[k] * d[k];
		return s * g[0];
	}
	if (kind == BL_DIAG) {
		for (size_t k = 0; k < dim; ++k)
			s += g[k] * d[k] * d[k];
		return s;
	}
	for (size_t k = 0; k < dim; ++k) {
		BL_REAL row = 0;

		for (size_t l = 0; l < dim; ++l)
			row += g[k * dim + l] * d[l];
		s += d[k] * row;
	}
	return s;
}

/* Row i of out.  Block sums over BL_J_BLOCK terms are in BL_REAL (the
 * vector lanes), the sum of the blocks is in double: a few extra flops
 * per block so that float32 accuracy stays comparable with the library's
 * compensated sum. */
static inline __attribute__((always_inline)) void
BL_FN(row)(int kind, int per_j, const baseline_job *job, size_t i)
{
	const size_t dim = BL_DIM ? BL_DIM : job->shape.D;
	const size_t N = job->shape.N, E = job->shape.E;
	const size_t K = kind == BL_ISO ? 1 : kind == BL_DIAG ? dim : dim * dim;
	const BL_REAL *x = job->x, *yt = job->yt, *bt = job->bt, *gt = job->gt;
	const BL_REAL *gi = per_j ? NULL
		: (const BL_REAL *)job->gamma +
			  (job->shape.gamma_var == ANISO_GAMMA_PER_I ? i * K : 0);
	BL_REAL xi[BL_ARR], w[BL_J_BLOCK];
	double total[BL_MAX_E] = {0};

	for (size_t k = 0; k < dim; ++k)
		xi[k] = x[i * dim + k];
	for (size_t j0 = 0; j0 < N; j0 += BL_J_BLOCK) {
		const size_t j1 = j0 + BL_J_BLOCK < N ? j0 + BL_J_BLOCK : N;

		if (E == 1) {
			/* The common case: weight and product in one pass. */
			BL_REAL acc = 0;

#pragma GCC ivdep
			for (size_t j = j0; j < j1; ++j) {
				BL_REAL d[BL_ARR], gj[BL_ARR * BL_ARR], s;

				for (size_t k = 0; k < dim; ++k)
					d[k] = xi[k] - yt[k * N + j];
				if (per_j) {
					for (size_t k = 0; k < K; ++k)
						gj[k] = gt[k * N + j];
					s = BL_FN(metric)(kind, dim, d, gj);
				} else {
					s = BL_FN(metric)(kind, dim, d, gi);
				}
				acc += BL_EXP(-s) * bt[j];
			}
			total[0] += acc;
			continue;
		}
		/* Several columns of b: the weights of the block once, then
		 * one vectorised dot product per column. */
#pragma GCC ivdep
		for (size_t j = j0; j < j1; ++j) {
			BL_REAL d[BL_ARR], gj[BL_ARR * BL_ARR], s;

			for (size_t k = 0; k < dim; ++k)
				d[k] = xi[k] - yt[k * N + j];
			if (per_j) {
				for (size_t k = 0; k < K; ++k)
					gj[k] = gt[k * N + j];
				s = BL_FN(metric)(kind, dim, d, gj);
			} else {
				s = BL_FN(metric)(kind, dim, d, gi);
			}
			w[j - j0] = BL_EXP(-s);
		}
		for (size_t e = 0; e < E; ++e) {
			BL_REAL acc = 0;

#pragma GCC ivdep
			for (size_t j = j0; j < j1; ++j)
				acc += w[j - j0] * bt[e * N + j];
			total[e] += acc;
		}
	}
	for (size_t e = 0; e < E; ++e)
		((BL_REAL *)job->out)[i * E + e] = (BL_REAL)total[e];
}

/* All rows, one specialised loop per (metric, gamma variation). */
static void BL_FN(rows)(const baseline_job *job)
{
	const size_t M = job->shape.M;
	const int kind = job->kind, per_j = job->shape.gamma_var == ANISO_GAMMA_PER_J;
	/* Rows of about 64k pairs per scheduling step: small N (M = 1e7,
	 * N = 16) would otherwise pay the scheduler once per row; dynamic
	 * because the machine is shared and a thread may be slowed down. */
	const long chunk = job->shape.N >= 65536 ? 1 : (long)(65536 / job->shape.N);

#define BL_CASE(KIND, PERJ)                                                    \
	_Pragma("omp parallel for schedule(dynamic, chunk)")                   \
	for (size_t i = 0; i < M; ++i)                                         \
		BL_FN(row)(KIND, PERJ, job, i);

	if (kind == BL_ISO && !per_j) {
		BL_CASE(BL_ISO, 0)
	} else if (kind == BL_ISO) {
		BL_CASE(BL_ISO, 1)
	} else if (kind == BL_DIAG && !per_j) {
		BL_CASE(BL_DIAG, 0)
	} else if (kind == BL_DIAG) {
		BL_CASE(BL_DIAG, 1)
	} else if (!per_j) {
		BL_CASE(BL_FULL, 0)
	} else {
		BL_CASE(BL_FULL, 1)
	}
#undef BL_CASE
}

#undef BL_ARR
#undef BL_FN
#undef BL_CAT
#undef BL_CAT2
