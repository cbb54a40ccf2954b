// SPDX-License-Identifier: MIT
/*
 * SPU tests: S4_OP_SPU_GEMM and S4_OP_SPU_CONV2D against plain reference
 * implementations, for every kernel ISA this CPU runs. INT8 must match bit
 * for bit; BF16 within |y - ref| <= 2^-8 |ref| + 2^-12 sum|terms| (output
 * rounding plus fp32 accumulation in a different order).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "s4/s4_tensor.h"
#include "s4_ref.h"
#include "test_util.h"

struct epi_case {
	bool bias, res, scale;
	bool any_requant;	/* INT8: multipliers of any sign, shifts 0 .. max */
	uint16_t act;
};

#define FOLLOW_A	1u	/* a_batch_stride = m * lda elements */
#define FOLLOW_C	2u	/* c_batch_stride = m * ldc elements, residual's too */
#define RES_GAP		4u	/* ... but the residual's with a gap */

struct gemm_case {
	uint8_t dtype;
	uint32_t s, m, n, k, batch;
	uint32_t lda_pad, ldc_pad;
	bool w_shared;		/* one W for all batches (w_batch_stride 0) */
	uint8_t follow;		/* FOLLOW_*: rows back to back across batches */
	struct epi_case ep;
};

/*
 * Fill bias/scale arrays on the card; @e points the reference at them (it
 * reads the same inputs as the engine).
 */
static void make_epilogue(struct fake_mem *fm, uint64_t *rng, uint8_t dtype,
			  const struct epi_case *c, uint32_t n, uint32_t nnz_row,
			  struct s4_epilogue *ep, struct s4_ref_epi *e)
{
	uint32_t i, shift = 37;

	while ((1u << (2 * (shift - 37))) < nnz_row)
		shift++;
	memset(ep, 0, sizeof(*ep));
	ep->act = c->act;
	if (c->bias)
		ep->bias_va = fake_alloc(fm, 4ull * n);
	if (dtype == S4_DT_INT8 || c->scale)
		ep->scale_va = fake_alloc(fm, 8ull * n);
	for (i = 0; i < n; i++) {
		double bias = dtype == S4_DT_INT8 ? (double)rng_range(rng, -100000, 100000)
						  : (double)rng_unit(rng);
		double scale = 0.5 + (rng_unit(rng) + 1) / 2;
		struct s4_requant rq;

		rq.mult = (int32_t)rng_range(rng, 1 << 29, 1 << 30);
		rq.shift = i % 7 == 3 ? 0 : shift;
		if (rq.shift == 0)
			rq.mult = (int32_t)rng_range(rng, -2, 2);
		if (c->any_requant) {
			/*
			 * Either sign; most shifts near the one that brings the
			 * accumulators to int8 range (rounding matters there),
			 * the rest anywhere in 0 .. max (saturation, shift 0).
			 */
			rq.mult = (int32_t)rng_range(rng, 1 << 29, INT32_MAX);
			if (rng_range(rng, 0, 1))
				rq.mult = -rq.mult;
			rq.shift = i % 4 ? (uint32_t)rng_range(rng, shift - 4, shift + 4) :
					   (uint32_t)rng_range(rng, 0, S4_REQUANT_SHIFT_MAX);
		}
		if (c->bias && dtype == S4_DT_INT8)
			((int32_t *)fake_ptr(fm, ep->bias_va))[i] = (int32_t)bias;
		else if (c->bias)
			((float *)fake_ptr(fm, ep->bias_va))[i] = (float)bias;
		if (dtype == S4_DT_INT8)
			((struct s4_requant *)fake_ptr(fm, ep->scale_va))[i] = rq;
		else if (c->scale)
			((float *)fake_ptr(fm, ep->scale_va))[i] = (float)scale;
	}
	*e = (struct s4_ref_epi){
		.bias = ep->bias_va ? fake_ptr(fm, ep->bias_va) : NULL,
		.scale = ep->scale_va ? fake_ptr(fm, ep->scale_va) : NULL,
		.act = c->act,
	};
}

/* Random weights pruned to sparsity s by libs4 into the bytes at va. */
static void prune_weights(struct fake_mem *fm, uint64_t *rng, uint8_t dtype,
			  uint32_t n, uint32_t k, uint32_t s, uint64_t va, size_t bytes)
{
	struct s4_tensor_desc d = { .n = n, .k = k, .sparsity = s, .dtype = dtype };
	unsigned int es = dtype == S4_DT_INT8 ? 1 : 2;
	void *dense = malloc((size_t)n * k * es);

	if (!dense)
		abort();
	if (es == 1)
		fill_i8(rng, dense, (size_t)n * k);
	else
		fill_bf16(rng, dense, (size_t)n * k, 1.0f);
	if (s4_tensor_prune(&d, dense, k, fake_ptr(fm, va), bytes))
		abort();
	free(dense);
}

/* Random weights pruned to sparsity s by libs4; returns the packed size. */
static size_t make_weights(struct fake_mem *fm, uint64_t *rng, uint8_t dtype,
			   uint32_t n, uint32_t k, uint32_t s, uint64_t *va)
{
	struct s4_tensor_desc d = { .n = n, .k = k, .sparsity = s, .dtype = dtype };
	size_t bytes;

	if (s4_tensor_packed_size(&d, &bytes))
		abort();
	*va = fake_alloc(fm, bytes);
	prune_weights(fm, rng, dtype, n, k, s, *va, bytes);
	return bytes;
}

static void fill_tensor(uint64_t *rng, uint8_t dtype, void *p, size_t n)
{
	if (dtype == S4_DT_INT8)
		fill_i8(rng, p, n);
	else
		fill_bf16(rng, p, n, 2.0f);
}

static double elem(uint8_t dtype, const void *p, size_t i)
{
	return dtype == S4_DT_INT8 ? (double)((const int8_t *)p)[i] : s4_ref_bf16(p, i);
}

/* Compare output element @oi of channel @n; returns 1 on mismatch (and reports it). */
static int check_out(uint8_t dtype, const struct s4_ref_epi *e, uint32_t n, double acc,
		     double sumabs, const void *res, size_t ri, const void *out, size_t oi)
{
	size_t es = dtype == S4_DT_INT8 ? 1 : 2;
	double got = elem(dtype, out, oi), tol;
	double want = s4_ref_epilogue(dtype, e, n, acc, sumabs,
				      res ? (const uint8_t *)res + ri * es : NULL, &tol);

	if (fabs(got - want) <= tol)
		return 0;
	fprintf(stderr, "# mismatch ch %u: got %.9g want %.9g\n", n, got, want);
	return 1;
}

static int run_gemm_case(struct s4_engine *eng, const struct gemm_case *c, uint64_t seed)
{
	unsigned int es = c->dtype == S4_DT_INT8 ? 1 : 2;
	uint32_t lda = c->k + c->lda_pad, ldc = c->n + c->ldc_pad, b, m, n;
	/* Batches back to back, or 64-byte aligned with a gap after each. */
	uint64_t a_bs = c->follow & FOLLOW_A ? (uint64_t)c->m * lda * es :
			((uint64_t)c->m * lda * es + 127) & ~63ull;
	uint64_t c_bs = c->follow & FOLLOW_C ? (uint64_t)c->m * ldc * es :
			((uint64_t)c->m * ldc * es + 127) & ~63ull;
	uint64_t r_bs = c->follow & RES_GAP ? c_bs + 64 : c_bs;
	struct s4_op_gemm op = {
		.m = c->m, .n = c->n, .k = c->k, .batch = c->batch,
		.lda = lda, .ldc = ldc, .dtype = c->dtype, .sparsity = (uint8_t)c->s,
		.a_batch_stride = a_bs, .c_batch_stride = c_bs,
	};
	double *acc = malloc(sizeof(double) * c->m * c->n);
	double *sumabs = malloc(sizeof(double) * c->m * c->n);
	struct s4_ref_epi e;
	struct fake_mem fm;
	uint64_t rng = seed, w_bytes = 0;
	int bad = 0, ret;

	fake_init(&fm, 3 * a_bs * c->batch + 3 * c_bs * c->batch + r_bs * c->batch +
		       (uint64_t)c->batch * c->n * c->k * es * 2 + 64 * 1024 + 24ull * c->n);
	op.a_va = fake_alloc(&fm, a_bs * c->batch);
	op.c_va = fake_alloc(&fm, c_bs * c->batch);
	fill_tensor(&rng, c->dtype, fake_ptr(&fm, op.a_va), a_bs * c->batch / es);
	for (b = 0; b < (c->w_shared ? 1 : c->batch); b++) {
		uint64_t va;

		w_bytes = make_weights(&fm, &rng, c->dtype, c->n, c->k, c->s, &va);
		if (!b)
			op.w_va = va;
	}
	op.w_batch_stride = c->batch > 1 && !c->w_shared ? ((w_bytes + 63) & ~63ull) : 0;
	make_epilogue(&fm, &rng, c->dtype, &c->ep, c->n, (c->k + 31) / 32 * 32 / c->s, &op.ep, &e);
	if (c->ep.res) {
		op.ep.res_va = fake_alloc(&fm, r_bs * c->batch);
		op.ep.res_ld = ldc;
		op.ep.res_batch_stride = r_bs;
		fill_tensor(&rng, c->dtype, fake_ptr(&fm, op.ep.res_va), r_bs * c->batch / es);
	}
	ret = run_op(eng, &fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL);
	if (ret) {
		fprintf(stderr, "# exec failed: %d\n", ret);
		bad = 1;
	}
	for (b = 0; b < c->batch && !ret; b++) {
		const uint8_t *a = (uint8_t *)fake_ptr(&fm, op.a_va) + b * a_bs;
		const uint8_t *out = (uint8_t *)fake_ptr(&fm, op.c_va) + b * c_bs;
		const uint8_t *res = c->ep.res ? (uint8_t *)fake_ptr(&fm, op.ep.res_va) + b * r_bs : NULL;

		s4_ref_gemm(c->dtype, c->s, c->m, c->n, c->k, a, lda,
			    (uint8_t *)fake_ptr(&fm, op.w_va) + b * op.w_batch_stride, acc, sumabs);
		for (m = 0; m < c->m && bad < 5; m++)
			for (n = 0; n < c->n && bad < 5; n++)
				bad += check_out(c->dtype, &e, n, acc[(size_t)m * c->n + n],
						 sumabs[(size_t)m * c->n + n], res,
						 (size_t)m * ldc + n, out, (size_t)m * ldc + n);
	}
	fake_fini(&fm);
	free(sumabs);
	free(acc);
	return bad;
}

static const uint32_t sparsities[] = { 1, 2, 4, 8, 16, 32 };

FIXTURE(spu) {
	struct s4_engine *eng;
};

FIXTURE_VARIANT(spu) {
	enum s4_engine_isa isa;
};

FIXTURE_VARIANT_ADD(spu, generic) { .isa = S4_ISA_GENERIC };
FIXTURE_VARIANT_ADD(spu, avx2) { .isa = S4_ISA_AVX2 };
FIXTURE_VARIANT_ADD(spu, avx512) { .isa = S4_ISA_AVX512 };

FIXTURE_SETUP(spu)
{
	self->eng = test_engine(variant->isa);
	if (!self->eng)
		SKIP(return, "ISA not supported by this CPU");
}

FIXTURE_TEARDOWN(spu)
{
	s4_engine_destroy(self->eng);
}

static const struct gemm_case edge_shapes[] = {
	{ .m = 1, .n = 1, .k = 1, .batch = 1 },
	{ .m = 7, .n = 17, .k = 33, .batch = 1 },
	{ .m = 9, .n = 16, .k = 64, .batch = 1 },
	{ .m = 37, .n = 45, .k = 100, .batch = 1 },
	{ .m = 1, .n = 70, .k = 300, .batch = 1 },
	{ .m = 70, .n = 1, .k = 129, .batch = 1 },
};

static int run_all_sparsities(struct s4_engine *eng, uint8_t dtype, struct epi_case ep)
{
	size_t i, j;
	int bad = 0;

	for (i = 0; i < sizeof(edge_shapes) / sizeof(edge_shapes[0]); i++)
		for (j = 0; j < 6; j++) {
			struct gemm_case c = edge_shapes[i];

			c.dtype = dtype;
			c.s = sparsities[j];
			c.ep = ep;
			if (run_gemm_case(eng, &c, 1000 * i + j)) {
				fprintf(stderr, "# case m=%u n=%u k=%u s=%u failed\n",
					c.m, c.n, c.k, c.s);
				bad++;
			}
		}
	return bad;
}

TEST_F(spu, gemm_int8_shapes_all_sparsities)
{
	EXPECT_EQ(0, run_all_sparsities(self->eng, S4_DT_INT8, (struct epi_case){ 0 }));
}

TEST_F(spu, gemm_bf16_shapes_all_sparsities)
{
	EXPECT_EQ(0, run_all_sparsities(self->eng, S4_DT_BF16, (struct epi_case){ 0 }));
}

TEST_F(spu, gemm_int8_bias_residual_relu_batched_strided)
{
	struct gemm_case c = { .dtype = S4_DT_INT8, .s = 4, .m = 19, .n = 40, .k = 96,
			       .batch = 3, .lda_pad = 5, .ldc_pad = 3,
			       .ep = { .bias = true, .res = true, .act = S4_ACT_RELU } };

	EXPECT_EQ(0, run_gemm_case(self->eng, &c, 7));
}

/*
 * Batches sharing one W, with rows of A, C and the residual (when there is
 * one) back to back, which the engine runs as one problem (W packed once)
 * with batch boundaries inside its row tiles, and with a gap after the
 * batches of any of them, which it must run one by one.
 */
TEST_F(spu, gemm_batches_sharing_weights)
{
	static const uint8_t follow[] = {
		0, FOLLOW_A, FOLLOW_C, FOLLOW_A | FOLLOW_C | RES_GAP, FOLLOW_A | FOLLOW_C,
	};
	struct gemm_case c = { .m = 37, .n = 40, .k = 96, .batch = 3, .ldc_pad = 3,
			       .w_shared = true, .ep = { .bias = true, .res = true } };
	struct s4_engine_stats before, after;
	uint32_t i, f, seed = 60;
	bool fold;

	for (f = 0; f < sizeof(follow); f++)
		for (i = 0; i < 8; i++) {
			c.follow = follow[f];
			c.ep.res = i & 4;
			c.dtype = i & 1 ? S4_DT_BF16 : S4_DT_INT8;
			c.ep.act = i & 1 ? S4_ACT_GELU : S4_ACT_RELU;
			c.ep.scale = i & 1;
			c.s = i & 2 ? 8 : 1;
			fold = (c.follow & (FOLLOW_A | FOLLOW_C)) == (FOLLOW_A | FOLLOW_C) &&
			       !(c.ep.res && (c.follow & RES_GAP));
			s4_engine_get_stats(self->eng, &before);
			EXPECT_EQ(0, run_gemm_case(self->eng, &c, seed++))
				TH_LOG("follow %u dtype %u s %u", c.follow, c.dtype, c.s);
			s4_engine_get_stats(self->eng, &after);
			/* W packed once for all batches, or once per batch */
			EXPECT_EQ(fold ? 1 : c.batch, after.spu_problems - before.spu_problems)
				TH_LOG("follow %u res %d", c.follow, c.ep.res);
		}
}

/*
 * Requantization with every shift and multipliers of both signs, channels
 * of one lane group each with its own: saturation both ways, rounding of
 * negative values, shift 0, odd and even channels.
 */
TEST_F(spu, gemm_int8_requant_any_shift_and_sign)
{
	struct gemm_case c = { .dtype = S4_DT_INT8, .m = 37, .n = 130, .k = 200, .batch = 1,
			       .ep = { .bias = true, .res = true, .any_requant = true } };
	uint32_t i;

	for (i = 0; i < 6; i++) {
		c.s = sparsities[i];
		EXPECT_EQ(0, run_gemm_case(self->eng, &c, 40 + i));
	}
}

TEST_F(spu, gemm_bf16_scale_bias_residual_gelu_batched_strided)
{
	struct gemm_case c = { .dtype = S4_DT_BF16, .s = 2, .m = 21, .n = 33, .k = 80,
			       .batch = 2, .lda_pad = 3, .ldc_pad = 1,
			       .ep = { .bias = true, .res = true, .scale = true,
				       .act = S4_ACT_GELU } };

	EXPECT_EQ(0, run_gemm_case(self->eng, &c, 8));
	c.ep.act = S4_ACT_RELU;
	EXPECT_EQ(0, run_gemm_case(self->eng, &c, 9));
	c.ep.act = S4_ACT_SIGMOID;
	EXPECT_EQ(0, run_gemm_case(self->eng, &c, 10));
}

TEST_F(spu, gemm_large_dims)
{
	struct gemm_case c = { .m = 130, .n = 200, .k = 1000, .batch = 1, .s = 4 };

	c.dtype = S4_DT_INT8;
	c.ep.bias = true;
	EXPECT_EQ(0, run_gemm_case(self->eng, &c, 11));
	c.dtype = S4_DT_BF16;
	EXPECT_EQ(0, run_gemm_case(self->eng, &c, 12));
	c = (struct gemm_case){ .dtype = S4_DT_INT8, .m = 2, .n = 3, .k = 5000,
				.batch = 1, .s = 1 };
	EXPECT_EQ(0, run_gemm_case(self->eng, &c, 13));
}

/*
 * K = 40 is padded to 64: values stored at padding positions (here made
 * non-zero on purpose) must not contribute.
 */
TEST_F(spu, gemm_k_padding_contributes_nothing)
{
	uint32_t dt;

	for (dt = S4_DT_INT8; dt <= S4_DT_BF16; dt++) {
		unsigned int es = dt == S4_DT_INT8 ? 1 : 2;
		struct s4_sparse_geom g;
		struct fake_mem fm;
		struct s4_op_gemm op = { .m = 3, .n = 2, .k = 40, .batch = 1, .lda = 40,
					 .ldc = 2, .dtype = (uint8_t)dt, .sparsity = 1 };
		uint8_t *w;
		uint32_t n, j;
		uint64_t rng = 5;

		ASSERT_EQ(0, s4_sparse_geometry(2, 40, 1, es, &g));
		fake_init(&fm, 1 << 20);
		op.a_va = fake_alloc(&fm, 3 * 40 * es);
		op.c_va = fake_alloc(&fm, 3 * 2 * es);
		op.w_va = fake_alloc(&fm, g.bytes);
		if (dt == S4_DT_INT8) {	/* identity requantization */
			struct s4_requant *rq;

			op.ep.scale_va = fake_alloc(&fm, 16);
			rq = fake_ptr(&fm, op.ep.scale_va);
			rq[0] = rq[1] = (struct s4_requant){ .mult = 1, .shift = 0 };
		}
		w = fake_ptr(&fm, op.w_va);
		for (n = 0; n < 2; n++)
			for (j = 0; j < 64; j++) {
				uint64_t e = n * 64 + j;

				w[g.idx_off + e] = (uint8_t)(j % 32);
				if (es == 1)
					w[e] = j < 40 ? (uint8_t)(j % 3) : 100;
				else
					((uint16_t *)w)[e] = s4_f32_to_bf16(j < 40 ? (float)(j % 3) * 0.25f : 100.0f);
			}
		if (es == 1)
			fill_i8(&rng, fake_ptr(&fm, op.a_va), 120);
		else
			fill_bf16(&rng, fake_ptr(&fm, op.a_va), 120, 1.0f);
		ASSERT_EQ(0, run_op(self->eng, &fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
		for (n = 0; n < 6; n++) {
			double want = 0;

			for (j = 0; j < 40; j++)
				want += elem((uint8_t)dt, fake_ptr(&fm, op.a_va), (n / 2) * 40 + j) *
					(es == 1 ? (double)(j % 3) : (double)(j % 3) * 0.25);
			if (es == 1)
				want = want > 127 ? 127 : want < -128 ? -128 : want;
			EXPECT_TRUE(fabs(elem((uint8_t)dt, fake_ptr(&fm, op.c_va), n) - want) <=
				    fabs(want) / 128 + 1e-6)
				TH_LOG("dtype %u out %u: got %g want %g", dt, n,
				       elem((uint8_t)dt, fake_ptr(&fm, op.c_va), n), want);
		}
		fake_fini(&fm);
	}
}

/*
 * s = 1 with each block's (index, value) pairs stored in reverse order: the
 * same tensor as canonical order, so the same results (the engine must not
 * take the dense fast path here).
 */
TEST_F(spu, gemm_dense_noncanonical_order)
{
	uint32_t dt;

	for (dt = S4_DT_INT8; dt <= S4_DT_BF16; dt++) {
		unsigned int es = dt == S4_DT_INT8 ? 1 : 2;
		struct s4_op_gemm op = { .m = 9, .n = 20, .k = 64, .batch = 1, .lda = 64,
					 .ldc = 20, .dtype = (uint8_t)dt, .sparsity = 1 };
		struct s4_sparse_geom g;
		struct fake_mem fm;
		uint64_t rng = 77, e;
		uint8_t *w, *canon;
		uint32_t i, n, kk;

		ASSERT_EQ(0, s4_sparse_geometry(20, 64, 1, es, &g));
		fake_init(&fm, 1 << 20);
		op.a_va = fake_alloc(&fm, 9 * 64 * es);
		op.c_va = fake_alloc(&fm, 9 * 20 * es);
		make_weights(&fm, &rng, (uint8_t)dt, 20, 64, 1, &op.w_va);
		if (dt == S4_DT_INT8) {
			struct s4_requant *rq;

			op.ep.scale_va = fake_alloc(&fm, 8 * 20);
			rq = fake_ptr(&fm, op.ep.scale_va);
			for (n = 0; n < 20; n++)
				rq[n] = (struct s4_requant){ .mult = 1 << 30, .shift = 40 };
			fill_i8(&rng, fake_ptr(&fm, op.a_va), 9 * 64);
		} else {
			fill_bf16(&rng, fake_ptr(&fm, op.a_va), 9 * 64, 1.0f);
		}
		ASSERT_EQ(0, run_op(self->eng, &fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
		canon = malloc(9 * 20 * es);
		ASSERT_NE(NULL, canon);
		memcpy(canon, fake_ptr(&fm, op.c_va), 9 * 20 * es);
		w = fake_ptr(&fm, op.w_va);
		for (e = 0; e < g.nnz; e += 32)
			for (i = 0; i < 16; i++) {
				uint8_t t = w[g.idx_off + e + i];

				w[g.idx_off + e + i] = w[g.idx_off + e + 31 - i];
				w[g.idx_off + e + 31 - i] = t;
				for (kk = 0; kk < es; kk++) {
					t = w[(e + i) * es + kk];
					w[(e + i) * es + kk] = w[(e + 31 - i) * es + kk];
					w[(e + 31 - i) * es + kk] = t;
				}
			}
		memset(fake_ptr(&fm, op.c_va), 0, 9 * 20 * es);
		ASSERT_EQ(0, run_op(self->eng, &fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
		for (i = 0; i < 9 * 20; i++) {
			double got = elem((uint8_t)dt, fake_ptr(&fm, op.c_va), i);
			double want = elem((uint8_t)dt, canon, i);

			EXPECT_TRUE(dt == S4_DT_INT8 ? got == want :
				    s4_ref_bf16_close(got, want, ldexp(1e-2, -12) + 1e-6))
				TH_LOG("dtype %u out %u: %g vs %g", dt, i, got, want);
		}
		free(canon);
		fake_fini(&fm);
	}
}

/*
 * BF16 outputs keep NaN and infinity. The bias brings them in: NaNs whose
 * fp32 payload fills the mantissa (rounding to bf16 must not carry it into
 * the exponent and sign), of both signs, a signalling NaN, and both
 * infinities; the dense, sparse and outer-product paths, 20 rows (a partial
 * tile) and 18 channels (a partial lane group).
 */
TEST_F(spu, gemm_bf16_nan_and_inf_kept)
{
	static const uint32_t special[] = {
		0x7fffffffu, 0xffffffffu, 0x7f800001u, 0x7f800000u, 0xff800000u,
	};
	static const uint32_t sps[] = { 1, 2, 32 };
	const uint32_t nch = 18, rows = 20, k = 64;
	uint32_t si, n, m;

	for (si = 0; si < 3; si++) {
		struct s4_op_gemm op = { .m = rows, .n = nch, .k = k, .batch = 1, .lda = k,
					 .ldc = nch, .dtype = S4_DT_BF16,
					 .sparsity = (uint8_t)sps[si] };
		struct fake_mem fm;
		uint64_t rng = 90 + si;
		const uint16_t *out;
		uint32_t *bias;

		fake_init(&fm, 1 << 20);
		op.a_va = fake_alloc(&fm, rows * k * 2);
		op.c_va = fake_alloc(&fm, rows * nch * 2);
		op.ep.bias_va = fake_alloc(&fm, nch * 4);
		make_weights(&fm, &rng, S4_DT_BF16, nch, k, sps[si], &op.w_va);
		fill_bf16(&rng, fake_ptr(&fm, op.a_va), rows * k, 1.0f);
		bias = fake_ptr(&fm, op.ep.bias_va);
		for (n = 0; n < nch; n++)
			bias[n] = n < 5 ? special[n] : 0;
		ASSERT_EQ(0, run_op(self->eng, &fm, S4_OP_SPU_GEMM, &op, sizeof(op), NULL));
		out = fake_ptr(&fm, op.c_va);
		for (m = 0; m < rows; m++) {
			const uint16_t *o = out + m * nch;

			for (n = 0; n < 3; n++)	/* quiet NaNs */
				EXPECT_TRUE((o[n] & 0x7fc0) == 0x7fc0)
					TH_LOG("s %u row %u ch %u: 0x%04x", sps[si], m, n, o[n]);
			EXPECT_EQ(0x7f80, o[3]);
			EXPECT_EQ(0xff80, o[4]);
			for (n = 5; n < nch; n++)	/* finite */
				EXPECT_NE(0x7f80, o[n] & 0x7f80);
		}
		fake_fini(&fm);
	}
}

/* ---- conv2d ---- */

struct conv_case {
	uint32_t batch, h, w, c, oc, kh, kw, stride, pad, dil, groups;
};

static uint32_t out_dim(uint32_t in, uint32_t k, uint32_t stride, uint32_t pad, uint32_t dil)
{
	return (in + 2 * pad - dil * (k - 1) - 1) / stride + 1;
}

static int run_conv_case(struct s4_engine *eng, const struct conv_case *cc,
			 uint8_t dtype, uint32_t s, struct epi_case ec, uint64_t seed)
{
	unsigned int es = dtype == S4_DT_INT8 ? 1 : 2;
	uint32_t oh = out_dim(cc->h, cc->kh, cc->stride, cc->pad, cc->dil);
	uint32_t ow = out_dim(cc->w, cc->kw, cc->stride, cc->pad, cc->dil);
	uint32_t k = cc->kh * cc->kw * (cc->c / cc->groups);
	uint64_t xn = (uint64_t)cc->batch * cc->h * cc->w * cc->c;
	uint64_t yn = (uint64_t)cc->batch * oh * ow * cc->oc;
	struct s4_op_conv2d op = {
		.batch = cc->batch, .in_h = cc->h, .in_w = cc->w, .in_c = cc->c,
		.out_h = oh, .out_w = ow, .out_c = cc->oc, .groups = cc->groups,
		.kernel_h = (uint16_t)cc->kh, .kernel_w = (uint16_t)cc->kw,
		.stride_h = (uint16_t)cc->stride, .stride_w = (uint16_t)cc->stride,
		.pad_h = (uint16_t)cc->pad, .pad_w = (uint16_t)cc->pad,
		.dil_h = (uint16_t)cc->dil, .dil_w = (uint16_t)cc->dil,
		.dtype = dtype, .sparsity = (uint8_t)s,
	};
	double *acc = malloc(sizeof(double) * yn), *sumabs = malloc(sizeof(double) * yn);
	struct s4_ref_epi e;
	struct fake_mem fm;
	uint64_t rng = seed, i;
	const void *y, *res = NULL;
	int bad = 0, ret;

	fake_init(&fm, (xn + 2 * yn) * es + (uint64_t)cc->oc * k * es * 2 + 65536 + 24ull * cc->oc);
	op.x_va = fake_alloc(&fm, xn * es);
	op.y_va = fake_alloc(&fm, yn * es);
	fill_tensor(&rng, dtype, fake_ptr(&fm, op.x_va), xn);
	make_weights(&fm, &rng, dtype, cc->oc, k, s, &op.w_va);
	make_epilogue(&fm, &rng, dtype, &ec, cc->oc, (k + 31) / 32 * 32 / s, &op.ep, &e);
	if (ec.res) {
		op.ep.res_va = fake_alloc(&fm, yn * es);
		fill_tensor(&rng, dtype, fake_ptr(&fm, op.ep.res_va), yn);
		res = fake_ptr(&fm, op.ep.res_va);
	}
	ret = run_op(eng, &fm, S4_OP_SPU_CONV2D, &op, sizeof(op), NULL);
	if (ret) {
		fprintf(stderr, "# conv exec failed: %d\n", ret);
		bad = 1;
	}
	s4_ref_conv2d(&op, fake_ptr(&fm, op.x_va), fake_ptr(&fm, op.w_va), acc, sumabs);
	y = fake_ptr(&fm, op.y_va);
	for (i = 0; i < yn && !ret && bad < 5; i++)
		bad += check_out(dtype, &e, (uint32_t)(i % cc->oc), acc[i], sumabs[i], res, i, y, i);
	fake_fini(&fm);
	free(sumabs);
	free(acc);
	return bad;
}

static const struct conv_case conv_shapes[] = {
	/* batch h w c oc kh kw stride pad dil groups */
	{ 2, 6, 5, 16, 24, 1, 1, 1, 0, 1, 1 },		/* 1x1 */
	{ 1, 7, 7, 8, 16, 3, 3, 1, 1, 1, 1 },		/* 3x3 same */
	{ 1, 9, 8, 16, 8, 3, 3, 2, 1, 1, 1 },		/* 3x3 stride 2 */
	{ 1, 9, 9, 4, 8, 3, 3, 1, 2, 2, 1 },		/* dilation 2 */
	{ 1, 6, 6, 8, 12, 3, 3, 1, 1, 1, 2 },		/* groups 2 */
	{ 2, 6, 6, 8, 8, 3, 3, 1, 1, 1, 8 },		/* depthwise */
	{ 1, 12, 12, 3, 16, 7, 7, 2, 3, 1, 1 },		/* stem: K = 147 */
	/* read in place of im2col rows (see conv_in_place_of_im2col) */
	{ 2, 20, 18, 64, 16, 3, 3, 1, 1, 1, 1 },
	{ 1, 6, 10, 128, 24, 3, 3, 1, 0, 1, 1 },
	{ 1, 7, 6, 64, 16, 1, 3, 1, 1, 1, 1 },		/* 1x3 */
};

/* Which conv problems read the input in place of im2col rows. */
TEST_F(spu, conv_in_place_of_im2col)
{
	static const struct {
		uint32_t shape, s;
		uint8_t dtype, in_place;
	} cases[] = {
		{ 7, 1, S4_DT_INT8, 1 }, { 7, 16, S4_DT_INT8, 1 },
		{ 7, 32, S4_DT_INT8, 0 },	/* 3 x 64 bytes are not whole 128-byte windows */
		{ 8, 1, S4_DT_INT8, 0 },	/* 28 of 60 rows dropped, N / s = 24 */
		{ 8, 32, S4_DT_INT8, 1 },	/* ... N / s < 1 */
		{ 9, 1, S4_DT_INT8, 1 }, { 7, 1, S4_DT_BF16, 1 },
		{ 7, 2, S4_DT_BF16, 2 },	/* 2: in place, but AVX-512 takes the outer product */
		{ 0, 1, S4_DT_INT8, 0 },	/* 1x1: the im2col rows are the pixels */
		{ 2, 1, S4_DT_INT8, 0 },	/* stride 2 */
		{ 3, 1, S4_DT_INT8, 0 },	/* dilation 2 */
		{ 4, 1, S4_DT_INT8, 0 },	/* groups 2 */
	};
	struct s4_engine_stats before, after;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s4_engine_get_stats(self->eng, &before);
		EXPECT_EQ(0, run_conv_case(self->eng, &conv_shapes[cases[i].shape], cases[i].dtype,
					   cases[i].s, (struct epi_case){ 0 }, 200 + i));
		s4_engine_get_stats(self->eng, &after);
		EXPECT_EQ(cases[i].in_place == 2 ? variant->isa != S4_ISA_AVX512 : cases[i].in_place,
			  after.conv_implicit - before.conv_implicit)
			TH_LOG("case %zu", i);
	}
}

static int run_conv_shapes(struct s4_engine *eng, uint8_t dtype, struct epi_case ec)
{
	size_t i, j;
	int bad = 0;

	for (i = 0; i < sizeof(conv_shapes) / sizeof(conv_shapes[0]); i++)
		for (j = 0; j < 6; j++) {
			if (run_conv_case(eng, &conv_shapes[i], dtype, sparsities[j], ec,
					  100 * i + j)) {
				fprintf(stderr, "# conv shape %zu s=%u failed\n", i, sparsities[j]);
				bad++;
			}
		}
	return bad;
}

TEST_F(spu, conv_int8_shapes_all_sparsities)
{
	EXPECT_EQ(0, run_conv_shapes(self->eng, S4_DT_INT8, (struct epi_case){ 0 }));
}

TEST_F(spu, conv_bf16_shapes_all_sparsities)
{
	EXPECT_EQ(0, run_conv_shapes(self->eng, S4_DT_BF16, (struct epi_case){ 0 }));
}

TEST_F(spu, conv_fused_epilogue)
{
	struct epi_case i8 = { .bias = true, .res = true, .act = S4_ACT_RELU };
	struct epi_case bf = { .bias = true, .res = true, .scale = true, .act = S4_ACT_RELU };

	EXPECT_EQ(0, run_conv_case(self->eng, &conv_shapes[1], S4_DT_INT8, 2, i8, 1));
	EXPECT_EQ(0, run_conv_case(self->eng, &conv_shapes[4], S4_DT_INT8, 4, i8, 2));
	EXPECT_EQ(0, run_conv_case(self->eng, &conv_shapes[1], S4_DT_BF16, 2, bf, 3));
	EXPECT_EQ(0, run_conv_case(self->eng, &conv_shapes[5], S4_DT_BF16, 1, bf, 4));
	EXPECT_EQ(0, run_conv_case(self->eng, &conv_shapes[7], S4_DT_INT8, 8, i8, 5));
	EXPECT_EQ(0, run_conv_case(self->eng, &conv_shapes[7], S4_DT_BF16, 1, bf, 6));
	EXPECT_EQ(0, run_conv_case(self->eng, &conv_shapes[8], S4_DT_INT8, 32, i8, 7));
}

/*
 * A GEMM left in memory to run again and again, in memory with write stamps
 * if tracked (then the engine may keep its weights' packing).
 */
struct kept_gemm {
	struct fake_mem fm;
	struct s4_op_gemm op;
	struct s4_ref_epi e;
	uint64_t rng;
	size_t w_bytes;
	double *acc, *sumabs;
};

#define KEPT_M	24u
#define KEPT_N	256u
#define KEPT_K	1024u

static void kept_gemm_init(struct kept_gemm *g, uint8_t dtype, uint32_t s, bool tracked)
{
	struct s4_tensor_desc d = { .n = KEPT_N, .k = KEPT_K, .sparsity = s, .dtype = dtype };
	unsigned int es = dtype == S4_DT_INT8 ? 1 : 2;

	memset(g, 0, sizeof(*g));
	g->rng = 90 + s + dtype;
	if (s4_tensor_packed_size(&d, &g->w_bytes))
		abort();
	/* Room for a second W (the strided-copy test's) after C. */
	fake_init(&g->fm, 2 * g->w_bytes + (uint64_t)KEPT_M * (KEPT_K + KEPT_N) * es + 65536);
	g->op = (struct s4_op_gemm){
		.m = KEPT_M, .n = KEPT_N, .k = KEPT_K, .batch = 1, .lda = KEPT_K,
		.ldc = KEPT_N, .dtype = dtype, .sparsity = (uint8_t)s,
	};
	/*
	 * Stamps are per 4 KiB page: W first (page-aligned, as buffers on the
	 * card are), the output last, so that no page has both.
	 */
	g->op.w_va = fake_alloc(&g->fm, g->w_bytes);
	prune_weights(&g->fm, &g->rng, dtype, KEPT_N, KEPT_K, s, g->op.w_va, g->w_bytes);
	g->op.a_va = fake_alloc(&g->fm, (uint64_t)KEPT_M * KEPT_K * es);
	fill_tensor(&g->rng, dtype, fake_ptr(&g->fm, g->op.a_va), (size_t)KEPT_M * KEPT_K);
	make_epilogue(&g->fm, &g->rng, dtype, &(struct epi_case){ .bias = true }, KEPT_N,
		      KEPT_K / s, &g->op.ep, &g->e);
	g->op.c_va = fake_alloc(&g->fm, 4096 + (uint64_t)KEPT_M * KEPT_N * es) + 4096;
	g->acc = malloc(sizeof(double) * KEPT_M * KEPT_N);
	g->sumabs = malloc(sizeof(double) * KEPT_M * KEPT_N);
	if (!g->acc || !g->sumabs)
		abort();
	if (tracked)
		fake_track_writes(&g->fm);
}

static void kept_gemm_fini(struct kept_gemm *g)
{
	free(g->acc);
	free(g->sumabs);
	fake_fini(&g->fm);
}

/*
 * Run the GEMM: the number of outputs that differ from the reference on
 * the weights now in memory; *reused tells whether the engine reused a
 * packing of them from an earlier job.
 */
static int kept_gemm_run(struct s4_engine *eng, struct kept_gemm *g, bool *reused)
{
	struct s4_engine_stats before, after;
	uint32_t m, n;
	int bad = 0;

	s4_engine_get_stats(eng, &before);
	memset(fake_ptr(&g->fm, g->op.c_va), 0,
	       (size_t)KEPT_M * KEPT_N * (g->op.dtype == S4_DT_INT8 ? 1 : 2));
	if (run_op(eng, &g->fm, S4_OP_SPU_GEMM, &g->op, sizeof(g->op), NULL))
		return -1;
	s4_engine_get_stats(eng, &after);
	*reused = after.weights_reused > before.weights_reused;
	s4_ref_gemm(g->op.dtype, g->op.sparsity, KEPT_M, KEPT_N, KEPT_K,
		    fake_ptr(&g->fm, g->op.a_va), KEPT_K, fake_ptr(&g->fm, g->op.w_va), g->acc,
		    g->sumabs);
	for (m = 0; m < KEPT_M && bad < 5; m++)
		for (n = 0; n < KEPT_N && bad < 5; n++)
			bad += check_out(g->op.dtype, &g->e, n, g->acc[m * KEPT_N + n],
					 g->sumabs[m * KEPT_N + n], NULL, 0,
					 fake_ptr(&g->fm, g->op.c_va), (size_t)m * KEPT_N + n);
	return bad;
}

/* Dense, sparse panels (both window sizes), and the outer-product form. */
static const struct { uint8_t dtype; uint32_t s; } kept_cases[] = {
	{ S4_DT_INT8, 1 }, { S4_DT_INT8, 4 }, { S4_DT_INT8, 32 },
	{ S4_DT_BF16, 1 }, { S4_DT_BF16, 16 },
};

/*
 * A job reuses its weights' packing from an earlier job while nothing wrote
 * them; new weights written over them (and reported, as the card's host
 * does) are packed anew, and the results follow them.
 */
TEST_F(spu, weights_packing_reused_until_rewritten)
{
	struct kept_gemm g;
	size_t i, sign;
	bool reused;
	uint8_t *w;

	for (i = 0; i < sizeof(kept_cases) / sizeof(kept_cases[0]); i++) {
		kept_gemm_init(&g, kept_cases[i].dtype, kept_cases[i].s, true);
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused)) TH_LOG("case %zu", i);
		EXPECT_FALSE(reused);
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused)) TH_LOG("case %zu", i);
		EXPECT_TRUE(reused) TH_LOG("case %zu", i);
		prune_weights(&g.fm, &g.rng, g.op.dtype, KEPT_N, KEPT_K, g.op.sparsity,
			      g.op.w_va, g.w_bytes);
		fake_written(&g.fm, g.op.w_va, g.w_bytes);
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused)) TH_LOG("case %zu", i);
		EXPECT_FALSE(reused) TH_LOG("case %zu", i);
		/* One byte is enough: the sign of channel 0's first weight. */
		w = fake_ptr(&g.fm, g.op.w_va);
		sign = g.op.dtype == S4_DT_INT8 ? 0 : 1;	/* bf16: the high byte */
		w[sign] = g.op.dtype == S4_DT_INT8 ? (uint8_t)-(int8_t)(w[0] | 1) : w[1] ^ 0x80;
		fake_written(&g.fm, g.op.w_va + sign, 1);
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused)) TH_LOG("case %zu", i);
		EXPECT_FALSE(reused) TH_LOG("case %zu", i);
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused)) TH_LOG("case %zu", i);
		EXPECT_TRUE(reused) TH_LOG("case %zu", i);
		kept_gemm_fini(&g);
	}
}

/* A job that writes over the weights (here a strided copy) makes the next pack them anew. */
TEST_F(spu, weights_packing_dropped_when_a_job_writes_them)
{
	struct kept_gemm g;
	struct s4_op_strided copy = { .elem_size = 8, .dims = { 1, 1, 1, 1 },
				      .in_strides = { 1 }, .out_strides = { 1 } };
	uint64_t w2;
	bool reused;
	size_t i;

	for (i = 0; i < sizeof(kept_cases) / sizeof(kept_cases[0]); i++) {
		kept_gemm_init(&g, kept_cases[i].dtype, kept_cases[i].s, true);
		ASSERT_EQ(0u, g.w_bytes % 8);
		w2 = fake_alloc(&g.fm, g.w_bytes);
		prune_weights(&g.fm, &g.rng, g.op.dtype, KEPT_N, KEPT_K, g.op.sparsity, w2,
			      g.w_bytes);
		fake_written(&g.fm, w2, g.w_bytes);
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused));
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused));
		EXPECT_TRUE(reused) TH_LOG("case %zu", i);
		copy.in_va = w2;
		copy.out_va = g.op.w_va;
		copy.dims[0] = (uint32_t)(g.w_bytes / 8);
		ASSERT_EQ(0, run_op(self->eng, &g.fm, S4_OP_RESHAPE_STRIDED, &copy, sizeof(copy),
				    NULL));
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused)) TH_LOG("case %zu", i);
		EXPECT_FALSE(reused) TH_LOG("case %zu", i);
		kept_gemm_fini(&g);
	}
}

/* No packing is kept without memory stamps, nor with no room for it. */
TEST_F(spu, weights_packing_needs_stamps_and_room)
{
	struct kept_gemm g;
	bool reused;
	int i;

	kept_gemm_init(&g, S4_DT_INT8, 1, false);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused));
		EXPECT_FALSE(reused);
	}
	kept_gemm_fini(&g);
	kept_gemm_init(&g, S4_DT_BF16, 16, true);
	s4_engine_set_weight_cache(self->eng, 0);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused));
		EXPECT_FALSE(reused);
	}
	s4_engine_set_weight_cache(self->eng, S4_ENGINE_WEIGHT_CACHE_DEFAULT);
	EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused));
	EXPECT_FALSE(reused);
	EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused));
	EXPECT_TRUE(reused);
	kept_gemm_fini(&g);
}

/*
 * Only valid packings are kept: s = 1 indices out of order fail the dense
 * packing, which is dropped, and are packed as sparse, which is kept; an
 * index >= 32 fails the job every time.
 */
TEST_F(spu, weights_packing_kept_only_as_valid)
{
	struct kept_gemm g;
	uint8_t *idx, *val, t;
	bool reused;
	int i;

	kept_gemm_init(&g, S4_DT_INT8, 1, true);
	idx = (uint8_t *)fake_ptr(&g.fm, g.op.w_va) + g.w_bytes - (size_t)KEPT_N * KEPT_K;
	/* Swap the first two entries of one block, values and indices. */
	val = fake_ptr(&g.fm, g.op.w_va);
	t = val[64];
	val[64] = val[65];
	val[65] = t;
	idx[64] = 1;
	idx[65] = 0;
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, kept_gemm_run(self->eng, &g, &reused));
		EXPECT_EQ(i == 1, reused);
	}
	idx[70] = 32;
	fake_written(&g.fm, g.op.w_va, g.w_bytes);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(-1, kept_gemm_run(self->eng, &g, &reused));
	kept_gemm_fini(&g);
}

TEST_HARNESS_MAIN
