/*
 * anisocl: anisotropic Gaussian kernel sums on any OpenCL device.
 *
 *     out_i = sum_j exp(-(x_i - y_j)^T G (x_i - y_j)) * b_j
 *
 * (or another radial profile than exp(-q): see aniso_options)
 *
 * x is M x D, y is N x D, b is N x E, out is M x E; every array is row-major
 * and contiguous.  The metric G comes from a gamma array with K numbers per
 * row, K in {1, D, D*D}:
 *   K = 1      G = gamma * Id            (isotropic)
 *   K = D      G = diag(gamma)           (diagonal)
 *   K = D*D    G[k][l] = gamma[k*D + l]  (full, row-major, summed as given)
 * and gamma has one row for everybody (ANISO_GAMMA_FIXED), one row per x_i
 * (ANISO_GAMMA_PER_I, M rows) or one row per y_j (ANISO_GAMMA_PER_J, N rows).
 *
 * This is KeOps' exp(-WeightedSqDist(gamma, x_i - y_j)) * b_j.  The M x N
 * matrix is never built: device memory is O((M + N) (D + E + K)), plus
 * partial sums of at most 256 MiB that let a small M fill the device.
 *
 * Numbers a caller can rely on:
 *  - float64: error <= ~1e-12 relative to sum_j |term_ij|;
 *    float32: error <= ~1e-5 relative to sum_j |term_ij| (each term carries a
 *    few ulp from exp and the metric; the sum itself is compensated),
 *    plus an absolute floor: a kernel value f(q) below the dtype's smallest
 *    normal number (2^-126 ~ 1.2e-38 in float32, 2^-1022 ~ 2.2e-308 in
 *    float64) counts as 0, which adds at most that number times
 *    sum_j |b_je|.  Subnormal values carry few digits anyway, and making
 *    them cost CPUs up to 12x (narrow kernels, where most terms are that
 *    small); GPUs commonly flush them too.  With logsumexp the same holds
 *    for terms that small relative to the largest, which changes nothing
 *    beyond rounding.
 *  - Results are bitwise reproducible run to run on the same device and
 *    library version: the reduction order over j is fixed, and depends on
 *    the problem only, not on the device's size (so devices of one kind
 *    give the same bits, alone or together: aniso_multi_sum).
 *  - NaN and Inf propagate as IEEE arithmetic says: a NaN in x_i makes row
 *    i NaN; a NaN in y_j or gamma_j every row; a NaN in b[j][e] column e
 *    of every row (0 * NaN is NaN).  A G that is not positive
 *    semi-definite gives exp of a positive number, so terms can overflow
 *    to Inf (aniso_gamma_check tells beforehand).  Far points underflow to
 *    exactly 0, never NaN, for K = 1 and K = D with gamma >= 0 and for a
 *    positive definite full G (where the plain sum of d_k (G d)_k
 *    overflows, about 1e19 apart in float32 and 1e154 in float64, the form
 *    is recomputed with d rescaled); a difference x_i - y_j that is itself
 *    Inf can still give NaN with a full G.
 *
 * Threads: every call taking an aniso_ctx may be made from any thread at any
 * time; calls on one context are serialised by a lock inside it (use one
 * context per thread for parallelism).  An aniso_array belongs to the context
 * that made it and must not be freed while another thread uses it.
 */
#ifndef ANISOCL_H
#define ANISOCL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define ANISO_API
#elif defined(__GNUC__) && __GNUC__ >= 4
#define ANISO_API __attribute__((visibility("default")))
#else
#define ANISO_API
#endif

#define ANISO_VERSION_MAJOR 0
#define ANISO_VERSION_MINOR 1
#define ANISO_VERSION_PATCH 0
#define ANISO_VERSION_NUMBER                                                   \
	(ANISO_VERSION_MAJOR * 10000 + ANISO_VERSION_MINOR * 100 +             \
	 ANISO_VERSION_PATCH)
#define ANISO_VERSION_STRING "0.1.0"

/* Version of the library actually linked (compare with the macros). */
ANISO_API unsigned aniso_version_number(void);
ANISO_API const char *aniso_version_string(void);

/*
 * Error codes: 0 is success, failures are negative.  OpenCL failures keep
 * OpenCL's own code in the context message; the value returned is
 * ANISO_ERR_OPENCL (or ANISO_ERR_BUILD for a compile failure).
 */
#define ANISO_ERRNO_MAP(XX)                                                    \
	XX(OK, 0, "success")                                                   \
	XX(ERR_NULL_ARG, -1, "a required pointer argument is NULL")            \
	XX(ERR_BAD_DIM, -2, "a dimension (D or E) is zero")                    \
	XX(ERR_BAD_K, -3, "gamma length K is not 1, D or D*D")                 \
	XX(ERR_BAD_GAMMA_VAR, -4,                                              \
	   "gamma variation does not match its row count")                     \
	XX(ERR_BAD_DTYPE, -5, "unknown or mismatched element type")           \
	XX(ERR_NO_FP64, -6, "the device does not support float64")            \
	XX(ERR_OVERFLOW, -7, "a size or byte count overflows")                 \
	XX(ERR_TOO_LARGE, -8, "the problem is larger than the device allows")  \
	XX(ERR_NO_DEVICE, -9, "no OpenCL device found")                        \
	XX(ERR_BAD_DEVICE_SPEC, -10,                                           \
	   "ANISOCL_DEVICE matches no device")                                 \
	XX(ERR_OPENCL, -11, "an OpenCL call failed")                           \
	XX(ERR_BUILD, -12, "an OpenCL program failed to compile")              \
	XX(ERR_NO_MEMORY, -13, "host memory allocation failed")                \
	XX(ERR_KERNEL_SOURCE, -14, "a kernel source file could not be read")   \
	XX(ERR_SHAPE, -15, "array shapes do not agree")                        \
	XX(ERR_BAD_ARG, -16, "an argument has an invalid value")              \
	XX(ERR_NOT_CONVERGED, -17,                                             \
	   "the iterative solve did not reach its tolerance")

typedef enum {
#define ANISO_ERRNO_ENUM_(name, value, text) ANISO_##name = value,
	ANISO_ERRNO_MAP(ANISO_ERRNO_ENUM_)
#undef ANISO_ERRNO_ENUM_
} aniso_status;

/* Static description of a code; "unknown error" for a value not listed. */
ANISO_API const char *aniso_strerror(int code);
/* The code's name without prefix, e.g. "ERR_BAD_K". */
ANISO_API const char *aniso_err_name(int code);

typedef enum { ANISO_FLOAT32 = 0, ANISO_FLOAT64 = 1 } aniso_dtype;

typedef enum {
	ANISO_GAMMA_FIXED = 0, /* gamma has 1 row                 */
	ANISO_GAMMA_PER_I = 1, /* gamma has M rows: one per x_i   */
	ANISO_GAMMA_PER_J = 2  /* gamma has N rows: one per y_j   */
} aniso_gamma_var;

/*
 * What a gamma row of K numbers means for dimension D: K = 1 isotropic
 * (gamma Id), K = D diagonal, K = D*D the full matrix, row-major; with
 * D = 1 all three coincide and count as isotropic.  Any other K is
 * ANISO_METRIC_INVALID (ANISO_ERR_BAD_K for a sum).  The rule the library
 * applies, for callers that label or dispatch on it.
 */
typedef enum {
	ANISO_METRIC_INVALID = -1,
	ANISO_METRIC_ISO = 0,
	ANISO_METRIC_DIAG = 1,
	ANISO_METRIC_FULL = 2
} aniso_metric;

ANISO_API aniso_metric aniso_metric_of(size_t K, size_t D);
/* "iso", "diag", "full"; NULL for ANISO_METRIC_INVALID. */
ANISO_API const char *aniso_metric_name(aniso_metric metric);

/* ------------------------------------------------------------------ */
/* Context                                                             */
/* ------------------------------------------------------------------ */

typedef struct aniso_ctx_s aniso_ctx;

/*
 * Create a context on the device chosen by ANISOCL_DEVICE (an index into
 * the list that `aniso_device_list` and `anisocl devices` print, or a
 * case-insensitive substring of the device or platform name); without it,
 * the first GPU, else the first CPU, else the first device.  A list for
 * several devices ("0,1" or "all", see aniso_multi_create) gives one
 * context on its first device ("all": on the default one).
 * On failure *ctx is set to NULL and, when errmsg is not NULL, up to
 * errmsg_size bytes of the reason are written there.
 */
ANISO_API int aniso_ctx_create(aniso_ctx **ctx, char *errmsg,
			       size_t errmsg_size);

/*
 * Same, on the device that device_spec names: an index or a name substring,
 * as ANISOCL_DEVICE takes (which it overrides).  NULL or "" means
 * aniso_ctx_create's choice.
 */
ANISO_API int aniso_ctx_create_on(const char *device_spec, aniso_ctx **ctx,
				  char *errmsg, size_t errmsg_size);

/*
 * Create a context on the caller's OpenCL objects (cl_context,
 * cl_device_id, cl_command_queue passed as void * so that this header needs
 * no OpenCL headers).  queue may be NULL: the library then makes its own on
 * that context.  The library retains what it is given and releases it in
 * aniso_ctx_free; the caller keeps its own references.
 */
ANISO_API int aniso_ctx_create_from_cl(void *cl_context, void *cl_device,
				       void *cl_queue, aniso_ctx **ctx,
				       char *errmsg, size_t errmsg_size);

/*
 * Drops the caller's reference to the context; accepts NULL.  After it the
 * caller must not pass ctx to any call.  The context's arrays keep it
 * alive, as OpenCL buffers keep their cl_context: they may still be read,
 * written and freed (and aniso_array_cl_mem used), and the context, with
 * its OpenCL objects, is released when the last of them is freed.
 */
ANISO_API void aniso_ctx_free(aniso_ctx *ctx);

/*
 * The message of the last failed call on this context: the failing call
 * or argument and what was expected; for a compile failure, the device's
 * build log.  After a successful call it is empty or holds notes starting
 * with "note:" (e.g. the disk cache could not be written, or an entry was
 * corrupt and rebuilt).  Valid until the next call on the context (copy it
 * if other threads use the context).
 */
ANISO_API const char *aniso_ctx_errmsg(const aniso_ctx *ctx);

/* Name of the context's device, and whether it has float64. */
ANISO_API const char *aniso_ctx_device_name(const aniso_ctx *ctx);
ANISO_API int aniso_ctx_has_fp64(const aniso_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Sums on host arrays                                                 */
/* ------------------------------------------------------------------ */

/*
 * Limits: D and E at most 256, every K (1, D or D*D, so up to 65536)
 * works in all nine modes and both dtypes; a larger D or E is
 * ANISO_ERR_TOO_LARGE with a message naming the limit.  A work-item keeps
 * rows of x and sums of E in private memory (registers); for large K the
 * kernels read gamma from device memory instead of copying it there, and
 * large D, E or K run fewer rows per work-item, so they are slower per
 * number (about 4e4 pairs/s for D = 256 full on 2 CPU cores with PoCL).
 */
#define ANISO_MAX_D 256
#define ANISO_MAX_E 256

/* Sizes of one problem.  gamma has gamma_rows rows of K numbers. */
typedef struct {
	size_t M, N, D, E;
	size_t K;          /* 1, D or D*D                                */
	size_t gamma_rows; /* 1 (FIXED), M (PER_I) or N (PER_J)          */
	aniso_gamma_var gamma_var;
	aniso_dtype dtype; /* of every array, out included                */
} aniso_shape;

/*
 * out (M x E) = sum over j, from host arrays: copies in, computes, copies
 * out.  On any error out is left untouched.  M = 0 does nothing; N = 0
 * writes zeros.  x, y, b, gamma must not overlap out.
 *
 * Pointers: an array with no element may be NULL (x and out when M = 0;
 * y and b when N = 0; gamma when M = 0 or N = 0); any other NULL is
 * ANISO_ERR_NULL_ARG.
 *
 * Problems larger than the device are streamed: x, y, b and gamma go
 * through in passes that fit its largest allocation and half its memory,
 * each pass some rows against whole j-blocks (blocks that depend on the
 * problem only), and each row's block partials are merged in block order
 * as in one pass: the bits do not depend on the passes.  out is written
 * once every pass has succeeded; this needs a host copy of out.  A device
 * whose largest allocation cannot hold one j-block (512 rows of y, b or
 * gamma) merges j-chunks on the host in double with compensation instead,
 * in a fixed order (same accuracy and reproducibility, other bits).
 * ANISO_ERR_TOO_LARGE then means that a single row (D, E or K numbers)
 * does not fit one allocation.
 */
ANISO_API int aniso_sum(aniso_ctx *ctx, const aniso_shape *shape,
			const void *x, const void *y, const void *b,
			const void *gamma, void *out);

/* ------------------------------------------------------------------ */
/* Options: what a sum computes beyond its shape                       */
/* ------------------------------------------------------------------ */

/* The radial profile f of term_ij = f(q_ij) * b_j, where
 * q_ij = (x_i - y_j)^T G (x_i - y_j). */
typedef enum {
	ANISO_KERNEL_GAUSSIAN = 0, /* exp(-q): the default, aniso_sum's    */
	ANISO_KERNEL_LAPLACE = 1,  /* exp(-sqrt(q))                        */
	ANISO_KERNEL_CAUCHY = 2,   /* 1 / (1 + q)                          */
	ANISO_KERNEL_IMQ = 3       /* 1 / sqrt(1 + q), inverse multiquadric */
} aniso_kernel;

/*
 * The reduction over j.
 *
 * ANISO_REDUCTION_SUM: out_ie = sum_j f(q_ij) b_je, aniso_sum's.
 *
 * ANISO_REDUCTION_LOGSUMEXP: out_ie = log sum_j f(q_ij) exp(b_je), b being
 * log-weights (Sinkhorn's soft-min, softmax attention).  Computed with a
 * running maximum (m, s ~ m + log s, the "online softmax"), and log f(q)
 * evaluated directly (-q for the Gaussian), so nothing overflows: |b| up to
 * the dtype's largest finite number and q far beyond exp's range give
 * finite, accurate answers.
 *   - N = 0 gives -Inf (the log of an empty sum), for aniso_sum_ex and
 *     aniso_sum_arrays_ex alike; so does a row whose every term has
 *     f = 0 (points so far apart that q = +Inf) or b = -Inf.
 *   - A NaN among a row's terms (in x, y, gamma or b) gives NaN.
 *   - b = +Inf (and no NaN) gives +Inf.
 *   - Accuracy: let ref be the exact value for the numbers given and
 *     t_j = log f(q_ij) + b_je the log-terms, p_j = exp(t_j - ref) their
 *     softmax weights (sum 1).  Then
 *         |out - ref| <= tol * (1 + sum_j p_j (|log f(q_ij)| + |b_je|))
 *     with tol about 1e-12 in float64 and 1e-5 in float32 (the tests
 *     enforce these against a double-precision reference).  Why this
 *     scale: a relative error d of the sum inside the log is an absolute
 *     error d of out, which is what tol bounds for log-terms of order
 *     one; and each log-term t_j is computed from rounded q and b, so it
 *     carries an absolute error proportional to |log f| + |b|, which the
 *     weights p_j average (the terms that do not matter do not count).
 *     With |b| <= 1 and q of order one the bound is a few tol,
 *     absolute; with b = 1e30 it is relative to |out| = 1e30.
 *   - Results are bitwise reproducible run to run on one device, as for
 *     the sum: block partials merge as (max, scaled sum) pairs in a fixed
 *     order, whether the sum ran in one pass, in passes (host arrays larger
 *     than the device) or on several devices; only the fallback for a
 *     device that cannot hold one j-block merges j-chunks on the host in
 *     double, in chunk order.
 */
typedef enum {
	ANISO_REDUCTION_SUM = 0,      /* the default, aniso_sum's          */
	ANISO_REDUCTION_LOGSUMEXP = 1 /* log sum_j f(q_ij) exp(b_je)        */
} aniso_reduction;

/*
 * Options of a sum.  The library grows by adding fields at the end, so
 * that a program built against an older header keeps working: always
 * start from aniso_options_init, which sets every field to its default and
 * struct_size to the size this header declares.  The library reads only
 * the first struct_size bytes (fields past them keep their defaults); a
 * struct_size larger than the library knows is accepted when the bytes it
 * does not know are zero (their defaults), else refused with
 * ANISO_ERR_BAD_ARG.  A NULL options pointer means every default.
 *
 * Laplace, Cauchy and IMQ are evaluated at max(q, 0): their formulas have
 * no real value (or a pole) for q < 0, which only a G that is not positive
 * semi-definite gives, beyond rounding (aniso_gamma_check tells).  A NaN q
 * gives NaN for every profile.
 */
typedef struct {
	size_t struct_size;  /* sizeof(aniso_options), set by aniso_options_init */
	aniso_kernel kernel; /* ANISO_KERNEL_GAUSSIAN                            */
	/* Added after kernel: a caller whose struct_size stops before it gets
	 * the default. */
	aniso_reduction reduction; /* ANISO_REDUCTION_SUM                        */
	/* Added after reduction: 0 (exact, the default) or T > 0 for a
	 * truncated sum, see "Truncated sums" below. */
	double tolerance;
} aniso_options;

ANISO_API void aniso_options_init(aniso_options *options);

/*
 * Truncated sums: options->tolerance = T > 0 lets aniso_sum_ex skip pairs
 * (x_i, y_j) whose term is provably small, with the guarantee
 *
 *     |out_ie - exact_ie| <= T sum_j |b_je|     for every i and e,
 *
 * in exact arithmetic, on top of the usual rounding of what is summed.
 * How: x and y are ordered by a k-d split into blocks (the caller's order
 * is what comes back); a block pair is skipped only when a lower bound of
 * q over the two blocks' bounding boxes gives f(q) <= T for each of its
 * pairs: gamma |d|^2 (K = 1), sum_k gamma_k d_k^2 (K = D), lambda_min of
 * (G + G^T) / 2 times |d|^2 (K = D*D), with the smallest over a block's
 * rows for per-i and per-j gamma.  A gamma that is negative, not positive
 * semi-definite or not finite is never truncated.  Kept pairs are summed
 * as by the exact sum, in a fixed order: bitwise reproducible run to run,
 * though not bitwise equal to the exact sum.  The lists are built on the
 * host in O((M + N) log(M + N) + kept blocks) time and memory.
 *
 * With the logsumexp reduction the same pairs are skipped, and the
 * guarantee is the sum's on the weights exp(b_je):
 *
 *     |exp(out_ie) - exp(exact_ie)| <= T sum_j exp(b_je),
 *
 * that is exact - log(1 + T sum_j exp(b_je - out_ie)) <= out <= exact:
 * dropped terms are >= 0, so out never exceeds the exact value, and it
 * falls short by at most T times the weights' total relative to out (a
 * row whose every term is dropped gives -Inf, below log(T sum_j exp(b_je))).
 *
 * Where truncation would not pay (more than 3/4 of the block pairs in
 * reach of the kernel: wide kernels, small T, few points) or the problem
 * does not fit the device at once, the exact sum runs instead (it meets
 * the bound too); the note of aniso_ctx_errmsg says which, or how many
 * block pairs were summed.  For host arrays: aniso_sum_arrays_ex, the
 * gradients and aniso_multi_sum refuse T > 0 with ANISO_ERR_BAD_ARG naming
 * the option.  T must be finite.
 */

/* "gaussian", "laplace", "cauchy", "imq"; NULL for a value not listed. */
ANISO_API const char *aniso_kernel_name(aniso_kernel kernel);
/* The profile that name spells (exactly as aniso_kernel_name writes it):
 * ANISO_OK, or ANISO_ERR_BAD_ARG for another name (kernel untouched). */
ANISO_API int aniso_kernel_from_name(const char *name, aniso_kernel *kernel);
/* "sum", "logsumexp"; NULL for a value not listed. */
ANISO_API const char *aniso_reduction_name(aniso_reduction reduction);
/* The reduction that name spells (exactly as aniso_reduction_name writes
 * it): ANISO_OK, or ANISO_ERR_BAD_ARG for another name (reduction untouched). */
ANISO_API int aniso_reduction_from_name(const char *name, aniso_reduction *reduction);

/* aniso_sum with options (NULL: aniso_sum itself).  With
 * ANISO_REDUCTION_LOGSUMEXP, N = 0 writes -Inf instead of zeros. */
ANISO_API int aniso_sum_ex(aniso_ctx *ctx, const aniso_shape *shape,
			   const aniso_options *options, const void *x,
			   const void *y, const void *b, const void *gamma,
			   void *out);

/*
 * Check that every gamma row gives a positive semi-definite metric (K = 1
 * or D: no negative entry; K = D*D: the symmetric part (G + G^T)/2 is
 * PSD, by Cholesky with a 1e-12 relative tolerance), all finite.  With
 * such a metric every term exp(-d^T G d) is at most 1.  Returns ANISO_OK,
 * or ANISO_ERR_BAD_ARG with *first_bad_row (may be NULL) set to the first
 * failing row (rows when all pass).  Runs on the host; no context needed.
 */
ANISO_API int aniso_gamma_check(aniso_dtype dtype, size_t D, size_t K,
				size_t rows, const void *gamma,
				size_t *first_bad_row);

/* ------------------------------------------------------------------ */
/* Device-resident arrays: keep x, y, b, gamma on the device           */
/* ------------------------------------------------------------------ */

typedef struct aniso_array_s aniso_array;

/*
 * A rows x cols array of dtype on the context's device.  host may be NULL
 * (contents undefined until written), else rows*cols elements are copied.
 * rows may be 0.  cols must be >= 1.  An array is one device allocation:
 * larger than the device's largest allocation is ANISO_ERR_TOO_LARGE
 * (device arrays are not streamed; aniso_sum on host arrays is).
 * Each array holds a reference to its context: an array may outlive
 * aniso_ctx_free of its context (see there), and every array must be
 * freed for the context to be released.
 */
ANISO_API int aniso_array_create(aniso_ctx *ctx, aniso_dtype dtype,
				 size_t rows, size_t cols, const void *host,
				 aniso_array **array);
/*
 * A rows x cols array of dtype over the caller's OpenCL buffer (a cl_mem,
 * passed as void * so that this header needs no OpenCL headers), for
 * programs whose data already lives on the device: no copy is made.  The
 * buffer must belong to the context's OpenCL context (see
 * aniso_ctx_create_from_cl) and hold at least rows*cols elements from its
 * start, row-major (a sub-buffer gives an offset).  It may be NULL only when
 * rows*cols is 0.  The array takes its own reference (clRetainMemObject),
 * released by aniso_array_free; the caller keeps and releases its own.
 * Errors: ANISO_ERR_BAD_ARG for a buffer of another context or one that is
 * too small, and as for aniso_array_create.
 */
ANISO_API int aniso_array_wrap(aniso_ctx *ctx, aniso_dtype dtype,
			       size_t rows, size_t cols, void *cl_buffer,
			       aniso_array **array);
/* The array's OpenCL buffer (a cl_mem; NULL for an empty array), for the
 * caller's own kernels and transfers.  Still owned by the array. */
ANISO_API void *aniso_array_cl_mem(const aniso_array *array);
/* Accepts NULL. */
ANISO_API void aniso_array_free(aniso_array *array);
/* Replace the whole contents (rows*cols elements) from host. */
ANISO_API int aniso_array_write(aniso_array *array, const void *host);
/* Copy the whole contents (rows*cols elements) to host. */
ANISO_API int aniso_array_read(const aniso_array *array, void *host);
ANISO_API size_t aniso_array_rows(const aniso_array *array);
ANISO_API size_t aniso_array_cols(const aniso_array *array);

/*
 * out = sum over j on device arrays.  Shapes come from the arrays:
 * x is M x D, y is N x D, b is N x E, gamma is rows x K with rows as
 * gamma_var says, out is M x E; all of one dtype and one context.  out
 * must not share memory with an input (the same array, or wrapped buffers
 * that overlap): ANISO_ERR_BAD_ARG, since the kernels would read numbers
 * they are overwriting.  Inputs may share memory with each other.
 */
ANISO_API int aniso_sum_arrays(aniso_ctx *ctx, const aniso_array *x,
			       const aniso_array *y, const aniso_array *b,
			       const aniso_array *gamma,
			       aniso_gamma_var gamma_var, aniso_array *out);

/* aniso_sum_arrays with options (NULL: aniso_sum_arrays itself).  With
 * ANISO_REDUCTION_LOGSUMEXP, N = 0 writes -Inf instead of zeros. */
ANISO_API int aniso_sum_arrays_ex(aniso_ctx *ctx, const aniso_options *options,
				  const aniso_array *x, const aniso_array *y,
				  const aniso_array *b, const aniso_array *gamma,
				  aniso_gamma_var gamma_var, aniso_array *out);

/* ------------------------------------------------------------------ */
/* Kernel solves: (K + lambda I) a = b                                 */
/* ------------------------------------------------------------------ */

/*
 * Solve (K + lambda I) a = b for a, where K_ij = f(q(x_i, x_j)) is the
 * kernel matrix of the points x with themselves (f the profile of options,
 * NULL: Gaussian), by conjugate gradients: kernel ridge regression, the
 * posterior mean of a Gaussian process, RBF interpolation.  The N x N
 * matrix is never built: each iteration is one kernel sum on the device
 * (all E columns at once); the vectors of the iteration live on the host
 * in double.
 *
 * shape: M = N (the number of points), D, E (columns of b), K, gamma_var
 * ANISO_GAMMA_FIXED with gamma_rows = 1, dtype of x, gamma, b and a.  A
 * per-point gamma makes K non-symmetric, where conjugate gradients do not
 * apply: refused (ANISO_ERR_BAD_GAMMA_VAR).  gamma must give a positive
 * semi-definite metric (aniso_gamma_check); with it every profile of
 * aniso_kernel is a positive-definite kernel, so K + lambda I is symmetric
 * positive definite for lambda > 0.
 *
 * Stops when every column's relative residual ||(K + lambda I) a - b|| /
 * ||b|| is at most tol (checked on the true residual, recomputed with one
 * more product, not only on the recurrence), or after max_iter iterations.
 * iterations and residuals (E entries each, either may be NULL) receive
 * each column's iteration count and final relative residual, also on
 * ANISO_ERR_NOT_CONVERGED.  A column b = 0 gives a = 0 with no iteration.
 * float32 products limit the reachable residual to about 1e-7 (use
 * float64 for tighter tolerances).
 *
 * Errors: ANISO_ERR_BAD_ARG for lambda <= 0 or not finite, tol <= 0 or not
 * finite, max_iter = 0, or a gamma that is not PSD (the message names the
 * row); ANISO_ERR_SHAPE for M != N; ANISO_ERR_NOT_CONVERGED when tol is
 * not reached within max_iter (the message gives the worst residual).  a is
 * written only on success.  No preconditioner: Jacobi's is the identity
 * here (the diagonal is f(0) + lambda for every row).
 */
ANISO_API int aniso_solve(aniso_ctx *ctx, const aniso_shape *shape,
			  const aniso_options *options, const void *x,
			  const void *gamma, const void *b, double lambda,
			  double tol, size_t max_iter, void *a,
			  size_t *iterations, double *residuals);

/* ------------------------------------------------------------------ */
/* Gradients                                                           */
/* ------------------------------------------------------------------ */

/*
 * Gradients of L = sum_ie a_ie out_ie, out the sum above (with the
 * options' profile f), for a cotangent a (M x E, the shape of out).  With
 * d_ij = x_i - y_j, q_ij = d_ij^T G d_ij, c_ij = sum_e a_ie b_je and
 * f' = df/dq, G being the pair's own (gamma_i or gamma_j per mode):
 *
 *   ANISO_WRT_X      grad M x D:  sum_j  c_ij f'(q_ij) (G + G^T) d_ij
 *   ANISO_WRT_Y      grad N x D: -sum_i  c_ij f'(q_ij) (G + G^T) d_ij
 *   ANISO_WRT_B      grad N x E:  sum_i  a_ie f(q_ij)
 *   ANISO_WRT_GAMMA  grad the shape of gamma (gamma_rows x K):
 *                    sum c_ij f'(q_ij) dq/dgamma, dq/dgamma being |d|^2
 *                    (K = 1), d_k^2 (K = D), d_k d_l (K = D*D, at
 *                    g[k*D + l]: G is used as given, not symmetrised);
 *                    over j for per-i gamma, over i for per-j gamma, over
 *                    every pair for a fixed gamma.
 *
 * With options->reduction = ANISO_REDUCTION_LOGSUMEXP, out_ie =
 * log sum_j f(q_ij) exp(b_je), and each pair weighs by the softmax weight
 * p_ije = exp(log f(q_ij) + b_je - out_ie), in [0, 1]:
 *
 *   c_ij = sum_e a_ie p_ije  and  f'(q) replaced by (log f)'(q) above
 *                    (-1, -1/(2 sqrt q), -1/(1 + q), -1/(2 (1 + q)) for
 *                    the four profiles), for x, y and gamma;
 *   ANISO_WRT_B      grad N x E:  sum_i  a_ie p_ije.
 *
 * The call first computes out (the logsumexp itself, on the device), then
 * forms each p_ije from its exponent, b_je - out_ie added first: never as
 * f exp(b) / exp(out), so large |b| stays finite.  Its accuracy is then
 * relative to sum |term| (1 + |log f| + |b_je| + |out_ie|): the exponent's
 * inputs are known to their own rounding.  An out_ie of -Inf (every term
 * of (i, e) is 0) adds nothing; an infinite or NaN b gives NaN where it
 * weighs.
 *
 * Every sum runs on the device through the same compensated, fixed-order
 * reduction as aniso_sum (a sum over i swaps the roles of x and y), so
 * results are bitwise reproducible run to run and as accurate: float64
 * ~1e-12, float32 ~1e-5 relative to the sum of |terms| (each term now
 * carrying f' and d).  A fixed gamma's gradient adds per-row results in
 * row order, compensated.  Each pair is computed from its own d_ij, never
 * as x_i * S0 - S1, so points far from the origin lose nothing.
 *
 * Derivatives are taken where f is evaluated, at max(q, 0) (for q < 0:
 * the slope at 0).  Laplace exp(-sqrt q) has no derivative at q = 0: a
 * pair with q = 0 (x_i = y_j) adds exactly 0 to every gradient but the
 * one with respect to b (where it adds a_ie f(0) = a_ie).  Its
 * f'(q) (G + G^T) d has a limit there that depends on the direction of d;
 * 0 is the symmetric choice, a subgradient for a symmetric PSD G.
 *
 * M = 0 or N = 0: there is no pair, grad is all zeros (nothing is written
 * when it has no element).  On any error grad is left untouched; an
 * array with no element may be NULL (x and a when M = 0; y and b when
 * N = 0; gamma when M = 0 or N = 0; grad when it has none).  Inputs must
 * not overlap grad.
 *
 * Limits: the gradient with respect to gamma keeps K numbers per row in
 * private memory, so it takes K <= ANISO_MAX_GRAD_GAMMA_K (a full gamma up
 * to D = 32); larger is ANISO_ERR_TOO_LARGE.  Gradients are not streamed:
 * a problem whose arrays do not fit the device at once (each within its
 * largest allocation, together within half its memory) is refused with
 * ANISO_ERR_TOO_LARGE, naming the array.
 *
 * Programs: one per (wrt, mode, profile, reduction, dtype, D, E) on first
 * use, like a sum (logsumexp also uses its forward sum's); a fixed gamma's
 * row sum reuses that program's combine kernel.  Scratch device memory:
 * the gradient's own O((M + N)(D + E + K)), plus for logsumexp out and
 * both sides' weights packed, M E + 2 (M + N) E numbers.
 */
typedef enum {
	ANISO_WRT_X = 0,
	ANISO_WRT_Y = 1,
	ANISO_WRT_B = 2,
	ANISO_WRT_GAMMA = 3
} aniso_wrt;

#define ANISO_MAX_GRAD_GAMMA_K 1024

/* "x", "y", "b", "gamma"; NULL for a value not listed. */
ANISO_API const char *aniso_wrt_name(aniso_wrt wrt);
/* The wrt that name spells: ANISO_OK, or ANISO_ERR_BAD_ARG (wrt untouched). */
ANISO_API int aniso_wrt_from_name(const char *name, aniso_wrt *wrt);

/* On host arrays: shape as for aniso_sum, a is M x E, grad as above.
 * options NULL: the Gaussian, the sum reduction. */
ANISO_API int aniso_grad(aniso_ctx *ctx, const aniso_shape *shape,
			 const aniso_options *options, aniso_wrt wrt,
			 const void *x, const void *y, const void *b,
			 const void *gamma, const void *a, void *grad);

/* On device arrays: shapes from the arrays as for aniso_sum_arrays, a is
 * M x E, grad the shape above (ANISO_ERR_SHAPE otherwise, naming it). */
ANISO_API int aniso_grad_arrays(aniso_ctx *ctx, const aniso_options *options,
				aniso_wrt wrt, const aniso_array *x,
				const aniso_array *y, const aniso_array *b,
				const aniso_array *gamma, aniso_gamma_var gamma_var,
				const aniso_array *a, aniso_array *grad);

/*
 * The same with the sum's result given: out (M x E) as aniso_sum_ex or
 * aniso_sum_arrays_ex returned it for these inputs and options.  The
 * gradients of logsumexp then use it instead of computing it again: one
 * pass over the pairs instead of two (bench/README: about twice the
 * pairs/s), what a training loop that has just run the forward sum wants.
 * The sum reduction's gradients do not read it.  out may be NULL (then
 * as aniso_grad); the library cannot tell a stale out from a fresh one,
 * and a stale one gives a wrong gradient.  On device arrays out must be of
 * this context and dtype, M x E, and not share memory with grad.
 */
ANISO_API int aniso_grad_with_out(aniso_ctx *ctx, const aniso_shape *shape,
				  const aniso_options *options, aniso_wrt wrt,
				  const void *x, const void *y, const void *b,
				  const void *gamma, const void *a, const void *out,
				  void *grad);
ANISO_API int aniso_grad_arrays_with_out(aniso_ctx *ctx, const aniso_options *options,
					 aniso_wrt wrt, const aniso_array *x,
					 const aniso_array *y, const aniso_array *b,
					 const aniso_array *gamma, aniso_gamma_var gamma_var,
					 const aniso_array *a, const aniso_array *out,
					 aniso_array *grad);

/* ------------------------------------------------------------------ */
/* Several devices: one sum spread over them                           */
/* ------------------------------------------------------------------ */

/*
 * A set of devices that share each sum.  A handle of its own rather than
 * aniso_ctx_create_on("0,1"): an aniso_ctx is one device, one queue, one
 * lock, and its arrays, gradients and solves stay one-device; the set
 * holds one such context per device (aniso_multi_ctx) and adds only the
 * split.  Every existing function keeps its meaning.
 *
 * device_list: device specs separated by commas, each an index or a name
 * substring as aniso_ctx_create_on takes ("0,1", "gpu,cpu"), or "all"
 * (every device, in aniso_device_list's order).  NULL or "" means
 * ANISOCL_DEVICE, which takes the same list; unset, the one device
 * aniso_ctx_create would take.  A spec that matches no device, or two that
 * name the same device, is ANISO_ERR_BAD_DEVICE_SPEC with a message naming
 * the item.  Errors as for aniso_ctx_create.
 *
 * aniso_multi_sum: aniso_sum_ex's arguments and results, the work cut
 * among the devices and run on all of them at once (a host thread each):
 *  - rows i in proportion to each device's speed when M >= 128 per
 *    device; otherwise the j-blocks (so that M = 16 uses every device),
 *    their partials merged on the first device of the list.  Speed: first
 *    estimated from compute units x clock (GPUs counted 16 times a CPU
 *    core), then measured on each call (pairs/s of each device's piece;
 *    a piece under 50 ms only raises a device's figure) and used for the
 *    next once every device has been measured: a slow CPU beside a GPU
 *    gets a small share.
 *  - The result does not depend on which devices or how many took part,
 *    as long as they are of one kind (same model and driver): it is
 *    bitwise the result of aniso_sum_ex on one of them.  The j-blocks
 *    are a function of the problem alone, and every row's block partials
 *    merge in block order by the same combine pass.  Devices of different
 *    kinds give each row the bits of the kind that computed it, and which
 *    device computes a row follows the measured speeds, so such a set's
 *    bits may change from call to call.
 *  - A failure on any device: its error code, a message that starts with
 *    "device <item> (<name>): ", out untouched; the other devices' pieces
 *    are waited for, and nothing of theirs stays queued.
 * Calls on one set are serialised by its lock; a set's contexts may be
 * used by themselves between calls (each has its own lock).
 */
typedef struct aniso_multi_s aniso_multi;

ANISO_API int aniso_multi_create(const char *device_list, aniso_multi **multi,
				 char *errmsg, size_t errmsg_size);
/* Accepts NULL.  Frees every context of the set. */
ANISO_API void aniso_multi_free(aniso_multi *multi);
ANISO_API int aniso_multi_sum(aniso_multi *multi, const aniso_shape *shape,
			      const aniso_options *options, const void *x,
			      const void *y, const void *b, const void *gamma,
			      void *out);
/* The message of the last failed call on the set, as aniso_ctx_errmsg. */
ANISO_API const char *aniso_multi_errmsg(const aniso_multi *multi);
/* How many devices, and the context of the k-th (owned by the set; NULL
 * when k is out of range). */
ANISO_API size_t aniso_multi_count(const aniso_multi *multi);
ANISO_API aniso_ctx *aniso_multi_ctx(const aniso_multi *multi, size_t k);

/* ------------------------------------------------------------------ */
/* Pieces of one sum, for libraries that spread it further            */
/* ------------------------------------------------------------------ */

/*
 * What aniso_multi does inside one process, opened up for a library that
 * spreads a sum over processes (anisocl-mpi, include/anisocl_mpi.h): the
 * whole problem's j-blocks, one piece's block partials, and the combine
 * pass that merges them.  A row whose partials over every block are merged
 * by aniso_sum_combine, in block order, gets the bits aniso_sum_ex gives it
 * on a device of the same kind, however the rows and blocks were cut.
 *
 * aniso_sum_block_len: the length of every j-block of the whole problem
 * (shape) but the last, a function of the problem alone (M, N, E, dtype
 * and options' reduction), and the bytes of one partial (one block, one
 * row: E numbers times the reduction's partial width).
 *
 * aniso_sum_piece: rows x (shape->M of them) against terms y, b (shape->N,
 * starting at a multiple of block_len in the whole problem), gamma as the
 * piece's shape says (gamma_rows = M or N for per-i or per-j).  With
 * partials_only = 0, result is M x E final values: the piece must then
 * hold every term of the whole problem.  With partials_only = 1, result is
 * ceil(N / block_len) blocks x M x the partial bytes, block-major.
 *
 * aniso_sum_combine: out (M x E) = each row's blocks partials merged in
 * block order; shape gives M, E, D, K, gamma_var and dtype (the program
 * that ran the pieces), its N is not used.
 *
 * Exact sums only: options->tolerance > 0 is ANISO_ERR_BAD_ARG.
 */
ANISO_API int aniso_sum_block_len(aniso_ctx *ctx, const aniso_shape *shape,
				  const aniso_options *options, size_t *block_len,
				  size_t *partial_bytes);
ANISO_API int aniso_sum_piece(aniso_ctx *ctx, const aniso_shape *shape,
			      const aniso_options *options, size_t block_len,
			      int partials_only, const void *x, const void *y,
			      const void *b, const void *gamma, void *result);
ANISO_API int aniso_sum_combine(aniso_ctx *ctx, const aniso_shape *shape,
				const aniso_options *options, size_t blocks,
				const void *partials, void *out);

/* ------------------------------------------------------------------ */
/* Devices                                                             */
/* ------------------------------------------------------------------ */

typedef struct {
	int index;          /* what ANISOCL_DEVICE takes                  */
	char platform[128];
	char name[128];
	int is_gpu, is_cpu;
	unsigned compute_units;
	unsigned long long global_mem_bytes;
	unsigned long long max_alloc_bytes;
	int has_fp64;
} aniso_device_info;

/*
 * Fill up to capacity entries of info (which may be NULL with capacity 0)
 * and set *count to the number of devices present.  *default_index is the
 * device aniso_ctx_create would take (-1 if none) and why is a short
 * reason ("ANISOCL_DEVICE=...", "first GPU", "first CPU", "first device");
 * default_index and why may be NULL.  why needs 128 bytes.
 */
ANISO_API int aniso_device_list(aniso_device_info *info, size_t capacity,
				size_t *count, int *default_index, char *why,
				size_t why_size);

#ifdef __cplusplus
}
#endif

#endif /* ANISOCL_H */
