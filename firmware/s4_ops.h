/* SPDX-License-Identifier: MIT */
/*
 * Compute packets of the S4 engines (SPU, activation engine, vector
 * processor, embedding unit, reshape engine). Each packet is a struct
 * s4_pkt_hdr (s4_cmd.h) followed by one payload struct below; hdr.len is
 * exactly (8 + sizeof(payload)) / 8 and hdr.flags must be 0.
 *
 * Conventions for every payload:
 * - Tensors are device virtual addresses. A VA of 0 means "absent" and is
 *   only allowed for optional tensors; required tensors need a non-zero VA.
 * - Tensors live in device memory, each in one contiguous device-memory
 *   buffer: the engines reach it through the MMU once per tensor. A tensor
 *   in host memory, or spanning two buffers, faults (S4_ERR_MMU_FAULT);
 *   DMA_COPY moves data between host and device memory, as on the card.
 * - Dimensions are >= 1 and <= S4_DIM_MAX, and so are derived GEMM sizes
 *   (conv: batch * out_h * out_w and the reduction length). Row strides
 *   ("ld", "strides") count elements, batch strides count bytes. Elements
 *   are little endian.
 * - Tensor VAs are aligned to their element size; bias, scale, gamma and
 *   beta arrays (32-bit elements) to 4 bytes. Packed sparse weights need no
 *   alignment.
 * - Reserved fields must be 0; the engine rejects the packet otherwise.
 * - Outputs that overlap inputs or each other give undefined values (but
 *   never an access outside the tensors' ranges).
 *
 * Number formats:
 * - INT8: symmetric, zero point 0. GEMM/conv accumulate in int32, modulo
 *   2^32. Requantize per output channel n with struct s4_requant:
 *   y = sat8((acc * mult + 2^(shift-1)) >> shift), in 64-bit arithmetic,
 *   arithmetic shift (rounds half up); shift = 0 means no rounding term.
 * - BF16: products and sums in fp32; one rounding to bf16 (nearest, ties to
 *   even) on output. Bias and scale arrays are fp32.
 */
#ifndef S4_OPS_H
#define S4_OPS_H

#include "s4_types.h"
#include "s4_cmd.h"

#define S4_DIM_MAX	0x7fffffffu

/*
 * Bytes a tensor spans: rows x cols elements of esize bytes, rows ld
 * elements apart (ld >= cols is the caller's check), i.e.
 * ((rows - 1) * ld + cols) * esize; then batch such tensors, stride bytes
 * apart. 0, or -1 if a count is 0 or a size overflows 64 bits.
 */
static inline int s4_span_2d(uint64_t rows, uint64_t cols, uint64_t ld, uint64_t esize,
			     uint64_t *bytes)
{
	uint64_t elems;

	if (!rows || !cols || __builtin_mul_overflow(rows - 1, ld, &elems) ||
	    __builtin_add_overflow(elems, cols, &elems) ||
	    __builtin_mul_overflow(elems, esize, bytes))
		return -1;
	return 0;
}

static inline int s4_span_batch(uint64_t one, uint64_t batch, uint64_t stride, uint64_t *bytes)
{
	uint64_t off;

	if (!batch || __builtin_mul_overflow(batch - 1, stride, &off) ||
	    __builtin_add_overflow(off, one, bytes))
		return -1;
	return 0;
}

enum s4_dtype {
	S4_DT_INT8 = 1,
	S4_DT_BF16 = 2,
};

/* Per-output-channel requantization, INT8 only. shift <= S4_REQUANT_SHIFT_MAX. */
struct s4_requant {
	int32_t mult;
	uint32_t shift;
};
S4_STATIC_ASSERT(sizeof(struct s4_requant) == 8, "s4_requant size");
#define S4_REQUANT_SHIFT_MAX	62u

/*
 * Fused epilogue of SPU_GEMM and SPU_CONV2D, applied per output element
 * (m, n) to the accumulator acc:
 *   INT8: y = sat8(requant_n(acc + bias[n]) + res[m][n]); y = act(y)
 *         (scale_va required; act NONE or RELU)
 *   BF16: y = acc * scale[n] + bias[n] + res[m][n]; y = act(y); round to bf16
 *         (scale absent = 1, bias absent = 0; act any enum s4_act_func)
 * @bias_va: 0 or [N] int32 (INT8) / fp32 (BF16)
 * @scale_va: [N] struct s4_requant (INT8) / 0 or [N] fp32 (BF16)
 * @res_va: 0 or residual in the output's dtype and shape
 * @res_batch_stride: bytes between batches of the residual (GEMM; 0 for conv)
 * @res_ld: row stride of the residual in elements (GEMM, >= N; 0 for conv)
 * @act: enum s4_act_func (s4_act.h)
 */
struct s4_epilogue {
	uint64_t bias_va;
	uint64_t scale_va;
	uint64_t res_va;
	uint64_t res_batch_stride;
	uint32_t res_ld;
	uint16_t act;
	uint16_t rsvd;
};
S4_STATIC_ASSERT(sizeof(struct s4_epilogue) == 40, "s4_epilogue size");

/*
 * S4_OP_SPU_GEMM: for each batch b, C[M][N] = epilogue(A[M][K] x W^T), where
 * W is a packed sparse [N][K] tensor (s4_sparse.h) of the same dtype as A.
 * A rows are lda elements apart, C rows ldc elements apart (lda >= K,
 * ldc >= N). Batches are *_batch_stride bytes apart (may be 0 for A and W
 * when batch > 1 to broadcast; must be >= one batch's extent for C).
 * @sparsity: s in {1, 2, 4, 8, 16, 32}
 */
struct s4_op_gemm {
	uint64_t a_va;
	uint64_t w_va;
	uint64_t c_va;
	uint64_t a_batch_stride;
	uint64_t w_batch_stride;
	uint64_t c_batch_stride;
	uint32_t m;
	uint32_t n;
	uint32_t k;
	uint32_t batch;
	uint32_t lda;
	uint32_t ldc;
	uint8_t dtype;
	uint8_t sparsity;
	uint8_t rsvd[6];
	struct s4_epilogue ep;
};
S4_STATIC_ASSERT(sizeof(struct s4_op_gemm) == 120, "s4_op_gemm size");

/*
 * S4_OP_SPU_CONV2D: Y = epilogue(conv2d(X, W)).
 * X is NHWC [batch][in_h][in_w][in_c], Y is NHWC [batch][out_h][out_w][out_c],
 * both densely packed. Groups split the channels: in_c and out_c are
 * multiples of groups (depthwise: groups == in_c). W is a packed sparse
 * [out_c][K] tensor with K = kernel_h * kernel_w * (in_c / groups), the
 * reduction index being (kh * kernel_w + kw) * (in_c / groups) + c (so weight
 * row order is OHWI). Output channel o uses input channels of group
 * o / (out_c / groups). Padding is symmetric (pad_h rows above and below),
 * out_h must be (in_h + 2 pad_h - dil_h (kernel_h - 1) - 1) / stride_h + 1
 * (same for w). Strides and dilations are >= 1. The residual is laid out like
 * Y (res_ld and res_batch_stride must be 0).
 */
struct s4_op_conv2d {
	uint64_t x_va;
	uint64_t w_va;
	uint64_t y_va;
	uint32_t batch;
	uint32_t in_h;
	uint32_t in_w;
	uint32_t in_c;
	uint32_t out_h;
	uint32_t out_w;
	uint32_t out_c;
	uint32_t groups;
	uint16_t kernel_h;
	uint16_t kernel_w;
	uint16_t stride_h;
	uint16_t stride_w;
	uint16_t pad_h;
	uint16_t pad_w;
	uint16_t dil_h;
	uint16_t dil_w;
	uint8_t dtype;
	uint8_t sparsity;
	uint8_t rsvd[6];
	struct s4_epilogue ep;
};
S4_STATIC_ASSERT(sizeof(struct s4_op_conv2d) == 120, "s4_op_conv2d size");

/*
 * S4_OP_ACT: out[i] = func(in[i]) for count contiguous BF16 elements, using
 * the activation tables of the loaded firmware (s4_act.h).
 */
struct s4_op_act {
	uint64_t in_va;
	uint64_t out_va;
	uint64_t count;
	uint16_t func;		/* enum s4_act_func, not S4_ACT_NONE */
	uint8_t dtype;		/* S4_DT_BF16 */
	uint8_t rsvd[5];
};
S4_STATIC_ASSERT(sizeof(struct s4_op_act) == 32, "s4_op_act size");

enum s4_eltwise_op {
	S4_ELTWISE_ADD = 0,	/* out = a + b */
	S4_ELTWISE_MUL = 1,	/* out = a * b */
	S4_ELTWISE_SCALE = 2,	/* out = a * alpha + beta; b_va must be 0 */
};

/* S4_OP_VEC_ELTWISE: count contiguous BF16 elements, fp32 math. */
struct s4_op_eltwise {
	uint64_t a_va;
	uint64_t b_va;
	uint64_t out_va;
	uint64_t count;
	uint32_t alpha;		/* fp32 bits */
	uint32_t beta;		/* fp32 bits */
	uint8_t op;		/* enum s4_eltwise_op */
	uint8_t dtype;		/* S4_DT_BF16 */
	uint8_t rsvd[6];
};
S4_STATIC_ASSERT(sizeof(struct s4_op_eltwise) == 48, "s4_op_eltwise size");

/*
 * S4_OP_VEC_SOFTMAX: row-wise softmax over cols elements of each of rows
 * BF16 rows (max-subtracted, fp32 math). Rows are ld_in / ld_out elements
 * apart (>= cols).
 */
struct s4_op_softmax {
	uint64_t in_va;
	uint64_t out_va;
	uint32_t rows;
	uint32_t cols;
	uint32_t ld_in;
	uint32_t ld_out;
	uint8_t dtype;		/* S4_DT_BF16 */
	uint8_t rsvd[7];
};
S4_STATIC_ASSERT(sizeof(struct s4_op_softmax) == 40, "s4_op_softmax size");

/*
 * S4_OP_VEC_LAYERNORM: per row, y = (x - mean) / sqrt(var + eps) * gamma +
 * beta over cols BF16 elements (biased variance, fp32 math). gamma and beta
 * are optional [cols] fp32 arrays (absent: 1 and 0).
 */
struct s4_op_layernorm {
	uint64_t in_va;
	uint64_t out_va;
	uint64_t gamma_va;
	uint64_t beta_va;
	uint32_t rows;
	uint32_t cols;
	uint32_t ld_in;
	uint32_t ld_out;
	uint32_t eps;		/* fp32 bits, >= 0 and finite */
	uint8_t dtype;		/* S4_DT_BF16 */
	uint8_t rsvd[3];
};
S4_STATIC_ASSERT(sizeof(struct s4_op_layernorm) == 56, "s4_op_layernorm size");

enum s4_reduce_op {
	S4_REDUCE_SUM = 0,
	S4_REDUCE_MAX = 1,
	S4_REDUCE_MEAN = 2,
};

/*
 * S4_OP_VEC_REDUCE: input is a dense BF16 [outer][axis][inner] tensor,
 * output the dense BF16 [outer][inner] reduction along the middle axis
 * (fp32 accumulation in index order).
 */
struct s4_op_reduce {
	uint64_t in_va;
	uint64_t out_va;
	uint32_t outer;
	uint32_t axis;
	uint32_t inner;
	uint8_t op;		/* enum s4_reduce_op */
	uint8_t dtype;		/* S4_DT_BF16 */
	uint8_t rsvd[2];
};
S4_STATIC_ASSERT(sizeof(struct s4_op_reduce) == 32, "s4_op_reduce size");

/*
 * S4_OP_EMBED: out[i][:] = table[idx[i]][:] for count uint32 indices. Table
 * rows hold dim elements of elem_size (1, 2, 4 or 8) bytes, table_ld and
 * out_ld elements apart (>= dim). Any index >= rows fails the job with
 * S4_ERR_BAD_ARG before anything is written.
 */
struct s4_op_embed {
	uint64_t table_va;
	uint64_t idx_va;
	uint64_t out_va;
	uint32_t rows;
	uint32_t dim;
	uint32_t count;
	uint32_t table_ld;
	uint32_t out_ld;
	uint8_t elem_size;
	uint8_t rsvd[3];
};
S4_STATIC_ASSERT(sizeof(struct s4_op_embed) == 48, "s4_op_embed size");

#define S4_RESHAPE_DIMS		4

/*
 * Bytes a strided S4_RESHAPE_DIMS-d view spans: (sum (dims - 1) * strides
 * + 1) * esize. 0, or -1 if a dimension is 0 or above S4_DIM_MAX or a size
 * overflows 64 bits.
 */
static inline int s4_span_nd(const uint32_t *dims, const uint32_t *strides, uint64_t esize,
			     uint64_t *bytes)
{
	uint64_t last = 0, part;
	unsigned int d;

	for (d = 0; d < S4_RESHAPE_DIMS; d++)
		if (!dims[d] || dims[d] > S4_DIM_MAX ||
		    __builtin_mul_overflow((uint64_t)dims[d] - 1, strides[d], &part) ||
		    __builtin_add_overflow(last, part, &last))
			return -1;
	if (__builtin_add_overflow(last, 1, &last) ||
	    __builtin_mul_overflow(last, esize, bytes))
		return -1;
	return 0;
}

/*
 * S4_OP_RESHAPE_PERMUTE: out is the dense tensor with out_dims[i] =
 * dims[perm[i]] and out[i0][i1][i2][i3] = in[j] where j has j[perm[i]] = i[i];
 * in element (j0..j3) is at sum(j[d] * in_strides[d]). perm is a permutation
 * of 0..3; unused leading dims are 1.
 */
struct s4_op_permute {
	uint64_t in_va;
	uint64_t out_va;
	uint32_t dims[S4_RESHAPE_DIMS];
	uint32_t in_strides[S4_RESHAPE_DIMS];	/* elements */
	uint8_t perm[S4_RESHAPE_DIMS];
	uint8_t elem_size;	/* 1, 2, 4 or 8 */
	uint8_t rsvd[3];
};
S4_STATIC_ASSERT(sizeof(struct s4_op_permute) == 56, "s4_op_permute size");

/*
 * S4_OP_RESHAPE_STRIDED: out[sum(i[d] * out_strides[d])] =
 * in[sum(i[d] * in_strides[d])] for every index i < dims. Input strides may
 * be 0 (broadcast); the index space may not have more elements than the
 * output span (so output strides of 0 are only allowed on dims of 1).
 */
struct s4_op_strided {
	uint64_t in_va;
	uint64_t out_va;
	uint32_t dims[S4_RESHAPE_DIMS];
	uint32_t in_strides[S4_RESHAPE_DIMS];	/* elements */
	uint32_t out_strides[S4_RESHAPE_DIMS];	/* elements */
	uint8_t elem_size;	/* 1, 2, 4 or 8 */
	uint8_t rsvd[7];
};
S4_STATIC_ASSERT(sizeof(struct s4_op_strided) == 72, "s4_op_strided size");

/* Whole packets: header followed by payload. */
#define S4_DEFINE_PKT(name)						\
	struct s4_pkt_##name {						\
		struct s4_pkt_hdr hdr;					\
		struct s4_op_##name op;					\
	}

S4_DEFINE_PKT(gemm);
S4_DEFINE_PKT(conv2d);
S4_DEFINE_PKT(act);
S4_DEFINE_PKT(eltwise);
S4_DEFINE_PKT(softmax);
S4_DEFINE_PKT(layernorm);
S4_DEFINE_PKT(reduce);
S4_DEFINE_PKT(embed);
S4_DEFINE_PKT(permute);
S4_DEFINE_PKT(strided);

#undef S4_DEFINE_PKT

#endif /* S4_OPS_H */
