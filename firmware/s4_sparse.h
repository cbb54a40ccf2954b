/* SPDX-License-Identifier: MIT */
/*
 * Balanced block-sparse weight format of the S4 sparse processing unit.
 *
 * A weight tensor W is [N][K]: N output channels, K the reduction dimension.
 * K is split into aligned blocks of S4_SPARSE_BLOCK (32) consecutive elements.
 * With sparsity s in {1, 2, 4, 8, 16, 32}, every block of every row keeps
 * exactly 32 / s entries ("non-zeros"; a kept entry may hold the value 0).
 * s = 1 is the dense case.
 *
 * K handling: K need not be a multiple of 32. The last block of each row is
 * zero-padded to 32: its positions >= K behave as if the activations there
 * were 0, so whatever is stored there contributes nothing. Packers must store
 * the value 0 at padding positions and s4_tensor_check() (libs4) rejects a
 * tensor that does not. Kpad = round_up(K, 32).
 *
 * Byte layout of a packed tensor (one contiguous buffer, little endian):
 *
 *   offset 0:                 values[N][nblk][nnz]   (nblk = Kpad / 32,
 *                                                     nnz = 32 / s)
 *                             element = int8_t (INT8) or bf16 (BF16, 2 bytes)
 *   offset idx_off:           index[N][nblk][nnz]    uint8_t, 0..31
 *   total size:               idx_off + N * nblk * nnz
 *
 * idx_off = round_up(N * nblk * nnz * elem_size, S4_SPARSE_ALIGN). value
 * [n][b][j] is W[n][b * 32 + index[n][b][j]]. Within a block the indices are
 * strictly increasing (canonical form; libs4 checks it). The engine only
 * requires index < 32 and fails the job with S4_ERR_BAD_ARG otherwise; with
 * repeated indices it sums the products.
 */
#ifndef S4_SPARSE_H
#define S4_SPARSE_H

#include "s4_types.h"

#define S4_SPARSE_BLOCK		32u
#define S4_SPARSE_ALIGN		64u
#define S4_SPARSITY_MAX		32u

/* True for s in {1, 2, 4, 8, 16, 32}. */
static inline int s4_sparsity_valid(uint32_t s)
{
	return s >= 1 && s <= S4_SPARSITY_MAX && (s & (s - 1)) == 0;
}

/* Kept entries per 32-element block. */
static inline uint32_t s4_sparse_nnz_per_block(uint32_t s)
{
	return S4_SPARSE_BLOCK / s;
}

static inline uint64_t s4_sparse_blocks_per_row(uint64_t k)
{
	return (k + S4_SPARSE_BLOCK - 1) / S4_SPARSE_BLOCK;
}

/*
 * Geometry of a packed [n][k] tensor with sparsity s and elem_size-byte
 * values. Returns 0, or -1 if a parameter is invalid or a size overflows
 * 64 bits.
 */
struct s4_sparse_geom {
	uint64_t nnz_per_row;	/* kept entries per row */
	uint64_t nnz;		/* kept entries in the tensor */
	uint64_t idx_off;	/* byte offset of the index array */
	uint64_t bytes;		/* total packed size */
};

static inline int s4_sparse_geometry(uint64_t n, uint64_t k, uint32_t s,
				     uint32_t elem_size,
				     struct s4_sparse_geom *g)
{
	uint64_t val_bytes;

	if (!n || !k || !s4_sparsity_valid(s) ||
	    (elem_size != 1 && elem_size != 2) || k > UINT64_MAX - S4_SPARSE_BLOCK)
		return -1;
	g->nnz_per_row = s4_sparse_blocks_per_row(k) * s4_sparse_nnz_per_block(s);
	if (__builtin_mul_overflow(g->nnz_per_row, n, &g->nnz) ||
	    __builtin_mul_overflow(g->nnz, (uint64_t)elem_size, &val_bytes) ||
	    val_bytes > UINT64_MAX - S4_SPARSE_ALIGN)
		return -1;
	g->idx_off = (val_bytes + S4_SPARSE_ALIGN - 1) & ~(uint64_t)(S4_SPARSE_ALIGN - 1);
	if (__builtin_add_overflow(g->idx_off, g->nnz, &g->bytes))
		return -1;
	return 0;
}

#endif /* S4_SPARSE_H */
