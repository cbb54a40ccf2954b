/* SPDX-License-Identifier: MIT */
/*
 * Moffett S4 command packets: the format of a command buffer that a job
 * executes. A command buffer is a sequence of packets, each starting with a
 * struct s4_pkt_hdr and S4_PKT_ALIGN-byte aligned; its total size is a
 * multiple of S4_PKT_ALIGN. Addresses inside packets are device virtual
 * addresses in the submitting context's address space.
 */
#ifndef S4_CMD_H
#define S4_CMD_H

#include "s4_types.h"

#define S4_PKT_ALIGN		8u
#define S4_PKT_MAX_BYTES	4096u

/**
 * struct s4_pkt_hdr - header of every command packet
 * @opcode: enum s4_opcode
 * @len: packet length in S4_PKT_ALIGN-byte units, header included (>= 1)
 * @flags: opcode-specific flags; bits not defined by the opcode must be 0
 */
struct s4_pkt_hdr {
	uint16_t opcode;
	uint16_t len;
	uint32_t flags;
};
S4_STATIC_ASSERT(sizeof(struct s4_pkt_hdr) == 8, "s4_pkt_hdr size");

/*
 * Opcodes, grouped by the engine that executes them. The high byte names the
 * engine, the low byte the operation.
 */
enum s4_opcode {
	/* control */
	S4_OP_NOP		= 0x0000,
	S4_OP_FENCE_WRITE	= 0x0001,
	S4_OP_FENCE_WAIT	= 0x0002,
	S4_OP_TIMESTAMP		= 0x0003,
	/* DMA engine */
	S4_OP_DMA_COPY		= 0x0100,
	S4_OP_DMA_FILL		= 0x0101,
	/* sparse processing unit */
	S4_OP_SPU_GEMM		= 0x0200,
	S4_OP_SPU_CONV2D	= 0x0201,
	/* activation engine */
	S4_OP_ACT		= 0x0300,
	/* vector processor */
	S4_OP_VEC_ELTWISE	= 0x0400,
	S4_OP_VEC_SOFTMAX	= 0x0401,
	S4_OP_VEC_LAYERNORM	= 0x0402,
	S4_OP_VEC_REDUCE	= 0x0403,
	/* embedding lookup unit */
	S4_OP_EMBED		= 0x0500,
	/* memory reshape engine */
	S4_OP_RESHAPE_PERMUTE	= 0x0600,
	S4_OP_RESHAPE_STRIDED	= 0x0601,
};

#define S4_OP_ENGINE(op)	((op) >> 8)

/* S4_OP_NOP: header only. */

/**
 * struct s4_pkt_fence - S4_OP_FENCE_WRITE and S4_OP_FENCE_WAIT
 * @hdr: opcode, len = 3, flags = 0
 * @va: device VA of a naturally aligned 64-bit fence word
 * @value: FENCE_WRITE stores it; FENCE_WAIT waits until the word is >= it
 */
struct s4_pkt_fence {
	struct s4_pkt_hdr hdr;
	uint64_t va;
	uint64_t value;
};
S4_STATIC_ASSERT(sizeof(struct s4_pkt_fence) == 24, "s4_pkt_fence size");

/**
 * struct s4_pkt_timestamp - S4_OP_TIMESTAMP: store the card's clock
 * @hdr: opcode, len = 2, flags = 0
 * @va: device VA of a naturally aligned 64-bit word
 *
 * Once every earlier packet of the job is done, stores the card's clock, in
 * nanoseconds, at @va. The clock is monotonic and shared by all queues of
 * the card; only differences between its readings mean anything. Two
 * timestamps around packets time them on the card, without the submission
 * and completion overhead a CPU clock would add.
 */
struct s4_pkt_timestamp {
	struct s4_pkt_hdr hdr;
	uint64_t va;
};
S4_STATIC_ASSERT(sizeof(struct s4_pkt_timestamp) == 16, "s4_pkt_timestamp size");

/**
 * struct s4_pkt_dma_copy - S4_OP_DMA_COPY: copy @size bytes
 * @hdr: opcode, len = 4, flags = 0
 * @src_va: source device VA
 * @dst_va: destination device VA; the ranges must not overlap
 * @size: bytes
 */
struct s4_pkt_dma_copy {
	struct s4_pkt_hdr hdr;
	uint64_t src_va;
	uint64_t dst_va;
	uint64_t size;
};
S4_STATIC_ASSERT(sizeof(struct s4_pkt_dma_copy) == 32, "s4_pkt_dma_copy size");

/**
 * struct s4_pkt_dma_fill - S4_OP_DMA_FILL: fill @size bytes with a pattern
 * @hdr: opcode, len = 4, flags = 0
 * @dst_va: destination device VA
 * @size: bytes, a multiple of 4
 * @pattern: 32-bit pattern, stored little endian
 * @reserved: 0
 */
struct s4_pkt_dma_fill {
	struct s4_pkt_hdr hdr;
	uint64_t dst_va;
	uint64_t size;
	uint32_t pattern;
	uint32_t reserved;
};
S4_STATIC_ASSERT(sizeof(struct s4_pkt_dma_fill) == 32, "s4_pkt_dma_fill size");

#endif /* S4_CMD_H */
