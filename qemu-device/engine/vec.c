// SPDX-License-Identifier: MIT
/*
 * Vector processor: elementwise ops, softmax, layernorm and reductions on
 * BF16 tensors, computed in fp32.
 */
#include <math.h>
#include <string.h>

#include "engine_priv.h"
#include "pool.h"
#include "s4_bf16.h"

#define ELT_CHUNK	8192u

static float f32_of(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static float ld_bf16(const uint16_t *p, uint64_t i)
{
	return s4_bf16_to_f32(p[i]);
}

static void st_bf16(uint16_t *p, uint64_t i, float v)
{
	p[i] = s4_f32_to_bf16(v);
}

/* ---- S4_OP_VEC_ELTWISE ---- */

int s4_validate_eltwise(const void *p)
{
	const struct s4_op_eltwise *op = p;
	bool scale = op->op == S4_ELTWISE_SCALE;

	if (op->dtype != S4_DT_BF16 || op->op > S4_ELTWISE_SCALE ||
	    !s4_all_zero(op->rsvd, sizeof(op->rsvd)) || !op->a_va || !op->out_va ||
	    (scale ? op->b_va != 0 : !op->b_va || op->alpha || op->beta) ||
	    (op->a_va | op->b_va | op->out_va) & 1 || !op->count ||
	    op->count > UINT64_MAX / 2)
		return -S4_ERR_BAD_ARG;
	if (scale && (!isfinite(f32_of(op->alpha)) || !isfinite(f32_of(op->beta))))
		return -S4_ERR_BAD_ARG;
	return 0;
}

struct elt_ctx {
	const struct s4_op_eltwise *op;
	const uint16_t *a, *b;
	uint16_t *out;
};

static void elt_chunk(void *p, size_t item, unsigned int tid)
{
	const struct elt_ctx *c = p;
	uint64_t i = (uint64_t)item * ELT_CHUNK, end = i + ELT_CHUNK;
	float alpha = f32_of(c->op->alpha), beta = f32_of(c->op->beta);

	(void)tid;
	if (end > c->op->count)
		end = c->op->count;
	for (; i < end; i++) {
		float a = ld_bf16(c->a, i), y;

		if (c->op->op == S4_ELTWISE_ADD)
			y = a + ld_bf16(c->b, i);
		else if (c->op->op == S4_ELTWISE_MUL)
			y = a * ld_bf16(c->b, i);
		else
			y = a * alpha + beta;
		st_bf16(c->out, i, y);
	}
}

int s4_exec_eltwise(struct s4_job *job, const void *p)
{
	const struct s4_op_eltwise *op = p;
	struct elt_ctx c = { .op = op };
	uint64_t bytes = op->count * 2;
	void *a, *b = NULL, *out;
	int ret;

	ret = s4_job_map(job, op->a_va, bytes, 0, &a);
	if (!ret && op->b_va)
		ret = s4_job_map(job, op->b_va, bytes, 0, &b);
	if (!ret)
		ret = s4_job_map(job, op->out_va, bytes, 1, &out);
	if (ret)
		return ret;
	c.a = a;
	c.b = b;
	c.out = out;
	s4_pool_run(job->eng->pool, (size_t)((op->count + ELT_CHUNK - 1) / ELT_CHUNK),
		    elt_chunk, &c);
	return 0;
}

/* ---- row ops: softmax, layernorm ---- */

struct rows_ctx {
	const uint16_t *in;
	uint16_t *out;
	uint64_t ld_in, ld_out;
	uint32_t cols;
	const float *gamma, *beta;
	float eps;
};

static int map_rows(struct s4_job *job, uint64_t in_va, uint64_t out_va,
		    uint32_t rows, uint32_t cols, uint32_t ld_in, uint32_t ld_out,
		    struct rows_ctx *c)
{
	uint64_t in_bytes, out_bytes;
	void *in, *out;
	int ret;

	if (s4_span_2d(rows, cols, ld_in, 2, &in_bytes) ||
	    s4_span_2d(rows, cols, ld_out, 2, &out_bytes))
		return -S4_ERR_BAD_ARG;
	ret = s4_job_map(job, in_va, in_bytes, 0, &in);
	if (!ret)
		ret = s4_job_map(job, out_va, out_bytes, 1, &out);
	if (ret)
		return ret;
	*c = (struct rows_ctx){ .in = in, .out = out, .ld_in = ld_in,
				.ld_out = ld_out, .cols = cols };
	return 0;
}

static int validate_rows(uint64_t in_va, uint64_t out_va, uint32_t rows,
			 uint32_t cols, uint32_t ld_in, uint32_t ld_out)
{
	uint64_t bytes;

	if (!in_va || !out_va || (in_va | out_va) & 1 || !rows || !cols ||
	    rows > S4_DIM_MAX || cols > S4_DIM_MAX || ld_in < cols || ld_out < cols ||
	    s4_span_2d(rows, cols, ld_in, 2, &bytes) ||
	    s4_span_2d(rows, cols, ld_out, 2, &bytes))
		return -S4_ERR_BAD_ARG;
	return 0;
}

int s4_validate_softmax(const void *p)
{
	const struct s4_op_softmax *op = p;

	if (op->dtype != S4_DT_BF16 || !s4_all_zero(op->rsvd, sizeof(op->rsvd)))
		return -S4_ERR_BAD_ARG;
	return validate_rows(op->in_va, op->out_va, op->rows, op->cols, op->ld_in, op->ld_out);
}

static void softmax_row(void *p, size_t row, unsigned int tid)
{
	const struct rows_ctx *c = p;
	const uint16_t *in = c->in + row * c->ld_in;
	uint16_t *out = c->out + row * c->ld_out;
	float max = -INFINITY, sum = 0;
	uint32_t i;

	(void)tid;
	for (i = 0; i < c->cols; i++)
		max = fmaxf(max, ld_bf16(in, i));
	for (i = 0; i < c->cols; i++)
		sum += expf(ld_bf16(in, i) - max);
	for (i = 0; i < c->cols; i++)
		st_bf16(out, i, expf(ld_bf16(in, i) - max) / sum);
}

int s4_exec_softmax(struct s4_job *job, const void *p)
{
	const struct s4_op_softmax *op = p;
	struct rows_ctx c;
	int ret;

	ret = map_rows(job, op->in_va, op->out_va, op->rows, op->cols, op->ld_in,
		       op->ld_out, &c);
	if (!ret)
		s4_pool_run(job->eng->pool, op->rows, softmax_row, &c);
	return ret;
}

int s4_validate_layernorm(const void *p)
{
	const struct s4_op_layernorm *op = p;
	float eps = f32_of(op->eps);

	if (op->dtype != S4_DT_BF16 || !s4_all_zero(op->rsvd, sizeof(op->rsvd)) ||
	    !isfinite(eps) || eps < 0 || (op->gamma_va | op->beta_va) & 3)
		return -S4_ERR_BAD_ARG;
	return validate_rows(op->in_va, op->out_va, op->rows, op->cols, op->ld_in, op->ld_out);
}

static void layernorm_row(void *p, size_t row, unsigned int tid)
{
	const struct rows_ctx *c = p;
	const uint16_t *in = c->in + row * c->ld_in;
	uint16_t *out = c->out + row * c->ld_out;
	float mean = 0, var = 0, inv;
	uint32_t i;

	(void)tid;
	for (i = 0; i < c->cols; i++)
		mean += ld_bf16(in, i);
	mean /= (float)c->cols;
	for (i = 0; i < c->cols; i++) {
		float d = ld_bf16(in, i) - mean;

		var += d * d;
	}
	inv = 1.0f / sqrtf(var / (float)c->cols + c->eps);
	for (i = 0; i < c->cols; i++) {
		float y = (ld_bf16(in, i) - mean) * inv;

		if (c->gamma)
			y *= c->gamma[i];
		if (c->beta)
			y += c->beta[i];
		st_bf16(out, i, y);
	}
}

int s4_exec_layernorm(struct s4_job *job, const void *p)
{
	const struct s4_op_layernorm *op = p;
	struct rows_ctx c;
	void *v;
	int ret;

	ret = map_rows(job, op->in_va, op->out_va, op->rows, op->cols, op->ld_in,
		       op->ld_out, &c);
	if (!ret && op->gamma_va) {
		ret = s4_job_map(job, op->gamma_va, (uint64_t)op->cols * 4, 0, &v);
		c.gamma = v;
	}
	if (!ret && op->beta_va) {
		ret = s4_job_map(job, op->beta_va, (uint64_t)op->cols * 4, 0, &v);
		c.beta = v;
	}
	if (ret)
		return ret;
	c.eps = f32_of(op->eps);
	s4_pool_run(job->eng->pool, op->rows, layernorm_row, &c);
	return 0;
}

/* ---- S4_OP_VEC_REDUCE ---- */

static int reduce_sizes(const struct s4_op_reduce *op, uint64_t *in_bytes,
			uint64_t *out_bytes)
{
	uint64_t n;

	if (__builtin_mul_overflow((uint64_t)op->outer, op->inner, &n) ||
	    __builtin_mul_overflow(n, 2, out_bytes) ||
	    __builtin_mul_overflow(*out_bytes, op->axis, in_bytes))
		return -S4_ERR_BAD_ARG;
	return 0;
}

int s4_validate_reduce(const void *p)
{
	const struct s4_op_reduce *op = p;
	uint64_t in_bytes, out_bytes;

	if (op->dtype != S4_DT_BF16 || op->op > S4_REDUCE_MEAN ||
	    !s4_all_zero(op->rsvd, sizeof(op->rsvd)) || !op->in_va || !op->out_va ||
	    (op->in_va | op->out_va) & 1 || !op->outer || !op->axis || !op->inner ||
	    op->outer > S4_DIM_MAX || op->axis > S4_DIM_MAX || op->inner > S4_DIM_MAX)
		return -S4_ERR_BAD_ARG;
	return reduce_sizes(op, &in_bytes, &out_bytes);
}

struct reduce_ctx {
	const struct s4_op_reduce *op;
	const uint16_t *in;
	uint16_t *out;
};

static void reduce_outer(void *p, size_t o, unsigned int tid)
{
	const struct reduce_ctx *c = p;
	const struct s4_op_reduce *op = c->op;
	uint64_t inner = op->inner, i, a;

	(void)tid;
	for (i = 0; i < inner; i++) {
		const uint16_t *in = c->in + (uint64_t)o * op->axis * inner + i;
		float acc = op->op == S4_REDUCE_MAX ? -INFINITY : 0;

		for (a = 0; a < op->axis; a++) {
			float v = ld_bf16(in, a * inner);

			acc = op->op == S4_REDUCE_MAX ? fmaxf(acc, v) : acc + v;
		}
		if (op->op == S4_REDUCE_MEAN)
			acc /= (float)op->axis;
		st_bf16(c->out, (uint64_t)o * inner + i, acc);
	}
}

int s4_exec_reduce(struct s4_job *job, const void *p)
{
	const struct s4_op_reduce *op = p;
	struct reduce_ctx c = { .op = op };
	uint64_t in_bytes, out_bytes;
	void *in, *out;
	int ret;

	ret = reduce_sizes(op, &in_bytes, &out_bytes);
	if (!ret)
		ret = s4_job_map(job, op->in_va, in_bytes, 0, &in);
	if (!ret)
		ret = s4_job_map(job, op->out_va, out_bytes, 1, &out);
	if (ret)
		return ret;
	c.in = in;
	c.out = out;
	s4_pool_run(job->eng->pool, op->outer, reduce_outer, &c);
	return 0;
}
