// SPDX-License-Identifier: MIT
/*
 * libs4 sparse tensor packing: dense <-> balanced block-sparse (s4_sparse.h).
 * Each 32-element block is handled on its own: choose which positions to
 * keep, then store their values and indices in increasing index order.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "s4/s4_tensor.h"

#define BLK S4_SPARSE_BLOCK

struct layout {
	struct s4_sparse_geom g;
	unsigned int esize;
	uint32_t nblk, nnz;	/* blocks per row, kept entries per block */
};

static int get_layout(const struct s4_tensor_desc *d, struct layout *l)
{
	if (!d || (d->dtype != S4_DT_INT8 && d->dtype != S4_DT_BF16) ||
	    !s4_sparsity_valid(d->sparsity) || !d->n || !d->k)
		return -EINVAL;
	l->esize = d->dtype == S4_DT_INT8 ? 1 : 2;
	if (s4_sparse_geometry(d->n, d->k, d->sparsity, l->esize, &l->g) ||
	    l->g.bytes > SIZE_MAX)
		return -EOVERFLOW;
	l->nblk = (uint32_t)s4_sparse_blocks_per_row(d->k);
	l->nnz = s4_sparse_nnz_per_block(d->sparsity);
	return 0;
}

int s4_tensor_packed_size(const struct s4_tensor_desc *d, size_t *bytes)
{
	struct layout l;
	int ret = get_layout(d, &l);

	if (!ret)
		*bytes = (size_t)l.g.bytes;
	return ret;
}

/* Magnitude used for pruning; -1 marks padding (never preferred). */
static float magnitude(const struct layout *l, const uint8_t *row, uint32_t k,
		       uint32_t kmax)
{
	uint16_t h;
	float f;

	if (k >= kmax)
		return -1;
	if (l->esize == 1)
		return fabsf((float)(int8_t)row[k]);
	memcpy(&h, row + 2 * k, 2);
	f = fabsf(s4_bf16_to_f32(h));
	return isnan(f) ? INFINITY : f;
}

static bool is_nonzero(const struct layout *l, const uint8_t *row, uint32_t k)
{
	uint16_t h;

	if (l->esize == 1)
		return row[k] != 0;
	memcpy(&h, row + 2 * k, 2);
	return (h & 0x7fff) != 0;
}

/* Keep the nnz positions of largest magnitude; keep[] is set per position. */
static void choose_pruned(const struct layout *l, const uint8_t *row, uint32_t k0,
			  uint32_t kmax, bool keep[BLK])
{
	float mag[BLK];
	uint32_t i, j, best;

	for (i = 0; i < BLK; i++) {
		mag[i] = magnitude(l, row, k0 + i, kmax);
		keep[i] = false;
	}
	for (j = 0; j < l->nnz; j++) {
		best = BLK;
		for (i = 0; i < BLK; i++)
			if (!keep[i] && (best == BLK || mag[i] > mag[best]))
				best = i;
		keep[best] = true;
	}
}

/* Keep all non-zeros, then the lowest zero positions. -EINVAL if too many. */
static int choose_exact(const struct layout *l, const uint8_t *row, uint32_t k0,
			uint32_t kmax, bool keep[BLK])
{
	uint32_t i, count = 0;

	for (i = 0; i < BLK; i++) {
		keep[i] = k0 + i < kmax && is_nonzero(l, row, k0 + i);
		count += keep[i];
	}
	if (count > l->nnz)
		return -EINVAL;
	for (i = 0; i < BLK && count < l->nnz; i++)
		if (!keep[i]) {
			keep[i] = true;
			count++;
		}
	return 0;
}

static int pack_common(const struct s4_tensor_desc *d, const void *dense, size_t ld,
		       void *packed, size_t packed_size, bool exact)
{
	struct layout l;
	uint8_t *val, *idx;
	uint32_t n, b, i;
	int ret = get_layout(d, &l);

	if (ret)
		return ret;
	if (!dense || !packed || ld < d->k)
		return -EINVAL;
	if (packed_size < l.g.bytes)
		return -ENOSPC;
	memset(packed, 0, (size_t)l.g.bytes);
	val = packed;
	idx = val + l.g.idx_off;
	for (n = 0; n < d->n; n++) {
		const uint8_t *row = (const uint8_t *)dense + (size_t)n * ld * l.esize;

		for (b = 0; b < l.nblk; b++) {
			bool keep[BLK];

			if (exact) {
				ret = choose_exact(&l, row, b * BLK, d->k, keep);
				if (ret)
					return ret;
			} else {
				choose_pruned(&l, row, b * BLK, d->k, keep);
			}
			for (i = 0; i < BLK; i++) {
				uint32_t k = b * BLK + i;

				if (!keep[i])
					continue;
				*idx++ = (uint8_t)i;
				if (k < d->k)
					memcpy(val, row + (size_t)k * l.esize, l.esize);
				val += l.esize;
			}
		}
	}
	return 0;
}

int s4_tensor_prune(const struct s4_tensor_desc *d, const void *dense, size_t ld,
		    void *packed, size_t packed_size)
{
	return pack_common(d, dense, ld, packed, packed_size, false);
}

int s4_tensor_pack(const struct s4_tensor_desc *d, const void *dense, size_t ld,
		   void *packed, size_t packed_size)
{
	return pack_common(d, dense, ld, packed, packed_size, true);
}

int s4_tensor_check(const struct s4_tensor_desc *d, const void *packed,
		    size_t packed_size)
{
	struct layout l;
	const uint8_t *val, *idx;
	uint64_t e = 0;
	uint32_t n, b, j;
	int ret = get_layout(d, &l);

	if (ret)
		return ret;
	if (!packed || packed_size < l.g.bytes)
		return -EINVAL;
	val = packed;
	idx = val + l.g.idx_off;
	for (n = 0; n < d->n; n++) {
		for (b = 0; b < l.nblk; b++) {
			for (j = 0; j < l.nnz; j++, e++) {
				if (idx[e] >= BLK || (j && idx[e] <= idx[e - 1]))
					return -EINVAL;
				if (b * BLK + idx[e] >= d->k &&
				    is_nonzero(&l, val + e * l.esize, 0))
					return -EINVAL;
			}
		}
	}
	return 0;
}

int s4_tensor_unpack(const struct s4_tensor_desc *d, const void *packed,
		     size_t packed_size, void *dense, size_t ld)
{
	struct layout l;
	const uint8_t *val, *idx;
	uint64_t e = 0;
	uint32_t n, b, j;
	int ret = s4_tensor_check(d, packed, packed_size);

	if (ret)
		return ret;
	if (!dense || ld < d->k)
		return -EINVAL;
	get_layout(d, &l);
	val = packed;
	idx = val + l.g.idx_off;
	for (n = 0; n < d->n; n++) {
		uint8_t *row = (uint8_t *)dense + (size_t)n * ld * l.esize;

		memset(row, 0, (size_t)d->k * l.esize);
		for (b = 0; b < l.nblk; b++) {
			for (j = 0; j < l.nnz; j++, e++) {
				uint32_t k = b * BLK + idx[e];

				if (k < d->k)
					memcpy(row + (size_t)k * l.esize, val + e * l.esize, l.esize);
			}
		}
	}
	return 0;
}
