/*
 * Element type and shared constants.  Every program is specialised by
 * options the host passes (lib/plan.c, aniso_config_options):
 *   REAL_IS_DOUBLE  0 or 1
 *   D, E, K         dimension, columns of b, numbers per gamma row
 *   GAMMA_VAR       GAMMA_FIXED, GAMMA_PER_I or GAMMA_PER_J
 *   TILED           0: barrier-free loop (CPU devices), 1: local tiles (GPUs)
 *   WG              work-items per group along i (and the tile length)
 *   CHUNK           terms summed plainly before one compensated addition
 */
#define GAMMA_FIXED 0
#define GAMMA_PER_I 1
#define GAMMA_PER_J 2

#if REAL_IS_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
/* log2(e): the pair formula evaluates exp(-s) as exp2(-s * log2(e)). */
#define LOG2E_R 1.4426950408889634074
#else
typedef float real;
#define LOG2E_R 1.44269504088896341f
#endif
