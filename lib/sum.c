/* Running a sum on device buffers: the block-reduction over j (partial sums,
 * then a fixed-order combine). */
#include "config.h"

#include <math.h>

#include "internal.h"

double aniso_empty_value(const struct aniso_formula *formula)
{
	return formula->reduction == ANISO_REDUCTION_LOGSUMEXP ? -INFINITY : 0.0;
}

void aniso_fill_host(void *out, aniso_dtype dtype, size_t count, double value)
{
	size_t k;

	for (k = 0; k < count; ++k)
		if (dtype == ANISO_FLOAT64)
			((double *)out)[k] = value;
		else
			((float *)out)[k] = (float)value;
}

/* Set kernel arguments in order, keeping the first failure. */
struct arg_setter {
	cl_kernel kernel;
	cl_uint index;
	cl_int status;
};

static void set_arg(struct arg_setter *a, size_t size, const void *value)
{
	if (a->status == CL_SUCCESS)
		a->status = clSetKernelArg(a->kernel, a->index, size, value);
	++a->index;
}

/* The arguments partial_sums takes first, with and without TRUNCATED
 * (cl/reduce_j.cl): sizes, then x, y, b, gamma and where it writes. */
static void set_partial_sums_args(struct arg_setter *a, cl_ulong M, cl_ulong N,
				  cl_ulong j_block_len, cl_ulong i_groups, cl_mem x, cl_mem y,
				  cl_mem b, cl_mem gamma, cl_mem partial)
{
	set_arg(a, sizeof(M), &M);
	set_arg(a, sizeof(N), &N);
	set_arg(a, sizeof(j_block_len), &j_block_len);
	set_arg(a, sizeof(i_groups), &i_groups);
	set_arg(a, sizeof(cl_mem), &x);
	set_arg(a, sizeof(cl_mem), &y);
	set_arg(a, sizeof(cl_mem), &b);
	set_arg(a, sizeof(cl_mem), &gamma);
	set_arg(a, sizeof(cl_mem), &partial);
}

/* Wait for the queue: execution errors surface here, on the call that
 * caused them. */
static int finish(aniso_ctx *ctx)
{
	cl_int status = clFinish(ctx->queue);

	return status == CL_SUCCESS ? ANISO_OK : aniso_cl_fail(&ctx->msg, "clFinish", status);
}

/* out[idx] = the merge of partial[block][idx] over blocks (count numbers
 * each), in block order (combine_partials), then finish. */
static int combine_and_finish(aniso_ctx *ctx, const struct aniso_program *program,
			      cl_ulong count, cl_ulong blocks, cl_mem partial, cl_mem out)
{
	struct arg_setter args = {program->combine_kernel, 0, CL_SUCCESS};
	size_t global = (size_t)((count + 63) / 64 * 64);
	cl_int status;

	set_arg(&args, sizeof(count), &count);
	set_arg(&args, sizeof(blocks), &blocks);
	set_arg(&args, sizeof(cl_mem), &partial);
	set_arg(&args, sizeof(cl_mem), &out);
	if (args.status != CL_SUCCESS)
		return aniso_cl_fail(&ctx->msg, "clSetKernelArg(combine_partials)", args.status);
	status = clEnqueueNDRangeKernel(ctx->queue, program->combine_kernel, 1, NULL, &global,
					NULL, 0, NULL, NULL);
	if (status != CL_SUCCESS)
		return aniso_cl_fail(&ctx->msg, "clEnqueueNDRangeKernel(combine_partials)", status);
	return finish(ctx);
}

/* The plan of a launch and its program, the plan redone for the
 * work-group the program was built with (see aniso_program_get). */
static int plan_and_program(aniso_ctx *ctx, const aniso_shape *shape,
			    const struct aniso_formula *formula, struct aniso_launch_plan *plan,
			    struct aniso_program **program)
{
	int err;

	aniso_plan_make(ctx, shape, formula, plan);
	err = aniso_program_get(ctx, &plan->config, program);
	if (err == ANISO_OK && (*program)->work_group != plan->config.work_group)
		aniso_plan_set_work_group(ctx, shape, plan, (*program)->work_group);
	return err;
}

int aniso_sum_buffers(aniso_ctx *ctx, const aniso_shape *shape,
		      const struct aniso_formula *formula, cl_mem x, cl_mem y, cl_mem b,
		      cl_mem gamma, cl_mem out)
{
	return aniso_reduce_buffers(ctx, shape, formula, x, y, b, gamma, NULL, out);
}

int aniso_reduce_buffers(aniso_ctx *ctx, const aniso_shape *shape,
			 const struct aniso_formula *formula, cl_mem x, cl_mem y, cl_mem b,
			 cl_mem gamma, cl_mem a, cl_mem out)
{
	return aniso_reduce_blocks(ctx, shape, formula, 0, 0, x, y, b, gamma, a, out);
}

int aniso_reduce_blocks(aniso_ctx *ctx, const aniso_shape *shape,
			const struct aniso_formula *formula, size_t j_block_len,
			int partials_only, cl_mem x, cl_mem y, cl_mem b, cl_mem gamma, cl_mem a,
			cl_mem out)
{
	struct aniso_launch_plan plan;
	struct aniso_program *program = NULL;
	struct arg_setter args;
	cl_mem partial = out;
	cl_ulong M = shape->M, N = shape->N, j_block_len_arg, i_groups;
	size_t global, local;
	cl_int status;
	int err;

	aniso_plan_make(ctx, shape, formula, &plan);
	if (j_block_len) {
		plan.j_block_len = j_block_len;
		plan.j_blocks = (shape->N + j_block_len - 1) / j_block_len;
	}
	err = aniso_program_get(ctx, &plan.config, &program);
	if (err != ANISO_OK)
		goto out;
	if (program->work_group != plan.config.work_group)
		aniso_plan_set_work_group(ctx, shape, &plan, program->work_group);
	if (plan.j_blocks > 1 && !partials_only) {
		err = aniso_scratch_get(ctx, SCRATCH_PARTIAL,
					plan.j_blocks * shape->M * plan.config.out_cols *
						aniso_dtype_size(shape->dtype) *
						aniso_partial_width(&plan.config),
					&partial);
		if (err != ANISO_OK)
			goto out;
	}
	j_block_len_arg = plan.j_block_len;
	/* The kernel writes final values when one block covers all of N; a
	 * piece of one block whose partial is wanted passes a block of
	 * exactly N in a range one longer: the same j are summed in the same
	 * order (the range ends at the block's end), and the partial is
	 * stored. */
	if (partials_only && plan.j_blocks == 1) {
		j_block_len_arg = N;
		N = N + 1;
	}
	i_groups = plan.i_groups;
	args = (struct arg_setter){program->partial_kernel, 0, CL_SUCCESS};
	set_partial_sums_args(&args, M, N, j_block_len_arg, i_groups, x, y, b, gamma, partial);
	if (aniso_formula_row_cols(formula, shape) > 0)
		set_arg(&args, sizeof(cl_mem), &a);
	if (args.status != CL_SUCCESS) {
		err = aniso_cl_fail(&ctx->msg, "clSetKernelArg(partial_sums)", args.status);
		goto out;
	}
	/* One dimension: group g is i-group g % i_groups of j-block
	 * g / i_groups (see cl/reduce_j.cl). */
	global = plan.i_groups * plan.j_blocks * plan.config.work_group;
	local = plan.config.work_group;
	status = clEnqueueNDRangeKernel(ctx->queue, program->partial_kernel, 1, NULL,
					&global, &local, 0, NULL, NULL);
	if (status != CL_SUCCESS) {
		err = aniso_cl_fail(&ctx->msg, "clEnqueueNDRangeKernel(partial_sums)", status);
		goto out;
	}
	if (plan.j_blocks > 1 && !partials_only)
		err = combine_and_finish(ctx, program, (cl_ulong)shape->M * plan.config.out_cols,
					 plan.j_blocks, partial, out);
	else
		err = finish(ctx);
out:
	return err;
}

/* The combine pass adds partial[block][idx] over blocks in block order;
 * rows of a row-major array are such blocks. */
int aniso_sum_rows_buffers(aniso_ctx *ctx, const aniso_shape *shape,
			   const struct aniso_formula *formula, cl_mem rows,
			   size_t row_count, size_t cols, cl_mem out)
{
	struct aniso_launch_plan plan;
	struct aniso_program *program = NULL;
	int err;

	err = plan_and_program(ctx, shape, formula, &plan, &program);
	if (err == ANISO_OK)
		err = combine_and_finish(ctx, program, cols, row_count, rows, out);
	return err;
}

/* One side of a logsumexp gradient packed as (u, v) pairs by the formula's
 * program (cl/grad_weight.cl): rows x E numbers of values (and of weights,
 * or u = 1 where weights is NULL) into rows x 2E of packed. */
int aniso_pack_softmax_buffers(aniso_ctx *ctx, const aniso_shape *shape,
			       const struct aniso_formula *formula, size_t rows, cl_mem weights,
			       cl_mem values, double sign, cl_mem packed)
{
	struct aniso_launch_plan plan;
	struct aniso_program *program = NULL;
	struct arg_setter args;
	const cl_ulong row_count = rows;
	const cl_int has_weights = weights != NULL;
	const cl_double sign64 = sign;
	const cl_float sign32 = (cl_float)sign;
	size_t global = (rows * shape->E + 63) / 64 * 64;
	cl_int status;
	int err;

	err = plan_and_program(ctx, shape, formula, &plan, &program);
	if (err != ANISO_OK)
		goto out;
	args = (struct arg_setter){program->pack_kernel, 0, CL_SUCCESS};
	set_arg(&args, sizeof(row_count), &row_count);
	set_arg(&args, sizeof(has_weights), &has_weights);
	if (shape->dtype == ANISO_FLOAT64)
		set_arg(&args, sizeof(sign64), &sign64);
	else
		set_arg(&args, sizeof(sign32), &sign32);
	set_arg(&args, sizeof(cl_mem), has_weights ? &weights : &values);
	set_arg(&args, sizeof(cl_mem), &values);
	set_arg(&args, sizeof(cl_mem), &packed);
	if (args.status != CL_SUCCESS) {
		err = aniso_cl_fail(&ctx->msg, "clSetKernelArg(pack_softmax_side)", args.status);
		goto out;
	}
	status = clEnqueueNDRangeKernel(ctx->queue, program->pack_kernel, 1, NULL, &global, NULL,
					0, NULL, NULL);
	if (status != CL_SUCCESS)
		err = aniso_cl_fail(&ctx->msg, "clEnqueueNDRangeKernel(pack_softmax_side)", status);
out:
	return err;
}

/* The layout a truncated sum's lists must follow (lib/truncate.c): rows
 * per group (an i-block) and terms per j-block, of the program that will
 * run it (built here, so that a smaller work-group is known now). */
int aniso_truncated_layout(aniso_ctx *ctx, const aniso_shape *shape,
			   const struct aniso_formula *formula, size_t *i_block, size_t *j_block)
{
	struct aniso_launch_plan plan;
	struct aniso_program *program = NULL;
	int err;

	err = plan_and_program(ctx, shape, formula, &plan, &program);
	if (err != ANISO_OK)
		return err;
	*i_block = plan.config.work_group * plan.config.lanes;
	*j_block = plan.j_block_len;
	return ANISO_OK;
}

int aniso_reduce_listed(aniso_ctx *ctx, const aniso_shape *shape,
			const struct aniso_formula *formula, cl_mem x, cl_mem y, cl_mem b,
			cl_mem gamma, cl_mem block_start, cl_mem blocks, cl_mem out)
{
	struct aniso_launch_plan plan;
	struct aniso_program *program = NULL;
	struct arg_setter args;
	cl_ulong M = shape->M, N = shape->N, j_block_len, i_groups;
	size_t global, local;
	cl_int status;
	int err;

	err = plan_and_program(ctx, shape, formula, &plan, &program);
	if (err != ANISO_OK)
		goto out;
	j_block_len = plan.j_block_len;
	i_groups = plan.i_groups;
	args = (struct arg_setter){program->partial_kernel, 0, CL_SUCCESS};
	set_partial_sums_args(&args, M, N, j_block_len, i_groups, x, y, b, gamma, out);
	set_arg(&args, sizeof(cl_mem), &block_start);
	set_arg(&args, sizeof(cl_mem), &blocks);
	if (args.status != CL_SUCCESS) {
		err = aniso_cl_fail(&ctx->msg, "clSetKernelArg(partial_sums, listed)", args.status);
		goto out;
	}
	/* One group per i-block (see cl/reduce_j.cl, TRUNCATED). */
	global = plan.i_groups * plan.config.work_group;
	local = plan.config.work_group;
	status = clEnqueueNDRangeKernel(ctx->queue, program->partial_kernel, 1, NULL, &global,
					&local, 0, NULL, NULL);
	if (status != CL_SUCCESS) {
		err = aniso_cl_fail(&ctx->msg, "clEnqueueNDRangeKernel(partial_sums, listed)",
				    status);
		goto out;
	}
	err = finish(ctx);
out:
	return err;
}
