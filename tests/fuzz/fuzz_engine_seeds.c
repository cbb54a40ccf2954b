// SPDX-License-Identifier: MIT
/*
 * Writes seed inputs for fuzz_engine into the directory argv[1]: one valid
 * packet per compute opcode (tensors inside the fuzzer's fake memory), so
 * fuzzing starts past validation. Format as fuzz_engine expects: 8 control
 * bytes (memory seed; bit 0 of byte 0 clear = header kept) then the packet.
 */
#include <stdio.h>
#include <string.h>

#include "s4_act.h"
#include "s4_ops.h"

#define VA(off)	(0x10000ull + (off))

static int write_seed(const char *dir, const char *name, uint16_t opcode,
		      const void *op, size_t size)
{
	struct s4_pkt_hdr hdr = { .opcode = opcode, .len = (uint16_t)((8 + size) / 8) };
	uint8_t ctl[8] = { 0x10, 0, 0, 0, 0, 0, 0, 0 };
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return 1;
	fwrite(ctl, 1, sizeof(ctl), f);
	fwrite(&hdr, 1, sizeof(hdr), f);
	fwrite(op, 1, size, f);
	return fclose(f) != 0;
}

int main(int argc, char **argv)
{
	struct s4_op_gemm gemm = {
		.a_va = VA(0), .w_va = VA(0x4000), .c_va = VA(0x8000), .m = 5, .n = 20,
		.k = 40, .batch = 2, .lda = 40, .ldc = 20, .a_batch_stride = 256,
		.c_batch_stride = 128, .dtype = S4_DT_INT8, .sparsity = 4,
		.ep = { .scale_va = VA(0xc000), .bias_va = VA(0xd000), .act = S4_ACT_RELU },
	};
	struct s4_op_gemm gemm_bf16 = {
		.a_va = VA(0), .w_va = VA(0x4000), .c_va = VA(0x8000), .m = 9, .n = 17,
		.k = 64, .batch = 1, .lda = 64, .ldc = 17, .dtype = S4_DT_BF16, .sparsity = 1,
		.ep = { .act = S4_ACT_GELU, .res_va = VA(0x10000), .res_ld = 17 },
	};
	struct s4_op_conv2d conv = {
		.x_va = VA(0), .w_va = VA(0x4000), .y_va = VA(0x8000), .batch = 1, .in_h = 5,
		.in_w = 5, .in_c = 4, .out_h = 3, .out_w = 3, .out_c = 8, .groups = 2,
		.kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1,
		.pad_w = 1, .dil_h = 1, .dil_w = 1, .dtype = S4_DT_BF16, .sparsity = 2,
	};
	/* stride 1, one group, 3 * 64 channels: the padded input read in place */
	struct s4_op_conv2d conv_in_place = {
		.x_va = VA(0), .w_va = VA(0x4000), .y_va = VA(0x8000), .batch = 1, .in_h = 6,
		.in_w = 6, .in_c = 64, .out_h = 6, .out_w = 6, .out_c = 8, .groups = 1,
		.kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1, .pad_h = 1,
		.pad_w = 1, .dil_h = 1, .dil_w = 1, .dtype = S4_DT_INT8, .sparsity = 4,
		.ep = { .scale_va = VA(0xc000) },
	};
	struct s4_op_act act = { .in_va = VA(0), .out_va = VA(0x1000), .count = 100,
				 .func = S4_ACT_EXP, .dtype = S4_DT_BF16 };
	struct s4_op_eltwise elt = { .a_va = VA(0), .b_va = VA(0x1000), .out_va = VA(0x2000),
				     .count = 99, .op = S4_ELTWISE_MUL, .dtype = S4_DT_BF16 };
	struct s4_op_softmax sm = { .in_va = VA(0), .out_va = VA(0x1000), .rows = 3,
				    .cols = 10, .ld_in = 12, .ld_out = 10, .dtype = S4_DT_BF16 };
	struct s4_op_layernorm ln = { .in_va = VA(0), .out_va = VA(0x1000), .gamma_va = VA(0x2000),
				      .rows = 3, .cols = 10, .ld_in = 10, .ld_out = 10,
				      .eps = 0x3727c5ac, .dtype = S4_DT_BF16 };
	struct s4_op_reduce red = { .in_va = VA(0), .out_va = VA(0x1000), .outer = 2, .axis = 5,
				    .inner = 3, .op = S4_REDUCE_MEAN, .dtype = S4_DT_BF16 };
	struct s4_op_embed emb = { .table_va = VA(0), .idx_va = VA(0x2000), .out_va = VA(0x3000),
				   .rows = 8, .dim = 4, .count = 3, .table_ld = 4, .out_ld = 4,
				   .elem_size = 2 };
	struct s4_op_permute perm = { .in_va = VA(0), .out_va = VA(0x1000), .dims = { 1, 2, 3, 4 },
				      .in_strides = { 24, 12, 4, 1 }, .perm = { 0, 3, 1, 2 },
				      .elem_size = 4 };
	struct s4_op_strided str = { .in_va = VA(0), .out_va = VA(0x1000), .dims = { 1, 1, 3, 4 },
				     .in_strides = { 0, 0, 8, 2 }, .out_strides = { 0, 0, 4, 1 },
				     .elem_size = 1 };
	int err = 0;

	if (argc != 2)
		return 2;
	err |= write_seed(argv[1], "gemm_i8", S4_OP_SPU_GEMM, &gemm, sizeof(gemm));
	err |= write_seed(argv[1], "gemm_bf16", S4_OP_SPU_GEMM, &gemm_bf16, sizeof(gemm_bf16));
	err |= write_seed(argv[1], "conv", S4_OP_SPU_CONV2D, &conv, sizeof(conv));
	err |= write_seed(argv[1], "conv_in_place", S4_OP_SPU_CONV2D, &conv_in_place,
			  sizeof(conv_in_place));
	err |= write_seed(argv[1], "act", S4_OP_ACT, &act, sizeof(act));
	err |= write_seed(argv[1], "eltwise", S4_OP_VEC_ELTWISE, &elt, sizeof(elt));
	err |= write_seed(argv[1], "softmax", S4_OP_VEC_SOFTMAX, &sm, sizeof(sm));
	err |= write_seed(argv[1], "layernorm", S4_OP_VEC_LAYERNORM, &ln, sizeof(ln));
	err |= write_seed(argv[1], "reduce", S4_OP_VEC_REDUCE, &red, sizeof(red));
	err |= write_seed(argv[1], "embed", S4_OP_EMBED, &emb, sizeof(emb));
	err |= write_seed(argv[1], "permute", S4_OP_RESHAPE_PERMUTE, &perm, sizeof(perm));
	err |= write_seed(argv[1], "strided", S4_OP_RESHAPE_STRIDED, &str, sizeof(str));
	return err;
}
