/* SPDX-License-Identifier: MIT */
/* CPU feature detection and kernel selection. */
#ifndef S4_CPU_H
#define S4_CPU_H

#include <stdbool.h>
#include "s4_engine.h"
#include "spu_kern.h"

/* Best kernel ISA this CPU runs. */
enum s4_engine_isa s4_cpu_best_isa(void);
/* Kernels for isa (AUTO: best), NULL if the CPU lacks it. */
const struct spu_kernels *s4_cpu_kernels(enum s4_engine_isa isa);

#endif /* S4_CPU_H */
