/* SPDX-License-Identifier: MIT */
/* Engine internals shared by the op implementations. */
#ifndef S4_ENGINE_PRIV_H
#define S4_ENGINE_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "s4_engine.h"
#include "s4_act.h"
#include "s4_ops.h"
#include "s4_regs.h"
#include "act.h"
#include "spu_kern.h"
#include "wcache.h"

struct s4_pool;

/* A reusable, 64-byte aligned scratch buffer. */
struct s4_scratch {
	void *buf;
	size_t cap;
};

/* Scratch buffer of at least bytes (contents undefined); NULL if out of memory. */
void *s4_scratch_get(struct s4_scratch *s, size_t bytes);
void s4_scratch_free(struct s4_scratch *s);

struct s4_engine {
	enum s4_engine_isa isa;
	const struct spu_kernels *kern;
	struct s4_pool *pool;
	unsigned int nthreads;
	bool act_loaded;
	struct s4_act_fn act[S4_ACT_NUM_FUNCS];
	/* SPU job scratch, kept between jobs to avoid page faults */
	struct s4_scratch spu_panels, spu_chan, spu_a, spu_tmp;
	struct s4_wcache wcache;	/* SPU weight packings kept between jobs */
	struct s4_engine_stats stats;
};

/* One executing packet. */
struct s4_job {
	struct s4_engine *eng;
	const struct s4_engine_mem *mem;
	struct s4_engine_fault *fault;
	uint16_t opcode;
};

/* Map [va, va + len) for the job; records the fault on failure. */
int s4_job_map(struct s4_job *job, uint64_t va, uint64_t len, int write, void **host);

/* Element size of an enum s4_dtype, 0 if invalid. */
static inline unsigned int s4_dtype_size(unsigned int dtype)
{
	return dtype == S4_DT_INT8 ? 1 : dtype == S4_DT_BF16 ? 2 : 0;
}

static inline bool s4_all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Per-opcode validation (payload already copied, aligned) and execution. */
#define S4_DECLARE_OP(name)						\
	int s4_validate_##name(const void *op);				\
	int s4_exec_##name(struct s4_job *job, const void *op)

S4_DECLARE_OP(gemm);
S4_DECLARE_OP(conv2d);
S4_DECLARE_OP(act);
S4_DECLARE_OP(eltwise);
S4_DECLARE_OP(softmax);
S4_DECLARE_OP(layernorm);
S4_DECLARE_OP(reduce);
S4_DECLARE_OP(embed);
S4_DECLARE_OP(permute);
S4_DECLARE_OP(strided);

#undef S4_DECLARE_OP

#endif /* S4_ENGINE_PRIV_H */
