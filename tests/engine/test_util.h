/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the engine host tests: a fake card memory behind the engine's
 * map() callback, a seeded RNG, packet submission, and reference helpers.
 */
#ifndef S4_TEST_UTIL_H
#define S4_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s4_bf16.h"
#include "s4_act.h"
#include "s4_engine.h"
#include "s4_mem_stamps.h"
#include "s4_ops.h"
#include "s4_regs.h"

#define FAKE_BASE_VA	0x100000000ull

struct fake_mem {
	struct s4_engine_mem mem;
	uint8_t *buf;
	uint64_t size;
	uint64_t used;
	unsigned int maps;	/* successful map() calls */
	bool read_only;		/* fail every write mapping */
	/* With fake_track_writes(): the stamp() callback, as on the card. */
	struct s4_mem_stamps stamps;
	struct s4_mem_job_writes job_writes;
};

void fake_init(struct fake_mem *fm, uint64_t size);
void fake_fini(struct fake_mem *fm);
/*
 * Give the engine memory stamps (so it may keep weight packings): the
 * engine's own writes are recorded by run_op(); a test that writes card
 * memory through fake_ptr() after a job ran must call fake_written().
 */
void fake_track_writes(struct fake_mem *fm);
void fake_written(struct fake_mem *fm, uint64_t va, uint64_t len);
/* 64-byte aligned allocation of card memory (zeroed); returns its VA. */
uint64_t fake_alloc(struct fake_mem *fm, uint64_t bytes);
void *fake_ptr(struct fake_mem *fm, uint64_t va);

/* Build a packet from a payload and execute it. */
int run_op(struct s4_engine *eng, struct fake_mem *fm, uint16_t opcode,
	   const void *payload, size_t size, struct s4_engine_fault *fault);
int validate_op(uint16_t opcode, const void *payload, size_t size);

/* Engine with act tables loaded; NULL if the ISA is unsupported here. */
struct s4_engine *test_engine(enum s4_engine_isa isa);
/* The same with nthreads threads (0: one per online CPU). */
struct s4_engine *test_engine_threads(enum s4_engine_isa isa, unsigned int nthreads);

uint64_t rng_next(uint64_t *state);
/* Uniform integer in [lo, hi]. */
int64_t rng_range(uint64_t *state, int64_t lo, int64_t hi);
/* Uniform float in [-1, 1). */
float rng_unit(uint64_t *state);

void fill_i8(uint64_t *rng, int8_t *p, size_t n);
void fill_bf16(uint64_t *rng, uint16_t *p, size_t n, float scale);

static inline float bf16_at(const void *p, size_t i)
{
	return s4_bf16_to_f32(((const uint16_t *)p)[i]);
}

#endif /* S4_TEST_UTIL_H */
