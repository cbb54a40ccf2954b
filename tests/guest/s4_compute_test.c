// SPDX-License-Identifier: MIT
/*
 * Compute packets on the card through libs4's typed appenders: sparse INT8
 * and BF16 GEMM with fused epilogues, sparse conv2d (strided, padded,
 * depthwise), an activation, softmax, embedding lookup and permute, each
 * checked against the plain reference implementations of tests/ref. INT8
 * results must match bit for bit; BF16 ones within the bound of
 * s4_ref_epilogue() / s4_ref_bf16_close() (2^-8 relative for the bf16
 * output rounding and activation tables, plus 2^-12 of the sum of |terms|
 * for fp32 accumulation in another order).
 *
 * As on the real card, operands live in device memory: every case stages
 * its inputs in a host BO, a DMA_COPY job moves them into a device BO with
 * the same layout, the compute job runs on the device BO, and another
 * DMA_COPY job brings the results back.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <drm/s4_accel.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4/s4_tensor.h"
#include "s4_ref.h"
#include "s4_test_util.h"

#define ARENA_BYTES	(16u << 20)

/* Mirrored host staging BO and device BO, bump-allocated together. */
struct arena {
	struct s4_device *dev;
	struct s4_cmdbuf *cb;
	struct s4_bo *host, *dbo;
	uint8_t *h;
	uint64_t used;
	uint32_t rng;
};

/* Bytes at the same offset of both BOs, 64-byte aligned; aborts when full. */
static uint64_t put(struct arena *ar, uint64_t bytes)
{
	uint64_t off = (ar->used + 63) & ~63ull;

	if (bytes > ARENA_BYTES || off > ARENA_BYTES - bytes) {
		fprintf(stderr, "# arena full\n");
		abort();
	}
	ar->used = off + bytes;
	return off;
}

static struct s4_addr dev_at(struct arena *ar, uint64_t off)
{
	return s4_bo_addr(ar->dbo, off);
}

static uint32_t rnd(struct arena *ar)
{
	uint32_t x = ar->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	ar->rng = x;
	return x;
}

/* Uniform in [-1, 1). */
static float rnd_unit(struct arena *ar)
{
	return (float)((double)rnd(ar) / 2147483648.0 - 1.0);
}

static void fill_i8(struct arena *ar, uint64_t off, uint64_t n)
{
	s4t_random_fill(ar->h + off, n, rnd(ar));
}

static void fill_bf16(struct arena *ar, uint64_t off, uint64_t n, float scale)
{
	uint16_t *p = (uint16_t *)(ar->h + off);

	for (uint64_t i = 0; i < n; i++)
		p[i] = s4_f32_to_bf16(rnd_unit(ar) * scale);
}

/* Submits the command buffer, waits, and empties it for the next job. */
static int run(struct arena *ar, struct s4_job_status *st)
{
	int ret = s4t_run(ar->dev, ar->cb, S4_SUBSYSTEM_ANY, st);

	if (!ret)
		ret = s4_cmdbuf_reset(ar->cb);
	return ret;
}

/* One DMA_COPY job; returns the job's error or libs4's. */
static int copy_job(struct arena *ar, struct s4_addr dst, struct s4_addr src, uint64_t len)
{
	struct s4_job_status st = { .error = 1 };
	int ret = s4_cmdbuf_copy(ar->cb, dst, src, len);

	if (!ret)
		ret = run(ar, &st);
	return ret ? ret : st.error;
}

/* Host staging -> device memory, everything allocated so far. */
static int upload(struct arena *ar)
{
	return copy_job(ar, dev_at(ar, 0), s4_bo_addr(ar->host, 0), ar->used);
}

/* Device memory -> host staging, @len bytes at @off. */
static int download(struct arena *ar, uint64_t off, uint64_t len)
{
	return copy_job(ar, s4_bo_addr(ar->host, off), dev_at(ar, off), len);
}

/* Runs the packets appended to ar->cb as one job; 0 or why it failed. */
static int compute(struct arena *ar)
{
	struct s4_job_status st = { .error = 1 };
	int ret = run(ar, &st);

	if (ret)
		return ret;
	if (st.error)
		fprintf(stderr, "# compute job failed: %s, card: %s at +%u\n",
			s4_strerror(st.error), s4_card_strerror(st.card_error), st.err_offset);
	return st.error;
}

FIXTURE(compute) {
	struct arena ar;
};

FIXTURE_SETUP(compute)
{
	void *map;

	memset(&self->ar, 0, sizeof(self->ar));
	self->ar.rng = 0x12345u;
	ASSERT_EQ(0, s4_open_index(0, &self->ar.dev));
	ASSERT_EQ(0, s4_cmdbuf_create(self->ar.dev, &self->ar.cb));
	ASSERT_EQ(0, s4t_bo(self->ar.dev, ARENA_BYTES, S4_PLACEMENT_HOST, &self->ar.host, &map));
	self->ar.h = map;
	ASSERT_EQ(0, s4_bo_create(self->ar.dev, ARENA_BYTES, S4_PLACEMENT_DEVICE, &self->ar.dbo));
}

FIXTURE_TEARDOWN(compute)
{
	s4_bo_free(self->ar.dbo);
	s4_bo_free(self->ar.host);
	s4_cmdbuf_free(self->ar.cb);
	s4_close(self->ar.dev);
}

/* ---- SPU: GEMM and conv2d ------------------------------------------------- */

/* Staged epilogue inputs of @n channels and the reference's view of them. */
struct epi {
	struct s4_epilogue_desc desc;
	struct s4_ref_epi ref;
};

/*
 * INT8: int32 bias around the accumulator's spread and a requantization
 * mapping that spread (@nnz_row terms) onto about +-60. BF16: fp32 bias in
 * [-1, 1) and scale in [0.5, 1.5).
 */
static void make_epilogue(struct arena *ar, uint8_t dtype, uint32_t n, uint32_t nnz_row,
			  bool bias, uint16_t act, struct epi *e)
{
	uint64_t b_off = put(ar, 4ull * n), s_off;

	memset(e, 0, sizeof(*e));
	if (dtype == S4_DT_INT8) {
		double spread = sqrt((double)nnz_row) * 7000;
		struct s4_requant *rq;

		s_off = put(ar, sizeof(*rq) * n);
		rq = (struct s4_requant *)(ar->h + s_off);
		for (uint32_t i = 0; i < n; i++) {
			((int32_t *)(ar->h + b_off))[i] = (int32_t)(rnd_unit(ar) * spread);
			rq[i].shift = 36;
			rq[i].mult = (int32_t)(60.0 / spread * (1.0 + rnd_unit(ar) / 4) * 0x1p36);
		}
	} else {
		s_off = put(ar, 4ull * n);
		for (uint32_t i = 0; i < n; i++) {
			((float *)(ar->h + b_off))[i] = rnd_unit(ar);
			((float *)(ar->h + s_off))[i] = 1.0f + rnd_unit(ar) / 2;
		}
	}
	if (bias) {
		e->desc.bias = dev_at(ar, b_off);
		e->ref.bias = ar->h + b_off;
	}
	e->desc.scale = dev_at(ar, s_off);
	e->ref.scale = ar->h + s_off;
	e->desc.act = act;
	e->ref.act = act;
}

/* Random dense [n][k] weights pruned by libs4 into the arena; their offset. */
static uint64_t make_weights(struct arena *ar, uint8_t dtype, uint32_t n, uint32_t k,
			     uint32_t s)
{
	struct s4_tensor_desc d = { .n = n, .k = k, .sparsity = s, .dtype = dtype };
	size_t es = dtype == S4_DT_INT8 ? 1 : 2, bytes;
	uint64_t dense = put(ar, (uint64_t)n * k * es), off;

	if (s4_tensor_packed_size(&d, &bytes))
		abort();
	off = put(ar, bytes);
	if (es == 1)
		fill_i8(ar, dense, (uint64_t)n * k);
	else
		fill_bf16(ar, dense, (uint64_t)n * k, 1.0f);
	if (s4_tensor_prune(&d, ar->h + dense, k, ar->h + off, bytes))
		abort();
	return off;
}

static double out_elem(uint8_t dtype, const uint8_t *p, size_t i)
{
	return dtype == S4_DT_INT8 ? (double)(int8_t)p[i] : s4_ref_bf16(p, i);
}

/* Output @i (channel @ch) against the reference; 1 and a message if off. */
static int check(uint8_t dtype, const struct epi *e, uint32_t ch, double acc, double sumabs,
		 const uint8_t *res, const uint8_t *out, size_t i)
{
	size_t es = dtype == S4_DT_INT8 ? 1 : 2;
	double tol, got = out_elem(dtype, out, i);
	double want = s4_ref_epilogue(dtype, &e->ref, ch, acc, sumabs,
				      res ? res + i * es : NULL, &tol);

	if (fabs(got - want) <= tol)
		return 0;
	fprintf(stderr, "# output %zu (channel %u): got %.9g want %.9g\n", i, ch, got, want);
	return 1;
}

struct gemm_case {
	uint8_t dtype;
	uint32_t m, n, k, batch, lda_pad;
	bool res;
};

/* One GEMM at sparsity @s; returns mismatches or a negative errno. */
static int gemm_case(struct arena *ar, const struct gemm_case *c, uint32_t s)
{
	size_t es = c->dtype == S4_DT_INT8 ? 1 : 2;
	uint32_t lda = c->k + c->lda_pad, nnz_row = (c->k + 31) / 32 * 32 / s;
	uint64_t a_one = (uint64_t)c->m * lda * es, c_one = (uint64_t)c->m * c->n * es;
	struct s4_gemm_desc d = {
		.dtype = c->dtype, .sparsity = (uint8_t)s, .m = c->m, .n = c->n, .k = c->k,
		.batch = c->batch, .lda = lda, .a_batch_stride = a_one,
	};
	uint64_t a_off, w_off, c_off, r_off = 0;
	double *acc, *sumabs;
	struct epi e;
	int ret, bad = 0;

	ar->used = 0;
	a_off = put(ar, a_one * c->batch);
	if (es == 1)
		fill_i8(ar, a_off, a_one * c->batch);
	else
		fill_bf16(ar, a_off, a_one * c->batch / 2, 2.0f);
	w_off = make_weights(ar, c->dtype, c->n, c->k, s);	/* broadcast to every batch */
	make_epilogue(ar, c->dtype, c->n, nnz_row, true, S4_ACT_RELU, &e);
	if (c->res) {
		r_off = put(ar, c_one * c->batch);
		if (es == 1)
			fill_i8(ar, r_off, c_one * c->batch);
		else
			fill_bf16(ar, r_off, c_one * c->batch / 2, 1.0f);
		e.desc.res = dev_at(ar, r_off);
		e.desc.res_batch_stride = c_one;
	}
	c_off = put(ar, c_one * c->batch);
	memset(ar->h + c_off, 0x5a, c_one * c->batch);
	ret = upload(ar);
	if (!ret)
		ret = s4_cmdbuf_gemm(ar->cb, dev_at(ar, c_off), dev_at(ar, a_off),
				     dev_at(ar, w_off), &d, &e.desc);
	if (!ret)
		ret = compute(ar);
	if (!ret)
		ret = download(ar, c_off, c_one * c->batch);
	if (ret)
		return ret < 0 ? ret : -EIO;
	acc = malloc(sizeof(double) * c->m * c->n);
	sumabs = malloc(sizeof(double) * c->m * c->n);
	if (!acc || !sumabs)
		abort();
	for (uint32_t b = 0; b < c->batch && !bad; b++) {
		s4_ref_gemm(c->dtype, s, c->m, c->n, c->k, ar->h + a_off + b * a_one, lda,
			    ar->h + w_off, acc, sumabs);
		for (size_t i = 0; i < (size_t)c->m * c->n && bad < 5; i++)
			bad += check(c->dtype, &e, (uint32_t)(i % c->n), acc[i], sumabs[i],
				     c->res ? ar->h + r_off + b * c_one : NULL,
				     ar->h + c_off + b * c_one, i);
	}
	free(sumabs);
	free(acc);
	if (c->dtype == S4_DT_INT8) {
		/* The requantization must exercise the int8 range, not flatten it. */
		uint64_t mid = 0, total = c_one * c->batch;

		for (uint64_t i = 0; i < total; i++)
			mid += (int8_t)ar->h[c_off + i] > 0 && (int8_t)ar->h[c_off + i] < 127;
		if (mid < total / 4) {
			fprintf(stderr, "# only %llu of %llu outputs in (0, 127)\n",
				(unsigned long long)mid, (unsigned long long)total);
			bad++;
		}
	}
	return bad;
}

static const uint32_t sparsities[] = { 1, 2, 4, 8, 16, 32 };

/* An INT8 s = 1 GEMM of 32 x 128 x 512 for the weight-reuse tests. */
struct wgemm {
	struct s4_gemm_desc d;
	struct s4_tensor_desc td;
	struct epi e;
	uint64_t a_off, w_off, c_off;
	size_t w_bytes;
};

/* Stages A, W, the epilogue and room for C in the (emptied) arena. */
static int wgemm_setup(struct arena *ar, struct wgemm *g)
{
	enum { M = 32, N = 128, K = 512 };

	*g = (struct wgemm){
		.d = { .dtype = S4_DT_INT8, .sparsity = 1, .m = M, .n = N, .k = K, .batch = 1,
		       .lda = K },
		.td = { .n = N, .k = K, .sparsity = 1, .dtype = S4_DT_INT8 },
	};
	ar->used = 0;
	g->a_off = put(ar, M * K);
	fill_i8(ar, g->a_off, M * K);
	g->w_off = make_weights(ar, S4_DT_INT8, N, K, 1);
	make_epilogue(ar, S4_DT_INT8, N, K, true, S4_ACT_NONE, &g->e);
	g->c_off = put(ar, M * N);
	return s4_tensor_packed_size(&g->td, &g->w_bytes);
}

/*
 * Runs the GEMM @jobs times (a later job may reuse the first one's weight
 * packing), and checks C against the reference for the weights staged in
 * the arena. Returns mismatches, at most 5, or -1 if a job fails.
 */
static int wgemm_bad(struct arena *ar, const struct wgemm *g, int jobs)
{
	const struct s4_gemm_desc *d = &g->d;
	double *acc = malloc(sizeof(double) * d->m * d->n);
	int bad = 0;

	if (!acc)
		return -1;
	for (int j = 0; j < jobs; j++)
		if (s4_cmdbuf_gemm(ar->cb, dev_at(ar, g->c_off), dev_at(ar, g->a_off),
				   dev_at(ar, g->w_off), d, &g->e.desc) || compute(ar))
			goto fail;
	if (download(ar, g->c_off, (uint64_t)d->m * d->n))
		goto fail;
	s4_ref_gemm(S4_DT_INT8, 1, d->m, d->n, d->k, ar->h + g->a_off, d->k, ar->h + g->w_off,
		    acc, NULL);
	for (size_t i = 0; i < (size_t)d->m * d->n && bad < 5; i++)
		bad += check(S4_DT_INT8, &g->e, (uint32_t)(i % d->n), acc[i], 0, NULL,
			     ar->h + g->c_off, i);
	free(acc);
	return bad;
fail:
	free(acc);
	return -1;
}

/*
 * The card keeps its packing of a GEMM's weights between jobs while nothing
 * writes them. Stores of the CPU through a mapping of the device BO reach
 * card memory without the card seeing them: the next job must pack the
 * weights anew, so that every job's results follow the weights in memory.
 */
TEST_F(compute, gemm_follows_weights_the_cpu_rewrites)
{
	struct arena *ar = &self->ar;
	uint64_t dense_off;
	struct wgemm g;
	uint8_t *dmap;
	int round;

	ASSERT_EQ(0, wgemm_setup(ar, &g));
	dense_off = put(ar, (uint64_t)g.d.n * g.d.k);
	ASSERT_EQ(0, upload(ar));
	ASSERT_EQ(0, s4_bo_map(ar->dbo, (void **)&dmap));
	for (round = 0; round < 5; round++) {
		if (round == 2) {	/* all new weights */
			fill_i8(ar, dense_off, (uint64_t)g.d.n * g.d.k);
			ASSERT_EQ(0, s4_tensor_prune(&g.td, ar->h + dense_off, g.d.k,
						     ar->h + g.w_off, g.w_bytes));
			memcpy(dmap + g.w_off, ar->h + g.w_off, g.w_bytes);
		}
		if (round == 4) {	/* one weight of channel 0, by far */
			ar->h[g.w_off + 3] = (uint8_t)((int8_t)ar->h[g.w_off + 3] < 0 ? 127 : -127);
			dmap[g.w_off + 3] = ar->h[g.w_off + 3];
		}
		EXPECT_EQ(0, wgemm_bad(ar, &g, 1)) TH_LOG("round %d", round);
	}
}

/*
 * A new device BO starts zeroed, by CPU stores the driver reports to the
 * card: a GEMM on the zeroes of a new BO over memory whose old weights the
 * card had packed must not reuse that packing. (The device allocator hands
 * the freed memory out again: the new BO lies where the old one did.)
 */
TEST_F(compute, gemm_sees_a_new_buffers_zeroes)
{
	struct arena *ar = &self->ar;
	struct wgemm g;
	uint64_t w_end;
	int round;

	ASSERT_EQ(0, wgemm_setup(ar, &g));
	w_end = g.w_off + g.w_bytes;
	for (round = 0; round < 2; round++) {
		if (round == 1) {	/* a new BO: everything but W staged again */
			s4_bo_free(ar->dbo);
			ASSERT_EQ(0, s4_bo_create(ar->dev, ARENA_BYTES, S4_PLACEMENT_DEVICE,
						  &ar->dbo));
			/* (the epilogue's addresses named the old BO) */
			make_epilogue(ar, S4_DT_INT8, g.d.n, g.d.k, true, S4_ACT_NONE, &g.e);
			ASSERT_EQ(0, copy_job(ar, dev_at(ar, 0), s4_bo_addr(ar->host, 0),
					      g.w_off));
			ASSERT_EQ(0, copy_job(ar, dev_at(ar, w_end), s4_bo_addr(ar->host, w_end),
					      ar->used - w_end));
			memset(ar->h + g.w_off, 0, g.w_bytes);
		} else {
			ASSERT_EQ(0, upload(ar));
		}
		/* two jobs: the second reuses the first one's packing, if any */
		EXPECT_EQ(0, wgemm_bad(ar, &g, 2)) TH_LOG("round %d", round);
	}
}

/*
 * SPU problems and weight packings reused on card 0: v[0..1] from its
 * debugfs counters, v[2..3] from GET_PARAM.
 */
static int spu_counters(struct s4_device *dev, uint64_t v[4])
{
	struct s4_card_info card;
	int ret = s4_enumerate(&card, 1);

	if (ret < 1)
		return ret < 0 ? ret : -ENODEV;
	ret = s4t_debugfs_counter(&card, "spu_problems", &v[0]);
	if (!ret)
		ret = s4t_debugfs_counter(&card, "weights_reused", &v[1]);
	if (!ret)
		ret = s4_device_get_param(dev, DRM_S4_PARAM_SPU_PROBLEMS, &v[2]);
	return ret ? ret : s4_device_get_param(dev, DRM_S4_PARAM_WEIGHTS_REUSED, &v[3]);
}

/*
 * The card counts the SPU problems of its jobs and those that reused a
 * packing of their weights, in debugfs and through GET_PARAM: the same
 * GEMM three times over weights just copied in packs them once and reuses
 * them twice.
 */
TEST_F(compute, card_counts_spu_problems_and_weight_reuse)
{
	struct arena *ar = &self->ar;
	uint64_t before[4], after[4];
	struct wgemm g;

	ASSERT_EQ(0, wgemm_setup(ar, &g));
	ASSERT_EQ(0, upload(ar));
	ASSERT_EQ(0, spu_counters(ar->dev, before));
	ASSERT_EQ(0, wgemm_bad(ar, &g, 3));
	ASSERT_EQ(0, spu_counters(ar->dev, after));
	EXPECT_EQ(3, after[0] - before[0]);
	EXPECT_EQ(2, after[1] - before[1]);
	EXPECT_EQ(3, after[2] - before[2]);
	EXPECT_EQ(2, after[3] - before[3]);
}

/* INT8 x sparse INT8 + bias, per-channel requantize, ReLU; bit-exact. */
TEST_F(compute, gemm_int8_bias_requant_relu_all_sparsities)
{
	const struct gemm_case c = { .dtype = S4_DT_INT8, .m = 40, .n = 96, .k = 300, .batch = 1 };

	for (size_t i = 0; i < sizeof(sparsities) / sizeof(sparsities[0]); i++) {
		EXPECT_EQ(0, gemm_case(&self->ar, &c, sparsities[i]))
			TH_LOG("sparsity %u", sparsities[i]);
	}
}

/* Batched (weights broadcast), padded rows of A, and an INT8 residual. */
TEST_F(compute, gemm_int8_batched_residual)
{
	const struct gemm_case c = { .dtype = S4_DT_INT8, .m = 17, .n = 64, .k = 256,
				     .batch = 3, .lda_pad = 8, .res = true };

	EXPECT_EQ(0, gemm_case(&self->ar, &c, 4));
}

/* BF16 with fp32 bias and scale, residual and ReLU, within the BF16 bound. */
TEST_F(compute, gemm_bf16_bias_scale_residual_relu)
{
	const struct gemm_case c = { .dtype = S4_DT_BF16, .m = 24, .n = 64, .k = 200,
				     .batch = 2, .lda_pad = 3, .res = true };
	const uint32_t s[] = { 1, 4, 16 };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		EXPECT_EQ(0, gemm_case(&self->ar, &c, s[i])) TH_LOG("sparsity %u", s[i]);
	}
}

struct conv_case {
	uint8_t dtype;
	uint32_t batch, h, w, c, oc, groups;
	uint16_t kh, kw, stride, pad;
};

/* One conv2d at sparsity @s; returns mismatches or a negative errno. */
static int conv_case(struct arena *ar, const struct conv_case *c, uint32_t s)
{
	size_t es = c->dtype == S4_DT_INT8 ? 1 : 2;
	struct s4_conv2d_desc d = {
		.dtype = c->dtype, .sparsity = (uint8_t)s, .batch = c->batch,
		.in_h = c->h, .in_w = c->w, .in_c = c->c, .out_c = c->oc, .groups = c->groups,
		.kernel_h = c->kh, .kernel_w = c->kw, .stride_h = c->stride, .stride_w = c->stride,
		.pad_h = c->pad, .pad_w = c->pad,
	};
	uint32_t oh, ow, k = (uint32_t)c->kh * c->kw * (c->c / c->groups);
	uint64_t x_off, w_off, y_off, xn = (uint64_t)c->batch * c->h * c->w * c->c, yn;
	struct s4_op_conv2d shape;
	double *acc, *sumabs;
	struct epi e;
	int ret, bad = 0;

	if (s4_conv2d_out_size(&d, &oh, &ow))
		return -EINVAL;
	yn = (uint64_t)c->batch * oh * ow * c->oc;
	ar->used = 0;
	x_off = put(ar, xn * es);
	if (es == 1)
		fill_i8(ar, x_off, xn);
	else
		fill_bf16(ar, x_off, xn, 2.0f);
	w_off = make_weights(ar, c->dtype, c->oc, k, s);
	make_epilogue(ar, c->dtype, c->oc, (k + 31) / 32 * 32 / s, true, S4_ACT_RELU, &e);
	y_off = put(ar, yn * es);
	ret = upload(ar);
	if (!ret)
		ret = s4_cmdbuf_conv2d(ar->cb, dev_at(ar, y_off), dev_at(ar, x_off),
				       dev_at(ar, w_off), &d, &e.desc);
	if (!ret)
		ret = compute(ar);
	if (!ret)
		ret = download(ar, y_off, yn * es);
	if (ret)
		return ret < 0 ? ret : -EIO;
	shape = (struct s4_op_conv2d){
		.batch = c->batch, .in_h = c->h, .in_w = c->w, .in_c = c->c,
		.out_h = oh, .out_w = ow, .out_c = c->oc, .groups = c->groups,
		.kernel_h = c->kh, .kernel_w = c->kw, .stride_h = c->stride,
		.stride_w = c->stride, .pad_h = c->pad, .pad_w = c->pad,
		.dil_h = 1, .dil_w = 1, .dtype = c->dtype, .sparsity = (uint8_t)s,
	};
	acc = malloc(sizeof(double) * yn);
	sumabs = malloc(sizeof(double) * yn);
	if (!acc || !sumabs)
		abort();
	s4_ref_conv2d(&shape, ar->h + x_off, ar->h + w_off, acc, sumabs);
	for (uint64_t i = 0; i < yn && bad < 5; i++)
		bad += check(c->dtype, &e, (uint32_t)(i % c->oc), acc[i], sumabs[i], NULL,
			     ar->h + y_off, i);
	free(sumabs);
	free(acc);
	return bad;
}

/* 3x3, stride 2, padding 1, two images: INT8 at every sparsity. */
TEST_F(compute, conv2d_int8_3x3_stride2_pad1_all_sparsities)
{
	const struct conv_case c = { .dtype = S4_DT_INT8, .batch = 2, .h = 13, .w = 11, .c = 24,
				     .oc = 32, .groups = 1, .kh = 3, .kw = 3, .stride = 2, .pad = 1 };

	for (size_t i = 0; i < sizeof(sparsities) / sizeof(sparsities[0]); i++) {
		EXPECT_EQ(0, conv_case(&self->ar, &c, sparsities[i]))
			TH_LOG("sparsity %u", sparsities[i]);
	}
}

/* Depthwise 3x3 (groups = channels, K = 9 padded to one block). */
TEST_F(compute, conv2d_depthwise)
{
	const struct conv_case i8 = { .dtype = S4_DT_INT8, .batch = 1, .h = 10, .w = 9, .c = 32,
				      .oc = 32, .groups = 32, .kh = 3, .kw = 3, .stride = 1,
				      .pad = 1 };
	struct conv_case bf = i8;

	bf.dtype = S4_DT_BF16;
	bf.stride = 2;
	EXPECT_EQ(0, conv_case(&self->ar, &i8, 1));
	EXPECT_EQ(0, conv_case(&self->ar, &i8, 4));
	EXPECT_EQ(0, conv_case(&self->ar, &bf, 2));
}

/* BF16 5x5 "same" convolution with channel groups. */
TEST_F(compute, conv2d_bf16_grouped)
{
	const struct conv_case c = { .dtype = S4_DT_BF16, .batch = 1, .h = 8, .w = 8, .c = 16,
				     .oc = 16, .groups = 2, .kh = 5, .kw = 5, .stride = 1, .pad = 2 };

	EXPECT_EQ(0, conv_case(&self->ar, &c, 2));
	EXPECT_EQ(0, conv_case(&self->ar, &c, 8));
}

/* ---- activation, softmax, embedding, permute ----------------------------------- */

/* GELU and EXP over [-8, 8) within s4_act.h's bound (2^-8 + 2^-9 relative). */
TEST_F(compute, act_gelu_and_exp)
{
	const uint64_t n = 4096;
	const uint16_t funcs[] = { S4_ACT_GELU, S4_ACT_EXP };
	struct arena *ar = &self->ar;
	uint64_t in = put(ar, 2 * n), out[2];
	uint16_t *x = (uint16_t *)(ar->h + in);

	for (uint64_t i = 0; i < n; i++)
		x[i] = s4_f32_to_bf16(-8.0f + 16.0f * (float)i / (float)n);
	out[0] = put(ar, 2 * n);
	out[1] = put(ar, 2 * n);
	ASSERT_EQ(0, upload(ar));
	for (int f = 0; f < 2; f++) {
		ASSERT_EQ(0, s4_cmdbuf_act(ar->cb, dev_at(ar, out[f]), dev_at(ar, in), n, funcs[f]));
	}
	ASSERT_EQ(0, compute(ar));
	ASSERT_EQ(0, download(ar, out[0], out[1] + 2 * n - out[0]));
	for (int f = 0; f < 2; f++) {
		int bad = 0;

		for (uint64_t i = 0; i < n; i++) {
			double xv = s4_ref_bf16(x, i), want = s4_ref_act(funcs[f], xv);
			double got = s4_ref_bf16(ar->h + out[f], i);
			double floor = funcs[f] == S4_ACT_GELU ? 0x1p-10 : 0x1p-100;

			if (fabs(got - want) > (0x1p-8 + 0x1p-9) * fmax(fabs(want), floor) &&
			    bad++ < 5)
				TH_LOG("func %u x %g: got %g want %g", funcs[f], xv, got, want);
		}
		EXPECT_EQ(0, bad);
	}
}

/* Row softmax with padded input rows. */
TEST_F(compute, softmax_rows)
{
	const struct s4_rows_desc d = { .rows = 16, .cols = 200, .ld_in = 208 };
	struct arena *ar = &self->ar;
	uint64_t in = put(ar, 2ull * d.rows * d.ld_in), out = put(ar, 2ull * d.rows * d.cols);
	double *want = malloc(sizeof(double) * d.rows * d.cols);
	int bad = 0;

	ASSERT_NE(NULL, want);
	fill_bf16(ar, in, (uint64_t)d.rows * d.ld_in, 8.0f);
	ASSERT_EQ(0, upload(ar));
	ASSERT_EQ(0, s4_cmdbuf_softmax(ar->cb, dev_at(ar, out), dev_at(ar, in), &d));
	ASSERT_EQ(0, compute(ar));
	ASSERT_EQ(0, download(ar, out, 2ull * d.rows * d.cols));
	s4_ref_softmax(ar->h + in, d.rows, d.cols, d.ld_in, want);
	for (size_t i = 0; i < (size_t)d.rows * d.cols; i++)
		bad += !s4_ref_bf16_close(s4_ref_bf16(ar->h + out, i), want[i], 1e-7);
	EXPECT_EQ(0, bad);
	free(want);
}

/* Gathers bf16 rows from a padded table, bit for bit. */
TEST_F(compute, embed_gathers_rows)
{
	const struct s4_embed_desc d = { .rows = 100, .dim = 48, .count = 64, .table_ld = 50,
					 .elem_size = 2 };
	const struct s4_op_embed shape = { .rows = 100, .dim = 48, .count = 64, .table_ld = 50,
					   .out_ld = 48, .elem_size = 2 };
	struct arena *ar = &self->ar;
	uint64_t table = put(ar, 2ull * d.rows * d.table_ld), idx = put(ar, 4ull * d.count);
	uint64_t out = put(ar, 2ull * d.count * d.dim), want = put(ar, 2ull * d.count * d.dim);
	uint32_t *ix = (uint32_t *)(ar->h + idx);

	fill_bf16(ar, table, (uint64_t)d.rows * d.table_ld, 4.0f);
	for (uint32_t i = 0; i < d.count; i++)
		ix[i] = rnd(ar) % d.rows;
	ix[0] = d.rows - 1;
	ASSERT_EQ(0, upload(ar));
	ASSERT_EQ(0, s4_cmdbuf_embed(ar->cb, dev_at(ar, out), dev_at(ar, table), dev_at(ar, idx),
				     &d));
	ASSERT_EQ(0, compute(ar));
	ASSERT_EQ(0, download(ar, out, 2ull * d.count * d.dim));
	ASSERT_EQ(0, s4_ref_embed(&shape, ar->h + table, ix, ar->h + want));
	EXPECT_EQ(0, memcmp(ar->h + out, ar->h + want, 2ull * d.count * d.dim));
}

/* An index past the table fails the job (-EIO, S4_ERR_BAD_ARG), writing nothing. */
TEST_F(compute, embed_out_of_range_index_fails_the_job)
{
	const struct s4_embed_desc d = { .rows = 10, .dim = 16, .count = 8, .elem_size = 4 };
	struct arena *ar = &self->ar;
	uint64_t table = put(ar, 4ull * d.rows * d.dim), idx = put(ar, 4ull * d.count);
	uint64_t out = put(ar, 4ull * d.count * d.dim);
	uint32_t *ix = (uint32_t *)(ar->h + idx);
	struct s4_job_status st = { .error = 1 };

	for (uint32_t i = 0; i < d.count; i++)
		ix[i] = i;
	ix[5] = d.rows;
	memset(ar->h + out, 0xee, 4ull * d.count * d.dim);
	ASSERT_EQ(0, upload(ar));
	ASSERT_EQ(0, s4_cmdbuf_nop(ar->cb));
	ASSERT_EQ(0, s4_cmdbuf_embed(ar->cb, dev_at(ar, out), dev_at(ar, table), dev_at(ar, idx),
				     &d));
	ASSERT_EQ(0, run(ar, &st));
	EXPECT_EQ(-EIO, st.error);
	EXPECT_EQ(S4_ERR_BAD_ARG, st.card_error);
	EXPECT_EQ(sizeof(struct s4_pkt_hdr), st.err_offset);	/* the packet after the NOP */
	/* The file still runs jobs, and the output was left alone. */
	memset(ar->h + out, 0, 4ull * d.count * d.dim);
	ASSERT_EQ(0, download(ar, out, 4ull * d.count * d.dim));
	EXPECT_EQ(-1, s4t_find_not(ar->h + out, 0xee, 4ull * d.count * d.dim));
}

/* NCHW -> NHWC of a bf16 [2][3][4][5] tensor. */
TEST_F(compute, permute_nchw_to_nhwc)
{
	struct s4_permute_desc d = { .dims = { 2, 3, 4, 5 }, .perm = { 0, 2, 3, 1 },
				     .elem_size = 2 };
	struct s4_op_permute shape = { .perm = { 0, 2, 3, 1 }, .elem_size = 2 };
	struct arena *ar = &self->ar;
	uint64_t in = put(ar, 2 * 120), out = put(ar, 2 * 120), want = put(ar, 2 * 120);

	ASSERT_EQ(0, s4_dense_strides(d.dims, d.in_strides));
	EXPECT_EQ(60, d.in_strides[0]);
	EXPECT_EQ(1, d.in_strides[3]);
	memcpy(shape.dims, d.dims, sizeof(d.dims));
	memcpy(shape.in_strides, d.in_strides, sizeof(d.in_strides));
	for (int i = 0; i < 120; i++)
		((uint16_t *)(ar->h + in))[i] = (uint16_t)(i * 7 + 1);
	ASSERT_EQ(0, upload(ar));
	ASSERT_EQ(0, s4_cmdbuf_permute(ar->cb, dev_at(ar, out), dev_at(ar, in), &d));
	ASSERT_EQ(0, compute(ar));
	ASSERT_EQ(0, download(ar, out, 2 * 120));
	s4_ref_permute(&shape, ar->h + in, ar->h + want);
	EXPECT_EQ(0, memcmp(ar->h + out, ar->h + want, 2 * 120));
}

/* ---- faults and argument checks ------------------------------------------------- */

/*
 * A GEMM writing to the unmapped guard page after a BO: the job faults
 * (-EFAULT at that address) and the file submits no more.
 */
TEST_F(compute, gemm_to_unmapped_va_faults)
{
	struct arena *ar = &self->ar;
	const struct s4_gemm_desc d = { .dtype = S4_DT_BF16, .sparsity = 2, .m = 4, .n = 32,
					.k = 64 };
	uint64_t guard = s4_bo_va(ar->dbo) + s4_bo_size(ar->dbo);
	uint64_t a = put(ar, 2 * 4 * 64), w = make_weights(ar, S4_DT_BF16, 32, 64, 2);
	struct s4_job_status st = { .error = 1 };

	ASSERT_EQ(0, upload(ar));
	ASSERT_EQ(0, s4_cmdbuf_gemm(ar->cb, s4_va_addr(guard), dev_at(ar, a), dev_at(ar, w),
				    &d, NULL));
	ASSERT_EQ(0, run(ar, &st));
	EXPECT_EQ(-EFAULT, st.error);
	EXPECT_EQ(S4_ERR_MMU_FAULT, st.card_error);
	EXPECT_EQ(guard, st.fault_addr);
	ASSERT_EQ(0, s4_cmdbuf_nop(ar->cb));
	EXPECT_EQ(-EBADFD, s4_submit(ar->cb, 0, NULL, 0, NULL, 0, NULL));
}

/* What libs4 can check itself is refused before a packet is appended. */
TEST_F(compute, bad_descriptors_are_refused_and_change_nothing)
{
	struct arena *ar = &self->ar;
	struct s4_gemm_desc d = { .dtype = S4_DT_INT8, .sparsity = 4, .m = 8, .n = 32, .k = 64 };
	struct s4_tensor_desc td = { .n = 32, .k = 64, .sparsity = 4, .dtype = S4_DT_INT8 };
	uint64_t a = put(ar, 8 * 64), c = put(ar, 8 * 32), scale = put(ar, 8 * 32);
	struct s4_epilogue_desc ep = { .scale = dev_at(ar, scale) };
	struct s4_addr end = dev_at(ar, s4_bo_size(ar->dbo) - 64);
	struct s4_conv2d_desc cd = { .dtype = S4_DT_INT8, .sparsity = 1, .in_h = 2, .in_w = 2,
				     .in_c = 4, .out_c = 4, .kernel_h = 3, .kernel_w = 3 };
	struct s4_rows_desc rows = { .rows = 2, .cols = 8, .ld_in = 4 };
	uint32_t oh, ow;
	size_t wbytes;
	uint64_t w;

	ASSERT_EQ(0, s4_tensor_packed_size(&td, &wbytes));
	w = put(ar, wbytes);
	/* The good packet first, to show the rest differ only as stated. */
	EXPECT_EQ(0, s4_cmdbuf_gemm(ar->cb, dev_at(ar, c), dev_at(ar, a), dev_at(ar, w), &d, &ep));
	ASSERT_EQ(0, s4_cmdbuf_reset(ar->cb));
	d.sparsity = 3;
	EXPECT_EQ(-EINVAL, s4_cmdbuf_gemm(ar->cb, dev_at(ar, c), dev_at(ar, a), dev_at(ar, w),
					  &d, &ep));
	d.sparsity = 4;
	EXPECT_EQ(-EINVAL, s4_cmdbuf_gemm(ar->cb, dev_at(ar, c), dev_at(ar, a), dev_at(ar, w),
					  &d, NULL)) TH_LOG("INT8 needs its requantization");
	EXPECT_EQ(-ERANGE, s4_cmdbuf_gemm(ar->cb, dev_at(ar, c), dev_at(ar, a), end, &d, &ep))
		TH_LOG("packed weights past the end of the BO");
	EXPECT_EQ(-EINVAL, s4_cmdbuf_gemm(ar->cb, dev_at(ar, c), s4_va_addr(0), dev_at(ar, w),
					  &d, &ep)) TH_LOG("required tensor absent");
	EXPECT_EQ(-EINVAL, s4_cmdbuf_gemm(ar->cb, s4_bo_addr(ar->host, 0), dev_at(ar, a),
					  dev_at(ar, w), &d, &ep)) TH_LOG("host-memory output");
	ep.act = S4_ACT_GELU;
	EXPECT_EQ(-EINVAL, s4_cmdbuf_gemm(ar->cb, dev_at(ar, c), dev_at(ar, a), dev_at(ar, w),
					  &d, &ep)) TH_LOG("INT8 epilogue: NONE or RELU only");
	ep.act = S4_ACT_NONE;
	ep.scale = dev_at(ar, scale + 2);
	EXPECT_EQ(-EINVAL, s4_cmdbuf_gemm(ar->cb, dev_at(ar, c), dev_at(ar, a), dev_at(ar, w),
					  &d, &ep)) TH_LOG("misaligned requant array");
	d.dtype = S4_DT_BF16;
	EXPECT_EQ(-EINVAL, s4_cmdbuf_gemm(ar->cb, dev_at(ar, c), dev_at(ar, a + 1), dev_at(ar, w),
					  &d, NULL)) TH_LOG("misaligned bf16 A");
	d.lda = 10;
	EXPECT_EQ(-EINVAL, s4_cmdbuf_gemm(ar->cb, dev_at(ar, c), dev_at(ar, a), dev_at(ar, w),
					  &d, NULL)) TH_LOG("lda < k");
	EXPECT_EQ(-EINVAL, s4_conv2d_out_size(&cd, &oh, &ow)) TH_LOG("kernel larger than input");
	EXPECT_EQ(-EINVAL, s4_cmdbuf_conv2d(ar->cb, dev_at(ar, c), dev_at(ar, a), dev_at(ar, w),
					    &cd, &ep));
	EXPECT_EQ(-EINVAL, s4_cmdbuf_act(ar->cb, dev_at(ar, c), dev_at(ar, a), 16, S4_ACT_NONE));
	EXPECT_EQ(-EINVAL, s4_cmdbuf_softmax(ar->cb, dev_at(ar, c), dev_at(ar, a), &rows))
		TH_LOG("ld_in < cols");
	EXPECT_EQ(-EINVAL, s4_cmdbuf_scale(ar->cb, dev_at(ar, c), dev_at(ar, a), 16, NAN, 0));
	EXPECT_EQ(0, s4_cmdbuf_size(ar->cb));
	EXPECT_EQ(0, s4_cmdbuf_bo_count(ar->cb));
}

TEST_HARNESS_MAIN
