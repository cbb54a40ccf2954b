// SPDX-License-Identifier: MIT
/* Portable C SPU kernels. */
#define SPU_TARGET
#define SPU_KERNELS spu_kernels_generic
#include "spu_kern_port.h"
