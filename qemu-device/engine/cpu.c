// SPDX-License-Identifier: MIT
/* Runtime choice of the SPU kernel set from the CPU's features. */
#include "cpu.h"

static bool has_avx512(void)
{
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi") &&
	       __builtin_cpu_supports("avx512vnni");
}

static bool has_avx2(void)
{
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

enum s4_engine_isa s4_cpu_best_isa(void)
{
	__builtin_cpu_init();
	if (has_avx512())
		return S4_ISA_AVX512;
	if (has_avx2())
		return S4_ISA_AVX2;
	return S4_ISA_GENERIC;
}

const struct spu_kernels *s4_cpu_kernels(enum s4_engine_isa isa)
{
	enum s4_engine_isa best = s4_cpu_best_isa();

	if (isa == S4_ISA_AUTO)
		isa = best;
	switch (isa) {
	case S4_ISA_AVX512:
		return best == S4_ISA_AVX512 ? &spu_kernels_avx512 : NULL;
	case S4_ISA_AVX2:
		return best != S4_ISA_GENERIC ? &spu_kernels_avx2 : NULL;
	case S4_ISA_GENERIC:
		return &spu_kernels_generic;
	default:
		return NULL;
	}
}
