// SPDX-License-Identifier: MIT
/*
 * Portable weight panel packing (layout in spu_kern.h): a row's kept
 * entries are contiguous per window, so each kernel step takes the row's
 * next grp entries: 4 bytes of values (and in SPU_SPARSE mode a 4-byte
 * index word) per lane.
 */
#include <string.h>

#include "s4_sparse.h"
#include "spu_kern.h"

static uint32_t sum_i8x4(uint32_t v)
{
	return (uint32_t)((int32_t)(int8_t)v + (int8_t)(v >> 8) + (int8_t)(v >> 16) +
			  (int8_t)(v >> 24));
}

/*
 * INT8 index word of a full step: window-relative k of each of the 4 entries,
 * from their in-block indices (bits above 4 are dropped here; the caller
 * rejects them through index_bits) plus the block of each slot (pattern).
 */
static uint32_t step_index(const uint8_t *ix, uint32_t pattern, struct spu_row_stats *st)
{
	uint32_t v;

	memcpy(&v, ix, 4);
	st->index_bits |= v;
	return (v & 0x1f1f1f1fu) + pattern;
}

/* The last entries of an INT8 row, fewer than a group, one at a time. */
static void pack_partial(const int8_t *val, const uint8_t *ix, uint64_t avail,
			 uint32_t pattern, uint8_t *step, struct spu_row_stats *st)
{
	uint32_t j;

	for (j = 0; j < avail; j++) {
		st->index_bits |= ix[j];
		step[j] = (uint8_t)(((pattern >> (8 * j)) & 0xff) + (ix[j] & 31));
		step[SPU_VEC_BYTES + j] = (uint8_t)val[j];
		st->sum += (uint32_t)(int32_t)val[j];
	}
}

/* A SPU_SPARSE (INT8) step: index word and 4 bytes of values. */
static void pack_sparse_step(const uint8_t *val, const uint8_t *ix, uint64_t avail,
			     uint32_t pattern, uint8_t *step, struct spu_row_stats *st)
{
	uint32_t word, v;

	if (avail < 4) {
		pack_partial((const int8_t *)val, ix, avail, pattern, step, st);
		return;
	}
	word = step_index(ix, pattern, st);
	memcpy(step, &word, 4);
	memcpy(&v, val, 4);
	memcpy(step + SPU_VEC_BYTES, &v, 4);
	st->sum += sum_i8x4(v);
}

/* A SPU_SPARSE_F32 step: one index (32-bit word) and one bf16 as fp32. */
static void pack_sparse_f32_step(const uint8_t *val, const uint8_t *ix, uint8_t *step,
				 struct spu_row_stats *st)
{
	uint32_t k = ix[0] & 31u, v;
	uint16_t h;

	st->index_bits |= ix[0];
	memcpy(&h, val, 2);
	v = (uint32_t)h << 16;
	memcpy(step, &k, 4);
	memcpy(step + SPU_VEC_BYTES, &v, 4);
}

/* A dense step: 4 bytes of values, or one bf16 widened to fp32. */
static void pack_dense_step(const struct spu_pack *p, const uint8_t *val, uint8_t *step,
			    struct spu_row_stats *st)
{
	uint32_t v;

	if (p->mode == SPU_DENSE_F32) {
		uint16_t h;

		memcpy(&h, val, 2);
		v = (uint32_t)h << 16;
	} else {
		memcpy(&v, val, 4);
		if (p->esize == 1)
			st->sum += sum_i8x4(v);
	}
	memcpy(step, &v, 4);
}

static void pack_lane(const struct spu_pack *p, uint32_t lane, uint64_t from,
		      struct spu_row_stats *st)
{
	const uint8_t *val = p->val + lane * p->nnz_row * p->esize;
	const uint8_t *ix = p->idx + lane * p->nnz_row;
	uint64_t nsteps = (uint64_t)p->nwin * p->nstep, i;
	uint32_t step_bytes = spu_step_bytes(p->mode);
	uint8_t *step = p->panel + from * step_bytes + lane * 4;

	for (i = from; i < nsteps; i++, step += step_bytes) {
		uint64_t off = i * p->grp;

		if (off >= p->nnz_row)
			break;		/* window padding stays zero */
		if (p->mode == SPU_SPARSE)
			pack_sparse_step(val + off, ix + off, p->nnz_row - off,
					 p->pattern[i % p->nstep], step, st);
		else if (p->mode == SPU_SPARSE_F32)
			pack_sparse_f32_step(val + off * p->esize, ix + off, step, st);
		else
			pack_dense_step(p, val + off * p->esize, step, st);
	}
}

void spu_pack_rows(const struct spu_pack *p, uint32_t lane0, uint64_t from,
		   struct spu_row_stats st[SPU_LANES])
{
	uint32_t lane;

	for (lane = lane0; lane < p->lanes; lane++)
		pack_lane(p, lane, from, &st[lane]);
}

void spu_pack_generic(const struct spu_pack *p, struct spu_row_stats st[SPU_LANES])
{
	memset(p->panel, 0, (size_t)p->nwin * p->nstep * spu_step_bytes(p->mode));
	spu_pack_rows(p, 0, 0, st);
}
