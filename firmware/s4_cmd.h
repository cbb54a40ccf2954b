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

#endif /* S4_CMD_H */
