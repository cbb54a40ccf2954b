// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as a command packet, validated and
 * executed against a small fake card memory. The first 8 input bytes (if
 * present) seed the memory contents and pick the opcode family so that most
 * runs reach the op implementations; the rest is the packet. Every pointer
 * the engine obtains must come from map() over that memory, so ASan checks
 * the engine never touches anything else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s4_act_gen.h"
#include "s4_engine.h"
#include "s4_ops.h"
#include "s4_regs.h"

#define MEM_VA		0x10000ull
#define MEM_BYTES	(256u << 10)

struct fuzz_mem {
	uint8_t *buf;
};

static int fuzz_map(void *opaque, uint64_t va, uint64_t len, int write, void **host)
{
	struct fuzz_mem *m = opaque;

	(void)write;
	if (va < MEM_VA || len > MEM_BYTES || va - MEM_VA > MEM_BYTES - len)
		return -S4_ERR_MMU_FAULT;
	*host = m->buf + (va - MEM_VA);
	return 0;
}

static const uint16_t opcodes[] = {
	S4_OP_SPU_GEMM, S4_OP_SPU_CONV2D, S4_OP_ACT, S4_OP_VEC_ELTWISE,
	S4_OP_VEC_SOFTMAX, S4_OP_VEC_LAYERNORM, S4_OP_VEC_REDUCE, S4_OP_EMBED,
	S4_OP_RESHAPE_PERMUTE, S4_OP_RESHAPE_STRIDED,
};

/* One engine and memory for the whole run (libFuzzer calls us in a loop). */
static struct s4_engine *engine(void)
{
	static struct s4_engine *eng;
	struct s4_act_tables *t;

	if (eng)
		return eng;
	eng = s4_engine_create(2);
	t = malloc(sizeof(*t));
	if (!eng || !t)
		abort();
	s4_act_gen_tables(t);
	if (s4_engine_load_act_tables(eng, t, sizeof(*t)))
		abort();
	free(t);
	return eng;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_mem mem;
	struct s4_engine_mem em = { .opaque = &mem, .map = fuzz_map };
	struct s4_engine_fault fault;
	uint8_t pkt[S4_PKT_MAX_BYTES];
	size_t len, i;
	uint64_t seed;

	if (!mem.buf) {
		mem.buf = malloc(MEM_BYTES);
		if (!mem.buf)
			abort();
	}
	if (size < 8)
		return 0;
	memcpy(&seed, data, 8);
	for (i = 0; i < MEM_BYTES; i += 8) {	/* cheap, seed-dependent contents */
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		memcpy(mem.buf + i, &seed, 8);
	}
	len = size - 8 < sizeof(pkt) ? size - 8 : sizeof(pkt);
	memcpy(pkt, data + 8, len);
	/* Steer the header towards real compute opcodes with a matching length. */
	if (len >= 8 && (data[0] & 1)) {
		struct s4_pkt_hdr hdr;

		memcpy(&hdr, pkt, sizeof(hdr));
		hdr.opcode = opcodes[data[1] % (sizeof(opcodes) / sizeof(opcodes[0]))];
		if (data[0] & 2)
			hdr.flags = 0;
		memcpy(pkt, &hdr, sizeof(hdr));
	}
	s4_engine_validate((const struct s4_pkt_hdr *)pkt, len);
	s4_engine_exec(engine(), (const struct s4_pkt_hdr *)pkt, len, &em, &fault);
	return 0;
}
