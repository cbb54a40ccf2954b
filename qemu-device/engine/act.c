// SPDX-License-Identifier: MIT
/*
 * Activation engine: table unpacking and checking, fp32 evaluation, and the
 * S4_OP_ACT packet.
 */
#include <math.h>
#include <string.h>

#include "engine_priv.h"
#include "pool.h"
#include "s4_bf16.h"

#define ACT_CHUNK	4096u

static float bits_f32(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static int unpack_floats(float *dst, const uint32_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		dst[i] = bits_f32(src[i]);
		if (!isfinite(dst[i]))
			return -1;
	}
	return 0;
}

static int unpack_one(struct s4_act_fn *fn, const struct s4_act_table *t)
{
	if (t->reduce > S4_ACT_REDUCE_RSQRT || t->nseg < 1 ||
	    t->nseg > S4_ACT_MAX_SEGS || t->rsvd[0] || t->rsvd[1] || t->rsvd[2])
		return -1;
	fn->reduce = t->reduce;
	fn->nseg = t->nseg;
	if (unpack_floats(&fn->lo, &t->lo, 2) ||
	    unpack_floats(&fn->below_slope, &t->below_slope, 4) ||
	    unpack_floats(&fn->center_r, &t->center_r, 1) ||
	    unpack_floats(fn->center, t->center, 3) ||
	    unpack_floats(&fn->coef[0][0], &t->coef[0][0], 3 * (size_t)t->nseg))
		return -1;
	if (!(fn->lo < fn->hi) || fn->center_r < 0)
		return -1;
	fn->w = (fn->hi - fn->lo) / (float)fn->nseg;
	fn->inv_w = (float)fn->nseg / (fn->hi - fn->lo);
	if (!isfinite(fn->inv_w) || !(fn->w > 0))
		return -1;
	return 0;
}

int s4_act_unpack(struct s4_act_fn *fns, const void *blob, size_t len)
{
	const struct s4_act_tables *t = blob;
	unsigned int i;

	if (!blob || len != sizeof(*t) || t->magic != S4_ACT_MAGIC ||
	    t->version != S4_ACT_VERSION || t->size != sizeof(*t) ||
	    t->nfuncs != S4_ACT_NUM_FUNCS)
		return -S4_ERR_BAD_VALUE;
	memset(&fns[S4_ACT_NONE], 0, sizeof(fns[0]));
	for (i = 1; i < S4_ACT_NUM_FUNCS; i++)
		if (t->fn[i].func != i || unpack_one(&fns[i], &t->fn[i]))
			return -S4_ERR_BAD_VALUE;
	return 0;
}

/* The table polynomial at u; segments are clamped so any u is safe. */
static float act_poly(const struct s4_act_fn *fn, float u)
{
	float pos = floorf((u - fn->lo) * fn->inv_w);
	unsigned int i;
	const float *c;
	float t;

	if (!(pos >= 0))
		i = 0;
	else if (pos >= (float)fn->nseg)
		i = fn->nseg - 1;
	else
		i = (unsigned int)pos;
	t = u - (fn->lo + (float)i * fn->w);
	c = fn->coef[i];
	return c[0] + t * (c[1] + t * c[2]);
}

static float line(float slope, float icpt, float x)
{
	return slope == 0 ? icpt : slope * x + icpt;
}

static float eval_direct(const struct s4_act_fn *fn, float x)
{
	if (fabsf(x) < fn->center_r)
		return fn->center[0] + x * (fn->center[1] + x * fn->center[2]);
	if (x < fn->lo)
		return line(fn->below_slope, fn->below_icpt, x);
	if (x >= fn->hi)
		return line(fn->above_slope, fn->above_icpt, x);
	return act_poly(fn, x);
}

static float eval_exp2(const struct s4_act_fn *fn, float x)
{
	float v, n;

	if (x > 128.0f)
		return INFINITY;
	if (x < -128.0f)
		return 0.0f;
	v = x * 1.44269504088896341f;
	n = floorf(v);
	return ldexpf(act_poly(fn, v - n), (int)n);
}

static float eval_log(const struct s4_act_fn *fn, float x)
{
	float m;
	int e;

	if (x < 0)
		return NAN;
	if (x == 0)
		return -INFINITY;
	if (isinf(x))
		return x;
	m = 2.0f * frexpf(x, &e);	/* x = m 2^(e-1), m in [1, 2) */
	e -= 1;
	if (m >= 1.5f) {
		m *= 0.5f;
		e += 1;
	}
	return act_poly(fn, m) + (float)e * 0.693147180559945309f;
}

static float eval_recip(const struct s4_act_fn *fn, float x)
{
	float m;
	int e;

	if (x == 0)
		return copysignf(INFINITY, x);
	if (isinf(x))
		return copysignf(0.0f, x);
	m = 2.0f * frexpf(fabsf(x), &e);
	return copysignf(ldexpf(act_poly(fn, m), -(e - 1)), x);
}

static float eval_rsqrt(const struct s4_act_fn *fn, float x)
{
	float m;
	int e;

	if (x == 0)
		return copysignf(INFINITY, x);
	if (x < 0)
		return NAN;
	if (isinf(x))
		return 0.0f;
	m = 2.0f * frexpf(x, &e);
	e -= 1;
	if (e & 1) {
		m *= 2.0f;
		e -= 1;
	}
	return ldexpf(act_poly(fn, m), -e / 2);
}

float s4_act_eval(const struct s4_act_fn *fn, float x)
{
	if (isnan(x))
		return x;
	switch (fn->reduce) {
	case S4_ACT_REDUCE_EXP2:
		return eval_exp2(fn, x);
	case S4_ACT_REDUCE_LOG:
		return eval_log(fn, x);
	case S4_ACT_REDUCE_RECIP:
		return eval_recip(fn, x);
	case S4_ACT_REDUCE_RSQRT:
		return eval_rsqrt(fn, x);
	default:
		return eval_direct(fn, x);
	}
}

int s4_validate_act(const void *p)
{
	const struct s4_op_act *op = p;

	if (!op->in_va || !op->out_va || (op->in_va | op->out_va) & 1 || !op->count ||
	    op->dtype != S4_DT_BF16 ||
	    !s4_act_func_valid(op->func) || !s4_all_zero(op->rsvd, sizeof(op->rsvd)) ||
	    op->count > UINT64_MAX / 2)
		return -S4_ERR_BAD_ARG;
	return 0;
}

struct act_ctx {
	const struct s4_act_fn *fn;
	const uint16_t *in;
	uint16_t *out;
	uint64_t count;
};

static void act_chunk(void *p, size_t item, unsigned int tid)
{
	const struct act_ctx *c = p;
	uint64_t i = (uint64_t)item * ACT_CHUNK;
	uint64_t end = i + ACT_CHUNK < c->count ? i + ACT_CHUNK : c->count;

	(void)tid;
	for (; i < end; i++)
		c->out[i] = s4_f32_to_bf16(s4_act_eval(c->fn, s4_bf16_to_f32(c->in[i])));
}

int s4_exec_act(struct s4_job *job, const void *p)
{
	const struct s4_op_act *op = p;
	struct act_ctx c = { .count = op->count };
	void *in, *out;
	int ret;

	if (!job->eng->act_loaded)
		return -S4_ERR_BAD_ARG;
	ret = s4_job_map(job, op->in_va, op->count * 2, 0, &in);
	if (!ret)
		ret = s4_job_map(job, op->out_va, op->count * 2, 1, &out);
	if (ret)
		return ret;
	c.fn = &job->eng->act[op->func];
	c.in = in;
	c.out = out;
	s4_pool_run(job->eng->pool, (size_t)((op->count + ACT_CHUNK - 1) / ACT_CHUNK),
		    act_chunk, &c);
	return 0;
}
