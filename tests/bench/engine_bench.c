// SPDX-License-Identifier: MIT
/*
 * Compute engine benchmark: sparse GEMM and conv through the engine at every
 * sparsity, against OpenBLAS cblas_sgemm (fp32) and oneDNN dnnl_gemm_s8s8s32
 * on the same GEMM shapes (for conv: the im2col GEMM, im2col not counted for
 * the baselines) with the same thread count. Rates are dense-equivalent:
 * 2 * M * N * K operations per GEMM whatever the sparsity. Writes a TSV
 * (argv[1]) and prints the same table.
 *
 * Usage: engine_bench OUT.tsv [quick]
 * Environment: S4_BENCH_ONLY=substring runs only the shapes whose name has
 * it; S4_BENCH_DTYPE=int8 or bf16 only that dtype; S4_BENCH_SPARSITY=s only
 * sparsity s (speedups are then relative to s = 1 measured anyway);
 * S4_BENCH_NOBASE=1 skips the OpenBLAS / oneDNN baselines (reported as 0);
 * S4_BENCH_THREADS=n uses n threads (engine and anchors) instead of one per
 * CPU the process may run on; S4_BENCH_NO_WEIGHT_CACHE=1 has every job pack
 * its weights (by default, as on the card, jobs after the first reuse the
 * weights' packing, since nothing writes them);
 * OPENBLAS_CORETYPE overrides the OpenBLAS kernels chosen for this CPU.
 */
#include <cblas.h>
#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* libgomp's, oneDNN's threading here; declared to need no omp.h. */
void omp_set_num_threads(int n);

#include "s4/s4_tensor.h"
#include "test_util.h"

#define MIN_SECONDS	0.25
#define WARMUP_SECONDS	0.15	/* untimed anchor calls first: oneDNN's first calls in a
				 * new process run up to 60 times slower, seen for 60 ms */
#define MIN_REPS	3
#define ROUNDS		4	/* rounds over the anchors and all sparsities, interleaved */

struct shape {
	const char *name;
	uint32_t m, n, k;
	/* conv geometry, kh == 0 for a plain GEMM */
	uint32_t h, w, c, kh, stride, pad;
};

static const struct shape shapes[] = {
	{ "bert_qkv_m128", 128, 768, 768, 0, 0, 0, 0, 0, 0 },
	{ "bert_ffn1_m128", 128, 3072, 768, 0, 0, 0, 0, 0, 0 },
	{ "bert_ffn2_m128", 128, 768, 3072, 0, 0, 0, 0, 0, 0 },
	{ "bert_qkv_m512", 512, 768, 768, 0, 0, 0, 0, 0, 0 },
	{ "bert_ffn1_m512", 512, 3072, 768, 0, 0, 0, 0, 0, 0 },
	{ "bert_ffn2_m512", 512, 768, 3072, 0, 0, 0, 0, 0, 0 },
	/* ResNet-50 (batch 1): m = out pixels, n = out channels, k = kh*kw*c */
	{ "rn50_res2_3x3", 56 * 56, 64, 9 * 64, 56, 56, 64, 3, 1, 1 },
	{ "rn50_res3_3x3", 28 * 28, 128, 9 * 128, 28, 28, 128, 3, 1, 1 },
	{ "rn50_res4_1x1", 14 * 14, 1024, 256, 14, 14, 256, 1, 1, 0 },
	{ "rn50_res5_3x3", 7 * 7, 512, 9 * 512, 7, 7, 512, 3, 1, 1 },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Best time of repeated calls of fn(ctx): at least MIN_REPS and min_s seconds. */
static double best_time(int (*fn)(void *), void *ctx, double min_s)
{
	double best = 1e30, start = now(), t;
	int reps = 0;

	if (fn(ctx))
		return -1;
	while (reps < MIN_REPS || now() - start < min_s) {
		t = now();
		if (fn(ctx))
			return -1;
		t = now() - t;
		if (t < best)
			best = t;
		reps++;
	}
	return best;
}

struct engine_run {
	struct s4_engine *eng;
	struct fake_mem *fm;
	uint16_t opcode;
	union {
		struct s4_op_gemm gemm;
		struct s4_op_conv2d conv;
	} op;
	size_t size;
};

static int engine_once(void *p)
{
	struct engine_run *r = p;

	return run_op(r->eng, r->fm, r->opcode, &r->op, r->size, NULL);
}

/*
 * Each tensor in pages of its own, as in a buffer object on the card: the
 * card's weight cache keys a packing to the write stamps of the weights'
 * pages, and the job's output written into the weights' last page would
 * make every job repack them.
 */
static uint64_t bo_bytes(uint64_t bytes)
{
	return (bytes + S4_MEM_STAMP_PAGE - 1) & ~(uint64_t)(S4_MEM_STAMP_PAGE - 1);
}

/* Set up the op of shape sh for dtype and sparsity in fresh fake memory. */
static void setup_engine_run(struct engine_run *r, const struct shape *sh,
			     uint8_t dtype, uint32_t s, uint64_t *rng)
{
	unsigned int es = dtype == S4_DT_INT8 ? 1 : 2;
	struct s4_tensor_desc d = { .n = sh->n, .k = sh->k, .sparsity = s, .dtype = dtype };
	uint64_t a_elems = sh->kh ? (uint64_t)sh->h * sh->w * sh->c : (uint64_t)sh->m * sh->k;
	uint64_t a_va, w_va, c_va, scale_va = 0;
	size_t wbytes;
	void *dense;
	uint32_t i;

	if (s4_tensor_packed_size(&d, &wbytes))
		abort();
	fake_init(r->fm, bo_bytes(a_elems * es) + bo_bytes(wbytes) +
		  bo_bytes((uint64_t)sh->m * sh->n * es) + bo_bytes(8ull * sh->n));
	a_va = fake_alloc(r->fm, bo_bytes(a_elems * es));
	w_va = fake_alloc(r->fm, bo_bytes(wbytes));
	c_va = fake_alloc(r->fm, bo_bytes((uint64_t)sh->m * sh->n * es));
	dense = malloc((size_t)sh->n * sh->k * es);
	if (!dense)
		abort();
	if (es == 1) {
		fill_i8(rng, fake_ptr(r->fm, a_va), a_elems);
		fill_i8(rng, dense, (size_t)sh->n * sh->k);
	} else {
		fill_bf16(rng, fake_ptr(r->fm, a_va), a_elems, 1);
		fill_bf16(rng, dense, (size_t)sh->n * sh->k, 1);
	}
	if (s4_tensor_prune(&d, dense, sh->k, fake_ptr(r->fm, w_va), wbytes))
		abort();
	free(dense);
	if (es == 1) {
		struct s4_requant *rq;

		scale_va = fake_alloc(r->fm, bo_bytes(8ull * sh->n));
		rq = fake_ptr(r->fm, scale_va);
		for (i = 0; i < sh->n; i++)
			rq[i] = (struct s4_requant){ .mult = 1 << 30, .shift = 40 };
	}
	if (!getenv("S4_BENCH_NO_WEIGHT_CACHE"))
		fake_track_writes(r->fm);
	memset(&r->op, 0, sizeof(r->op));
	if (sh->kh) {
		struct s4_op_conv2d *op = &r->op.conv;

		r->opcode = S4_OP_SPU_CONV2D;
		r->size = sizeof(*op);
		*op = (struct s4_op_conv2d){
			.x_va = a_va, .w_va = w_va, .y_va = c_va, .batch = 1,
			.in_h = sh->h, .in_w = sh->w, .in_c = sh->c,
			.out_h = (sh->h + 2 * sh->pad - sh->kh) / sh->stride + 1,
			.out_w = (sh->w + 2 * sh->pad - sh->kh) / sh->stride + 1,
			.out_c = sh->n, .groups = 1,
			.kernel_h = (uint16_t)sh->kh, .kernel_w = (uint16_t)sh->kh,
			.stride_h = (uint16_t)sh->stride, .stride_w = (uint16_t)sh->stride,
			.pad_h = (uint16_t)sh->pad, .pad_w = (uint16_t)sh->pad,
			.dil_h = 1, .dil_w = 1, .dtype = dtype, .sparsity = (uint8_t)s,
			.ep = { .scale_va = scale_va },
		};
	} else {
		struct s4_op_gemm *op = &r->op.gemm;

		r->opcode = S4_OP_SPU_GEMM;
		r->size = sizeof(*op);
		*op = (struct s4_op_gemm){
			.a_va = a_va, .w_va = w_va, .c_va = c_va,
			.m = sh->m, .n = sh->n, .k = sh->k, .batch = 1,
			.lda = sh->k, .ldc = sh->n, .dtype = dtype, .sparsity = (uint8_t)s,
			.ep = { .scale_va = scale_va },
		};
	}
}

struct blas_run {
	const struct shape *sh;
	void *a, *b, *c;
};

static int sgemm_once(void *p)
{
	struct blas_run *r = p;

	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)r->sh->m, (int)r->sh->n,
		    (int)r->sh->k, 1.0f, r->a, (int)r->sh->k, r->b, (int)r->sh->k, 0.0f,
		    r->c, (int)r->sh->n);
	return 0;
}

static int dnnl_once(void *p)
{
	struct blas_run *r = p;
	int32_t co = 0;

	return dnnl_gemm_s8s8s32('N', 'T', 'F', r->sh->m, r->sh->n, r->sh->k, 1.0f,
				 r->a, r->sh->k, 0, r->b, r->sh->k, 0, 0.0f, r->c,
				 r->sh->n, &co) != dnnl_success;
}

/* Baseline rate in G(FL)OP/s of fn on the shape's GEMM, timed for seconds, or -1. */
static double baseline(const struct shape *sh, size_t es, int (*fn)(void *), uint64_t *rng,
		       double seconds)
{
	struct blas_run r = { .sh = sh };
	size_t i, na = (size_t)sh->m * sh->k, nb = (size_t)sh->n * sh->k;
	double t;

	r.a = malloc(na * es);
	r.b = malloc(nb * es);
	r.c = malloc((size_t)sh->m * sh->n * 4);
	if (!r.a || !r.b || !r.c)
		abort();
	for (i = 0; i < na; i++) {
		if (es == 4)
			((float *)r.a)[i] = rng_unit(rng);
		else
			((int8_t *)r.a)[i] = (int8_t)rng_range(rng, -128, 127);
	}
	for (i = 0; i < nb; i++) {
		if (es == 4)
			((float *)r.b)[i] = rng_unit(rng);
		else
			((int8_t *)r.b)[i] = (int8_t)rng_range(rng, -128, 127);
	}
	for (t = now() + WARMUP_SECONDS; now() < t;)
		if (fn(&r))
			break;
	t = best_time(fn, &r, seconds);
	free(r.a);
	free(r.b);
	free(r.c);
	return t > 0 ? 2.0 * sh->m * sh->n * sh->k / t * 1e-9 : -1;
}

/*
 * baseline() in a child process with nthreads OpenBLAS and OpenMP (oneDNN)
 * threads: those keep spinning after a call, and in the engine's process
 * they would take CPU time from the engine's own threads.
 */
static double baseline_in_child(const struct shape *sh, size_t es, int (*fn)(void *),
				uint64_t rng, unsigned int nthreads, double seconds)
{
	double rate = -1;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		openblas_set_num_threads((int)nthreads);
		omp_set_num_threads((int)nthreads);
		rate = baseline(sh, es, fn, &rng, seconds);
		_exit(write(fds[1], &rate, sizeof(rate)) == sizeof(rate) ? 0 : 1);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &rate, sizeof(rate)) != sizeof(rate))
		rate = -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return rate;
}

/* The OpenBLAS core type for this CPU's ISA (OPENBLAS_CORETYPE). */
static const char *openblas_core_for_cpu(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512bf16"))
		return "Cooperlake";
	if (__builtin_cpu_supports("avx512f"))
		return "SkylakeX";
	if (__builtin_cpu_supports("avx2"))
		return "Haswell";
	return "Prescott";
}

static const uint32_t sparsities[] = { 1, 2, 4, 8, 16, 32 };

int main(int argc, char **argv)
{
	struct s4_engine *eng;
	unsigned int nthreads = 0;
	size_t nshapes = sizeof(shapes) / sizeof(shapes[0]), i, j;
	bool quick = argc > 2 && !strcmp(argv[2], "quick");
	const char *only = getenv("S4_BENCH_ONLY"), *only_dt = getenv("S4_BENCH_DTYPE");
	const char *only_s = getenv("S4_BENCH_SPARSITY");
	bool nobase = getenv("S4_BENCH_NOBASE") != NULL;
	uint64_t rng = 1;
	FILE *tsv;
	int dt;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUT.tsv [quick]\n", argv[0]);
		return 2;
	}
	/*
	 * OpenBLAS starts its threads when it is loaded: none in this process.
	 * It picks its kernels by CPU model, and takes CPUs it does not know
	 * (as in some VMs) for a Prescott: name the core its ISA calls for.
	 */
	if (!getenv("OPENBLAS_NUM_THREADS") || strcmp(getenv("OPENBLAS_NUM_THREADS"), "1") ||
	    !getenv("OPENBLAS_CORETYPE")) {
		setenv("OPENBLAS_NUM_THREADS", "1", 1);
		setenv("OPENBLAS_CORETYPE", openblas_core_for_cpu(), 0);
		execv("/proc/self/exe", argv);
		perror("engine_bench: re-executing with OPENBLAS_NUM_THREADS=1");
		return 1;
	}
	tsv = fopen(argv[1], "w");
	if (getenv("S4_BENCH_THREADS"))
		nthreads = (unsigned int)atoi(getenv("S4_BENCH_THREADS"));
	eng = test_engine_threads(S4_ISA_AUTO, nthreads);
	if (!tsv || !eng) {
		fprintf(stderr, "engine_bench: cannot open %s or create the engine\n", argv[1]);
		return 1;
	}
	nthreads = s4_engine_threads(eng);	/* the anchors get as many */
	fprintf(tsv, "shape\tm\tn\tk\tdtype\tsparsity\tengine_ms\tengine_gops\topenblas_gflops\t"
		"onednn_gops\tratio_vs_openblas\tratio_vs_onednn\tspeedup_vs_dense\t"
		"target\tmet\n");
	printf("# threads %u, engine ISA %d, OpenBLAS core %s\n", nthreads,
	       (int)s4_engine_isa(eng), openblas_get_corename());
	printf("%-16s %-5s %3s %9s %9s %9s %9s %7s %7s %8s %7s %s\n", "shape", "dtype", "s",
	       "eng_ms", "eng_gops", "blas_gf", "dnnl_gop", "r_blas", "r_dnnl", "speedup",
	       "target", "met");
	for (i = 0; i < (quick ? 2 : nshapes); i++) {
		const struct shape *sh = &shapes[i];
		double ops = 2.0 * sh->m * sh->n * sh->k, blas, dnnl;
		uint64_t blas_seed = rng_next(&rng), dnnl_seed = rng_next(&rng);

		if (only && !strstr(sh->name, only))
			continue;
		for (dt = S4_DT_INT8; dt <= S4_DT_BF16; dt++) {
			struct fake_mem fm[6];
			struct engine_run r[6];
			double best[6];
			unsigned int round;
			bool run[6];

			if (only_dt && strcmp(only_dt, dt == S4_DT_INT8 ? "int8" : "bf16"))
				continue;
			for (j = 0; j < 6; j++) {
				run[j] = j == 0 || !only_s || (uint32_t)atoi(only_s) == sparsities[j];
				best[j] = 1e30;
				r[j] = (struct engine_run){ .eng = eng, .fm = &fm[j] };
				if (run[j])
					setup_engine_run(&r[j], sh, (uint8_t)dt, sparsities[j], &rng);
			}
			/*
			 * Rounds over the anchors and all sparsities, best of
			 * each, so that ratios and speedups compare runs made
			 * close together on a machine whose speed drifts, and
			 * the anchors are timed for as long as each sparsity.
			 */
			blas = 0;
			dnnl = 0;
			for (round = 0; round < ROUNDS; round++) {
				if (!nobase) {
					double rb = baseline_in_child(sh, 4, sgemm_once, blas_seed,
								      nthreads, MIN_SECONDS / ROUNDS);
					double rd = baseline_in_child(sh, 1, dnnl_once, dnnl_seed,
								      nthreads, MIN_SECONDS / ROUNDS);

					if (rb < 0 || rd < 0) {
						fprintf(stderr, "engine_bench: an anchor failed on %s\n",
							sh->name);
						return 1;
					}
					blas = rb > blas ? rb : blas;
					dnnl = rd > dnnl ? rd : dnnl;
				}
				for (j = 0; j < 6; j++) {
					double t;

					if (!run[j])
						continue;
					t = best_time(engine_once, &r[j], MIN_SECONDS / ROUNDS);
					if (t < 0) {
						fprintf(stderr, "engine_bench: %s failed\n", sh->name);
						return 1;
					}
					if (t < best[j])
						best[j] = t;
				}
			}
			for (j = 0; j < 6; j++) {
				double t = best[j], gops, ref, speedup, target;
				bool met;

				if (!run[j])
					continue;
				fake_fini(&fm[j]);
				gops = ops / t * 1e-9;
				ref = dt == S4_DT_INT8 ? dnnl : blas;
				speedup = best[0] / t;
				target = j == 0 ? 0.8 : sparsities[j] * (sparsities[j] <= 8 ? 0.75 : 0.5);
				met = j == 0 ? gops / ref >= target : speedup >= target;
				fprintf(tsv, "%s\t%u\t%u\t%u\t%s\t%u\t%.3f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t"
					"%.2f\t%.2f\t%s\n", sh->name, sh->m, sh->n, sh->k,
					dt == S4_DT_INT8 ? "int8" : "bf16", sparsities[j], t * 1e3,
					gops, blas, dnnl, gops / blas, gops / dnnl, speedup, target,
					met ? "yes" : "no");
				printf("%-16s %-5s %3u %9.3f %9.1f %9.1f %9.1f %7.2f %7.2f %8.2f %7.2f %s\n",
				       sh->name, dt == S4_DT_INT8 ? "int8" : "bf16", sparsities[j],
				       t * 1e3, gops, blas, dnnl, gops / blas, gops / dnnl, speedup,
				       target, met ? "yes" : "no");
			}
		}
	}
	fclose(tsv);
	s4_engine_destroy(eng);
	return 0;
}
