/* Private declarations shared by the files of lib/.  Not installed. */
#ifndef ANISOCL_INTERNAL_H
#define ANISOCL_INTERNAL_H

#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "anisocl.h"

#if defined(__GNUC__)
#define ANISO_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ANISO_PRINTF(fmt, args)
#endif

/* ---- errors.c ---------------------------------------------------- */

/* Growable message buffer: the per-context "what went wrong". */
struct aniso_msg {
	char *text;
	size_t capacity;
};

void aniso_msg_clear(struct aniso_msg *msg);
void aniso_msg_free(struct aniso_msg *msg);
/* Replace the message; returns code so callers can write
 * `err = aniso_msg_set(&ctx->msg, ANISO_ERR_X, "...")`. */
int aniso_msg_set(struct aniso_msg *msg, int code, const char *fmt, ...)
	ANISO_PRINTF(3, 4);
/* Append to the message (used for build logs and notes). */
void aniso_msg_append(struct aniso_msg *msg, const char *fmt, ...)
	ANISO_PRINTF(2, 3);
const char *aniso_msg_text(const struct aniso_msg *msg);
/* Name of an OpenCL status, e.g. "CL_OUT_OF_RESOURCES". */
const char *aniso_cl_error_name(cl_int status);
/* Record a failed OpenCL call: "clFoo(...) failed: CL_BAR (-5)". */
int aniso_cl_fail(struct aniso_msg *msg, const char *call, cl_int status);
/* Copy a message into a caller's buffer (NULL-safe, always terminated). */
void aniso_copy_message(char *dst, size_t dst_size, const char *src);

/* ---- device.c ---------------------------------------------------- */

/* What the library treats a device as, from its CL_DEVICE_TYPE bits by one
 * rule (aniso_device_kind): the default choice and the plans both use it. */
enum aniso_device_kind { ANISO_KIND_GPU, ANISO_KIND_CPU, ANISO_KIND_OTHER };

enum aniso_device_kind aniso_device_kind(cl_device_type type);

struct aniso_device_caps {
	char name[256];
	char platform_name[256];
	char platform_version[256];
	char driver_version[256];
	char device_version[256];
	int is_gpu; /* CL_DEVICE_TYPE bits, as reported (both for Oclgrind) */
	int is_cpu;
	enum aniso_device_kind kind; /* how the library treats it */
	int has_fp64;
	/* The compiler takes clang's __builtin_elementwise_ceil and makes it
	 * one instruction (PoCL); see CEIL in cl/real.cl. */
	int has_elementwise_ceil;
	cl_uint compute_units;
	size_t max_work_group_size;
	cl_ulong local_mem_bytes;
	cl_ulong global_mem_bytes;
	cl_ulong max_alloc_bytes; /* after ANISOCL_MAX_ALLOC_BYTES, if set */
};

/* The process-wide lock around platform and device enumeration and
 * context creation (drivers' first-time setup is not thread-safe).  Held
 * by aniso_device_select's callers, aniso_device_list and the create
 * functions; never while a context's own lock is wanted. */
void aniso_driver_lock(void);
void aniso_driver_unlock(void);

/* Pick the device by spec (index or name substring), else ANISOCL_DEVICE,
 * else the default rule.  Call with the driver lock held. */
int aniso_device_select(const char *spec, cl_platform_id *platform,
			cl_device_id *device, struct aniso_msg *msg);
int aniso_device_query(cl_device_id device, struct aniso_device_caps *caps,
		       struct aniso_msg *msg);

/* The bytes that the buffers of one call may take together on the device:
 * a share of its global memory (half), the rest being left to whatever
 * else runs there. */
cl_ulong aniso_memory_budget(const struct aniso_device_caps *caps);
/* Which limit aniso_fits_at_once found exceeded, for a message. */
struct aniso_fit {
	size_t too_large; /* the first buffer over the largest allocation; count: none */
	unsigned long long total; /* the buffers' bytes, all of them when none is too large */
};
/* Whether count buffers of these sizes fit the device at once: each within
 * its largest allocation, and all together within aniso_memory_budget.
 * fit (may be NULL) receives which limit was exceeded. */
int aniso_fits_at_once(const struct aniso_device_caps *caps, const size_t bytes[], size_t count,
		       struct aniso_fit *fit);

/* ---- sources.c --------------------------------------------------- */

/* The kernel sources of one program (count files of cl/, in order),
 * concatenated (malloc'd). */
int aniso_program_source(const char *const names[], size_t count, char **source,
			 struct aniso_msg *msg);

/* ---- options.c --------------------------------------------------- */

/* What the skeleton sums per pair (one cl/formula_*.cl file each): the
 * sum itself, the gradient with respect to the rows' points, and the one
 * with respect to gamma.  Set by the caller (aniso_sum: the sum; the
 * gradients: lib/grad.c), not by options. */
enum aniso_formula_id {
	ANISO_FORMULA_SUM = 0,        /* E numbers per row              */
	ANISO_FORMULA_GRAD_POINT = 1, /* D numbers per row; row weights */
	ANISO_FORMULA_GRAD_METRIC = 2, /* K numbers per row; row weights */
	ANISO_FORMULA_GRAD_WEIGHT = 3  /* E numbers per row; row weights;
					  dL/db of logsumexp only       */
};

/* What a sum computes beyond its shape, resolved from aniso_options. */
struct aniso_formula {
	aniso_kernel kernel;
	enum aniso_formula_id id;
	aniso_reduction reduction;
	double tolerance; /* 0: exact; > 0: truncated (lib/truncate.c) */
};

/* Check a caller's options (NULL: defaults) and resolve them. */
int aniso_formula_from_options(struct aniso_ctx_s *ctx, const aniso_options *options,
			       struct aniso_formula *formula);
/* ANISO_ERR_BAD_ARG naming call when the options ask for a truncated sum,
 * which call does not compute. */
int aniso_formula_exact_only(struct aniso_ctx_s *ctx, const struct aniso_formula *formula,
			     const char *call);

/* ---- plan.c ------------------------------------------------------ */

enum aniso_strategy { ANISO_STRATEGY_LOOP = 0, ANISO_STRATEGY_TILED = 1 };

/* Everything that is a compile-time constant of a program. */
struct aniso_kernel_config {
	aniso_dtype dtype;
	size_t D, E, K;
	aniso_gamma_var gamma_var;
	aniso_kernel kernel; /* the radial profile */
	enum aniso_formula_id formula;
	size_t out_cols;     /* numbers per row of the result (formula's)  */
	aniso_reduction reduction;
	enum aniso_strategy strategy;
	size_t lanes;      /* rows i per work-item (vector width VW)        */
	size_t work_group; /* work-items per group along i (= tile of j)  */
	size_t chunk;      /* terms summed plainly before a compensated add */
	int gamma_in_global; /* gamma read where it lies, not copied (large K) */
	int truncated;     /* listed j-blocks per i-block (lib/truncate.c)  */
	int elementwise_ceil; /* the device's has_elementwise_ceil           */
};

/* How one sum is launched. */
struct aniso_launch_plan {
	struct aniso_kernel_config config;
	size_t i_groups;    /* work-groups along i                        */
	size_t j_blocks;    /* partial sums per output                    */
	size_t j_block_len; /* j per block (last one may be shorter)       */
};

struct aniso_ctx_s;
void aniso_plan_make(const struct aniso_ctx_s *ctx, const aniso_shape *shape,
		     const struct aniso_formula *formula, struct aniso_launch_plan *plan);
/* The length of every j-block of a problem but the last: a function of
 * M, N, the result's width, dtype and reduction only, the same on every
 * device, so that pieces of one problem merge to the same bits wherever
 * they ran. */
size_t aniso_plan_j_block_len(const aniso_shape *shape, size_t out_cols, size_t partial_width);
/* Redo the launch layout for the work-group a program was built with (at
 * most the plan's; see aniso_program_get). */
void aniso_plan_set_work_group(const struct aniso_ctx_s *ctx, const aniso_shape *shape,
			       struct aniso_launch_plan *plan, size_t work_group);
/* -D options for a configuration, written into buf. */
void aniso_config_options(const struct aniso_kernel_config *config,
			  char *buf, size_t buf_size);
/* The kernel file of a (valid) metric: cl/metric_*.cl (lib/metric.c). */
const char *aniso_metric_file(aniso_metric metric);
/* The cl/ files of a configuration's program, in order (each uses what
 * the ones before it define); returns how many. */
#define ANISO_MAX_SOURCES 8
size_t aniso_config_files(const struct aniso_kernel_config *config,
			  const char *names[ANISO_MAX_SOURCES]);
/* Numbers per row of a formula's result: E, D or K. */
size_t aniso_formula_cols(enum aniso_formula_id id, const aniso_shape *shape);
/* Weights per term (the b argument) and per row (0: none) of a formula:
 * E, or 2E packed pairs for the gradients of logsumexp. */
size_t aniso_formula_term_cols(const struct aniso_formula *formula, const aniso_shape *shape);
size_t aniso_formula_row_cols(const struct aniso_formula *formula, const aniso_shape *shape);
/* Whether the program has pack_softmax_side (the gradients of logsumexp). */
int aniso_formula_packs_softmax(const struct aniso_kernel_config *config);
/* Numbers per (block, i, column) partial (the reduction's PARTIAL_WIDTH). */
size_t aniso_partial_width(const struct aniso_kernel_config *config);
/* The same for the programs of a formula (host_sum.c, multi.c). */
size_t aniso_formula_partial_width(const struct aniso_formula *formula);

/* ---- program_cache.c --------------------------------------------- */

struct aniso_program {
	char *options; /* of the configuration asked for: the cache key */
	/* What the kernels were built with: the configuration's work-group,
	 * or a smaller one when the compiled kernel allows fewer. */
	size_t work_group;
	cl_program program;
	cl_kernel partial_kernel;
	cl_kernel combine_kernel;
	cl_kernel pack_kernel; /* gradients of logsumexp only, else NULL */
	struct aniso_program *next;
};

int aniso_program_get(struct aniso_ctx_s *ctx,
		      const struct aniso_kernel_config *config,
		      struct aniso_program **program);
void aniso_program_cache_free(struct aniso_ctx_s *ctx);

/* ---- disk_cache.c ------------------------------------------------ */

/* Folder of the disk cache (malloc'd), or NULL when it is turned off. */
char *aniso_disk_cache_dir(void);
/* Key text that names one binary: everything the binary depends on. */
char *aniso_disk_cache_key(const struct aniso_device_caps *caps,
			   const char *source, const char *options);
/* Load a binary; *binary = NULL when absent or not to be trusted, and
 * then *rejected says why an existing entry was refused (else NULL). */
void aniso_disk_cache_load(const char *dir, const char *key,
			  unsigned char **binary, size_t *size, const char **rejected);
/* Store a binary atomically; on failure, why says what went wrong. */
int aniso_disk_cache_store(const char *dir, const char *key,
			   const unsigned char *binary, size_t size, char *why,
			   size_t why_size);
uint64_t aniso_hash64(const void *data, size_t size, uint64_t seed);

/* ---- context.c / array.c ----------------------------------------- */

enum aniso_scratch_slot {
	SCRATCH_X,
	SCRATCH_Y,
	SCRATCH_B,
	SCRATCH_GAMMA,
	SCRATCH_OUT,
	SCRATCH_PARTIAL,
	SCRATCH_A,        /* a gradient's cotangent                       */
	SCRATCH_ROWS,     /* a fixed gamma's gradient, per row, before the sum */
	SCRATCH_FORWARD,  /* the logsumexp that a gradient differentiates */
	SCRATCH_PACK_I,   /* its i side, packed (cl/grad_weight.cl)       */
	SCRATCH_PACK_J,   /* its j side, packed                           */
	SCRATCH_LIST_START, /* a truncated sum's offsets per i-block      */
	SCRATCH_LIST,     /* its listed j-blocks                          */
	SCRATCH_COUNT
};

struct aniso_ctx_s {
	cl_context context;
	cl_device_id device;
	cl_command_queue queue;
	struct aniso_device_caps caps;
	pthread_mutex_t lock;
	/* References, under lock: the caller's (dropped by aniso_ctx_free)
	 * and one per array, so that arrays outlive aniso_ctx_free as OpenCL
	 * objects outlive their clRelease; the last one destroys. */
	size_t refs;
	struct aniso_msg msg;
	struct aniso_program *programs; /* in-memory program cache        */
	char *disk_cache_dir;           /* NULL: disk cache off           */
	int force_strategy;             /* -1: by device type             */
	/* Scratch for the host-array call and the partial sums: grow-only. */
	cl_mem scratch[SCRATCH_COUNT];
	size_t scratch_bytes[SCRATCH_COUNT];
};


struct aniso_array_s {
	aniso_ctx *ctx;
	aniso_dtype dtype;
	size_t rows, cols;
	cl_mem buffer; /* NULL when rows * cols == 0 */
	/* Where the numbers lie, to tell whether two arrays overlap: the
	 * buffer itself at offset 0, or a sub-buffer's parent and offset. */
	cl_mem root;
	size_t root_offset;
};

/* Whether two arrays' numbers overlap in device memory. */
/* The checks that sums and gradients on device arrays share: all[0..3]
 * are x, y, b, gamma, all[count - 1] the result, any between other inputs
 * (a cotangent), names[] their names for messages.  Each present, of this
 * context and of x's dtype; the result sharing memory with no input; y
 * with D columns, b with N rows.  The result's own shape is the caller's. */
int aniso_arrays_check(aniso_ctx *ctx, const aniso_array *const all[],
		       const char *const names[], size_t count);
/* The shape of x, y, b, gamma (all[0..3]) with gamma_var, validated
 * against the device's limits (device arrays are not streamed). */
int aniso_arrays_shape(aniso_ctx *ctx, const aniso_array *const all[],
		       aniso_gamma_var gamma_var, aniso_shape *s);
/* Every number of a device array set to value (name for the message). */
int aniso_array_fill(aniso_ctx *ctx, aniso_array *array, double value, const char *name);

/* Drop one reference; the last one frees the context.  Call without the
 * context's lock. */
void aniso_ctx_release(aniso_ctx *ctx);

size_t aniso_dtype_size(aniso_dtype dtype);
/* A buffer of at least bytes in a scratch slot (bytes > 0). */
int aniso_scratch_get(aniso_ctx *ctx, enum aniso_scratch_slot slot,
		      size_t bytes, cl_mem *buffer);
/* Copy bytes of a host array into a scratch buffer (none when bytes = 0),
 * not waiting: the queue is in order and the caller keeps host alive until
 * it has finished the queue, on success and on failure alike.  name is
 * for the message. */
int aniso_scratch_upload(aniso_ctx *ctx, enum aniso_scratch_slot slot, const char *name,
			 const void *host, size_t bytes, cl_mem *buffer);

/* ---- host_sum.c ---------------------------------------------------- */

/* One piece of a host-array sum (lib/multi.c): shape's rows against its
 * N terms, pointers already at the piece's first row and first term (the
 * start of a j-block of the whole problem), cut into j-blocks of
 * j_block_len (the whole problem's).  result: M x E final values, or with
 * partials_only the blocks' partials, blocks x M x E x the reduction's
 * partial width.  Passes as the device's memory allows; result written
 * only on success.  Takes the context's lock; M > 0, N > 0. */
int aniso_host_piece(aniso_ctx *ctx, const aniso_shape *shape, const struct aniso_formula *f,
		     size_t j_block_len, int partials_only, const void *x, const void *y,
		     const void *b, const void *gamma, void *result);
/* result (M x E) = the combine pass over partials (blocks x M x E x width,
 * host memory, as aniso_host_piece gives them), on this context's device.
 * Takes the context's lock. */
int aniso_host_combine(aniso_ctx *ctx, const aniso_shape *shape, const struct aniso_formula *f,
		       size_t blocks, const void *partials, void *result);

/* The entry of a host-array call (aniso_sum_ex, aniso_grad_with_out,
 * aniso_multi_sum, aniso_sum_piece), in two steps because a gradient
 * checks its wrt between them.  First, under the context's lock with its
 * message cleared: the shape (host arrays stream, so not against the
 * device's limits) and the options, resolved into formula; with
 * exact_only_call, a truncated sum refused naming that call. */
int aniso_host_entry_formula(aniso_ctx *ctx, const aniso_shape *shape,
			     const aniso_options *options, const char *exact_only_call,
			     struct aniso_formula *formula);
/* The host arrays of such a call: x, y, b and gamma as aniso_sum takes
 * them; a gradient's cotangent a (M x E) when has_a; and the result that
 * the call writes, result_count numbers (0 when it may be NULL). */
struct aniso_host_arrays {
	const void *x, *y, *b, *gamma;
	int has_a;
	const void *a;
	const char *result_name; /* "out", "grad": for the message */
	void *result;
	size_t result_count;
};
/* The first of those arrays that is NULL but must not be (its name; for
 * the result, result_name itself), or NULL.  An empty one may be NULL: x
 * and a when M = 0, y and b when N = 0, gamma when M = 0 or N = 0, the
 * result when it has no numbers. */
const char *aniso_host_first_null(const aniso_shape *s, const struct aniso_host_arrays *arrays);
/* Second step, for a valid shape: ANISO_ERR_NULL_ARG, "<name> is NULL:
 * expected a host array" in msg (the context's, or a device set's), for
 * the first NULL that aniso_host_first_null finds; then the calls that
 * need no device: a result of no numbers is left as it is, and with M = 0
 * or N = 0 every number of the result is empty_value.  *finished = 1 when
 * nothing is left to compute. */
int aniso_host_entry_arrays(struct aniso_msg *msg, const aniso_shape *s,
			    const struct aniso_host_arrays *arrays, double empty_value,
			    int *finished);

/* ---- validate.c -------------------------------------------------- */

/* Check a shape against the rules; names the culprit.  check_limits: also
 * against the device's allocation limits (device arrays cannot stream). */
int aniso_validate_shape(aniso_ctx *ctx, const aniso_shape *shape,
			 int check_limits);
/* Byte counts of every array of a valid shape. */
struct aniso_bytes {
	size_t x, y, b, gamma, out;
};
void aniso_shape_bytes(const aniso_shape *shape, struct aniso_bytes *bytes);

/* ---- sum.c ------------------------------------------------------- */

/* What an empty sum (N = 0) gives: 0, or -Inf for logsumexp. */
double aniso_empty_value(const struct aniso_formula *formula);
/* count numbers of dtype, each value, into host memory. */
void aniso_fill_host(void *out, aniso_dtype dtype, size_t count, double value);

/* Run a validated sum on device buffers; M > 0 and N > 0. */
int aniso_sum_buffers(aniso_ctx *ctx, const aniso_shape *shape,
		      const struct aniso_formula *formula, cl_mem x, cl_mem y, cl_mem b,
		      cl_mem gamma, cl_mem out);
/* The same for any formula: rows x (M x D), terms y (N x D) with weights
 * b (N x aniso_formula_term_cols), row weights a (M x
 * aniso_formula_row_cols, for the formulas that have them, else NULL), out
 * M x aniso_formula_cols. */
int aniso_reduce_buffers(aniso_ctx *ctx, const aniso_shape *shape,
			 const struct aniso_formula *formula, cl_mem x, cl_mem y, cl_mem b,
			 cl_mem gamma, cl_mem a, cl_mem out);
/* aniso_reduce_buffers as one piece of a larger sum: j_block_len (0: the
 * plan's own) fixes the j-blocks, which must be the whole problem's
 * (aniso_plan_j_block_len) for a piece to give the bits that the whole
 * gives.  partials_only: out receives the blocks' partials (j_blocks x M
 * x cols x the reduction's partial width, in the combine pass's layout)
 * instead of final values. */
int aniso_reduce_blocks(aniso_ctx *ctx, const aniso_shape *shape,
			const struct aniso_formula *formula, size_t j_block_len,
			int partials_only, cl_mem x, cl_mem y, cl_mem b, cl_mem gamma, cl_mem a,
			cl_mem out);
/* out (cols numbers) = the sum of the rows of `rows` (rows x cols), in row
 * order, compensated: the combine pass of the program that
 * aniso_reduce_buffers ran for the same shape and formula. */
int aniso_sum_rows_buffers(aniso_ctx *ctx, const aniso_shape *shape,
			   const struct aniso_formula *formula, cl_mem rows,
			   size_t row_count, size_t cols, cl_mem out);
/* A truncated sum (formula->tolerance > 0): the rows per i-block and the
 * terms per j-block of its program; then the run over the listed
 * j-blocks of each i-block (block_start: i-blocks + 1 offsets into
 * blocks, cl_uint each), writing out (M x E). */
int aniso_truncated_layout(aniso_ctx *ctx, const aniso_shape *shape,
			   const struct aniso_formula *formula, size_t *i_block, size_t *j_block);
int aniso_reduce_listed(aniso_ctx *ctx, const aniso_shape *shape,
			const struct aniso_formula *formula, cl_mem x, cl_mem y, cl_mem b,
			cl_mem gamma, cl_mem block_start, cl_mem blocks, cl_mem out);

/* ---- truncate.c ---------------------------------------------------- */

/* aniso_sum_ex with formula->tolerance > 0 on validated host arrays
 * (M > 0, N > 0): *done = 1 when out holds the truncated sum; 0 when
 * truncation would not pay or does not fit the device (a note says why),
 * and the caller sums exactly. */
int aniso_sum_truncated(aniso_ctx *ctx, const aniso_shape *shape,
			const struct aniso_formula *formula, const void *x, const void *y,
			const void *b, const void *gamma, void *out, int *done);

/* One side of a logsumexp gradient, packed (cl/grad_weight.cl,
 * pack_softmax_side) by the program of that gradient (shape, formula):
 * rows x 2E pairs (u, v) with v = sign * values and u = weights, or 1
 * where weights is NULL.  Enqueued, not waited for. */
int aniso_pack_softmax_buffers(aniso_ctx *ctx, const aniso_shape *shape,
			       const struct aniso_formula *formula, size_t rows, cl_mem weights,
			       cl_mem values, double sign, cl_mem packed);


#endif
