/* SPDX-License-Identifier: MIT */
/*
 * The SPU job driver shared by S4_OP_SPU_GEMM and S4_OP_SPU_CONV2D: packs A
 * (dense rows or conv patches) and W, runs the kernels on the thread pool and
 * applies the fused epilogue. All pointers are host pointers already mapped
 * and bounds-checked by the caller for the whole problem.
 */
#ifndef S4_SPU_H
#define S4_SPU_H

#include "engine_priv.h"

/* Source of the rows of A. */
struct spu_src {
	const uint8_t *base;
	uint64_t ld;			/* dense: bytes between rows */
	const struct s4_op_conv2d *conv;	/* non-NULL: im2col of this conv */
	uint32_t group;			/* conv group whose channels to take */
};

struct spu_epi {
	const void *bias;		/* int32 / fp32 [N] or NULL */
	const void *scale;		/* struct s4_requant / fp32 [N] or NULL */
	const uint8_t *res;		/* residual or NULL */
	uint64_t res_ld;		/* elements */
	unsigned int act;
	const struct s4_act_fn *act_fn;	/* table for act, NULL if none needed */
};

struct spu_problem {
	unsigned int dtype;
	unsigned int sparsity;
	uint32_t m, n, k;
	struct spu_src a;
	const uint8_t *w_val;		/* values of row 0 of this problem */
	const uint8_t *w_idx;		/* indices of row 0 */
	uint64_t w_nnz_row;
	uint8_t *c;
	uint64_t ldc;			/* elements */
	struct spu_epi ep;
};

/* 0, -S4_ERR_BAD_ARG (bad weight index, or scratch memory exhausted). */
int spu_run(struct s4_job *job, const struct spu_problem *pb);

/* Checks shared by GEMM and conv validation. */
int spu_validate_epilogue(const struct s4_epilogue *ep, unsigned int dtype);

/* Map bias/scale of channels [0, n) and the residual of res_bytes. */
int spu_map_epilogue(struct s4_job *job, const struct s4_epilogue *ep,
		     unsigned int dtype, uint64_t n, uint64_t res_bytes,
		     struct spu_epi *out);

#endif /* S4_SPU_H */
