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
 * broadcast). All six weight sets stay in card memory, and the jobs run in
 * RUNS rounds of one job per sparsity, so that every sparsity is timed
 * across the same stretch of time: a machine whose speed drifts slows them
 * alike. Two times are shown, each the median over the rounds:
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
#define NLEVELS	(sizeof(sparsities) / sizeof(sparsities[0]))

/* One sparsity: its weights, requantization, output and timed job. */
struct level {
	uint32_t s;
	struct s4_cmdbuf *cb;	/* timestamp, GEMM, timestamp */
	uint64_t w_off, scale_off, c_off, ts_off;
	size_t w_bytes;
	int64_t job_ns[MAX_RUNS], card_ns[MAX_RUNS];
};

struct demo {
	struct s4_device *dev;
	struct s4_cmdbuf *cb;		/* copies and the empty job */
	struct s4_bo *stage, *dmem;	/* host staging, device memory: same layout */
	uint8_t *h;
	uint32_t batch, runs;
	uint64_t a_off, bias_off, end;
	uint64_t a_bytes, c_bytes;
	struct level lv[NLEVELS];
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

static int64_t median(int64_t *t, unsigned int n)
{
	qsort(t, n, sizeof(t[0]), cmp_i64);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Submits @cb once; *ns is submit -> wait wall time. */
static int run_job(struct demo *d, struct s4_cmdbuf *cb, int64_t *ns)
{
	struct s4_sync out = { 0, 0 };
	struct s4_job_status st = { 0 };
	int64_t t0;
	int ret = s4_syncobj_create(d->dev, &out.handle);

	if (ret)
		return ret;
	t0 = now_ns();
	ret = s4_submit(cb, S4_SUBSYSTEM_ANY, NULL, 0, &out, 1, NULL);
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

/* One DMA_COPY job of the bytes [0, end) between the two BOs. */
static int copy_all(struct demo *d, bool to_device)
{
	struct s4_addr host = s4_bo_addr(d->stage, 0), dev = s4_bo_addr(d->dmem, 0);
	int ret = s4_cmdbuf_reset(d->cb);

	if (!ret)
		ret = s4_cmdbuf_copy(d->cb, to_device ? dev : host, to_device ? host : dev, d->end);
	return ret ? ret : run_job(d, d->cb, NULL);
}

/*
 * Tensors start on 4 KiB pages of their own: the card keeps its packing of
 * a weight set until a write reaches a page the weights lie in, and the
 * GEMM's output in the same page would make every job pack them anew.
 */
static uint64_t align_page(uint64_t x)
{
	return (x + 4095) & ~4095ull;
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
 * The requantization maps the sparsity's expected accumulator spread onto
 * about +-60, so outputs use the int8 range.
 */
static void set_requant(struct demo *d, const struct level *lv)
{
	double spread = sqrt((double)HIDDEN / lv->s) * 7000;
	struct s4_requant *rq = (struct s4_requant *)(d->h + lv->scale_off);

	for (uint32_t n = 0; n < FFN; n++)
		rq[n] = (struct s4_requant){
			.mult = (int32_t)(60.0 / spread * (1.0 + (n % 17) / 64.0) * 0x1p36),
			.shift = 36,
		};
}

/*
 * Lays out A and bias, then each sparsity's W, requantization, C and
 * timestamps, in both BOs; fills the inputs, pruning one dense random
 * matrix to every sparsity.
 */
static int setup(struct demo *d)
{
	uint8_t *dense = malloc((size_t)FFN * HIDDEN);
	uint64_t rng = 2024, off;
	void *map;
	int ret = 0;

	if (!dense)
		return -ENOMEM;
	d->a_bytes = (uint64_t)d->batch * TOKENS * HIDDEN;
	d->c_bytes = (uint64_t)d->batch * TOKENS * FFN;
	d->a_off = 0;
	d->bias_off = align_page(d->a_off + d->a_bytes);
	off = align_page(d->bias_off + 4ull * FFN);
	for (size_t i = 0; i < NLEVELS && !ret; i++) {
		struct level *lv = &d->lv[i];
		struct s4_tensor_desc td = { .n = FFN, .k = HIDDEN, .sparsity = sparsities[i],
					     .dtype = S4_DT_INT8 };

		lv->s = sparsities[i];
		ret = s4_tensor_packed_size(&td, &lv->w_bytes);
		lv->w_off = off;
		lv->scale_off = align_page(lv->w_off + lv->w_bytes);
		lv->c_off = align_page(lv->scale_off + sizeof(struct s4_requant) * FFN);
		lv->ts_off = align_page(lv->c_off + d->c_bytes);
		off = align_page(lv->ts_off + 2 * sizeof(uint64_t));
	}
	d->end = off;
	if (!ret)
		ret = s4_bo_create(d->dev, d->end, S4_PLACEMENT_HOST, &d->stage);
	if (!ret)
		ret = s4_bo_map(d->stage, &map);
	if (!ret)
		ret = s4_bo_create(d->dev, d->end, S4_PLACEMENT_DEVICE, &d->dmem);
	if (ret) {
		free(dense);
		return ret;
	}
	d->h = map;
	random_bytes(d->h + d->a_off, d->a_bytes, &rng);
	for (uint32_t n = 0; n < FFN; n++) {
		uint8_t r[4];

		random_bytes(r, sizeof(r), &rng);
		((int32_t *)(d->h + d->bias_off))[n] = (int16_t)(r[0] | r[1] << 8);
	}
	random_bytes(dense, (size_t)FFN * HIDDEN, &rng);
	for (size_t i = 0; i < NLEVELS && !ret; i++) {
		struct level *lv = &d->lv[i];
		struct s4_tensor_desc td = { .n = FFN, .k = HIDDEN, .sparsity = lv->s,
					     .dtype = S4_DT_INT8 };

		ret = s4_tensor_prune(&td, dense, HIDDEN, d->h + lv->w_off, lv->w_bytes);
		set_requant(d, lv);
	}
	free(dense);
	return ret;
}

/* Each sparsity's job: its GEMM between two timestamps. */
static int build_job(struct demo *d, struct level *lv)
{
	struct s4_gemm_desc gd = {
		.dtype = S4_DT_INT8, .sparsity = (uint8_t)lv->s, .m = TOKENS, .n = FFN,
		.k = HIDDEN, .batch = d->batch,
		.a_batch_stride = (uint64_t)TOKENS * HIDDEN,	/* W broadcast */
	};
	struct s4_epilogue_desc ep = {
		.bias = s4_bo_addr(d->dmem, d->bias_off),
		.scale = s4_bo_addr(d->dmem, lv->scale_off),
		.act = S4_ACT_RELU,
	};
	int ret = s4_cmdbuf_create(d->dev, &lv->cb);

	if (!ret)
		ret = s4_cmdbuf_timestamp(lv->cb, s4_bo_addr(d->stage, lv->ts_off));
	if (!ret)
		ret = s4_cmdbuf_gemm(lv->cb, s4_bo_addr(d->dmem, lv->c_off),
				     s4_bo_addr(d->dmem, d->a_off),
				     s4_bo_addr(d->dmem, lv->w_off), &gd, &ep);
	if (!ret)
		ret = s4_cmdbuf_timestamp(lv->cb, s4_bo_addr(d->stage, lv->ts_off + 8));
	return ret;
}

/*
 * Outputs against the reference: every row of the first sequence and every
 * 8th row of the others (the CPU reference is slow in a TCG guest). Returns
 * mismatches and the number of outputs checked in *@checked.
 */
static uint64_t check(struct demo *d, const struct level *lv, uint64_t *checked)
{
	struct s4_ref_epi e = {
		.bias = d->h + d->bias_off, .scale = d->h + lv->scale_off, .act = S4_ACT_RELU,
	};
	double *acc = malloc(sizeof(double) * FFN);
	uint64_t bad = 0;

	*checked = 0;
	if (!acc)
		return UINT64_MAX;
	for (uint32_t row = 0; row < d->batch * TOKENS; row += row < TOKENS ? 1 : 8) {
		const uint8_t *a = d->h + d->a_off + (uint64_t)row * HIDDEN;
		const int8_t *c = (const int8_t *)(d->h + lv->c_off + (uint64_t)row * FFN);

		s4_ref_gemm(S4_DT_INT8, lv->s, 1, FFN, HIDDEN, a, HIDDEN, d->h + lv->w_off, acc,
			    NULL);
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
			"  -r RUNS       rounds of timed jobs, medians reported (default 9)\n"
			"  -q            skip the CPU check (faster)\n");
	exit(2);
}

/*
 * The timed rounds: one job per sparsity each, after a warm-up round
 * (first touch of the buffers, engine scratch, weight packings).
 */
static int time_rounds(struct demo *d)
{
	for (int r = -1; r < (int)d->runs; r++)
		for (size_t i = 0; i < NLEVELS; i++) {
			struct level *lv = &d->lv[i];
			const volatile uint64_t *ts = (const uint64_t *)(d->h + lv->ts_off);
			int64_t job_ns;
			int ret = run_job(d, lv->cb, &job_ns);

			if (ret)
				return ret;
			if (r >= 0) {
				lv->job_ns[r] = job_ns;
				lv->card_ns[r] = (int64_t)(ts[1] - ts[0]);
			}
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct demo d = { .batch = 4, .runs = 9 };
	struct s4_device_info info;
	unsigned int card = 0;
	bool verify = true;
	int64_t nop_ns[MAX_RUNS], base_ns = 0;
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
		goto out;
	}
	printf("Sparse INT8 GEMM on S4 card %u (device %04x, %u subsystems), through libs4\n",
	       card, info.device_id, info.num_subsystems);
	printf("BERT-base FFN up-projection: %u sequences x %u tokens x %u -> %u, "
	       "bias + requantize + ReLU\n", d.batch, TOKENS, HIDDEN, FFN);
	printf("weights: one dense random %ux%u INT8 matrix, magnitude-pruned by libs4 "
	       "(balanced 32-blocks)\n", FFN, HIDDEN);

	ret = s4_cmdbuf_nop(d.cb);
	for (unsigned int i = 0; i < d.runs && !ret; i++)
		ret = run_job(&d, d.cb, &nop_ns[i]);
	if (!ret)	/* inputs and all weights to device memory */
		ret = copy_all(&d, true);
	for (size_t i = 0; i < NLEVELS && !ret; i++)
		ret = build_job(&d, &d.lv[i]);
	if (!ret)
		ret = time_rounds(&d);
	if (!ret)
		ret = copy_all(&d, false);
	if (ret)
		goto fail;
	printf("per-job overhead (an empty job, submit -> wait): %.3f ms\n\n",
	       median(nop_ns, d.runs) / 1e6);
	printf("%8s %8s %9s %9s %10s %9s %8s %7s\n", "sparsity", "kept/row", "weights",
	       "job (ms)", "card (ms)", "eq. TOPS", "speedup", "check");
	printf("%8s %8s %9s %9s %10s %9s %8s %7s\n", "--------", "--------", "-------",
	       "--------", "---------", "--------", "-------", "-----");
	for (size_t i = 0; i < NLEVELS; i++) {
		struct level *lv = &d.lv[i];
		int64_t job_ns = median(lv->job_ns, d.runs), card_ns = median(lv->card_ns, d.runs);
		uint64_t bad = 0, checked;
		char verdict[32];

		if (verify) {
			bad = check(&d, lv, &checked);
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
		if (lv->s == 1)
			base_ns = card_ns;
		printf("%8u %8u %6.2f MB %9.3f %10.3f %9.3f %7.2fx %7s\n", lv->s, HIDDEN / lv->s,
		       lv->w_bytes / 1e6, job_ns / 1e6, card_ns / 1e6, dense_ops / card_ns / 1e3,
		       (double)base_ns / card_ns, verdict);
		if (bad)
			ret = -EIO;
	}
	printf("\njob: submit -> wait of a job of one GEMM packet; card: the GEMM's time "
	       "between\ntimestamps the card stores before and after it; medians of %u rounds "
	       "of one job\nper sparsity.\n", d.runs);
	printf("eq. TOPS: 2*M*N*K (dense) operations per card time, whatever the sparsity.\n");
	if (verify)
		printf("check: %llu of %llu outputs against a CPU reference (tests/ref), "
		       "bit for bit.\n", (unsigned long long)checked_total,
		       (unsigned long long)outputs_total);
fail:
	if (ret && ret != -EIO)
		fprintf(stderr, "s4-sparse-gemm: %s\n", s4_strerror(ret));
out:
	for (size_t i = 0; i < NLEVELS; i++)
		s4_cmdbuf_free(d.lv[i].cb);
	s4_bo_free(d.dmem);
	s4_bo_free(d.stage);
	s4_cmdbuf_free(d.cb);
	s4_close(d.dev);
	return ret ? 1 : 0;
}
