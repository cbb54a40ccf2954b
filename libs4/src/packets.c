// SPDX-License-Identifier: MIT
/*
 * Typed packet appenders (firmware/s4_cmd.h). Each one resolves its addresses
 * (range checks, BO list room), reserves the packet, fills it, and only then
 * records the BOs, so that a failing appender changes nothing. A new engine
 * op is one more function of this shape.
 */
#include <errno.h>

#include "internal.h"
#include "s4_cmd.h"

int s4_cmdbuf_nop(struct s4_cmdbuf *cb)
{
	int err;

	if (!cb)
		return -EINVAL;
	return s4_cmdbuf_packet(cb, S4_OP_NOP, 0, sizeof(struct s4_pkt_hdr), &err) ? 0 : err;
}

/* The VA of the naturally aligned 64-bit word at @addr (fences, timestamps). */
static int resolve_word(struct s4_cmdbuf *cb, struct s4_addr *addr, uint64_t *va)
{
	const uint64_t len = sizeof(uint64_t);
	int err;

	if (!cb)
		return -EINVAL;
	err = s4_cmdbuf_resolve(cb, addr, &len, 1, va);
	if (err)
		return err;
	return *va % sizeof(uint64_t) ? -EINVAL : 0;
}

static int fence(struct s4_cmdbuf *cb, uint16_t opcode, struct s4_addr addr, uint64_t value)
{
	struct s4_pkt_fence *pkt;
	uint64_t va;
	int err;

	err = resolve_word(cb, &addr, &va);
	if (err)
		return err;
	pkt = s4_cmdbuf_packet(cb, opcode, 0, sizeof(*pkt), &err);
	if (!pkt)
		return err;
	pkt->va = va;
	pkt->value = value;
	s4_cmdbuf_commit(cb, &addr, 1);
	return 0;
}

int s4_cmdbuf_fence_write(struct s4_cmdbuf *cb, struct s4_addr addr, uint64_t value)
{
	return fence(cb, S4_OP_FENCE_WRITE, addr, value);
}

int s4_cmdbuf_fence_wait(struct s4_cmdbuf *cb, struct s4_addr addr, uint64_t value)
{
	return fence(cb, S4_OP_FENCE_WAIT, addr, value);
}

int s4_cmdbuf_timestamp(struct s4_cmdbuf *cb, struct s4_addr dst)
{
	struct s4_pkt_timestamp *pkt;
	uint64_t va;
	int err;

	err = resolve_word(cb, &dst, &va);
	if (err)
		return err;
	pkt = s4_cmdbuf_packet(cb, S4_OP_TIMESTAMP, 0, sizeof(*pkt), &err);
	if (!pkt)
		return err;
	pkt->va = va;
	s4_cmdbuf_commit(cb, &dst, 1);
	return 0;
}

int s4_cmdbuf_copy(struct s4_cmdbuf *cb, struct s4_addr dst, struct s4_addr src,
		   uint64_t size)
{
	const struct s4_addr addrs[2] = { dst, src };
	const uint64_t lens[2] = { size, size };
	struct s4_pkt_dma_copy *pkt;
	uint64_t vas[2];
	int err;

	if (!cb)
		return -EINVAL;
	err = s4_cmdbuf_resolve(cb, addrs, lens, 2, vas);
	if (err)
		return err;
	pkt = s4_cmdbuf_packet(cb, S4_OP_DMA_COPY, 0, sizeof(*pkt), &err);
	if (!pkt)
		return err;
	pkt->dst_va = vas[0];
	pkt->src_va = vas[1];
	pkt->size = size;
	s4_cmdbuf_commit(cb, addrs, 2);
	return 0;
}

int s4_cmdbuf_fill(struct s4_cmdbuf *cb, struct s4_addr dst, uint64_t size,
		   uint32_t pattern)
{
	struct s4_pkt_dma_fill *pkt;
	uint64_t va;
	int err;

	if (!cb || size % 4)
		return -EINVAL;
	err = s4_cmdbuf_resolve(cb, &dst, &size, 1, &va);
	if (err)
		return err;
	pkt = s4_cmdbuf_packet(cb, S4_OP_DMA_FILL, 0, sizeof(*pkt), &err);
	if (!pkt)
		return err;
	pkt->dst_va = va;
	pkt->size = size;
	pkt->pattern = pattern;
	s4_cmdbuf_commit(cb, &dst, 1);
	return 0;
}
