/* SPDX-License-Identifier: MIT */
/*
 * Moffett S4 hardware queues: the job descriptor ring and the control block
 * the host and the card share in host memory.
 *
 * Protocol (no MMIO read on either hot path):
 *  - submit: the host fills ring[tail % size], then stores tail + 1 in
 *    shared.tail (release). It writes the Q_DOORBELL register only when
 *    shared.need_doorbell is set; the card sets need_doorbell when it has run
 *    out of work, then looks at shared.tail once more before stopping.
 *  - completion: for each finished job the card writes status, err_offset
 *    and err_addr into the job's ring entry, then stores the job's seqno in
 *    shared.completed_seqno (release), then raises the queue's MSI-X vector,
 *    at most once per batch of jobs it finished together.
 *  - seqnos of one queue increase by one per job; head and tail are free
 *    running 32-bit counters, the ring index is counter % ring size.
 */
#ifndef S4_QUEUE_H
#define S4_QUEUE_H

#include "s4_types.h"

/**
 * struct s4_job_desc - one job, one ring entry
 * @seqno: stored in s4_queue_shared.completed_seqno when the job ends
 * @cmd_va: device VA of the command buffer (packets, see s4_cmd.h)
 * @cmd_size: command buffer bytes, a multiple of S4_PKT_ALIGN, at most
 *	S4_CMD_MAX_BYTES
 * @ctx_id: the address space the job runs in (reported on faults)
 * @pt_root: host DMA address of the address space's top page table
 * @flags: S4_JOB_* flags; other bits must be 0
 * @status: written by the card: enum s4_err
 * @err_offset: written by the card: byte offset of the failing packet
 * @err_addr: written by the card: the faulting device VA on S4_ERR_MMU_FAULT
 * @reserved: must be 0
 */
struct s4_job_desc {
	uint64_t seqno;
	uint64_t cmd_va;
	uint32_t cmd_size;
	uint32_t ctx_id;
	uint64_t pt_root;
	uint32_t flags;
	uint32_t status;
	uint32_t err_offset;
	uint32_t reserved0;
	uint64_t err_addr;
	uint64_t reserved1;
};
S4_STATIC_ASSERT(sizeof(struct s4_job_desc) == 64, "s4_job_desc size");

/*
 * The job may read device memory that the CPU wrote through BAR2 without
 * reporting it (a user mapping of a device buffer): before the card reuses
 * what it derived from device memory in an earlier job (weight packings), it
 * looks for such writes, which on the virtual card costs time. Without the
 * flag it trusts that every CPU write was reported (S4_REG_MEM_WRITTEN_*).
 */
#define S4_JOB_CPU_WRITES	(1u << 0)

#define S4_CMD_MAX_BYTES	(1u << 20)

/**
 * struct s4_queue_shared - per-queue control block in host memory
 * @tail: host: ring entries [0, tail) are submitted
 * @need_doorbell: card: 1 when it stopped and needs Q_DOORBELL to go on
 * @head: card: ring entries [0, head) are fetched
 * @reserved0: 0
 * @completed_seqno: card: seqno of the last job that ended
 * @reserved: 0
 */
struct s4_queue_shared {
	uint32_t tail;
	uint32_t need_doorbell;
	uint32_t head;
	uint32_t reserved0;
	uint64_t completed_seqno;
	uint64_t reserved[5];
};
S4_STATIC_ASSERT(sizeof(struct s4_queue_shared) == 64, "s4_queue_shared size");

#endif /* S4_QUEUE_H */
