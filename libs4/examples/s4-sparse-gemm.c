// SPDX-License-Identifier: MIT
/*
 * s4-sparse-gemm: the S4's point, shown through libs4. Runs the first GEMM
 * of a BERT-base feed-forward block (128 tokens x 768 -> 3072, INT8, fused
 * bias + per-channel requantization + ReLU) on the card with the weights
 * pruned to sparsity 1, 2, 4, 8, 16 and 32 from one dense random matrix,
 * checks the results bit for bit against a CPU reference, and prints the
 * time on the card, the dense-equivalent throughput and the speedup.
 *
 *   s4-sparse-gemm [-c CARD] [-b SEQUENCES] [-r RUNS] [-q]
 *
 * -b batches several 128-token sequences into one GEMM packet (weights
 * broadcast). Two times are shown, each the median over RUNS jobs:
 * - job: submit -> wait wall time of a job of one GEMM packet, as this
 *   process sees it; it includes the per-job cost of submitting, which in a
 *   TCG guest is milliseconds (shown separately as an empty job);
 * - card: the GEMM's time on the card, between the card clock's readings
 *   that two timestamp packets, one before and one after the GEMM packet,
 *   store in the job.
 * Throughput and speedup are computed from the card time.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s4/s4.h"
#include "s4/s4_tensor.h"
#include "s4_ref.h"

#define TOKENS	128u	/* M: tokens of one sequence */
#define HIDDEN	768u	/* K */
#define FFN	3072u	/* N */
#define MAX_RUNS 64

static const uint32_t sparsities[] = { 1, 2, 4, 8, 16, 32 };

struct demo {
	struct s4_device *dev;
	struct s4_cmdbuf *cb;
	struct s4_bo *stage, *dmem;	/* host staging, device memory: same layout */
	uint8_t *h;
	uint32_t batch, runs;
	uint64_t a_off, w_off, bias_off, scale_off, c_off, ts_off, end;
	uint64_t a_bytes, w_max, c_bytes;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Submits the command buffer once; *ns is submit -> wait wall time. */
static int run_job(struct demo *d, int64_t *ns)
{
	struct s4_sync out = { 0, 0 };
	struct s4_job_status st = { 0 };
	int64_t t0;
	int ret = s4_syncobj_create(d->dev, &out.handle);

	if (ret)
		return ret;
	t0 = now_ns();
	ret = s4_submit(d->cb, S4_SUBSYSTEM_ANY, NULL, 0, &out, 1, NULL);
	if (!ret)
		ret = s4_wait(d->dev, out, s4_deadline_ns(60ll * 1000000000), &st);
	if (ns)
		*ns = now_ns() - t0;
	s4_syncobj_destroy(d->dev, out.handle);
	if (!ret && st.error) {
		fprintf(stderr, "s4-sparse-gemm: job failed: %s (card: %s)\n",
			s4_strerror(st.error), s4_card_strerror(st.card_error));
		ret = st.error;
	}
	return ret;
}

static int64_t median(int64_t *t, unsigned int n)
{
	qsort(t, n, sizeof(t[0]), cmp_i64);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/*
 * Runs the command buffer @runs times: the median wall time in *job_ns and,
 * if @card_ns, the median difference of the two timestamps the job stores
 * at ts_off of the staging BO.
 */
static int time_job(struct demo *d, unsigned int runs, int64_t *job_ns, int64_t *card_ns)
{
	const volatile uint64_t *ts = (const uint64_t *)(d->h + d->ts_off);
	int64_t job[MAX_RUNS], card[MAX_RUNS];
	int ret = 0;

	for (unsigned int i = 0; i < runs && !ret; i++) {
		ret = run_job(d, &job[i]);
		card[i] = (int64_t)(ts[1] - ts[0]);
	}
	if (ret)
		return ret;
	*job_ns = median(job, runs);
	if (card_ns)
		*card_ns = median(card, runs);
	return 0;
}

/* One DMA_COPY job of @len bytes between the two BOs at @off. */
static int copy(struct demo *d, bool to_device, uint64_t off, uint64_t len)
{
	struct s4_addr host = s4_bo_addr(d->stage, off), dev = s4_bo_addr(d->dmem, off);
	int ret = s4_cmdbuf_reset(d->cb);

	if (!ret)
		ret = s4_cmdbuf_copy(d->cb, to_device ? dev : host, to_device ? host : dev, len);
	return ret ? ret : run_job(d, NULL);
}

static uint64_t align64(uint64_t x)
{
	return (x + 63) & ~63ull;
}

static void random_bytes(uint8_t *p, size_t n, uint64_t *state)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		p[i] = (uint8_t)((z ^ (z >> 31)) >> 24);
	}
}

/*
 * Lays out A, W (room for s = 1), bias, requantization and C in both BOs
 * and fills the inputs. The requantization maps each sparsity's expected
 * accumulator spread onto about +-60, so outputs use the int8 range.
 */
static int setup(struct demo *d)
{
	struct s4_tensor_desc td = { .n = FFN, .k = HIDDEN, .sparsity = 1, .dtype = S4_DT_INT8 };
	uint64_t rng = 2024;
	size_t w_max;
	void *map;
	int ret;

	ret = s4_tensor_packed_size(&td, &w_max);
	if (ret)
		return ret;
	d->a_bytes = (uint64_t)d->batch * TOKENS * HIDDEN;
	d->c_bytes = (uint64_t)d->batch * TOKENS * FFN;
	d->w_max = w_max;
	d->a_off = 0;
	d->w_off = align64(d->a_off + d->a_bytes);
	d->bias_off = align64(d->w_off + d->w_max);
	d->scale_off = align64(d->bias_off + 4ull * FFN);
	d->c_off = align64(d->scale_off + sizeof(struct s4_requant) * FFN);
	d->ts_off = align64(d->c_off + d->c_bytes);
	d->end = d->ts_off + 2 * sizeof(uint64_t);
	ret = s4_bo_create(d->dev, d->end, S4_PLACEMENT_HOST, &d->stage);
	if (!ret)
		ret = s4_bo_map(d->stage, &map);
	if (!ret)
		ret = s4_bo_create(d->dev, d->end, S4_PLACEMENT_DEVICE, &d->dmem);
	if (ret)
		return ret;
	d->h = map;
	random_bytes(d->h + d->a_off, d->a_bytes, &rng);
	for (uint32_t n = 0; n < FFN; n++) {
		uint8_t r[4];

		random_bytes(r, sizeof(r), &rng);
		((int32_t *)(d->h + d->bias_off))[n] = (int16_t)(r[0] | r[1] << 8);
	}
	return 0;
}

static void set_requant(struct demo *d, uint32_t s)
{
	double spread = sqrt((double)HIDDEN / s) * 7000;
	struct s4_requant *rq = (struct s4_requant *)(d->h + d->scale_off);

	for (uint32_t n = 0; n < FFN; n++)
		rq[n] = (struct s4_requant){
			.mult = (int32_t)(60.0 / spread * (1.0 + (n % 17) / 64.0) * 0x1p36),
			.shift = 36,
		};
}

/*
 * Outputs against the reference: every row of the first sequence and every
 * 8th row of the others (the CPU reference is slow in a TCG guest). Returns
 * mismatches and the number of outputs checked in *@checked.
 */
static uint64_t check(struct demo *d, uint32_t s, uint64_t *checked)
{
	struct s4_ref_epi e = {
		.bias = d->h + d->bias_off, .scale = d->h + d->scale_off, .act = S4_ACT_RELU,
	};
	double *acc = malloc(sizeof(double) * FFN);
	uint64_t bad = 0;

	*checked = 0;
	if (!acc)
		return UINT64_MAX;
	for (uint32_t row = 0; row < d->batch * TOKENS; row += row < TOKENS ? 1 : 8) {
		const uint8_t *a = d->h + d->a_off + (uint64_t)row * HIDDEN;
		const int8_t *c = (const int8_t *)(d->h + d->c_off + (uint64_t)row * FFN);

		s4_ref_gemm(S4_DT_INT8, s, 1, FFN, HIDDEN, a, HIDDEN, d->h + d->w_off, acc, NULL);
		for (uint32_t n = 0; n < FFN; n++) {
			double tol;

			bad += s4_ref_epilogue(S4_DT_INT8, &e, n, acc[n], 0, NULL, &tol) != c[n];
		}
		*checked += FFN;
	}
	free(acc);
	return bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: s4-sparse-gemm [-c CARD] [-b SEQUENCES] [-r RUNS] [-q]\n"
			"  -c CARD       card index (default 0)\n"
			"  -b SEQUENCES  128-token sequences per GEMM (default 4)\n"
			"  -r RUNS       timed jobs per sparsity, median reported (default 5)\n"
			"  -q            skip the CPU check (faster)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct demo d = { .batch = 4, .runs = 5 };
	struct s4_device_info info;
	unsigned int card = 0;
	bool verify = true;
	int64_t nop_ns;
	double base_ns = 0;
	uint64_t checked_total = 0, outputs_total = 0;
	double dense_ops;
	int opt, ret;

	while ((opt = getopt(argc, argv, "c:b:r:qh")) != -1) {
		switch (opt) {
		case 'c': card = (unsigned int)atoi(optarg); break;
		case 'b': d.batch = (uint32_t)atoi(optarg); break;
		case 'r': d.runs = (uint32_t)atoi(optarg); break;
		case 'q': verify = false; break;
		default: usage();
		}
	}
	if (d.batch < 1 || d.batch > 256 || d.runs < 1 || d.runs > MAX_RUNS)
		usage();
	dense_ops = 2.0 * d.batch * TOKENS * (double)HIDDEN * FFN;

	ret = s4_open_index(card, &d.dev);
	if (!ret)
		ret = s4_device_query(d.dev, &info);
	if (!ret)
		ret = s4_cmdbuf_create(d.dev, &d.cb);
	if (!ret)
		ret = setup(&d);
	if (ret) {
		fprintf(stderr, "s4-sparse-gemm: card %u: %s\n", card, s4_strerror(ret));
		return 1;
	}
	printf("Sparse INT8 GEMM on S4 card %u (device %04x, %u subsystems), through libs4\n",
	       card, info.device_id, info.num_subsystems);
	printf("BERT-base FFN up-projection: %u sequences x %u tokens x %u -> %u, "
	       "bias + requantize + ReLU\n", d.batch, TOKENS, HIDDEN, FFN);
	printf("weights: one dense random %ux%u INT8 matrix, magnitude-pruned by libs4 "
	       "(balanced 32-blocks)\n", FFN, HIDDEN);

	ret = s4_cmdbuf_nop(d.cb);
	if (!ret)
		ret = time_job(&d, d.runs, &nop_ns, NULL);
	if (ret)
		goto fail;
	printf("per-job overhead (an empty job, submit -> wait): %.3f ms\n\n", nop_ns / 1e6);
	printf("%8s %8s %9s %9s %10s %9s %8s %7s\n", "sparsity", "kept/row", "weights",
	       "job (ms)", "card (ms)", "eq. TOPS", "speedup", "check");
	printf("%8s %8s %9s %9s %10s %9s %8s %7s\n", "--------", "--------", "-------",
	       "--------", "---------", "--------", "-------", "-----");

	for (size_t i = 0; i < sizeof(sparsities) / sizeof(sparsities[0]); i++) {
		uint32_t s = sparsities[i];
		struct s4_tensor_desc td = { .n = FFN, .k = HIDDEN, .sparsity = s,
					     .dtype = S4_DT_INT8 };
		struct s4_gemm_desc gd = {
			.dtype = S4_DT_INT8, .sparsity = (uint8_t)s, .m = TOKENS, .n = FFN,
			.k = HIDDEN, .batch = d.batch,
			.a_batch_stride = (uint64_t)TOKENS * HIDDEN,	/* W broadcast */
		};
		struct s4_epilogue_desc ep = {
			.bias = s4_bo_addr(d.dmem, d.bias_off),
			.scale = s4_bo_addr(d.dmem, d.scale_off),
			.act = S4_ACT_RELU,
		};
		uint8_t *dense = malloc((size_t)FFN * HIDDEN);
		uint64_t rng = 7, bad = 0, checked = 0;
		size_t w_bytes;
		int64_t job_ns, card_ns;
		char verdict[32];

		/* The same dense matrix every time, pruned to s. */
		if (!dense) {
			ret = -ENOMEM;
			goto fail;
		}
		random_bytes(dense, (size_t)FFN * HIDDEN, &rng);
		ret = s4_tensor_packed_size(&td, &w_bytes);
		if (!ret)
			ret = s4_tensor_prune(&td, dense, HIDDEN, d.h + d.w_off, w_bytes);
		free(dense);
		set_requant(&d, s);
		if (!ret)	/* inputs and weights to device memory */
			ret = copy(&d, true, 0, d.c_off);
		if (!ret)
			ret = s4_cmdbuf_reset(d.cb);
		if (!ret)
			ret = s4_cmdbuf_timestamp(d.cb, s4_bo_addr(d.stage, d.ts_off));
		if (!ret)
			ret = s4_cmdbuf_gemm(d.cb, s4_bo_addr(d.dmem, d.c_off),
					     s4_bo_addr(d.dmem, d.a_off),
					     s4_bo_addr(d.dmem, d.w_off), &gd, &ep);
		if (!ret)
			ret = s4_cmdbuf_timestamp(d.cb, s4_bo_addr(d.stage, d.ts_off + 8));
		if (!ret)	/* warm-up: first touch of the buffers, engine scratch */
			ret = run_job(&d, NULL);
		if (!ret)
			ret = time_job(&d, d.runs, &job_ns, &card_ns);
		if (!ret)
			ret = copy(&d, false, d.c_off, d.c_bytes);
		if (ret)
			goto fail;
		if (verify) {
			bad = check(&d, s, &checked);
			checked_total += checked;
			outputs_total += (uint64_t)d.batch * TOKENS * FFN;
			if (bad)
				snprintf(verdict, sizeof(verdict), "%llu BAD",
					 (unsigned long long)bad);
			else
				snprintf(verdict, sizeof(verdict), "exact");
		} else {
			snprintf(verdict, sizeof(verdict), "skipped");
		}
		if (s == 1)
			base_ns = (double)card_ns;
		printf("%8u %8u %6.2f MB %9.3f %10.3f %9.3f %7.2fx %7s\n", s, HIDDEN / s,
		       w_bytes / 1e6, job_ns / 1e6, card_ns / 1e6, dense_ops / card_ns / 1e3,
		       base_ns / (double)card_ns, verdict);
		fflush(stdout);
		if (bad)
			ret = -EIO;
	}
	printf("\njob: submit -> wait of a job of one GEMM packet; card: the GEMM's time "
	       "between\ntimestamps the card stores before and after it; medians of %u jobs.\n",
	       d.runs);
	printf("eq. TOPS: 2*M*N*K (dense) operations per card time, whatever the sparsity.\n");
	if (verify)
		printf("check: %llu of %llu outputs against a CPU reference (tests/ref), "
		       "bit for bit.\n", (unsigned long long)checked_total,
		       (unsigned long long)outputs_total);
fail:
	if (ret && ret != -EIO)
		fprintf(stderr, "s4-sparse-gemm: %s\n", s4_strerror(ret));
	s4_bo_free(d.dmem);
	s4_bo_free(d.stage);
	s4_cmdbuf_free(d.cb);
	s4_close(d.dev);
	return ret ? 1 : 0;
}
