// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s4_act_gen.h"
#include "test_util.h"

static int fake_map(void *opaque, uint64_t va, uint64_t len, int write, void **host)
{
	struct fake_mem *fm = opaque;

	if (write && fm->read_only)
		return -S4_ERR_MMU_FAULT;
	if (va < FAKE_BASE_VA || len > fm->size || va - FAKE_BASE_VA > fm->size - len)
		return -S4_ERR_MMU_FAULT;
	fm->maps++;
	*host = fm->buf + (va - FAKE_BASE_VA);
	if (write && fm->mem.stamp)
		s4_mem_job_write(&fm->job_writes, va - FAKE_BASE_VA, len);
	return 0;
}

static uint64_t fake_stamp(void *opaque, const void *host, uint64_t len)
{
	struct fake_mem *fm = opaque;

	return s4_mem_stamps_get(&fm->stamps, (uint64_t)((const uint8_t *)host - fm->buf), len);
}

void fake_track_writes(struct fake_mem *fm)
{
	if (s4_mem_stamps_init(&fm->stamps, fm->size))
		abort();
	fm->mem.stamp = fake_stamp;
}

void fake_written(struct fake_mem *fm, uint64_t va, uint64_t len)
{
	s4_mem_stamps_write(&fm->stamps, va - FAKE_BASE_VA, len);
}

void fake_init(struct fake_mem *fm, uint64_t size)
{
	memset(fm, 0, sizeof(*fm));
	size = (size + 4095) & ~4095ull;
	fm->buf = aligned_alloc(4096, size);
	if (!fm->buf)
		abort();
	memset(fm->buf, 0, size);
	fm->size = size;
	fm->mem.opaque = fm;
	fm->mem.map = fake_map;
}

void fake_fini(struct fake_mem *fm)
{
	s4_mem_stamps_fini(&fm->stamps);
	free(fm->buf);
	fm->buf = NULL;
}

uint64_t fake_alloc(struct fake_mem *fm, uint64_t bytes)
{
	uint64_t off = (fm->used + 63) & ~63ull;

	if (bytes > fm->size || off > fm->size - bytes) {
		fprintf(stderr, "fake_alloc: out of fake memory\n");
		abort();
	}
	fm->used = off + bytes;
	return FAKE_BASE_VA + off;
}

void *fake_ptr(struct fake_mem *fm, uint64_t va)
{
	return fm->buf + (va - FAKE_BASE_VA);
}

static size_t build_pkt(uint8_t *pkt, uint16_t opcode, const void *payload, size_t size)
{
	struct s4_pkt_hdr hdr = {
		.opcode = opcode,
		.len = (uint16_t)((sizeof(hdr) + size) / S4_PKT_ALIGN),
	};

	memcpy(pkt, &hdr, sizeof(hdr));
	memcpy(pkt + sizeof(hdr), payload, size);
	return sizeof(hdr) + size;
}

int run_op(struct s4_engine *eng, struct fake_mem *fm, uint16_t opcode,
	   const void *payload, size_t size, struct s4_engine_fault *fault)
{
	uint64_t pkt[S4_PKT_MAX_BYTES / 8];
	size_t len = build_pkt((uint8_t *)pkt, opcode, payload, size);
	int ret = s4_engine_exec(eng, (const struct s4_pkt_hdr *)pkt, len, &fm->mem, fault);

	if (fm->mem.stamp)
		s4_mem_stamps_job_end(&fm->stamps, &fm->job_writes);
	return ret;
}

int validate_op(uint16_t opcode, const void *payload, size_t size)
{
	uint64_t pkt[S4_PKT_MAX_BYTES / 8];
	size_t len = build_pkt((uint8_t *)pkt, opcode, payload, size);

	return s4_engine_validate((const struct s4_pkt_hdr *)pkt, len);
}

struct s4_engine *test_engine(enum s4_engine_isa isa)
{
	return test_engine_threads(isa, 0);
}

struct s4_engine *test_engine_threads(enum s4_engine_isa isa, unsigned int nthreads)
{
	struct s4_engine *eng = s4_engine_create_isa(nthreads, isa);
	struct s4_act_tables *t;

	if (!eng)
		return NULL;
	t = malloc(sizeof(*t));
	if (!t)
		abort();
	s4_act_gen_tables(t);
	if (s4_engine_load_act_tables(eng, t, sizeof(*t)))
		abort();
	free(t);
	return eng;
}

uint64_t rng_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int64_t rng_range(uint64_t *s, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

float rng_unit(uint64_t *s)
{
	return (float)((double)(rng_next(s) >> 11) / (double)(1ull << 52)) - 1.0f;
}

void fill_i8(uint64_t *rng, int8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (int8_t)rng_range(rng, -128, 127);
}

void fill_bf16(uint64_t *rng, uint16_t *p, size_t n, float scale)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = s4_f32_to_bf16(rng_unit(rng) * scale);
}
