// SPDX-License-Identifier: MIT
/*
 * Activation engine, vector processor, embedding and reshape ops against
 * reference implementations (libm in double for the math).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "kselftest_harness.h"
#include "s4_act_gen.h"
#include "s4_ref.h"
#include "test_util.h"

#define ACT_BOUND	0x1p-8	/* asserted bound, bf16 accuracy */

/* Error metric of s4_act.h: |y - f| / max(|f|, floor). */
struct act_sweep {
	unsigned int func;
	double lo, hi;
	bool geometric;		/* sweep |x| geometrically, both signs if lo < 0 */
	double floor;
};

static const struct act_sweep sweeps[] = {
	{ S4_ACT_RELU, -64, 64, false, 0x1p-20 },
	{ S4_ACT_GELU, -16, 16, false, 0x1p-10 },
	{ S4_ACT_SIGMOID, -32, 32, false, 0x1p-10 },
	{ S4_ACT_TANH, -16, 16, false, 0x1p-20 },
	{ S4_ACT_TANH, 0x1p-30, 0x1p-2, true, 0x1p-40 },
	{ S4_ACT_GELU, 0x1p-30, 0x1p-2, true, 0x1p-40 },
	{ S4_ACT_EXP, -80, 80, false, 0x1p-20 },
	{ S4_ACT_LOG, 0x1p-30, 0x1p30, true, 0x1p-20 },
	{ S4_ACT_LOG, 0.5, 2, false, 0x1p-40 },
	{ S4_ACT_RECIP, 0x1p-30, 0x1p30, true, 0x1p-20 },
	{ S4_ACT_RECIP, -0x1p30, -0x1p-30, true, 0x1p-20 },
	{ S4_ACT_RSQRT, 0x1p-30, 0x1p30, true, 0x1p-20 },
};

static double sweep_error(const struct s4_act_fn *fns, const struct act_sweep *s)
{
	const unsigned int points = 1u << 20;
	double max = 0;
	unsigned int i;

	for (i = 0; i <= points; i++) {
		double t = (double)i / points, x;
		float xf;
		double f, err;

		if (s->geometric)
			x = copysign(exp(log(fabs(s->lo)) + t * (log(fabs(s->hi)) - log(fabs(s->lo)))), s->lo);
		else
			x = s->lo + t * (s->hi - s->lo);
		xf = (float)x;
		f = s4_ref_act(s->func, xf);
		err = fabs(s4_act_eval(&fns[s->func], xf) - f) / fmax(fabs(f), s->floor);
		if (err > max)
			max = err;
	}
	return max;
}

TEST(act_tables_accuracy_dense_sweep)
{
	struct s4_act_tables *t = malloc(sizeof(*t));
	struct s4_act_fn *fns = malloc(sizeof(*fns) * S4_ACT_NUM_FUNCS);
	size_t i;

	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, fns);
	s4_act_gen_tables(t);
	ASSERT_EQ(0, s4_act_unpack(fns, t, sizeof(*t)));
	for (i = 0; i < sizeof(sweeps) / sizeof(sweeps[0]); i++) {
		double err = sweep_error(fns, &sweeps[i]);

		ksft_print_msg("act func %u [%g, %g]: max error %.3g (2^%.1f)\n",
			       sweeps[i].func, sweeps[i].lo, sweeps[i].hi, err,
			       err > 0 ? log2(err) : -INFINITY);
		EXPECT_LE(err, ACT_BOUND);
	}
	free(fns);
	free(t);
}

TEST(act_special_values)
{
	struct s4_act_tables *t = malloc(sizeof(*t));
	struct s4_act_fn *fns = malloc(sizeof(*fns) * S4_ACT_NUM_FUNCS);

	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, fns);
	s4_act_gen_tables(t);
	ASSERT_EQ(0, s4_act_unpack(fns, t, sizeof(*t)));
	EXPECT_TRUE(isnan(s4_act_eval(&fns[S4_ACT_GELU], NAN)));
	EXPECT_EQ(0.0f, s4_act_eval(&fns[S4_ACT_RELU], -INFINITY));
	EXPECT_EQ(INFINITY, s4_act_eval(&fns[S4_ACT_RELU], INFINITY));
	EXPECT_EQ(1.0f, s4_act_eval(&fns[S4_ACT_TANH], INFINITY));
	EXPECT_EQ(0.0f, s4_act_eval(&fns[S4_ACT_SIGMOID], -INFINITY));
	EXPECT_EQ(INFINITY, s4_act_eval(&fns[S4_ACT_EXP], 200.0f));
	EXPECT_EQ(0.0f, s4_act_eval(&fns[S4_ACT_EXP], -200.0f));
	EXPECT_EQ(-INFINITY, s4_act_eval(&fns[S4_ACT_LOG], 0.0f));
	EXPECT_TRUE(isnan(s4_act_eval(&fns[S4_ACT_LOG], -1.0f)));
	EXPECT_EQ(-INFINITY, s4_act_eval(&fns[S4_ACT_RECIP], -0.0f));
	EXPECT_EQ(INFINITY, s4_act_eval(&fns[S4_ACT_RSQRT], 0.0f));
	EXPECT_TRUE(isnan(s4_act_eval(&fns[S4_ACT_RSQRT], -2.0f)));
	free(fns);
	free(t);
}

FIXTURE(ops) {
	struct s4_engine *eng;
	struct fake_mem fm;
	uint64_t rng;
};

FIXTURE_SETUP(ops)
{
	self->eng = test_engine(S4_ISA_AUTO);
	ASSERT_NE(NULL, self->eng);
	fake_init(&self->fm, 16 << 20);
	self->rng = 42;
}

FIXTURE_TEARDOWN(ops)
{
	fake_fini(&self->fm);
	s4_engine_destroy(self->eng);
}

/* Every bf16 input through S4_OP_ACT: table error plus output rounding. */
TEST_F(ops, act_op_all_bf16_inputs)
{
	struct s4_op_act op = { .count = 65536, .dtype = S4_DT_BF16 };
	unsigned int func, i;
	uint16_t *in, *out;

	op.in_va = fake_alloc(&self->fm, 2 * 65536);
	op.out_va = fake_alloc(&self->fm, 2 * 65536);
	in = fake_ptr(&self->fm, op.in_va);
	out = fake_ptr(&self->fm, op.out_va);
	for (i = 0; i < 65536; i++)
		in[i] = (uint16_t)i;
	for (func = S4_ACT_RELU; func < S4_ACT_NUM_FUNCS; func++) {
		double floor = func == S4_ACT_GELU || func == S4_ACT_SIGMOID ? 0x1p-10 : 0x1p-100;
		double max = 0;

		op.func = (uint16_t)func;
		ASSERT_EQ(0, run_op(self->eng, &self->fm, S4_OP_ACT, &op, sizeof(op), NULL));
		for (i = 0; i < 65536; i++) {
			double x = bf16_at(in, i), f = s4_ref_act(func, x), y = bf16_at(out, i);

			/* Outside the normal range only the class of the result counts. */
			if (isnan(f) || fabs(f) >= 0x1p128 || fabs(f) < 0x1p-126) {
				bool ok = isnan(f) ? isnan(y) :
					  fabs(f) >= 0x1p128 ? fabs(y) >= 0x1p127 && y * f > 0 :
					  fabs(y) <= 0x1p-125;

				EXPECT_TRUE(ok)
					TH_LOG("func %u x %g: got %g want %g", func, x, y, f);
				continue;
			}
			if (fabs(y - f) / fmax(fabs(f), floor) > max)
				max = fabs(y - f) / fmax(fabs(f), floor);
		}
		ksft_print_msg("act op func %u: max error incl. bf16 rounding %.3g\n", func, max);
		EXPECT_LE(max, 0x1p-8 + 0x1p-9);
	}
}

TEST_F(ops, act_tables_rejected_when_malformed)
{
	struct s4_act_tables *t = malloc(sizeof(*t));
	uint32_t nan = 0x7fc00000;

	ASSERT_NE(NULL, t);
	s4_act_gen_tables(t);
	EXPECT_EQ(-S4_ERR_BAD_VALUE, s4_engine_load_act_tables(self->eng, t, sizeof(*t) - 4));
	t->version = 2;
	EXPECT_EQ(-S4_ERR_BAD_VALUE, s4_engine_load_act_tables(self->eng, t, sizeof(*t)));
	s4_act_gen_tables(t);
	t->fn[S4_ACT_EXP].nseg = S4_ACT_MAX_SEGS + 1;
	EXPECT_EQ(-S4_ERR_BAD_VALUE, s4_engine_load_act_tables(self->eng, t, sizeof(*t)));
	s4_act_gen_tables(t);
	t->fn[S4_ACT_TANH].coef[3][1] = nan;
	EXPECT_EQ(-S4_ERR_BAD_VALUE, s4_engine_load_act_tables(self->eng, t, sizeof(*t)));
	s4_act_gen_tables(t);
	t->fn[S4_ACT_LOG].hi = t->fn[S4_ACT_LOG].lo;
	EXPECT_EQ(-S4_ERR_BAD_VALUE, s4_engine_load_act_tables(self->eng, t, sizeof(*t)));
	s4_act_gen_tables(t);
	t->fn[S4_ACT_GELU].func = S4_ACT_TANH;
	EXPECT_EQ(-S4_ERR_BAD_VALUE, s4_engine_load_act_tables(self->eng, t, sizeof(*t)));
	s4_act_gen_tables(t);
	EXPECT_EQ(0, s4_engine_load_act_tables(self->eng, t, sizeof(*t)));
	free(t);
}

TEST(act_op_needs_tables)
{
	struct s4_engine *eng = s4_engine_create(1);
	struct s4_op_act op = { .count = 4, .dtype = S4_DT_BF16, .func = S4_ACT_EXP };
	struct fake_mem fm;

	ASSERT_NE(NULL, eng);
	fake_init(&fm, 4096);
	op.in_va = fake_alloc(&fm, 8);
	op.out_va = fake_alloc(&fm, 8);
	EXPECT_EQ(-S4_ERR_BAD_ARG, run_op(eng, &fm, S4_OP_ACT, &op, sizeof(op), NULL));
	fake_fini(&fm);
	s4_engine_destroy(eng);
}

TEST_F(ops, eltwise_add_mul_scale)
{
	const uint64_t n = 100003;
	struct s4_op_eltwise op = { .count = n, .dtype = S4_DT_BF16 };
	uint16_t *a, *b, *out;
	uint64_t i;
	int kind, bad = 0;

	op.a_va = fake_alloc(&self->fm, 2 * n);
	op.b_va = fake_alloc(&self->fm, 2 * n);
	op.out_va = fake_alloc(&self->fm, 2 * n);
	a = fake_ptr(&self->fm, op.a_va);
	b = fake_ptr(&self->fm, op.b_va);
	out = fake_ptr(&self->fm, op.out_va);
	fill_bf16(&self->rng, a, n, 10);
	fill_bf16(&self->rng, b, n, 10);
	for (kind = S4_ELTWISE_ADD; kind <= S4_ELTWISE_SCALE; kind++) {
		float alpha = 1.5f, beta = -0.25f;

		op.op = (uint8_t)kind;
		if (kind == S4_ELTWISE_SCALE) {
			op.b_va = 0;
			memcpy(&op.alpha, &alpha, 4);
			memcpy(&op.beta, &beta, 4);
		}
		ASSERT_EQ(0, run_op(self->eng, &self->fm, S4_OP_VEC_ELTWISE, &op, sizeof(op), NULL));
		for (i = 0; i < n; i++) {
			double x = bf16_at(a, i), y = bf16_at(b, i);
			double want = kind == S4_ELTWISE_ADD ? x + y :
				      kind == S4_ELTWISE_MUL ? x * y : x * alpha + beta;

			bad += !s4_ref_bf16_close(bf16_at(out, i), want, 0);
		}
	}
	EXPECT_EQ(0, bad);
}

TEST_F(ops, softmax_rows)
{
	struct s4_op_softmax op = { .rows = 37, .cols = 1000, .ld_in = 1003, .ld_out = 1001,
				    .dtype = S4_DT_BF16 };
	uint16_t *in, *out;
	uint32_t r, c;
	double *want;
	int bad = 0;

	op.in_va = fake_alloc(&self->fm, 2ull * op.rows * op.ld_in);
	op.out_va = fake_alloc(&self->fm, 2ull * op.rows * op.ld_out);
	in = fake_ptr(&self->fm, op.in_va);
	out = fake_ptr(&self->fm, op.out_va);
	fill_bf16(&self->rng, in, op.rows * op.ld_in, 20);
	ASSERT_EQ(0, run_op(self->eng, &self->fm, S4_OP_VEC_SOFTMAX, &op, sizeof(op), NULL));
	want = malloc(sizeof(double) * op.rows * op.cols);
	ASSERT_NE(NULL, want);
	s4_ref_softmax(in, op.rows, op.cols, op.ld_in, want);
	for (r = 0; r < op.rows; r++)
		for (c = 0; c < op.cols; c++)
			bad += !s4_ref_bf16_close(bf16_at(out, r * op.ld_out + c),
						  want[r * op.cols + c], 1e-7);
	free(want);
	EXPECT_EQ(0, bad);
}

TEST_F(ops, layernorm_rows_gamma_beta)
{
	struct s4_op_layernorm op = { .rows = 9, .cols = 768, .ld_in = 768, .ld_out = 800,
				      .dtype = S4_DT_BF16 };
	float eps = 1e-5f, *gamma, *beta;
	uint16_t *in, *out;
	uint32_t r, c;
	int bad = 0;

	memcpy(&op.eps, &eps, 4);
	op.in_va = fake_alloc(&self->fm, 2ull * op.rows * op.ld_in);
	op.out_va = fake_alloc(&self->fm, 2ull * op.rows * op.ld_out);
	op.gamma_va = fake_alloc(&self->fm, 4ull * op.cols);
	op.beta_va = fake_alloc(&self->fm, 4ull * op.cols);
	in = fake_ptr(&self->fm, op.in_va);
	out = fake_ptr(&self->fm, op.out_va);
	gamma = fake_ptr(&self->fm, op.gamma_va);
	beta = fake_ptr(&self->fm, op.beta_va);
	fill_bf16(&self->rng, in, op.rows * op.ld_in, 3);
	for (c = 0; c < op.cols; c++) {
		gamma[c] = 1 + rng_unit(&self->rng) / 2;
		beta[c] = rng_unit(&self->rng);
	}
	ASSERT_EQ(0, run_op(self->eng, &self->fm, S4_OP_VEC_LAYERNORM, &op, sizeof(op), NULL));
	for (r = 0; r < op.rows; r++) {
		double mean = 0, var = 0;

		for (c = 0; c < op.cols; c++)
			mean += bf16_at(in, r * op.ld_in + c);
		mean /= op.cols;
		for (c = 0; c < op.cols; c++)
			var += pow(bf16_at(in, r * op.ld_in + c) - mean, 2);
		var /= op.cols;
		for (c = 0; c < op.cols; c++) {
			double y = (bf16_at(in, r * op.ld_in + c) - mean) / sqrt(var + eps) *
				   gamma[c] + beta[c];

			bad += !s4_ref_bf16_close(bf16_at(out, r * op.ld_out + c), y, 1e-4);
		}
	}
	EXPECT_EQ(0, bad);
}

TEST_F(ops, reduce_sum_max_mean)
{
	struct s4_op_reduce op = { .outer = 5, .axis = 300, .inner = 7, .dtype = S4_DT_BF16 };
	uint16_t *in, *out;
	uint32_t o, a, i;
	int kind, bad = 0;

	op.in_va = fake_alloc(&self->fm, 2ull * 5 * 300 * 7);
	op.out_va = fake_alloc(&self->fm, 2ull * 5 * 7);
	in = fake_ptr(&self->fm, op.in_va);
	out = fake_ptr(&self->fm, op.out_va);
	fill_bf16(&self->rng, in, 5 * 300 * 7, 4);
	for (kind = S4_REDUCE_SUM; kind <= S4_REDUCE_MEAN; kind++) {
		op.op = (uint8_t)kind;
		ASSERT_EQ(0, run_op(self->eng, &self->fm, S4_OP_VEC_REDUCE, &op, sizeof(op), NULL));
		for (o = 0; o < 5; o++)
			for (i = 0; i < 7; i++) {
				double acc = kind == S4_REDUCE_MAX ? -INFINITY : 0, sumabs = 0;

				for (a = 0; a < 300; a++) {
					double v = bf16_at(in, (o * 300 + a) * 7 + i);

					acc = kind == S4_REDUCE_MAX ? fmax(acc, v) : acc + v;
					sumabs += fabs(v);
				}
				if (kind == S4_REDUCE_MEAN) {
					acc /= 300;
					sumabs /= 300;
				}
				bad += !s4_ref_bf16_close(bf16_at(out, o * 7 + i), acc, sumabs * 1e-6);
			}
	}
	EXPECT_EQ(0, bad);
}

TEST_F(ops, embed_gathers_rows)
{
	struct s4_op_embed op = { .rows = 50, .dim = 33, .count = 20, .table_ld = 40,
				  .out_ld = 35, .elem_size = 2 };
	uint16_t *table, *out, want[20 * 35] = { 0 };
	uint32_t *idx, i, d;

	op.table_va = fake_alloc(&self->fm, 2ull * 50 * 40);
	op.idx_va = fake_alloc(&self->fm, 4ull * 20);
	op.out_va = fake_alloc(&self->fm, 2ull * 20 * 35);
	table = fake_ptr(&self->fm, op.table_va);
	idx = fake_ptr(&self->fm, op.idx_va);
	out = fake_ptr(&self->fm, op.out_va);
	for (i = 0; i < 50 * 40; i++)
		table[i] = (uint16_t)i;
	for (i = 0; i < 20; i++)
		idx[i] = (uint32_t)rng_range(&self->rng, 0, 49);
	idx[0] = 49;
	ASSERT_EQ(0, run_op(self->eng, &self->fm, S4_OP_EMBED, &op, sizeof(op), NULL));
	ASSERT_EQ(0, s4_ref_embed(&op, table, idx, want));
	for (i = 0; i < 20; i++)
		for (d = 0; d < 33; d++)
			ASSERT_EQ(want[i * 35 + d], out[i * 35 + d]);
}

TEST_F(ops, embed_out_of_range_index_fails_without_writing)
{
	struct s4_op_embed op = { .rows = 10, .dim = 4, .count = 3, .table_ld = 4,
				  .out_ld = 4, .elem_size = 4 };
	uint32_t *idx, *out, i;

	op.table_va = fake_alloc(&self->fm, 4 * 40);
	op.idx_va = fake_alloc(&self->fm, 12);
	op.out_va = fake_alloc(&self->fm, 48);
	idx = fake_ptr(&self->fm, op.idx_va);
	out = fake_ptr(&self->fm, op.out_va);
	idx[0] = 1;
	idx[1] = 10;
	idx[2] = 2;
	memset(out, 0xee, 48);
	EXPECT_EQ(-S4_ERR_BAD_ARG, run_op(self->eng, &self->fm, S4_OP_EMBED, &op, sizeof(op), NULL));
	for (i = 0; i < 12; i++)
		EXPECT_EQ(0xeeeeeeeeu, out[i]);
	idx[1] = 0xffffffffu;
	EXPECT_EQ(-S4_ERR_BAD_ARG, run_op(self->eng, &self->fm, S4_OP_EMBED, &op, sizeof(op), NULL));
}

TEST_F(ops, permute_all_orders)
{
	static const uint32_t dims[4] = { 2, 3, 4, 5 };
	struct s4_op_permute op = { .elem_size = 4 };
	uint32_t *in, *out, p[4], i, perm_id, want[120];
	int bad = 0;

	op.in_va = fake_alloc(&self->fm, 4 * 2 * 3 * 4 * 7);
	op.out_va = fake_alloc(&self->fm, 4 * 120);
	in = fake_ptr(&self->fm, op.in_va);
	out = fake_ptr(&self->fm, op.out_va);
	for (i = 0; i < 2 * 3 * 4 * 7; i++)
		in[i] = i;
	memcpy(op.dims, dims, sizeof(dims));
	/* Input is [2][3][4][5] inside rows of 7: strides 84, 28, 7, 1. */
	op.in_strides[0] = 84;
	op.in_strides[1] = 28;
	op.in_strides[2] = 7;
	op.in_strides[3] = 1;
	for (perm_id = 0; perm_id < 256; perm_id++) {
		uint32_t k, o;

		for (k = 0; k < 4; k++)
			p[k] = (perm_id >> (2 * k)) & 3;
		if ((1u << p[0] | 1u << p[1] | 1u << p[2] | 1u << p[3]) != 15)
			continue;
		for (k = 0; k < 4; k++)
			op.perm[k] = (uint8_t)p[k];
		ASSERT_EQ(0, run_op(self->eng, &self->fm, S4_OP_RESHAPE_PERMUTE, &op, sizeof(op), NULL));
		s4_ref_permute(&op, in, want);
		for (o = 0; o < 120; o++)
			bad += out[o] != want[o];
	}
	EXPECT_EQ(0, bad);
}

TEST_F(ops, strided_copy)
{
	struct s4_op_strided op = { .dims = { 1, 3, 4, 6 }, .in_strides = { 0, 100, 10, 1 },
				    .out_strides = { 0, 30, 7, 1 }, .elem_size = 2 };
	uint16_t *in, *out;
	uint32_t a, b, c;

	op.in_va = fake_alloc(&self->fm, 2 * 300);
	op.out_va = fake_alloc(&self->fm, 2 * 90);
	in = fake_ptr(&self->fm, op.in_va);
	out = fake_ptr(&self->fm, op.out_va);
	for (a = 0; a < 300; a++)
		in[a] = (uint16_t)(a + 1);
	ASSERT_EQ(0, run_op(self->eng, &self->fm, S4_OP_RESHAPE_STRIDED, &op, sizeof(op), NULL));
	for (a = 0; a < 3; a++)
		for (b = 0; b < 4; b++)
			for (c = 0; c < 7; c++)
				ASSERT_EQ(c < 6 ? a * 100 + b * 10 + c + 1 : 0, out[a * 30 + b * 7 + c]);
}

TEST_HARNESS_MAIN
