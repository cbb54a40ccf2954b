// SPDX-License-Identifier: MIT
/*
 * The ceilings the sparse kernels work under, measured on this CPU: the
 * throughput of the instruction mixes of the engine's inner loops with
 * everything in registers (12 independent accumulators, no loads).
 *
 * - vpdpbusd alone: the dense INT8 kernel (A broadcast, W a vector);
 * - vpermb + vpdpbusd: the sparse INT8 kernel, where each 64-MAC vpdpbusd
 *   needs its A bytes gathered by a permute (both want the same port);
 * - vpermt2b + vpdpbusd: the same at s = 32, where a lane's 4 entries lie
 *   in 4 blocks, so the gather reads a 128-byte window (two registers);
 * - vfmadd231ps alone: the dense fp32 kernel and the fp32 outer-product
 *   sparse kernel;
 * - vpermt2ps + vfmadd231ps: the fp32 gather form of the sparse kernel;
 * - the fp32 outer-product sparse kernel's entry: an offset and a weight
 *   loaded, then 4 vfmadd231ps of the broadcast weight with the 4 vectors
 *   at that offset of a 16 KB buffer (in L1, as the kernel's K chunk).
 *
 * The ratio of a sparse mix to its dense one bounds the speedup of sparsity
 * s at ratio * s (before packing and epilogue costs). Writes a TSV (argv[1]).
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <immintrin.h>

#define CHAINS	12
#define ITERS	20000000L
#define REPS	5
#define TARGET	__attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vnni"), noinline))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define UNROLL _Pragma("GCC unroll 12")

/*
 * acc += a * w, in place. With the intrinsics the compiler may copy the
 * accumulators between registers around these destructive instructions
 * (it did, 2 copies per vpdpbusd), and the copies take the ports being
 * measured; the kernels' loops have none.
 */
#define DPBUSD(acc, a, w)	__asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(w))
#define FMADD(acc, a, w)	__asm__("vfmadd231ps %2, %1, %0" : "+v"(acc) : "v"(a), "v"(w))

/* Each returns a value depending on every result, so nothing is dropped. */
TARGET static int dpbusd(long iters)
{
	__m512i s[CHAINS], a = _mm512_set1_epi8(1), w = _mm512_set1_epi8(2);
	long k;
	int i;

	UNROLL for (i = 0; i < CHAINS; i++)
		s[i] = _mm512_set1_epi32(i);
	for (k = 0; k < iters; k++) {
		UNROLL for (i = 0; i < CHAINS; i++)
			DPBUSD(s[i], a, w);
		__asm__ volatile("" : "+v"(a));
	}
	UNROLL for (i = 1; i < CHAINS; i++)
		s[0] = _mm512_add_epi32(s[0], s[i]);
	return _mm512_reduce_add_epi32(s[0]);
}

/*
 * A gathered (from a[i % TABLES], and b for two-register gathers, with the
 * indices idx[i / TABLES]) for each vpdpbusd, as the kernel gathers from
 * the windows of 4 rows with the indices of 3 lane groups.
 */
#define TABLES	4
#define DEFINE_GATHER_DPBUSD(name, GATHER)					\
TARGET static int name(long iters)						\
{										\
	__m512i s[CHAINS], a[TABLES], b = _mm512_set1_epi8(5), w = _mm512_set1_epi8(2); \
	__m512i idx[CHAINS / TABLES];						\
	long k;									\
	int i;									\
										\
	(void)b;								\
	UNROLL for (i = 0; i < CHAINS; i++)					\
		s[i] = _mm512_set1_epi32(i);					\
	UNROLL for (i = 0; i < TABLES; i++)					\
		a[i] = _mm512_set1_epi8((char)i);				\
	UNROLL for (i = 0; i < CHAINS / TABLES; i++)				\
		idx[i] = _mm512_set1_epi8((char)(3 + i));			\
	for (k = 0; k < iters; k++) {						\
		UNROLL for (i = 0; i < CHAINS; i++)				\
			DPBUSD(s[i], GATHER, w);				\
		UNROLL for (i = 0; i < CHAINS / TABLES; i++)			\
			__asm__ volatile("" : "+v"(idx[i]));			\
	}									\
	UNROLL for (i = 1; i < CHAINS; i++)					\
		s[0] = _mm512_add_epi32(s[0], s[i]);				\
	return _mm512_reduce_add_epi32(s[0]);					\
}

DEFINE_GATHER_DPBUSD(vpermb_dpbusd, _mm512_permutexvar_epi8(idx[i / TABLES], a[i % TABLES]))
DEFINE_GATHER_DPBUSD(vpermt2b_dpbusd,
		     _mm512_permutex2var_epi8(a[i % TABLES], idx[i / TABLES], b))

TARGET static int fmadd(long iters)
{
	__m512 s[CHAINS], a = _mm512_set1_ps(1), w = _mm512_set1_ps(1e-9f);
	long k;
	int i;

	UNROLL for (i = 0; i < CHAINS; i++)
		s[i] = _mm512_set1_ps((float)i);
	for (k = 0; k < iters; k++) {
		UNROLL for (i = 0; i < CHAINS; i++)
			FMADD(s[i], a, w);
		__asm__ volatile("" : "+v"(a));
	}
	UNROLL for (i = 1; i < CHAINS; i++)
		s[0] = _mm512_add_ps(s[0], s[i]);
	return (int)_mm512_reduce_add_ps(s[0]);
}

TARGET static int vpermt2ps_fmadd(long iters)
{
	__m512 s[CHAINS], lo[CHAINS], hi = _mm512_set1_ps(2), w = _mm512_set1_ps(1e-9f);
	__m512i idx = _mm512_set1_epi32(3);
	long k;
	int i;

	UNROLL for (i = 0; i < CHAINS; i++) {
		s[i] = _mm512_set1_ps((float)i);
		lo[i] = _mm512_set1_ps((float)i);
	}
	for (k = 0; k < iters; k++) {
		UNROLL for (i = 0; i < CHAINS; i++)
			FMADD(s[i], _mm512_permutex2var_ps(lo[i], idx, hi), w);
		__asm__ volatile("" : "+v"(idx));
	}
	UNROLL for (i = 1; i < CHAINS; i++)
		s[0] = _mm512_add_ps(s[0], s[i]);
	return (int)_mm512_reduce_add_ps(s[0]);
}

#define OUTER_BYTES	16384u		/* the buffer: 64 rows of 256 bytes */
#define OUTER_ENTRIES	1020u		/* a multiple of 3; 8 KB with the weights */

TARGET static int outer(long iters)
{
	static float buf[OUTER_BYTES / 4] __attribute__((aligned(64)));
	static uint32_t off[OUTER_ENTRIES];
	static float wt[OUTER_ENTRIES];
	__m512 s[CHAINS];
	uint32_t j, x = 1;
	long k;
	int i;

	for (j = 0; j < OUTER_BYTES / 4; j++)	/* not left zero: loads stay loads */
		buf[j] = (float)j * 1e-9f;
	for (j = 0; j < OUTER_ENTRIES; j++) {
		x = x * 1103515245u + 12345u;
		off[j] = (x >> 16) % (OUTER_BYTES / 256) * 256;
		wt[j] = 1e-9f;
	}
	UNROLL for (i = 0; i < CHAINS; i++)
		s[i] = _mm512_set1_ps((float)i);
	/* 3 entries (12 FMAs) per step, as the kernel takes 3 channels at a time */
	for (k = 0, j = 0; k < iters; k++, j = j + 3 < OUTER_ENTRIES ? j + 3 : 0) {
		UNROLL for (i = 0; i < CHAINS; i++) {
			const uint8_t *row = (const uint8_t *)buf + off[j + i / 4];

			FMADD(s[i], _mm512_loadu_ps(row + 64 * (i % 4)),
			      _mm512_set1_ps(wt[j + i / 4]));
		}
	}
	UNROLL for (i = 1; i < CHAINS; i++)
		s[0] = _mm512_add_ps(s[0], s[i]);
	return (int)_mm512_reduce_add_ps(s[0]);
}

#define NMIX	6

static const struct mix {
	const char *name;
	unsigned int macs;	/* per MAC instruction */
	unsigned int dense;	/* the mix this one is compared with */
	int (*fn)(long iters);
} mixes[NMIX] = {
	{ "vpdpbusd", 64, 0, dpbusd },
	{ "vpermb+vpdpbusd", 64, 0, vpermb_dpbusd },
	{ "vpermt2b+vpdpbusd", 64, 0, vpermt2b_dpbusd },
	{ "vfmadd231ps", 16, 3, fmadd },
	{ "vpermt2ps+vfmadd231ps", 16, 3, vpermt2ps_fmadd },
	{ "outer_product_vfmadd231ps", 16, 3, outer },
};

/*
 * MAC instructions per second of every mix, best of REPS rounds that run
 * each mix once, so that all are compared at the same machine speed.
 */
static void rates(double rate[NMIX], volatile int *sink)
{
	double t;
	int r, m;

	for (m = 0; m < NMIX; m++)
		rate[m] = 0;
	for (r = 0; r < REPS; r++)
		for (m = 0; m < NMIX; m++) {
			t = now();
			*sink += mixes[m].fn(ITERS);
			t = now() - t;
			if ((double)ITERS * CHAINS / t > rate[m])
				rate[m] = (double)ITERS * CHAINS / t;
		}
}

int main(int argc, char **argv)
{
	volatile int sink = 0;
	double rate[NMIX];
	int m;
	FILE *tsv;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUT.tsv\n", argv[0]);
		return 2;
	}
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx512vbmi") || !__builtin_cpu_supports("avx512vnni")) {
		fprintf(stderr, "isa_bench: this CPU lacks AVX-512 VBMI/VNNI, nothing to measure\n");
		return 0;
	}
	tsv = fopen(argv[1], "w");
	if (!tsv) {
		perror(argv[1]);
		return 1;
	}
	rates(rate, &sink);
	fprintf(tsv, "mix\tmacs_per_insn\tginsn_per_s\tratio_to_dense\n");
	for (m = 0; m < NMIX; m++) {
		double ratio = rate[m] / rate[mixes[m].dense];

		fprintf(tsv, "%s\t%u\t%.2f\t%.2f\n", mixes[m].name, mixes[m].macs,
			rate[m] * 1e-9, ratio);
		printf("%-26s %5.2f G/s  %.2f of %s\n", mixes[m].name, rate[m] * 1e-9, ratio,
		       mixes[mixes[m].dense].name);
	}
	fclose(tsv);
	return 0;
}
