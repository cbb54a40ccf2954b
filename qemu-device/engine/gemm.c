// SPDX-License-Identifier: MIT
/* S4_OP_SPU_GEMM: batched C = epilogue(A x W^T) with sparse W. */
#include "s4_sparse.h"
#include "spu.h"

/* Byte extents of every tensor of the op, all batches included. */
struct gemm_extent {
	uint64_t a, w, c, res;
	uint64_t w_one;		/* one batch of W */
	struct s4_sparse_geom wg;
};

static int gemm_extent(const struct s4_op_gemm *op, struct gemm_extent *x)
{
	unsigned int es = s4_dtype_size(op->dtype);
	uint64_t a_one, c_one, r_one = 0;

	if (s4_span_2d(op->m, op->k, op->lda, es, &a_one) ||
	    s4_span_2d(op->m, op->n, op->ldc, es, &c_one) ||
	    s4_sparse_geometry(op->n, op->k, op->sparsity, es, &x->wg))
		return -S4_ERR_BAD_ARG;
	x->w_one = x->wg.bytes;
	if (op->batch > 1 && op->c_batch_stride < c_one)
		return -S4_ERR_BAD_ARG;	/* output batches would overlap */
	if (op->ep.res_va && s4_span_2d(op->m, op->n, op->ep.res_ld, es, &r_one))
		return -S4_ERR_BAD_ARG;
	if (s4_span_batch(a_one, op->batch, op->a_batch_stride, &x->a) ||
	    s4_span_batch(x->w_one, op->batch, op->w_batch_stride, &x->w) ||
	    s4_span_batch(c_one, op->batch, op->c_batch_stride, &x->c) ||
	    s4_span_batch(r_one, op->batch, op->ep.res_batch_stride, &x->res))
		return -S4_ERR_BAD_ARG;
	return 0;
}

int s4_validate_gemm(const void *p)
{
	const struct s4_op_gemm *op = p;
	unsigned int es = s4_dtype_size(op->dtype);
	struct gemm_extent x;

	if (!es || !s4_sparsity_valid(op->sparsity) ||
	    !s4_all_zero(op->rsvd, sizeof(op->rsvd)) ||
	    !op->a_va || !op->w_va || !op->c_va || (op->a_va | op->c_va) & (es - 1) ||
	    !op->m || !op->n || !op->k || !op->batch ||
	    op->m > S4_DIM_MAX || op->n > S4_DIM_MAX || op->k > S4_DIM_MAX ||
	    op->lda < op->k || op->ldc < op->n ||
	    (op->a_batch_stride | op->c_batch_stride) & (es - 1))
		return -S4_ERR_BAD_ARG;
	if (op->ep.res_va ? op->ep.res_ld < op->n || op->ep.res_batch_stride & (es - 1)
			  : op->ep.res_ld || op->ep.res_batch_stride)
		return -S4_ERR_BAD_ARG;
	if (spu_validate_epilogue(&op->ep, op->dtype))
		return -S4_ERR_BAD_ARG;
	return gemm_extent(op, &x);
}

/*
 * Batches that share one W and whose rows of A, C (and residual) continue
 * the previous batch's are one problem with more rows, so that W is packed
 * once for them: how many batches go together (1: each on its own).
 */
static uint32_t gemm_fold(const struct s4_op_gemm *op, unsigned int es)
{
	uint32_t most = S4_DIM_MAX / op->m;

	if (op->batch == 1 || op->w_batch_stride ||
	    op->a_batch_stride != (uint64_t)op->m * op->lda * es ||
	    op->c_batch_stride != (uint64_t)op->m * op->ldc * es ||
	    (op->ep.res_va && op->ep.res_batch_stride != (uint64_t)op->m * op->ep.res_ld * es))
		return 1;
	return op->batch < most ? op->batch : most;
}

int s4_exec_gemm(struct s4_job *job, const void *p)
{
	const struct s4_op_gemm *op = p;
	unsigned int es = s4_dtype_size(op->dtype);
	struct spu_problem pb = {
		.dtype = op->dtype, .sparsity = op->sparsity,
		.n = op->n, .k = op->k,	/* m: per run of batches, below */
		.ldc = op->ldc,
	};
	struct gemm_extent x;
	void *a, *w, *c;
	uint64_t b;	/* b + fold must not wrap */
	uint32_t fold;
	int ret;

	ret = gemm_extent(op, &x);
	if (!ret)
		ret = s4_job_map(job, op->a_va, x.a, 0, &a);
	if (!ret)
		ret = s4_job_map(job, op->w_va, x.w, 0, &w);
	if (!ret)
		ret = s4_job_map(job, op->c_va, x.c, 1, &c);
	if (!ret)
		ret = spu_map_epilogue(job, &op->ep, op->dtype, op->n, x.res, &pb.ep);
	if (ret)
		return ret;
	pb.a.ld = (uint64_t)op->lda * es;
	pb.w_nnz_row = x.wg.nnz_per_row;
	fold = gemm_fold(op, es);
	for (b = 0; b < op->batch && !ret; b += fold) {
		const uint8_t *wb = (const uint8_t *)w + b * op->w_batch_stride;
		const uint8_t *res = pb.ep.res;

		pb.m = op->m * (uint32_t)(op->batch - b < fold ? op->batch - b : fold);
		pb.a.base = (const uint8_t *)a + b * op->a_batch_stride;
		pb.w_val = wb;
		pb.w_idx = wb + x.wg.idx_off;
		pb.c = (uint8_t *)c + b * op->c_batch_stride;
		if (res)
			pb.ep.res = res + b * op->ep.res_batch_stride;
		pb.ep.res_ld = op->ep.res_ld;
		ret = spu_run(job, &pb);
		pb.ep.res = res;
	}
	return ret;
}
