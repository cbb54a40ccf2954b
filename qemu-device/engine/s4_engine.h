/* SPDX-License-Identifier: MIT */
/*
 * S4 compute engine: executes the compute packets of s4_ops.h on the host
 * CPU. Pure C11, no device-model types: the device model hands it a packet
 * and a way to reach card memory. Thread-safe per engine instance only (one
 * job at a time per struct s4_engine; use one engine per hardware queue for
 * concurrency).
 */
#ifndef S4_ENGINE_H
#define S4_ENGINE_H

#include <stddef.h>
#include "s4_types.h"
#include "s4_cmd.h"

/* How the engine reaches card memory. */
struct s4_engine_mem {
	void *opaque;
	/*
	 * Translate the device VA range [va, va + len) (len >= 1) to a
	 * contiguous host pointer valid for the rest of the job. Return 0, or
	 * -S4_ERR_MMU_FAULT if any byte of the range is not mapped (writable,
	 * if write). Called once per tensor, never per element.
	 */
	int (*map)(void *opaque, uint64_t va, uint64_t len, int write, void **host);
	/*
	 * Optional: a stamp of the card memory at [host, host + len), a range
	 * map() returned in this job. Equal nonzero stamps at two moments mean
	 * that no byte of the range was written in between; 0 means unknown.
	 * With it, the engine keeps what it derives from weights (their
	 * packing for the kernels) for later jobs while the stamp holds.
	 * s4_mem_stamps.h implements it.
	 */
	uint64_t (*stamp)(void *opaque, const void *host, uint64_t len);
};

/* Where a job faulted: filled when exec returns -S4_ERR_MMU_FAULT. */
struct s4_engine_fault {
	uint64_t va;		/* start of the range that failed to map */
	uint64_t len;
	uint32_t write;		/* 1 if a write mapping failed */
	uint32_t opcode;	/* opcode of the faulting packet */
};

/* Instruction set of the SPU kernels; AUTO picks the best one present. */
enum s4_engine_isa {
	S4_ISA_AUTO = 0,
	S4_ISA_GENERIC = 1,	/* portable C */
	S4_ISA_AVX2 = 2,	/* portable kernels built for AVX2 + FMA */
	S4_ISA_AVX512 = 3,	/* AVX-512 F/BW/VL/VBMI/VNNI kernels */
};

struct s4_engine;

/*
 * nthreads 0 = one per CPU this process may run on. NULL on allocation
 * failure.
 */
struct s4_engine *s4_engine_create(unsigned int nthreads);
/* As s4_engine_create(), forcing isa; NULL if this CPU lacks it. */
struct s4_engine *s4_engine_create_isa(unsigned int nthreads, enum s4_engine_isa isa);
void s4_engine_destroy(struct s4_engine *eng);
/* The kernel ISA in use (never S4_ISA_AUTO). */
enum s4_engine_isa s4_engine_isa(const struct s4_engine *eng);
/* The threads a job runs on. */
unsigned int s4_engine_threads(const struct s4_engine *eng);

/* What an engine has done since it was created. */
struct s4_engine_stats {
	/*
	 * GEMM and conv2d problems run on the SPU kernels, each packing its
	 * weights once: a GEMM batch counts one, except that batches sharing W
	 * whose rows of A, C and residual follow each other count one together;
	 * a conv2d counts one per group.
	 */
	uint64_t spu_problems;
	/* Of those, conv2d problems that read the input in place of im2col rows. */
	uint64_t conv_implicit;
	/* Of those, problems that reused their weights' packing from an earlier job. */
	uint64_t weights_reused;
};

void s4_engine_get_stats(const struct s4_engine *eng, struct s4_engine_stats *stats);

/* Bytes of weight packings an engine keeps for later jobs by default. */
#define S4_ENGINE_WEIGHT_CACHE_DEFAULT	(128u << 20)

/*
 * Keep at most bytes of weight packings (0: none), dropping the least
 * recently used ones. Packings are kept only when the job's memory has a
 * stamp() callback.
 */
void s4_engine_set_weight_cache(struct s4_engine *eng, size_t bytes);

/*
 * Load activation tables (a struct s4_act_tables blob, s4_act.h). Returns 0
 * or -S4_ERR_BAD_VALUE if the blob is malformed; the previous tables stay.
 * Until tables are loaded, ops needing them fail with -S4_ERR_BAD_ARG.
 */
int s4_engine_load_act_tables(struct s4_engine *eng, const void *blob, size_t len);

/*
 * Check one packet at pkt (avail_bytes readable, any alignment) without
 * touching card memory: 0, -S4_ERR_BAD_PACKET (header, length, flags),
 * -S4_ERR_BAD_OPCODE (unknown, or not a compute opcode) or -S4_ERR_BAD_ARG.
 */
int s4_engine_validate(const struct s4_pkt_hdr *pkt, size_t avail_bytes);

/*
 * Validate and execute one compute packet. Returns 0 or a negative enum
 * s4_err; on -S4_ERR_MMU_FAULT *fault_out (if not NULL) says where. On
 * failure, outputs may be partly written.
 */
int s4_engine_exec(struct s4_engine *eng, const struct s4_pkt_hdr *pkt,
		   size_t avail_bytes, const struct s4_engine_mem *mem,
		   struct s4_engine_fault *fault_out);

#endif /* S4_ENGINE_H */
