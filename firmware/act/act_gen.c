// SPDX-License-Identifier: MIT
/*
 * Activation table generator: fits each function's table variable range with
 * uniform piecewise-quadratic segments, each interpolating the exact function
 * (double precision libm) at its start, middle and end.
 */
#include <math.h>
#include <string.h>

#include "s4_act_gen.h"

struct act_spec {
	enum s4_act_func func;
	enum s4_act_reduce reduce;
	double (*f)(double u);	/* the function of the table variable */
	double lo, hi;
	unsigned nseg;
	double below_slope, below_icpt, above_slope, above_icpt;
	double center_r, center[3];
};

static double relu(double x) { return x > 0 ? x : 0; }
static double gelu(double x) { return 0.5 * x * (1.0 + erf(x / sqrt(2.0))); }
static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double exp2u(double u) { return exp2(u); }
static double recip(double u) { return 1.0 / u; }
static double rsqrtu(double u) { return 1.0 / sqrt(u); }

static const struct act_spec specs[] = {
	{ S4_ACT_RELU, S4_ACT_REDUCE_NONE, relu, 0, 1, 1, 0, 0, 1, 0, 0, { 0 } },
	{ S4_ACT_GELU, S4_ACT_REDUCE_NONE, gelu, -8, 8, 256, 0, 0, 1, 0,
	  1.0 / 64, { 0, 0.5, 0.3989422804014327 } },
	{ S4_ACT_SIGMOID, S4_ACT_REDUCE_NONE, sigmoid, -16, 16, 256, 0, 0, 0, 1,
	  0, { 0 } },
	{ S4_ACT_TANH, S4_ACT_REDUCE_NONE, tanh, -8, 8, 256, 0, -1, 0, 1,
	  1.0 / 64, { 0, 1, 0 } },
	{ S4_ACT_EXP, S4_ACT_REDUCE_EXP2, exp2u, 0, 1, 64, 0, 0, 0, 0, 0, { 0 } },
	{ S4_ACT_LOG, S4_ACT_REDUCE_LOG, log, 0.75, 1.5, 192, 0, 0, 0, 0, 0, { 0 } },
	{ S4_ACT_RECIP, S4_ACT_REDUCE_RECIP, recip, 1, 2, 64, 0, 0, 0, 0, 0, { 0 } },
	{ S4_ACT_RSQRT, S4_ACT_REDUCE_RSQRT, rsqrtu, 1, 4, 96, 0, 0, 0, 0, 0, { 0 } },
};

static uint32_t f32_bits(double v)
{
	float f = (float)v;
	uint32_t bits;

	memcpy(&bits, &f, sizeof(bits));
	return bits;
}

/* Quadratic through (0, y0), (h, y1), (2h, y2) in t. */
static void fit_segment(const struct act_spec *s, double start, double w,
			uint32_t coef[3])
{
	double h = w / 2;
	double y0 = s->f(start), y1 = s->f(start + h), y2 = s->f(start + w);
	double c2 = (y2 - 2 * y1 + y0) / (2 * h * h);
	double c1 = (y1 - y0) / h - c2 * h;

	coef[0] = f32_bits(y0);
	coef[1] = f32_bits(c1);
	coef[2] = f32_bits(c2);
}

static void gen_one(const struct act_spec *s, struct s4_act_table *t)
{
	double w = (s->hi - s->lo) / s->nseg;
	unsigned i;

	t->func = s->func;
	t->reduce = s->reduce;
	t->nseg = s->nseg;
	t->lo = f32_bits(s->lo);
	t->hi = f32_bits(s->hi);
	t->below_slope = f32_bits(s->below_slope);
	t->below_icpt = f32_bits(s->below_icpt);
	t->above_slope = f32_bits(s->above_slope);
	t->above_icpt = f32_bits(s->above_icpt);
	t->center_r = f32_bits(s->center_r);
	for (i = 0; i < 3; i++)
		t->center[i] = f32_bits(s->center[i]);
	for (i = 0; i < s->nseg; i++)
		fit_segment(s, s->lo + i * w, w, t->coef[i]);
}

void s4_act_gen_tables(struct s4_act_tables *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->magic = S4_ACT_MAGIC;
	t->version = S4_ACT_VERSION;
	t->size = sizeof(*t);
	t->nfuncs = S4_ACT_NUM_FUNCS;
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		gen_one(&specs[i], &t->fn[specs[i].func]);
}
