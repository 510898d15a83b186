/* Launch plans: the strategy, tile sizes and j-blocking for a problem on a
 * device.  Everything tunable per device lives here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * The j-blocking is a function of the problem alone (M, N, the result's
 * width and dtype), never of the device: a row's partial sums, and the
 * order they merge in, are then the same whichever device computes it and
 * however many take part (lib/multi.c), or however a host-array sum is cut
 * into passes (lib/host_sum.c).  Blocks are whole multiples of
 * J_BLOCK_QUANTUM, which every chunk (128 on CPUs, the tiled work-group,
 * a power of two <= 256, on GPUs) divides, so the chunks inside a block
 * are the same too.
 */
/* j per block: a multiple of this, and never fewer.  Fewer and the
 * partial sums cost more than they save. */
#define J_BLOCK_QUANTUM 512
/* Enough (nominal groups of NOMINAL_GROUP_ROWS rows) x (j-blocks) to fill
 * a large GPU several times over (16 groups per compute unit on 128 units),
 * so that M = 16 with a large N still uses every device.  On CPUs this
 * is more groups than needed, at about a microsecond each. */
#define TARGET_GROUPS 2048
#define NOMINAL_GROUP_ROWS 128
/* Below this N, CPU plans use large work-groups (see aniso_plan_make). */
#define SMALL_N 2048
/* Partial sums never take more than this much scratch memory. */
#define MAX_PARTIAL_BYTES ((size_t)256 << 20)

static int is_gradient(enum aniso_formula_id id)
{
	return id != ANISO_FORMULA_SUM;
}

static const char *formula_file(enum aniso_formula_id id)
{
	if (id == ANISO_FORMULA_GRAD_POINT)
		return "formula_grad_point.cl";
	if (id == ANISO_FORMULA_GRAD_METRIC)
		return "formula_grad_metric.cl";
	if (id == ANISO_FORMULA_GRAD_WEIGHT)
		return "formula_grad_weight.cl";
	return "formula_sum.cl";
}

/* The gradients are sums of terms whatever reduction they differentiate
 * (cl/grad_weight.cl). */
static aniso_reduction accumulation(const struct aniso_kernel_config *c)
{
	return is_gradient(c->formula) ? ANISO_REDUCTION_SUM : c->reduction;
}

size_t aniso_config_files(const struct aniso_kernel_config *c, const char *names[ANISO_MAX_SOURCES])
{
	size_t n = 0;

	names[n++] = "real.cl";
	names[n++] = aniso_metric_file(aniso_metric_of(c->K, c->D));
	names[n++] = "profile.cl";
	if (is_gradient(c->formula))
		names[n++] = "grad_weight.cl";
	names[n++] = formula_file(c->formula);
	names[n++] = accumulation(c) == ANISO_REDUCTION_LOGSUMEXP ? "reduce_lse.cl"
								  : "reduce_sum.cl";
	names[n++] = "reduce_j.cl";
	return n;
}

size_t aniso_formula_cols(enum aniso_formula_id id, const aniso_shape *shape)
{
	if (id == ANISO_FORMULA_GRAD_POINT)
		return shape->D;
	if (id == ANISO_FORMULA_GRAD_METRIC)
		return shape->K;
	return shape->E;
}

/* Must agree with TERM_COLS and ROW_COLS of the formula files: the
 * logsumexp gradients carry (u, v) pairs (cl/grad_weight.cl). */
size_t aniso_formula_term_cols(const struct aniso_formula *f, const aniso_shape *shape)
{
	return is_gradient(f->id) && f->reduction == ANISO_REDUCTION_LOGSUMEXP ? 2 * shape->E
									       : shape->E;
}

size_t aniso_formula_row_cols(const struct aniso_formula *f, const aniso_shape *shape)
{
	return is_gradient(f->id) ? aniso_formula_term_cols(f, shape) : 0;
}

int aniso_formula_packs_softmax(const struct aniso_kernel_config *c)
{
	return is_gradient(c->formula) && c->reduction == ANISO_REDUCTION_LOGSUMEXP;
}

/* Must agree with PARTIAL_WIDTH in the reduction files. */
size_t aniso_partial_width(const struct aniso_kernel_config *c)
{
	return accumulation(c) == ANISO_REDUCTION_LOGSUMEXP ? 2 : 1;
}

size_t aniso_formula_partial_width(const struct aniso_formula *f)
{
	struct aniso_kernel_config c;

	memset(&c, 0, sizeof(c));
	c.formula = f->id;
	c.reduction = f->reduction;
	return aniso_partial_width(&c);
}

static enum aniso_strategy strategy_for(const aniso_ctx *ctx)
{
	if (ctx->force_strategy >= 0)
		return (enum aniso_strategy)ctx->force_strategy;
	/* Barriers cost PoCL its vectorisation across work-items (measured:
	 * 0.28e9 pairs/s tiled against 1.83e9 for the plain loop, 2 cores). */
	return ctx->caps.kind == ANISO_KIND_CPU ? ANISO_STRATEGY_LOOP : ANISO_STRATEGY_TILED;
}

static size_t round_up(size_t value, size_t multiple)
{
	return (value + multiple - 1) / multiple * multiple;
}

/*
 * Private memory.  A work-item holds x_i, d = x_i - y_j and its rescaled
 * copy (D numbers each) and three sums of E, per lane, plus gamma unless
 * the kernel reads it from global memory (GAMMA_IN_GLOBAL).  Too much of it
 * crashed PoCL's worker threads (D = 200, full, fixed: 40000 doubles of
 * gamma) and spills on GPUs.  Measured with PoCL on 2 cores, float32:
 *  - fixed and per-j gamma read from global memory run as fast as a
 *    private copy from K = 64 on (D = 16 full fixed: 2.3e8 pairs/s either
 *    way; per-j 2.3e8 against 1.9e8 for the copy made each pair);
 *  - per-i gamma, a different row per lane, is gathered lane by lane from
 *    global memory: 8 to 25 times slower while the private rows fit
 *    (D = 16 full: 2.0e8 private with 16 lanes, 1.2e7 gathered), as fast
 *    once they do not (D = 64 full: 1.0e6 pairs/s either way, 4 lanes);
 *  - lanes for large D: D = 256 full, 4 lanes 4.1e4 pairs/s, 16 lanes
 *    3.4e4, 1 lane 1.9e4.
 */
/* Numbers of a fixed or per-j gamma row copied to private memory. */
#define PRIVATE_GAMMA_SHARED 256
/* Numbers of per-i gamma rows (K per lane) kept in private memory: D = 16
 * full with 16 lanes, which always worked. */
#define PRIVATE_GAMMA_PER_I 4096
/* Lanes times (D + E) at most: 16 lanes up to D + E = 64. */
#define PRIVATE_ROW_LANES 1024
/* Lanes that a gathered per-i gamma keeps (measured best at D = 64). */
#define GATHER_LANES 4

/* Rows i per work-item of the loop strategy, and where gamma is read.
 * row_cols: the numbers a row keeps besides x_i (its results, and its
 * weights where the formula has them); E for the sum. */
static size_t loop_lanes(const aniso_shape *shape, size_t row_cols, int *gamma_in_global)
{
	/* A multiple of the AVX width in floats; PoCL vectorises across
	 * the lanes of one work-item (see aniso_plan_make). */
	size_t lanes = shape->dtype == ANISO_FLOAT64 ? 8 : 16;

	while (lanes > 1 && lanes * (shape->D + row_cols) > PRIVATE_ROW_LANES)
		lanes /= 2;
	if (shape->gamma_var != ANISO_GAMMA_PER_I) {
		*gamma_in_global = shape->K > PRIVATE_GAMMA_SHARED;
		return lanes;
	}
	while (lanes > GATHER_LANES && lanes * shape->K > PRIVATE_GAMMA_PER_I)
		lanes /= 2;
	*gamma_in_global = lanes * shape->K > PRIVATE_GAMMA_PER_I;
	return lanes;
}

/* The largest power of two <= limit that fits the device, at least 1. */
static size_t tiled_work_group(const aniso_ctx *ctx, const aniso_shape *shape,
			       size_t term_cols, int gamma_in_global)
{
	size_t per_j = (shape->D + term_cols +
			(shape->gamma_var == ANISO_GAMMA_PER_J && !gamma_in_global ? shape->K : 0)) *
		       aniso_dtype_size(shape->dtype);
	size_t wg = 256;

	while (wg > 1 && (wg > ctx->caps.max_work_group_size ||
			  wg * per_j > ctx->caps.local_mem_bytes / 2))
		wg /= 2;
	return wg;
}

void aniso_plan_make(const aniso_ctx *ctx, const aniso_shape *shape,
		     const struct aniso_formula *formula, struct aniso_launch_plan *plan)
{
	struct aniso_kernel_config *c = &plan->config;

	memset(plan, 0, sizeof(*plan));
	c->dtype = shape->dtype;
	c->D = shape->D;
	c->E = shape->E;
	c->K = shape->K;
	c->gamma_var = shape->gamma_var;
	c->kernel = formula->kernel;
	c->formula = formula->id;
	c->out_cols = aniso_formula_cols(formula->id, shape);
	c->reduction = formula->reduction;
	c->truncated = formula->tolerance > 0;
	c->elementwise_ceil = ctx->caps.has_elementwise_ceil;
	c->strategy = strategy_for(ctx);
	if (c->strategy == ANISO_STRATEGY_LOOP) {
		/* PoCL does not vectorise across work-items once the kernel
		 * loops over j (the j loop is a floating-point reduction it may
		 * not reorder), so each work-item holds VW rows i in the lanes
		 * of one vector: two AVX registers of floats.  Measured with
		 * D = 2 on 2 cores: 16 lanes and 128-term chunks ran 1.4e9
		 * pairs per CPU-second against 1e8 for one row per work-item. */
		c->lanes = loop_lanes(shape,
				      c->out_cols + aniso_formula_row_cols(formula, shape),
				      &c->gamma_in_global);
		/* With few j per row, large groups keep PoCL's per-group cost
		 * (about a microsecond) below the work.  Otherwise two
		 * work-items, or one when a single one holds every row: PoCL
		 * runs a work-item with no row through the j loop all the same
		 * (measured, M = 16, N = 1e7: 0.62e9 pairs/s with two work-items
		 * per group, 1.23e9 with one). */
		c->work_group = shape->N < SMALL_N ? 32 : shape->M <= c->lanes ? 1 : 2;
		c->chunk = 128;
	} else {
		c->lanes = 1;
		/* One private gamma of more than a few hundred registers per
		 * work-item would spill anyway. */
		c->gamma_in_global = shape->K > PRIVATE_GAMMA_SHARED;
		c->work_group = tiled_work_group(ctx, shape, aniso_formula_term_cols(formula, shape),
						 c->gamma_in_global);
		c->chunk = c->work_group;
	}
	if (c->work_group > ctx->caps.max_work_group_size)
		c->work_group = ctx->caps.max_work_group_size ? ctx->caps.max_work_group_size : 1;
	aniso_plan_set_work_group(ctx, shape, plan, c->work_group);
}

size_t aniso_plan_j_block_len(const aniso_shape *shape, size_t out_cols, size_t partial_width)
{
	const size_t row_groups = (shape->M + NOMINAL_GROUP_ROWS - 1) / NOMINAL_GROUP_ROWS;
	const size_t max_blocks = (shape->N + J_BLOCK_QUANTUM - 1) / J_BLOCK_QUANTUM;
	const size_t partial_row_bytes = shape->M * out_cols * aniso_dtype_size(shape->dtype) *
					 partial_width;
	size_t j_blocks = row_groups ? (TARGET_GROUPS + row_groups - 1) / row_groups : 1;

	if (j_blocks > max_blocks)
		j_blocks = max_blocks;
	if (j_blocks > 1 && partial_row_bytes > 0 &&
	    j_blocks > MAX_PARTIAL_BYTES / partial_row_bytes)
		j_blocks = MAX_PARTIAL_BYTES / partial_row_bytes;
	if (j_blocks < 1)
		j_blocks = 1;
	return round_up((shape->N + j_blocks - 1) / j_blocks, J_BLOCK_QUANTUM);
}

void aniso_plan_set_work_group(const aniso_ctx *ctx, const aniso_shape *shape,
			       struct aniso_launch_plan *plan, size_t work_group)
{
	struct aniso_kernel_config *c = &plan->config;

	c->work_group = work_group;
	/* The tiled kernel's tile of j is its work-group. */
	if (c->strategy == ANISO_STRATEGY_TILED)
		c->chunk = work_group;
	plan->i_groups = (shape->M + c->work_group * c->lanes - 1) / (c->work_group * c->lanes);
	if (c->truncated) {
		/* One group per i-block, each over its listed j-blocks of one
		 * chunk (lib/truncate.c): no partials to merge. */
		plan->j_block_len = c->chunk;
		plan->j_blocks = (shape->N + c->chunk - 1) / c->chunk;
		return;
	}
	if (plan->j_block_len == 0) {
		const size_t partial_row_bytes = shape->M * c->out_cols *
						 aniso_dtype_size(shape->dtype) * aniso_partial_width(c);

		plan->j_block_len = aniso_plan_j_block_len(shape, c->out_cols,
							   aniso_partial_width(c));
		/* Device arrays cannot be cut into passes: on a device whose
		 * largest allocation cannot hold the partials, fewer, longer
		 * blocks (bits of this device's own; host arrays instead run
		 * the problem's blocks in passes of rows, see host_sum.c). */
		if (shape->N > plan->j_block_len && partial_row_bytes > 0 &&
		    (shape->N + plan->j_block_len - 1) / plan->j_block_len >
			    ctx->caps.max_alloc_bytes / partial_row_bytes) {
			size_t fit = (size_t)(ctx->caps.max_alloc_bytes / partial_row_bytes);

			plan->j_block_len = fit > 1 ? round_up((shape->N + fit - 1) / fit,
							       J_BLOCK_QUANTUM)
						    : shape->N;
		}
	}
	plan->j_blocks = (shape->N + plan->j_block_len - 1) / plan->j_block_len;
}

/* -w: PoCL warns about the ABI of 16-lane vectors on every build; errors
 * still reach the build log. */
void aniso_config_options(const struct aniso_kernel_config *c, char *buf,
			  size_t buf_size)
{
	snprintf(buf, buf_size,
		 "-cl-std=CL1.2 -w -DREAL_IS_DOUBLE=%d -DD=%zu -DE=%zu -DK=%zu "
		 "-DGAMMA_VAR=%d -DPROFILE=%d -DREDUCTION=%d -DFORMULA=%d -DVW=%zu -DTILED=%d "
		 "-DWG=%zu -DCHUNK=%zu -DGAMMA_IN_GLOBAL=%d -DTRUNCATED=%d -DELEMENTWISE_CEIL=%d",
		 c->dtype == ANISO_FLOAT64, c->D, c->E, c->K, (int)c->gamma_var, (int)c->kernel,
		 (int)c->reduction, (int)c->formula, c->lanes, c->strategy == ANISO_STRATEGY_TILED,
		 c->work_group, c->chunk, c->gamma_in_global, c->truncated, c->elementwise_ceil);
}
