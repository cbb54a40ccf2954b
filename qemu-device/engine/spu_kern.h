/* SPDX-License-Identifier: MIT */
/*
 * SPU inner kernels. The SPU computes C[M][N] = A[M][K] x W^T with W in
 * balanced block-sparse form, vectorised over 16 output channels (a "lane
 * group") and register-blocked over SPU_ROWS rows of A.
 *
 * A is packed row-major, rows a_ld bytes apart, K zero-padded to whole
 * windows. INT8 rows are stored unsigned (a ^ 0x80; the epilogue removes
 * 128 * sum(w) per channel). BF16 runs in fp32: rows widened to fp32,
 * weights widened in the panel, FMA (vdpbf16ps has half the throughput of
 * FMA on the CPUs we target).
 *
 * K is walked in windows of win_bytes (64 or 128) bytes of A, one or two
 * vector registers per row. Within a window, lane i (channel n0 + i) takes
 * its kept entries grp at a time (4 INT8, 1 fp32), one group per step. The
 * packed weight panel of a lane group is, per window and step:
 *
 * - SPU_SPARSE (INT8): a 64-byte index vector (window-relative k of each
 *   lane's 4 entries) and a 64-byte weight vector (the 4 matching int8 of
 *   each lane); A is gathered with vpermb (64-byte windows = 2 blocks,
 *   s <= 16) or vpermt2b (128-byte windows = 4 blocks, s = 32).
 * - SPU_SPARSE_F32 (BF16): a 64-byte vector of 32-bit indices (k within
 *   the block) and 16 fp32 weights; windows are one block (32 fp32),
 *   gathered with vpermt2ps.
 * - SPU_DENSE / SPU_DENSE_F32 (s = 1 with indices 0..31 in order): step q
 *   covers k = q * grp .. q * grp + grp - 1 of every lane, so a step is just
 *   the 64-byte weight vector and A is broadcast.
 *
 * A kernel computes acc[r][i] (+)= sum over the panel of A[r][k] * w for
 * SPU_ROWS rows; panels may cover a range of windows of a longer K. INT8
 * accumulates u8 x s8 products modulo 2^32, fp32 in fp32.
 */
#ifndef S4_SPU_KERN_H
#define S4_SPU_KERN_H

#include <stddef.h>
#include <stdint.h>

#include "act.h"

#define SPU_LANES	16u
#define SPU_ROWS	8u
#define SPU_VEC_BYTES	64u
#define SPU_WIN_MAX	(2 * SPU_VEC_BYTES)

enum spu_mode {
	SPU_SPARSE,
	SPU_SPARSE_F32,
	SPU_DENSE,
	SPU_DENSE_F32,
};

static inline int spu_mode_sparse(enum spu_mode mode)
{
	return mode == SPU_SPARSE || mode == SPU_SPARSE_F32;
}

/* Bytes of one panel step. */
static inline uint32_t spu_step_bytes(enum spu_mode mode)
{
	return spu_mode_sparse(mode) ? 2 * SPU_VEC_BYTES : SPU_VEC_BYTES;
}

struct spu_panel {
	const uint8_t *steps;	/* nwin * nstep steps */
	uint32_t nwin;
	uint32_t nstep;		/* steps per window */
	uint32_t win_bytes;	/* SPU_VEC_BYTES or SPU_WIN_MAX */
	enum spu_mode mode;
	uint32_t accumulate;	/* add to acc instead of overwriting it */
	uint32_t pair;		/* not SPU_SPARSE_F32, up to the kernels' pair_groups - 1:
				 * also the next `pair` lane groups, whose panels
				 * are pair_stride bytes apart, into
				 * acc[SPU_ROWS..], acc[2 * SPU_ROWS..] */
	size_t pair_stride;
};

typedef void (*spu_kern_i8_fn)(const uint8_t *a, size_t a_ld,
			       const struct spu_panel *p,
			       int32_t acc[][SPU_LANES]);
typedef void (*spu_kern_bf16_fn)(const uint8_t *a, size_t a_ld,
				 const struct spu_panel *p,
				 float acc[][SPU_LANES]);

/* Lane l of the 64-bit requant parameters: even and odd lanes apart. */
#define SPU_Q(l)	[(l) % 2][(l) / 2]

/*
 * Per-channel epilogue parameters of one lane group, prepared per job.
 * INT8 requant in 64-bit lanes, lane l at SPU_Q(l), so that the vector
 * epilogues multiply even and odd lanes without preparing them.
 */
struct spu_chan {
	int32_t add[SPU_LANES];		/* INT8: bias - 128 * sum(w), mod 2^32 */
	int64_t mult[2][SPU_LANES / 2];	/* INT8: requant multiplier */
	int64_t shift[2][SPU_LANES / 2];	/* INT8: requant shift, <= 62 */
	int64_t round[2][SPU_LANES / 2];	/* INT8: 2^(shift - 1), 0 if shift is 0 */
	float scale[SPU_LANES];		/* BF16: 1 if absent */
	float bias[SPU_LANES];		/* BF16: 0 if absent */
};

/* Epilogue of one kernel tile: rows x lanes outputs (s4_ops.h semantics). */
struct spu_tile {
	const struct spu_chan *chan;
	uint32_t rows, lanes;
	uint8_t *out;
	size_t out_ld;			/* bytes */
	const uint8_t *res;		/* NULL if no residual */
	size_t res_ld;			/* bytes */
	unsigned int act;
	const struct s4_act_fn *act_fn;	/* for act other than NONE/RELU */
};

typedef void (*spu_epi_i8_fn)(const struct spu_tile *t,
			      const int32_t acc[][SPU_LANES]);
typedef void (*spu_epi_bf16_fn)(const struct spu_tile *t,
				const float acc[][SPU_LANES]);

/* One lane group's weight panel to pack from the packed sparse rows. */
struct spu_pack {
	const uint8_t *val;		/* values of the group's first row */
	const uint8_t *idx;		/* indices of the group's first row */
	uint64_t nnz_row;		/* entries per row */
	uint32_t lanes;			/* rows in this group (<= SPU_LANES) */
	uint32_t esize, grp, nwin, nstep;
	enum spu_mode mode;		/* *_F32: bf16 values widened to fp32 */
	const uint32_t *pattern;	/* SPU_SPARSE, per step: slot block offsets */
	uint8_t *panel;			/* panel to fill (all of it, padding zeroed) */
};

/* What packing learns about a row. */
struct spu_row_stats {
	uint32_t index_bits;	/* OR of all raw index bytes, at any byte position */
	uint32_t sum;		/* INT8: sum of the weights, modulo 2^32 */
};

typedef void (*spu_pack_fn)(const struct spu_pack *p,
			    struct spu_row_stats st[SPU_LANES]);

/* Portable packing of lanes [lane0, p->lanes), steps `from` to the end, into a zeroed panel. */
void spu_pack_rows(const struct spu_pack *p, uint32_t lane0, uint64_t from,
		   struct spu_row_stats st[SPU_LANES]);
void spu_pack_generic(const struct spu_pack *p, struct spu_row_stats st[SPU_LANES]);

/*
 * Outer-product form of sparse fp32 (BF16 jobs), used when the kernel set
 * has it: A is packed K-major per tile of SPU_OUTER_MT rows, at[k][r], so a
 * kept entry (n, k, w) of a weight row is w times the contiguous vector
 * at[k][0..MT): a broadcast and MT / 16 FMAs, no shuffles. Each channel's
 * entries are decoded once per job into the byte offset k * MT * 4 of its
 * row of the tile and the fp32 weight.
 */
#define SPU_OUTER_MT	64u

struct spu_outer {
	const uint32_t *off;	/* channel 0's first entry: byte offset in the tile */
	const float *val;	/* channel 0's first entry: weight */
	size_t stride;		/* entries between consecutive channels' arrays */
	uint32_t nch;		/* channels */
	uint32_t nnz;		/* entries per channel in this call */
	uint32_t accumulate;	/* add to acc instead of overwriting it */
};

/* acc[c][r] (+)= sum of val * at[off + 4 r] over channel c's entries. */
typedef void (*spu_outer_f32_fn)(const uint8_t *at, const struct spu_outer *o,
				 float acc[][SPU_OUTER_MT]);
/*
 * Epilogue of the tile t (t->rows <= 16 rows, t->lanes channels) from the
 * outer-product accumulators acc[channel][r0 + row] of its lane group.
 */
typedef void (*spu_outer_epi_bf16_fn)(const struct spu_tile *t, const float acc[][SPU_OUTER_MT],
				      uint32_t r0);
/*
 * at[k][i] = fp32(rows[i][k]) for 16 bf16 rows (NULL: a zero row) and
 * k < kpad (a multiple of 16), 0 for k >= k; at rows are SPU_OUTER_MT apart.
 */
typedef void (*spu_outer_pack_a_fn)(const uint16_t *const rows[16], uint32_t k,
				    uint32_t kpad, float *at);
/*
 * Decode count entries of a weight row starting at entry j0 (nnz_blk per
 * block): off[j] = k * SPU_OUTER_MT * 4 with k = block * 32 + (idx & 31),
 * val[j] = fp32(bf16 at val + 2 j, any alignment). Returns the OR of the
 * raw indices.
 */
typedef uint32_t (*spu_outer_pack_w_fn)(const uint8_t *idx, const uint8_t *val,
					uint32_t count, uint32_t nnz_blk,
					uint32_t *off, float *out);

/* Rows of packed A: INT8 made unsigned, dst[i] = src[i] ^ 0x80 (n bytes). */
typedef void (*spu_put_u8_fn)(uint8_t *dst, const uint8_t *src, size_t n);
/* bf16 widened to fp32 (n elements; src 2-byte and dst 4-byte aligned). */
typedef void (*spu_put_f32_fn)(uint8_t *dst, const uint8_t *src, size_t n);

struct spu_kernels {
	int pair_groups;	/* lane groups the dense and INT8 sparse kernels
				 * can do per call (0: 1) */
	spu_outer_f32_fn outer_f32;	/* NULL: sparse fp32 uses the gather kernels */
	spu_outer_epi_bf16_fn outer_epi_bf16;	/* with outer_f32 */
	spu_outer_pack_a_fn outer_pack_a;
	spu_outer_pack_w_fn outer_pack_w;
	spu_pack_fn pack;
	spu_put_u8_fn put_u8;
	spu_put_f32_fn put_f32;
	spu_kern_i8_fn i8;
	spu_kern_bf16_fn bf16;
	spu_epi_i8_fn epi_i8;
	spu_epi_bf16_fn epi_bf16;
};

extern const struct spu_kernels spu_kernels_generic;
extern const struct spu_kernels spu_kernels_avx2;
extern const struct spu_kernels spu_kernels_avx512;

#endif /* S4_SPU_KERN_H */
