// SPDX-License-Identifier: MIT
/*
 * Engine front end: lifetime, packet decoding and validation, dispatch to
 * the op implementations, and memory mapping on their behalf.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"
#include "engine_priv.h"
#include "pool.h"

struct op_desc {
	uint16_t opcode;
	uint16_t payload;	/* bytes after the header */
	int (*validate)(const void *op);
	int (*exec)(struct s4_job *job, const void *op);
};

#define OP(code, name) { code, sizeof(struct s4_op_##name), \
			 s4_validate_##name, s4_exec_##name }

static const struct op_desc op_table[] = {
	OP(S4_OP_SPU_GEMM, gemm),
	OP(S4_OP_SPU_CONV2D, conv2d),
	OP(S4_OP_ACT, act),
	OP(S4_OP_VEC_ELTWISE, eltwise),
	OP(S4_OP_VEC_SOFTMAX, softmax),
	OP(S4_OP_VEC_LAYERNORM, layernorm),
	OP(S4_OP_VEC_REDUCE, reduce),
	OP(S4_OP_EMBED, embed),
	OP(S4_OP_RESHAPE_PERMUTE, permute),
	OP(S4_OP_RESHAPE_STRIDED, strided),
};

#undef OP

/* Largest payload: packets are copied here before anything reads them. */
union op_payload {
	struct s4_op_gemm gemm;
	struct s4_op_conv2d conv2d;
	struct s4_op_act act;
	struct s4_op_eltwise eltwise;
	struct s4_op_softmax softmax;
	struct s4_op_layernorm layernorm;
	struct s4_op_reduce reduce;
	struct s4_op_embed embed;
	struct s4_op_permute permute;
	struct s4_op_strided strided;
};

int s4_job_map(struct s4_job *job, uint64_t va, uint64_t len, int write, void **host)
{
	uint64_t end;
	int ret = -S4_ERR_MMU_FAULT;

	*host = NULL;
	if (len && !__builtin_add_overflow(va, len, &end))
		ret = job->mem->map(job->mem->opaque, va, len, write, host);
	/* Typed accesses rely on the host pointer keeping the VA's alignment. */
	if (!ret && (!*host || ((uintptr_t)*host & 7) != (va & 7)))
		ret = -S4_ERR_MMU_FAULT;
	if (ret) {
		ret = -S4_ERR_MMU_FAULT;
		if (job->fault)
			*job->fault = (struct s4_engine_fault){
				.va = va, .len = len, .write = !!write,
				.opcode = job->opcode,
			};
	}
	return ret;
}

void *s4_scratch_get(struct s4_scratch *s, size_t bytes)
{
	size_t cap = (bytes + 63) & ~(size_t)63;

	if (bytes <= s->cap)
		return s->buf;
	if (cap < bytes)
		return NULL;
	free(s->buf);
	s->buf = aligned_alloc(64, cap);
	s->cap = s->buf ? cap : 0;
	return s->buf;
}

void s4_scratch_free(struct s4_scratch *s)
{
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

static const struct op_desc *find_op(uint16_t opcode)
{
	size_t i;

	for (i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
		if (op_table[i].opcode == opcode)
			return &op_table[i];
	return NULL;
}

/* Check the header and copy the payload out of pkt. */
static int decode(const struct s4_pkt_hdr *pkt, size_t avail,
		  const struct op_desc **desc, union op_payload *payload)
{
	struct s4_pkt_hdr hdr;

	if (!pkt || avail < sizeof(hdr))
		return -S4_ERR_BAD_PACKET;
	memcpy(&hdr, pkt, sizeof(hdr));
	if (!hdr.len || (size_t)hdr.len * S4_PKT_ALIGN > avail ||
	    (size_t)hdr.len * S4_PKT_ALIGN > S4_PKT_MAX_BYTES)
		return -S4_ERR_BAD_PACKET;
	*desc = find_op(hdr.opcode);
	if (!*desc)
		return -S4_ERR_BAD_OPCODE;
	if ((size_t)hdr.len * S4_PKT_ALIGN != sizeof(hdr) + (*desc)->payload || hdr.flags)
		return -S4_ERR_BAD_PACKET;
	memcpy(payload, (const uint8_t *)pkt + sizeof(hdr), (*desc)->payload);
	return (*desc)->validate(payload);
}

int s4_engine_validate(const struct s4_pkt_hdr *pkt, size_t avail_bytes)
{
	const struct op_desc *desc;
	union op_payload payload;

	return decode(pkt, avail_bytes, &desc, &payload);
}

int s4_engine_exec(struct s4_engine *eng, const struct s4_pkt_hdr *pkt,
		   size_t avail_bytes, const struct s4_engine_mem *mem,
		   struct s4_engine_fault *fault_out)
{
	const struct op_desc *desc;
	union op_payload payload;
	struct s4_job job = { .eng = eng, .mem = mem, .fault = fault_out };
	int ret;

	if (!eng || !mem || !mem->map)
		return -S4_ERR_BAD_ARG;
	ret = decode(pkt, avail_bytes, &desc, &payload);
	if (ret)
		return ret;
	job.opcode = desc->opcode;
	return desc->exec(&job, &payload);
}

int s4_engine_load_act_tables(struct s4_engine *eng, const void *blob, size_t len)
{
	struct s4_act_fn *fns = malloc(sizeof(eng->act));
	int ret;

	if (!fns)
		return -S4_ERR_BAD_VALUE;
	ret = s4_act_unpack(fns, blob, len);
	if (!ret) {
		memcpy(eng->act, fns, sizeof(eng->act));
		eng->act_loaded = true;
	}
	free(fns);
	return ret;
}

struct s4_engine *s4_engine_create_isa(unsigned int nthreads, enum s4_engine_isa isa)
{
	const struct spu_kernels *kern = s4_cpu_kernels(isa);
	struct s4_engine *eng;

	if (!kern)
		return NULL;
	if (!nthreads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		cpu_set_t set;

		/* The CPUs this process may run on, if fewer (taskset, cgroups). */
		if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0 &&
		    CPU_COUNT(&set) < n)
			n = CPU_COUNT(&set);
		nthreads = n > 0 && n < 1024 ? (unsigned int)n : 1;
	}
	eng = calloc(1, sizeof(*eng));
	if (!eng)
		return NULL;
	eng->kern = kern;
	eng->isa = isa == S4_ISA_AUTO ? s4_cpu_best_isa() : isa;
	eng->nthreads = nthreads;
	s4_wcache_init(&eng->wcache, S4_ENGINE_WEIGHT_CACHE_DEFAULT);
	eng->pool = s4_pool_create(nthreads);
	if (!eng->pool) {
		free(eng);
		return NULL;
	}
	return eng;
}

struct s4_engine *s4_engine_create(unsigned int nthreads)
{
	return s4_engine_create_isa(nthreads, S4_ISA_AUTO);
}

void s4_engine_destroy(struct s4_engine *eng)
{
	if (!eng)
		return;
	s4_pool_destroy(eng->pool);
	s4_scratch_free(&eng->spu_panels);
	s4_scratch_free(&eng->spu_chan);
	s4_scratch_free(&eng->spu_a);
	s4_scratch_free(&eng->spu_tmp);
	s4_wcache_fini(&eng->wcache);
	free(eng);
}

enum s4_engine_isa s4_engine_isa(const struct s4_engine *eng)
{
	return eng->isa;
}

unsigned int s4_engine_threads(const struct s4_engine *eng)
{
	return eng->nthreads;
}

void s4_engine_get_stats(const struct s4_engine *eng, struct s4_engine_stats *stats)
{
	*stats = eng->stats;
}

void s4_engine_set_weight_cache(struct s4_engine *eng, size_t bytes)
{
	s4_wcache_set_budget(&eng->wcache, bytes);
}
