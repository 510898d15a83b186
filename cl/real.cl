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
 *   ELEMENTWISE_CEIL 1 where the compiler makes clang's elementwise ceil
 *                   one instruction (see CEIL)
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
/* The unsigned integer of its width, for its bits (as_ulong). */
#define UINT_NAME ulong
/* log2(e): the pair formula evaluates exp(-s) as exp2(-s * log2(e)). */
#define LOG2E_R 1.4426950408889634074
#define REAL_MAX DBL_MAX
/* The smallest normal number is 2^-EXP2_NORMAL_MIN = e^-EXP_NORMAL_MIN. */
#define EXP2_NORMAL_MIN 1022.0
#define EXP_NORMAL_MIN 708.39641853226408
#else
typedef float real;
#define REAL_NAME float
#define UINT_NAME uint
#define LOG2E_R 1.44269504088896341f
#define REAL_MAX FLT_MAX
#define EXP2_NORMAL_MIN 126.0f
#define EXP_NORMAL_MIN 87.336544750553102f
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

/* One lane per row i: on CPU devices the lanes are the SIMD lanes (PoCL
 * does not vectorise across work-items once a kernel loops over j), on
 * GPUs they are registers, each y_j load serving VW pairs. */
#if VW == 1
typedef real realv;
#define VW_SUFFIX
#define VLOAD(p) ((p)[0])
#define VSTORE(v, p) ((p)[0] = (v))
#define SELECT(a, b, c) ((c) ? (b) : (a))
#define ANY(c) (c)
#else
typedef CAT(REAL_NAME, VW) realv;
#define VW_SUFFIX VW
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

/*
 * 2^-s (exp2_minus: the pair formula's exp(-q) is 2^-s with s = q log2 e)
 * and e^x, with every result below the smallest normal number of the
 * dtype (2^-126 in float32, 2^-1022 in float64) exactly +0.  PoCL's exp2
 * and exp take a slow path whenever a result is subnormal or underflows,
 * and subnormal sums take microcode assists: the float32 Gaussian sum of
 * M = 1e4, N = 1e5 points in the unit cube ran at 0.08x its gamma = 20
 * speed for gamma = 200, 0.15x for 1e4 (float64 0.51x).  Sending those
 * arguments to -Inf (exp2(-Inf) = +0 is a special case of the
 * specification, handled on the fast path) made them as fast as wide
 * kernels at no cost to the wide ones; clamping the argument and zeroing
 * the result after exp2 cost 10 % (two selects), and zeroing only the
 * result left the slow path.  NaN stays NaN.
 *
 * EXP2_POLY (the loop strategy, CPU devices) replaces the builtin exp2 by
 * one written for this use (see below); GPUs keep the builtin, which their
 * special function units evaluate.
 */
#ifndef EXP2_POLY
#define EXP2_POLY (!TILED)
#endif

#if EXP2_POLY
/*
 * 2^-s = 2^-c p(f) with c = ceil(s), f = c - s in [0, 1), p a polynomial
 * whose largest relative error on [0, 1] is 0.53 eps in float32 (degree 6)
 * and 0.50 eps in float64 (degree 11), the rounding of its evaluation
 * included: scripts/exp2_coefficients.py fits it and prints those figures.
 * p(0) = 1 exactly, so a pair at distance 0 weighs 1.
 *
 * Why not PoCL's exp2: its float32 version took 27 of the inner loop's 36
 * vector instructions per 16 lanes (two half-width roundings, 2^n built in
 * two halves so that n may reach the subnormal range, tests for overflow
 * and underflow).  Here s is clamped once to [-EXP2_BIG,
 * EXP2_NORMAL_MIN + 1], which leaves only c whose 2^-c is normal, or 0
 * (c = EXP2_NORMAL_MIN + 1: exponent field 0), or +Inf (c = -EXP2_BIG:
 * exponent field all ones), so 2^-c is built in one piece: 14
 * instructions in all, negation included (s comes in positive).  The
 * clamps are compares that NaN fails, so NaN goes through as NaN (f and p
 * are NaN).
 *
 * 2^-c is built without a float-to-int conversion (undefined out of range,
 * as for NaN): EXP2_SHIFTER - c, exact, holds bias - c in its low mantissa
 * bits, and shifted into the exponent field they are 2^-c.  This needs
 * IEEE arithmetic as written: no -cl-unsafe-math-optimizations.
 */
#define AS_UINTV CAT(CAT(as_, UINT_NAME), VW_SUFFIX)
#define AS_REALV CAT(CAT(as_, REAL_NAME), VW_SUFFIX)
#if REAL_IS_DOUBLE
#define EXP2_BIG 1024.0
#define MANTISSA_BITS 52
/* 1.5 * 2^52 + 1023 (the exponent bias). */
#define EXP2_SHIFTER 6755399441056767.0
#define EXP2_POLYNOMIAL(f)                                                     \
	fma(fma(fma(fma(fma(fma(fma(fma(fma(fma(fma(                           \
		(realv)6.2635271535735182623e-10, f,                           \
		(realv)6.55949751681604516591e-9), f,                          \
		(realv)1.02532195807693745577e-7), f,                          \
		(realv)1.32083663840102060946e-6), f,                          \
		(realv)1.52531751265373560948e-5), f,                          \
		(realv)1.54035123060648399541e-4), f,                          \
		(realv)1.33335586296811490478e-3), f,                          \
		(realv)9.61812909954852296268e-3), f,                          \
		(realv)5.55041086656025131153e-2), f,                          \
		(realv)2.40226506959063287294e-1), f,                          \
		(realv)6.93147180559945928714e-1), f, (realv)1)
#else
#define EXP2_BIG 128.0f
#define MANTISSA_BITS 23
/* 1.5 * 2^23 + 127 (the exponent bias). */
#define EXP2_SHIFTER 12583039.0f
#define EXP2_POLYNOMIAL(f)                                                     \
	fma(fma(fma(fma(fma(fma(                                               \
		(realv)2.16135404709e-4f, f,                                   \
		(realv)1.24676804977e-3f), f,                                  \
		(realv)9.67546782447e-3f), f,                                  \
		(realv)5.548527344e-2f), f,                                    \
		(realv)2.40229306928e-1f), f,                                  \
		(realv)6.93147044358e-1f), f, (realv)1)
#endif

/* PoCL's ceil is a library routine of ten instructions (a round trip
 * through integers, then fix-ups); clang's elementwise builtin is one
 * vrndscaleps: 7.85e9 float32 pairs/s against 5.46e9 (D = 3, fixed iso).
 * The host sets ELEMENTWISE_CEIL where the device's compiler is known to
 * take it (lib/device.c): Oclgrind's clang takes it, then its simulator
 * refuses the kernel. */
#if ELEMENTWISE_CEIL && defined(__has_builtin)
#if __has_builtin(__builtin_elementwise_ceil)
#define CEIL(x) __builtin_elementwise_ceil(x)
#endif
#endif
#ifndef CEIL
#define CEIL(x) ceil(x)
#endif

inline realv exp2_minus(realv s)
{
	const realv highest = EXP2_NORMAL_MIN + 1;
	realv c, f;

	s = s > highest ? highest : s;
	s = s < (realv)-EXP2_BIG ? (realv)-EXP2_BIG : s;
	c = CEIL(s);
	f = c - s;
	return EXP2_POLYNOMIAL(f) * AS_REALV(AS_UINTV(EXP2_SHIFTER - c) << MANTISSA_BITS);
}
#else
inline realv exp2_minus(realv s)
{
	return exp2(SELECT(-s, (realv)-INFINITY, s > (realv)EXP2_NORMAL_MIN));
}
#endif

inline realv exp_normal(realv x)
{
	return exp(SELECT(x, (realv)-INFINITY, x < (realv)-EXP_NORMAL_MIN));
}

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
