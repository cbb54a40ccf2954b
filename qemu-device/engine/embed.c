// SPDX-License-Identifier: MIT
/* S4_OP_EMBED: bounds-checked row gather. */
#include <string.h>

#include "engine_priv.h"

static bool elem_size_valid(unsigned int es)
{
	return es == 1 || es == 2 || es == 4 || es == 8;
}

static int embed_sizes(const struct s4_op_embed *op, uint64_t *table,
		       uint64_t *out)
{
	return s4_span_2d(op->rows, op->dim, op->table_ld, op->elem_size, table) ||
	       s4_span_2d(op->count, op->dim, op->out_ld, op->elem_size, out) ?
	       -S4_ERR_BAD_ARG : 0;
}

int s4_validate_embed(const void *p)
{
	const struct s4_op_embed *op = p;
	uint64_t table, out;

	if (!elem_size_valid(op->elem_size) || !s4_all_zero(op->rsvd, sizeof(op->rsvd)) ||
	    !op->table_va || !op->idx_va || !op->out_va || op->idx_va & 3 ||
	    (op->table_va | op->out_va) & (op->elem_size - 1) ||
	    !op->rows || !op->dim || !op->count || op->rows > S4_DIM_MAX ||
	    op->dim > S4_DIM_MAX || op->count > S4_DIM_MAX ||
	    op->table_ld < op->dim || op->out_ld < op->dim)
		return -S4_ERR_BAD_ARG;
	return embed_sizes(op, &table, &out);
}

int s4_exec_embed(struct s4_job *job, const void *p)
{
	const struct s4_op_embed *op = p;
	uint64_t table_bytes, out_bytes, i;
	size_t es = op->elem_size;
	void *table, *idx, *out;
	const volatile uint32_t *index;
	int ret;

	ret = embed_sizes(op, &table_bytes, &out_bytes);
	if (!ret)
		ret = s4_job_map(job, op->table_va, table_bytes, 0, &table);
	if (!ret)
		ret = s4_job_map(job, op->idx_va, (uint64_t)op->count * 4, 0, &idx);
	if (!ret)
		ret = s4_job_map(job, op->out_va, out_bytes, 1, &out);
	if (ret)
		return ret;
	/* Card memory may change under us: check each index as it is used. */
	index = idx;
	for (i = 0; i < op->count; i++)
		if (index[i] >= op->rows)
			return -S4_ERR_BAD_ARG;
	for (i = 0; i < op->count; i++) {
		uint32_t row = index[i];

		if (row >= op->rows)
			return -S4_ERR_BAD_ARG;
		memcpy((uint8_t *)out + i * op->out_ld * es,
		       (const uint8_t *)table + (uint64_t)row * op->table_ld * es,
		       op->dim * es);
	}
	return 0;
}
