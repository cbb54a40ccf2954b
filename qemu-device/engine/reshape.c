// SPDX-License-Identifier: MIT
/* Memory reshape engine: 4-d permute (transpose) and strided copy. */
#include <string.h>

#include "engine_priv.h"

#define ND S4_RESHAPE_DIMS

static bool elem_size_ok(unsigned int es)
{
	return es == 1 || es == 2 || es == 4 || es == 8;
}

/* Copy the 4-d index space dims from src (strides si) to dst (strides so). */
static void copy_nd(uint8_t *dst, const uint8_t *src, const uint32_t *dims,
		    const uint64_t *si, const uint64_t *so, size_t es)
{
	uint64_t i0, i1, i2, i3;

	for (i0 = 0; i0 < dims[0]; i0++)
		for (i1 = 0; i1 < dims[1]; i1++)
			for (i2 = 0; i2 < dims[2]; i2++) {
				const uint8_t *s = src + (i0 * si[0] + i1 * si[1] + i2 * si[2]) * es;
				uint8_t *o = dst + (i0 * so[0] + i1 * so[1] + i2 * so[2]) * es;

				for (i3 = 0; i3 < dims[3]; i3++)
					memcpy(o + i3 * so[3] * es, s + i3 * si[3] * es, es);
			}
}

static int map_both(struct s4_job *job, uint64_t in_va, uint64_t in_bytes,
		    uint64_t out_va, uint64_t out_bytes, void **in, void **out)
{
	int ret = s4_job_map(job, in_va, in_bytes, 0, in);

	return ret ? ret : s4_job_map(job, out_va, out_bytes, 1, out);
}

/* ---- S4_OP_RESHAPE_PERMUTE ---- */

static int permute_sizes(const struct s4_op_permute *op, uint64_t *in, uint64_t *out)
{
	uint32_t odims[ND], ostrides[ND];
	unsigned int d, seen = 0;

	for (d = 0; d < ND; d++) {
		if (op->perm[d] >= ND || seen & (1u << op->perm[d]))
			return -S4_ERR_BAD_ARG;
		seen |= 1u << op->perm[d];
		odims[d] = op->dims[op->perm[d]];
	}
	/* Output is dense: its span is the product of its dims. */
	ostrides[ND - 1] = 1;
	for (d = ND - 1; d > 0; d--)
		if (__builtin_mul_overflow(ostrides[d], odims[d], &ostrides[d - 1]))
			return -S4_ERR_BAD_ARG;
	return s4_span_nd(op->dims, op->in_strides, op->elem_size, in) ||
	       s4_span_nd(odims, ostrides, op->elem_size, out) ? -S4_ERR_BAD_ARG : 0;
}

int s4_validate_permute(const void *p)
{
	const struct s4_op_permute *op = p;
	uint64_t in, out;

	if (!elem_size_ok(op->elem_size) || !s4_all_zero(op->rsvd, sizeof(op->rsvd)) ||
	    !op->in_va || !op->out_va || (op->in_va | op->out_va) & (op->elem_size - 1))
		return -S4_ERR_BAD_ARG;
	return permute_sizes(op, &in, &out);
}

int s4_exec_permute(struct s4_job *job, const void *p)
{
	const struct s4_op_permute *op = p;
	uint64_t in_bytes, out_bytes, si[ND], so[ND], stride = 1;
	uint32_t odims[ND];
	void *in, *out;
	int d, ret;

	ret = permute_sizes(op, &in_bytes, &out_bytes);
	if (!ret)
		ret = map_both(job, op->in_va, in_bytes, op->out_va, out_bytes, &in, &out);
	if (ret)
		return ret;
	for (d = ND - 1; d >= 0; d--) {
		odims[d] = op->dims[op->perm[d]];
		si[d] = op->in_strides[op->perm[d]];
		so[d] = stride;
		stride *= odims[d];
	}
	copy_nd(out, in, odims, si, so, op->elem_size);
	return 0;
}

/* ---- S4_OP_RESHAPE_STRIDED ---- */

/*
 * Spans of a strided copy. The index space may not hold more elements than
 * the output span: this bounds the work by the output's size (stride-0
 * output dims would otherwise make a tiny tensor take forever).
 */
static int strided_sizes(const struct s4_op_strided *op, uint64_t *in, uint64_t *out)
{
	uint64_t count = 1;
	unsigned int d;

	if (s4_span_nd(op->dims, op->in_strides, op->elem_size, in) ||
	    s4_span_nd(op->dims, op->out_strides, op->elem_size, out))
		return -S4_ERR_BAD_ARG;
	for (d = 0; d < ND; d++)
		if (__builtin_mul_overflow(count, op->dims[d], &count))
			return -S4_ERR_BAD_ARG;
	return count > *out / op->elem_size ? -S4_ERR_BAD_ARG : 0;
}

int s4_validate_strided(const void *p)
{
	const struct s4_op_strided *op = p;
	uint64_t in, out;

	if (!elem_size_ok(op->elem_size) || !s4_all_zero(op->rsvd, sizeof(op->rsvd)) ||
	    !op->in_va || !op->out_va || (op->in_va | op->out_va) & (op->elem_size - 1))
		return -S4_ERR_BAD_ARG;
	return strided_sizes(op, &in, &out);
}

int s4_exec_strided(struct s4_job *job, const void *p)
{
	const struct s4_op_strided *op = p;
	uint64_t in_bytes, out_bytes, si[ND], so[ND];
	void *in, *out;
	int d, ret;

	if (strided_sizes(op, &in_bytes, &out_bytes))
		return -S4_ERR_BAD_ARG;
	ret = map_both(job, op->in_va, in_bytes, op->out_va, out_bytes, &in, &out);
	if (ret)
		return ret;
	for (d = 0; d < ND; d++) {
		si[d] = op->in_strides[d];
		so[d] = op->out_strides[d];
	}
	copy_nd(out, in, op->dims, si, so, op->elem_size);
	return 0;
}
