// SPDX-License-Identifier: MIT
/*
 * S4_OP_SPU_CONV2D: NHWC sparse convolution as one SPU problem per group,
 * with A made of im2col patches (built on the fly by the SPU driver).
 */
#include "s4_sparse.h"
#include "spu.h"

struct conv_extent {
	uint64_t m;		/* output pixels */
	uint64_t k;		/* reduction length */
	uint64_t x, y;		/* bytes */
	struct s4_sparse_geom wg;
};

static int conv_out_dim(uint32_t in, uint32_t kernel, uint32_t stride,
			uint32_t pad, uint32_t dil, uint32_t out)
{
	uint64_t span = (uint64_t)dil * (kernel - 1) + 1;
	uint64_t padded = (uint64_t)in + 2 * (uint64_t)pad;

	return padded >= span && (padded - span) / stride + 1 == out ? 0 : -1;
}

static int conv_extent(const struct s4_op_conv2d *op, struct conv_extent *x)
{
	unsigned int es = s4_dtype_size(op->dtype);
	uint64_t pix_in;

	x->k = (uint64_t)op->kernel_h * op->kernel_w * (op->in_c / op->groups);
	if (__builtin_mul_overflow((uint64_t)op->batch * op->out_h, op->out_w, &x->m) ||
	    x->m > S4_DIM_MAX || x->k > S4_DIM_MAX ||
	    __builtin_mul_overflow((uint64_t)op->batch * op->in_h, op->in_w, &pix_in) ||
	    __builtin_mul_overflow(pix_in, (uint64_t)op->in_c * es, &x->x) ||
	    __builtin_mul_overflow(x->m, (uint64_t)op->out_c * es, &x->y) ||
	    s4_sparse_geometry(op->out_c, x->k, op->sparsity, es, &x->wg))
		return -S4_ERR_BAD_ARG;
	return 0;
}

int s4_validate_conv2d(const void *p)
{
	const struct s4_op_conv2d *op = p;
	unsigned int es = s4_dtype_size(op->dtype);
	struct conv_extent x;

	if (!es || !s4_sparsity_valid(op->sparsity) ||
	    !s4_all_zero(op->rsvd, sizeof(op->rsvd)) ||
	    !op->x_va || !op->w_va || !op->y_va || (op->x_va | op->y_va) & (es - 1) ||
	    !op->batch || !op->in_h || !op->in_w || !op->in_c || !op->out_c ||
	    !op->groups || op->in_c % op->groups || op->out_c % op->groups ||
	    op->batch > S4_DIM_MAX || op->in_h > S4_DIM_MAX || op->in_w > S4_DIM_MAX ||
	    op->in_c > S4_DIM_MAX || op->out_c > S4_DIM_MAX ||
	    !op->kernel_h || !op->kernel_w || !op->stride_h || !op->stride_w ||
	    !op->dil_h || !op->dil_w ||
	    conv_out_dim(op->in_h, op->kernel_h, op->stride_h, op->pad_h, op->dil_h, op->out_h) ||
	    conv_out_dim(op->in_w, op->kernel_w, op->stride_w, op->pad_w, op->dil_w, op->out_w) ||
	    op->ep.res_ld || op->ep.res_batch_stride ||
	    spu_validate_epilogue(&op->ep, op->dtype))
		return -S4_ERR_BAD_ARG;
	return conv_extent(op, &x);
}

int s4_exec_conv2d(struct s4_job *job, const void *p)
{
	const struct s4_op_conv2d *op = p;
	unsigned int es = s4_dtype_size(op->dtype);
	uint32_t ocg = op->out_c / op->groups;
	struct spu_problem pb = {
		.dtype = op->dtype, .sparsity = op->sparsity,
		.n = ocg, .ldc = op->out_c,
	};
	struct spu_epi ep;
	struct conv_extent x;
	void *xs, *w, *y;
	uint32_t g;
	int ret;

	ret = conv_extent(op, &x);
	if (!ret)
		ret = s4_job_map(job, op->x_va, x.x, 0, &xs);
	if (!ret)
		ret = s4_job_map(job, op->w_va, x.wg.bytes, 0, &w);
	if (!ret)
		ret = s4_job_map(job, op->y_va, x.y, 1, &y);
	if (!ret)
		ret = spu_map_epilogue(job, &op->ep, op->dtype, op->out_c, x.y, &ep);
	if (ret)
		return ret;
	pb.m = (uint32_t)x.m;
	pb.k = (uint32_t)x.k;
	pb.a.base = xs;
	pb.a.conv = op;
	pb.w_nnz_row = x.wg.nnz_per_row;
	for (g = 0; g < op->groups && !ret; g++) {
		uint64_t n0 = (uint64_t)g * ocg;
		size_t scale_es = op->dtype == S4_DT_INT8 ? sizeof(struct s4_requant) : 4;

		pb.a.group = g;
		pb.w_val = (const uint8_t *)w + n0 * x.wg.nnz_per_row * es;
		pb.w_idx = (const uint8_t *)w + x.wg.idx_off + n0 * x.wg.nnz_per_row;
		pb.c = (uint8_t *)y + n0 * es;
		pb.ep = ep;
		pb.ep.bias = ep.bias ? (const uint8_t *)ep.bias + n0 * 4 : NULL;
		pb.ep.scale = ep.scale ? (const uint8_t *)ep.scale + n0 * scale_es : NULL;
		pb.ep.res = ep.res ? ep.res + n0 * es : NULL;
		pb.ep.res_ld = op->out_c;
		ret = spu_run(job, &pb);
	}
	return ret;
}
