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
 */
#define GAMMA_FIXED 0
#define GAMMA_PER_I 1
#define GAMMA_PER_J 2

#if REAL_IS_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#define REAL_NAME double
/* log2(e): the pair formula evaluates exp(-s) as exp2(-s * log2(e)). */
#define LOG2E_R 1.4426950408889634074
#else
typedef float real;
#define REAL_NAME float
#define LOG2E_R 1.44269504088896341f
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

/* A gamma number: per lane when gamma varies with i, else shared. */
#if GAMMA_VAR == GAMMA_PER_I
typedef realv gammav;
#else
typedef real gammav;
#endif
