// SPDX-License-Identifier: MIT
/* The portable SPU kernels compiled for AVX2 + FMA. */
#define SPU_TARGET __attribute__((target("avx2,fma")))
#define SPU_KERNELS spu_kernels_avx2
#include "spu_kern_port.h"
