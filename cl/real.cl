/*
 * Element types and shared constants.  Every program is specialised by
 * options the host passes (lib/plan.c, aniso_config_options):
 *   REAL_IS_DOUBLE  0 or 1
 *   D, E, K         dimension, columns of b, numbers per gamma row
 *   GAMMA_VAR       GAMMA_FIXED, GAMMA_PER_I or GAMMA_PER_J
 *   VW              rows i per work-item, held as the lanes of one vector
 *                   (1, 2, 4, 8 or 16)
 *   TILED           0: barrier-free loop (CPU devices), 1: local tiles (GPUs)
 *   WG              work-items per group along i (and the tile length in j)
 *   CHUNK           terms summed plainly before one compensated addition
 *   GAMMA_IN_GLOBAL 0: gamma copied to private memory (fixed, per-i: once;
 *                   per-j: each pair), 1: read from global memory where it
 *                   lies, for large K (see lib/plan.c)
 *   PROFILE         the radial profile (cl/profile.cl)
 *   REDUCTION       REDUCTION_SUM or REDUCTION_LOGSUMEXP: which reduction
 *                   file (cl/reduce_sum.cl, cl/reduce_lse.cl) the program
 *                   holds
 */
#define GAMMA_FIXED 0
#define GAMMA_PER_I 1
#define GAMMA_PER_J 2

#define REDUCTION_SUM 0
#define REDUCTION_LOGSUMEXP 1

#if REAL_IS_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#define REAL_NAME double
/* log2(e): the pair formula evaluates exp(-s) as exp2(-s * log2(e)). */
#define LOG2E_R 1.4426950408889634074
#define REAL_MAX DBL_MAX
#else
typedef float real;
#define REAL_NAME float
#define LOG2E_R 1.44269504088896341f
#define REAL_MAX FLT_MAX
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

/* One lane per row i: on CPU devices the lanes are the SIMD lanes (PoCL
 * does not vectorise across work-items once a kernel loops over j), on
 * GPUs they are registers, each y_j load serving VW pairs. */
#if VW == 1
typedef real realv;
#define VLOAD(p) ((p)[0])
#define VSTORE(v, p) ((p)[0] = (v))
#define SELECT(a, b, c) ((c) ? (b) : (a))
#define ANY(c) (c)
#else
typedef CAT(REAL_NAME, VW) realv;
#define VLOAD(p) CAT(vload, VW)(0, (p))
#define VSTORE(v, p) CAT(vstore, VW)((v), 0, (p))
#define SELECT(a, b, c) select((a), (b), (c))
#define ANY(c) any(c)
#endif

/* Neumaier's compensated addition, for the reductions' running sums (one
 * lane per row: compensated_add) and their block merges (one number:
 * compensated_add_one); one body, SEL the select of its type.
 * Compensation is skipped when the sum is not finite, so Inf stays Inf
 * instead of becoming Inf - Inf = NaN. */
#define COMPENSATED_ADD(NAME, T, SEL)                                          \
	inline T NAME(T sum, T *compensation, T value)                         \
	{                                                                      \
		T t = sum + value;                                             \
		T lost = SEL((value - t) + sum, (sum - t) + value,              \
			     fabs(sum) >= fabs(value));                         \
		*compensation += SEL((T)0, lost, isfinite(t));                 \
		return t;                                                      \
	}
#define SELECT_ONE(a, b, c) ((c) ? (b) : (a))
COMPENSATED_ADD(compensated_add, realv, SELECT)
COMPENSATED_ADD(compensated_add_one, real, SELECT_ONE)

/* A gamma number: per lane when gamma varies with i, else shared. */
#if GAMMA_VAR == GAMMA_PER_I
typedef realv gammav;
#else
typedef real gammav;
#endif

#ifndef GAMMA_IN_GLOBAL
#define GAMMA_IN_GLOBAL 0
#endif

/*
 * Loops over D, K and E are unrolled only while short.  Fully unrolled,
 * the D*D loops of a full metric took PoCL 93 s to compile for D = 200
 * (and their code no longer fits the instruction cache); a loop of 16 is
 * as fast rolled as unrolled once it holds vector work.  VW <= 16 always.
 */
#define UNROLL_ _Pragma("unroll")
#define UNROLL_VW UNROLL_
#if D <= 16
#define UNROLL_D UNROLL_
#else
#define UNROLL_D
#endif
#if K <= 16
#define UNROLL_K UNROLL_
#else
#define UNROLL_K
#endif
#if E <= 16
#define UNROLL_E UNROLL_
#else
#define UNROLL_E
#endif

/*
 * How a metric reads gamma: GAMMA_PARAM in its parameter list, GAMMA_ARGS
 * to pass it on, GAMMA(k) for number k.  With GAMMA_IN_GLOBAL, a large
 * gamma is not copied into private memory (K = 65536 numbers per
 * work-item, times VW lanes per i, crashed PoCL's workers); g points at
 * the row in global memory, where one row serves every pair of a group
 * from cache.  Per i, lane l reads row l (clamped to g_last, the last row
 * that exists).  log2(e) is then applied to the metric's value.
 */
#if !GAMMA_IN_GLOBAL
#define GAMMA_PARAM const gammav g[K]
#define GAMMA_ARGS g
#define GAMMA(k) (g[k])
#elif GAMMA_VAR == GAMMA_PER_I
#define GAMMA_PARAM __global const real *restrict g, const uint g_last
#define GAMMA_ARGS g, g_last
#define GAMMA(k) gamma_lanes(g, g_last, (k))
inline realv gamma_lanes(__global const real *restrict g, const uint last, const int k)
{
	real lanes[VW];

	UNROLL_VW for (uint l = 0; l < VW; ++l)
		lanes[l] = g[min(l, last) * K + k];
	return VLOAD(lanes);
}
#else
#define GAMMA_PARAM __global const real *restrict g
#define GAMMA_ARGS g
#define GAMMA(k) (g[k])
#endif
