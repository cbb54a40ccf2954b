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
	uint32_t pair;		/* dense modes, if the kernels have pair_groups:
				 * also the next lane group, whose panel is
				 * pair_stride bytes further, into acc[SPU_ROWS..] */
	size_t pair_stride;
};

typedef void (*spu_kern_i8_fn)(const uint8_t *a, size_t a_ld,
			       const struct spu_panel *p,
			       int32_t acc[][SPU_LANES]);
typedef void (*spu_kern_bf16_fn)(const uint8_t *a, size_t a_ld,
				 const struct spu_panel *p,
				 float acc[][SPU_LANES]);

/* Per-channel epilogue parameters of one lane group, prepared per job. */
struct spu_chan {
	int32_t add[SPU_LANES];		/* INT8: bias - 128 * sum(w), mod 2^32 */
	int32_t mult[SPU_LANES];	/* INT8: requant multiplier */
	uint32_t shift[SPU_LANES];	/* INT8: requant shift, <= 62 */
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
	uint8_t *panel;			/* zeroed panel to fill */
};

/* What packing learns about a row. */
struct spu_row_stats {
	uint32_t index_bits;	/* OR of all raw index bytes, at any byte position */
	uint32_t sum;		/* INT8: sum of the weights, modulo 2^32 */
};

typedef void (*spu_pack_fn)(const struct spu_pack *p,
			    struct spu_row_stats st[SPU_LANES]);

/* Portable packing of lanes [lane0, p->lanes), steps `from` to the end. */
void spu_pack_rows(const struct spu_pack *p, uint32_t lane0, uint64_t from,
		   struct spu_row_stats st[SPU_LANES]);
void spu_pack_generic(const struct spu_pack *p, struct spu_row_stats st[SPU_LANES]);

struct spu_kernels {
	int pair_groups;	/* dense kernels can do two lane groups per call */
	spu_pack_fn pack;
	spu_kern_i8_fn i8;
	spu_kern_bf16_fn bf16;
	spu_epi_i8_fn epi_i8;
	spu_epi_bf16_fn epi_bf16;
};

extern const struct spu_kernels spu_kernels_generic;
extern const struct spu_kernels spu_kernels_avx2;
extern const struct spu_kernels spu_kernels_avx512;

#endif /* S4_SPU_KERN_H */
