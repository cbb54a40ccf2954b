// SPDX-License-Identifier: MIT
/*
 * Packet validation and memory safety: malformed headers, bad arguments,
 * overflowing sizes, faulting mappings and bad weight indices must be
 * rejected with the documented error, before touching card memory.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "s4_sparse.h"
#include "test_util.h"

static struct s4_op_gemm good_gemm(void)
{
	struct s4_op_gemm op = {
		.a_va = FAKE_BASE_VA, .w_va = FAKE_BASE_VA + 0x10000,
		.c_va = FAKE_BASE_VA + 0x20000,
		.m = 4, .n = 8, .k = 64, .batch = 1, .lda = 64, .ldc = 8,
		.dtype = S4_DT_INT8, .sparsity = 2,
		.ep = { .scale_va = FAKE_BASE_VA + 0x30000 },
	};
	return op;
}

/* Validate a good GEMM payload under a given header, at a given offset. */
static int validate_with_hdr(uint16_t len, uint32_t flags, size_t avail, size_t offset)
{
	struct s4_op_gemm op = good_gemm();
	struct s4_pkt_hdr hdr = { .opcode = S4_OP_SPU_GEMM, .len = len, .flags = flags };
	uint64_t buf[40] = { 0 };
	uint8_t *raw = (uint8_t *)buf + offset;

	memcpy(raw, &hdr, sizeof(hdr));
	memcpy(raw + sizeof(hdr), &op, sizeof(op));
	return s4_engine_validate((const void *)raw, avail);
}

TEST(header_checks)
{
	const uint16_t len = (8 + sizeof(struct s4_op_gemm)) / 8;

	EXPECT_EQ(0, validate_with_hdr(len, 0, 256, 0));
	EXPECT_EQ(0, validate_with_hdr(len, 0, 8u * len, 1));	/* misaligned is fine */
	EXPECT_EQ(-S4_ERR_BAD_PACKET, validate_with_hdr(len, 0, 7, 0));
	EXPECT_EQ(-S4_ERR_BAD_PACKET, validate_with_hdr(len, 0, 8u * len - 8, 0));
	EXPECT_EQ(-S4_ERR_BAD_PACKET, validate_with_hdr(0, 0, 256, 0));
	EXPECT_EQ(-S4_ERR_BAD_PACKET, validate_with_hdr(len + 1, 0, 256, 0));
	EXPECT_EQ(-S4_ERR_BAD_PACKET, validate_with_hdr(len - 1, 0, 256, 0));
	EXPECT_EQ(-S4_ERR_BAD_PACKET, validate_with_hdr(len, 1, 256, 0));
	EXPECT_EQ(-S4_ERR_BAD_PACKET, validate_with_hdr(0xffff, 0, 256, 0));
	EXPECT_EQ(-S4_ERR_BAD_PACKET, s4_engine_validate(NULL, 64));
}

TEST(control_and_unknown_opcodes)
{
	static const uint16_t codes[] = { S4_OP_NOP, S4_OP_FENCE_WRITE, S4_OP_FENCE_WAIT,
					  S4_OP_DMA_COPY, S4_OP_DMA_FILL, 0x0202, 0x0301,
					  0x0404, 0x0700, 0xffff };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		EXPECT_EQ(-S4_ERR_BAD_OPCODE, validate_op(codes[i], "\0\0\0\0\0\0\0\0", 8));
}

/* Validation result of the good GEMM after `change` (an expression on op). */
#define GEMM_WITH(change) \
	(op = good_gemm(), (change), validate_op(S4_OP_SPU_GEMM, &op, sizeof(op)))

TEST(gemm_argument_checks)
{
	struct s4_op_gemm ok = good_gemm(), op, bf = good_gemm();

	ASSERT_EQ(0, validate_op(S4_OP_SPU_GEMM, &ok, sizeof(ok)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.m = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.n = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.k = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.batch = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.lda = 63));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.ldc = 7));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.sparsity = 3));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.sparsity = 64));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.sparsity = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.dtype = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.dtype = 7));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.rsvd[5] = 1));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.ep.rsvd = 1));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.a_va = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.c_va = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.ep.scale_va = 0));		/* INT8 needs requant */
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.ep.act = S4_ACT_GELU));	/* INT8: none or relu */
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.ep.act = S4_ACT_NUM_FUNCS));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.ep.bias_va = FAKE_BASE_VA + 2));	/* misaligned */
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.m = S4_DIM_MAX + 1u));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH(op.ep.res_ld = 8));		/* res_ld without res */
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH((op.ep.res_va = FAKE_BASE_VA, op.ep.res_ld = 7)));
	/* Output batches must not overlap. */
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH((op.batch = 2, op.c_batch_stride = 8)));
	/* Sizes overflowing 64 bits. */
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH((op.m = S4_DIM_MAX, op.lda = 0xffffffffu,
						  op.batch = 0xffffffffu,
						  op.a_batch_stride = 1ull << 62)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH((op.batch = 3, op.c_batch_stride = 1ull << 63)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, GEMM_WITH((op.batch = 3, op.w_batch_stride = UINT64_MAX / 2)));
	bf.dtype = S4_DT_BF16;
	bf.ep.scale_va = 0;
	bf.ep.act = S4_ACT_GELU;
	EXPECT_EQ(0, validate_op(S4_OP_SPU_GEMM, &bf, sizeof(bf)));
	bf.a_va |= 1;		/* bf16 tensor at an odd address */
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_SPU_GEMM, &bf, sizeof(bf)));
}

TEST(conv_argument_checks)
{
	struct s4_op_conv2d good = {
		.x_va = FAKE_BASE_VA, .w_va = FAKE_BASE_VA + 0x10000, .y_va = FAKE_BASE_VA + 0x20000,
		.batch = 1, .in_h = 8, .in_w = 8, .in_c = 16, .out_h = 4, .out_w = 4, .out_c = 32,
		.groups = 1, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
		.pad_h = 1, .pad_w = 1, .dil_h = 1, .dil_w = 1, .dtype = S4_DT_BF16, .sparsity = 4,
	};
	struct s4_op_conv2d op;

	EXPECT_EQ(0, validate_op(S4_OP_SPU_CONV2D, &good, sizeof(good)));
#define CONV_WITH(change) \
	(op = good, (change), validate_op(S4_OP_SPU_CONV2D, &op, sizeof(op)))
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH(op.out_h = 5));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH(op.out_w = 3));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH(op.stride_h = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH(op.dil_w = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH(op.kernel_h = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH(op.groups = 0));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH(op.groups = 3));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH(op.in_c = 0));
	/* kernel larger than the padded input */
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH((op.kernel_h = 20, op.out_h = 1)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH(op.ep.res_ld = 32));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH((op.batch = 0x7fffffff, op.in_h = 0x7fffffff,
						  op.out_h = 0x3fffffff + 1)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, CONV_WITH((op.batch = 0x7fffffff, op.out_c = 0x7fffffff)));
#undef CONV_WITH
}

TEST(other_ops_argument_checks)
{
	struct s4_op_act act = { .in_va = FAKE_BASE_VA, .out_va = FAKE_BASE_VA, .count = 1,
				 .func = S4_ACT_NONE, .dtype = S4_DT_BF16 };
	struct s4_op_eltwise elt = { .a_va = FAKE_BASE_VA, .out_va = FAKE_BASE_VA, .count = 4,
				     .op = S4_ELTWISE_ADD, .dtype = S4_DT_BF16 };
	struct s4_op_embed emb = { .table_va = FAKE_BASE_VA, .idx_va = FAKE_BASE_VA,
				   .out_va = FAKE_BASE_VA, .rows = 1, .dim = 1, .count = 1,
				   .table_ld = 1, .out_ld = 1, .elem_size = 3 };
	struct s4_op_permute perm = { .in_va = FAKE_BASE_VA, .out_va = FAKE_BASE_VA,
				      .dims = { 1, 1, 2, 2 }, .perm = { 0, 1, 3, 3 },
				      .elem_size = 4 };
	struct s4_op_reduce red = { .in_va = FAKE_BASE_VA, .out_va = FAKE_BASE_VA,
				    .outer = 0xffffffff, .axis = 0xffffffff, .inner = 0xffffffff,
				    .dtype = S4_DT_BF16 };
	struct s4_op_strided str = { .in_va = FAKE_BASE_VA, .out_va = FAKE_BASE_VA,
				     .dims = { 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff },
				     .in_strides = { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },
				     .elem_size = 8 };

	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_ACT, &act, sizeof(act)));	/* NONE */
	act.func = S4_ACT_EXP;
	EXPECT_EQ(0, validate_op(S4_OP_ACT, &act, sizeof(act)));
	act.count = UINT64_MAX;
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_ACT, &act, sizeof(act)));
	act.count = 1;
	act.out_va |= 1;	/* bf16 output at an odd address */
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_ACT, &act, sizeof(act)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_VEC_ELTWISE, &elt, sizeof(elt))); /* no b */
	elt.b_va = FAKE_BASE_VA;
	EXPECT_EQ(0, validate_op(S4_OP_VEC_ELTWISE, &elt, sizeof(elt)));
	elt.op = S4_ELTWISE_SCALE;	/* SCALE takes no b */
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_VEC_ELTWISE, &elt, sizeof(elt)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_EMBED, &emb, sizeof(emb)));
	emb.elem_size = 4;
	EXPECT_EQ(0, validate_op(S4_OP_EMBED, &emb, sizeof(emb)));
	emb.table_ld = 0;
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_EMBED, &emb, sizeof(emb)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_RESHAPE_PERMUTE, &perm, sizeof(perm)));
	perm.perm[3] = 2;
	EXPECT_EQ(0, validate_op(S4_OP_RESHAPE_PERMUTE, &perm, sizeof(perm)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_VEC_REDUCE, &red, sizeof(red)));
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_RESHAPE_STRIDED, &str, sizeof(str)));
	/* Tiny output, huge index space: would never finish. */
	memset(str.in_strides, 0, sizeof(str.in_strides));
	memset(str.out_strides, 0, sizeof(str.out_strides));
	EXPECT_EQ(-S4_ERR_BAD_ARG, validate_op(S4_OP_RESHAPE_STRIDED, &str, sizeof(str)));
	str.dims[0] = str.dims[1] = str.dims[2] = 1;
	str.dims[3] = 5;
	str.out_strides[3] = 1;		/* broadcast one input element: fine */
	EXPECT_EQ(0, validate_op(S4_OP_RESHAPE_STRIDED, &str, sizeof(str)));
}

FIXTURE(exec) {
	struct s4_engine *eng;
	struct fake_mem fm;
};

FIXTURE_SETUP(exec)
{
	self->eng = test_engine(S4_ISA_AUTO);
	ASSERT_NE(NULL, self->eng);
	fake_init(&self->fm, 1 << 20);
}

FIXTURE_TEARDOWN(exec)
{
	fake_fini(&self->fm);
	s4_engine_destroy(self->eng);
}

/* A GEMM whose tensors all live in fake memory. */
static struct s4_op_gemm placed_gemm(struct fake_mem *fm)
{
	struct s4_op_gemm op = good_gemm();
	struct s4_sparse_geom g;

	if (s4_sparse_geometry(op.n, op.k, op.sparsity, 1, &g))
		abort();
	op.a_va = fake_alloc(fm, 4 * 64);
	op.w_va = fake_alloc(fm, g.bytes);
	op.c_va = fake_alloc(fm, 4 * 8);
	op.ep.scale_va = fake_alloc(fm, 8 * 8);
	return op;
}

static int run_gemm(struct s4_engine *eng, struct fake_mem *fm, const struct s4_op_gemm *op,
		    struct s4_engine_fault *fault)
{
	return run_op(eng, fm, S4_OP_SPU_GEMM, op, sizeof(*op), fault);
}

TEST_F(exec, map_faults_are_reported)
{
	struct s4_op_gemm op = placed_gemm(&self->fm);
	struct s4_engine_fault fault;
	uint64_t end = FAKE_BASE_VA + self->fm.size;

	EXPECT_EQ(0, run_gemm(self->eng, &self->fm, &op, &fault));
	op.c_va = end - 16;		/* C runs past the end of memory */
	memset(&fault, 0, sizeof(fault));
	EXPECT_EQ(-S4_ERR_MMU_FAULT, run_gemm(self->eng, &self->fm, &op, &fault));
	EXPECT_EQ(end - 16, fault.va);
	EXPECT_EQ(32u, fault.len);
	EXPECT_EQ(1u, fault.write);
	EXPECT_EQ((uint32_t)S4_OP_SPU_GEMM, fault.opcode);
	op = placed_gemm(&self->fm);
	op.ep.bias_va = 0xfffffffffffffff0ull;	/* VA + len wraps */
	EXPECT_EQ(-S4_ERR_MMU_FAULT, run_gemm(self->eng, &self->fm, &op, &fault));
	op = placed_gemm(&self->fm);
	self->fm.read_only = true;
	EXPECT_EQ(-S4_ERR_MMU_FAULT, run_gemm(self->eng, &self->fm, &op, &fault));
	EXPECT_EQ(op.c_va, fault.va);
}

TEST_F(exec, each_tensor_mapped_once)
{
	struct s4_op_gemm op = placed_gemm(&self->fm);

	self->fm.maps = 0;
	ASSERT_EQ(0, run_op(self->eng, &self->fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
	EXPECT_EQ(4u, self->fm.maps);	/* A, W, C, scale */
}

TEST_F(exec, bad_weight_index_fails_job)
{
	struct s4_op_gemm op = placed_gemm(&self->fm);
	struct s4_sparse_geom g;
	uint8_t *w = fake_ptr(&self->fm, op.w_va);

	ASSERT_EQ(0, s4_sparse_geometry(op.n, op.k, op.sparsity, 1, &g));
	EXPECT_EQ(0, run_op(self->eng, &self->fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
	w[g.idx_off + g.nnz - 1] = 32;
	EXPECT_EQ(-S4_ERR_BAD_ARG, run_op(self->eng, &self->fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
	w[g.idx_off + g.nnz - 1] = 255;
	EXPECT_EQ(-S4_ERR_BAD_ARG, run_op(self->eng, &self->fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
}

TEST_F(exec, bad_requant_shift_fails_job)
{
	struct s4_op_gemm op = placed_gemm(&self->fm);
	struct s4_requant *rq = fake_ptr(&self->fm, op.ep.scale_va);

	rq[3].shift = S4_REQUANT_SHIFT_MAX;
	EXPECT_EQ(0, run_op(self->eng, &self->fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
	rq[3].shift = S4_REQUANT_SHIFT_MAX + 1;
	EXPECT_EQ(-S4_ERR_BAD_ARG, run_op(self->eng, &self->fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
	rq[3].shift = 0xffffffffu;
	EXPECT_EQ(-S4_ERR_BAD_ARG, run_op(self->eng, &self->fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
}

TEST_F(exec, exec_rejects_what_validate_rejects)
{
	struct s4_op_gemm op = placed_gemm(&self->fm);

	op.sparsity = 5;
	EXPECT_EQ(-S4_ERR_BAD_ARG, run_op(self->eng, &self->fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
	self->fm.maps = 0;
	op.sparsity = 2;
	op.k = 65;	/* lda < k */
	EXPECT_EQ(-S4_ERR_BAD_ARG, run_op(self->eng, &self->fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
	EXPECT_EQ(0u, self->fm.maps);
}

TEST_HARNESS_MAIN
