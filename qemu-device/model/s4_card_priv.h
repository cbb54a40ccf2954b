/* SPDX-License-Identifier: MIT */
/*
 * Internals of the S4 card model, shared by its source files only:
 * s4_card.c (registers, reset, run loop), s4_queue.c (rings), s4_mmu.c
 * (page-table walk, memory access by VA) and s4_exec.c (command packets).
 */
#ifndef S4_CARD_PRIV_H
#define S4_CARD_PRIV_H

#include <stdbool.h>

#include "engine/s4_engine.h"
#include "engine/s4_mem_stamps.h"
#include "s4_act_gen.h"
#include "s4_card.h"
#include "s4_mmu.h"
#include "s4_queue.h"
#include "s4_regs.h"

/* Card structures are DMAed into C structs and used in place. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the S4 card model needs a little-endian host"
#endif

#define S4_MAX_QUEUES		(S4_NUM_SUBSYSTEMS * S4_MAX_QUEUES_PER_SS)
#define S4_RUN_JOBS		64		/* jobs per queue per s4_card_run() */
#define S4_RUN_BYTES		(4u << 20)	/* command + DMA bytes per queue per run */
#define S4_FENCE_POLL_NS	100000ull	/* re-check an unsignalled fence after */
/*
 * A queue that ran dry watches its tail S4_IDLE_POLLS more times, every
 * S4_IDLE_POLL_NS, before it asks for a doorbell: a burst of submissions
 * then needs the one doorbell that woke the queue.
 */
#define S4_IDLE_POLLS		16
#define S4_IDLE_POLL_NS		50000ull
#define S4_BOUNCE_SIZE		65536

struct s4_card;

/* The address space of one job. */
struct s4_mmu {
	struct s4_card *card;
	uint64_t pt_root;
	uint64_t fault_va;	/* set when a function returns -S4_ERR_MMU_FAULT */
	/*
	 * The leaf table last read (one DMA read for 512 pages), reused only
	 * within one s4_mmu_read/write/map call: tables may change between.
	 */
	bool leaf_valid;
	uint64_t leaf_va;	/* first VA the cached table maps */
	uint64_t leaf[S4_MMU_ENTRIES];
};

/* Work a queue may still do in this s4_card_run() call. */
struct s4_budget {
	unsigned int jobs;
	uint64_t bytes;
};

/* Where a job stands; the card runs one job per queue at a time. */
struct s4_job {
	bool active;
	bool waiting;		/* stalled on FENCE_WAIT at @pc */
	struct s4_job_desc desc;
	uint32_t slot;		/* ring index of @desc */
	uint32_t pc;		/* byte offset of the packet to run next */
	uint64_t pkt_done;	/* bytes of the DMA packet at @pc already moved */
	struct s4_mmu mmu;
	uint32_t status;	/* enum s4_err, once the job ended */
	uint32_t err_offset;
	uint64_t err_addr;
};

struct s4_queue {
	unsigned int index;	/* subsystem * queues_per_ss + q */
	uint64_t ring;
	uint32_t ring_size;
	uint64_t shared;
	bool enabled;
	uint32_t head;		/* ring entries fetched */
	uint32_t tail;		/* shared.tail as last read */
	bool need_doorbell;	/* as last written to shared.need_doorbell */
	unsigned int idle_polls;	/* tail checks since the queue ran dry */
	unsigned int completed;	/* jobs ended in this s4_card_run() */
	struct s4_job job;
	uint8_t *cmd;		/* the job's command buffer, S4_CMD_MAX_BYTES */
};

/* The S4_REG_CNT_* registers, in their order. */
struct s4_counters {
	uint64_t mmio_reads;
	uint64_t mmio_writes;
	uint64_t irqs;
	uint64_t doorbells;
	uint64_t jobs;
	uint64_t spu_problems;
	uint64_t conv_implicit;
	uint64_t weights_reused;
};
S4_STATIC_ASSERT(sizeof(struct s4_counters) == S4_REG_CNT_END - S4_REG_CNT_MMIO_READS,
		 "a counter per S4_REG_CNT_* register");

struct s4_card {
	struct s4_card_config cfg;
	struct s4_card_host host;
	bool running;		/* inside s4_card_run() */

	uint32_t status;
	uint32_t scratch;
	uint32_t mgmt_irq_status;
	uint32_t mgmt_irq_mask;
	uint32_t selftest_ack;
	uint32_t err_code;
	uint32_t err_info;
	uint64_t err_addr;
	uint64_t mem_written;	/* offset of a S4_REG_MEM_WRITTEN_* report */
	struct s4_counters cnt;

	unsigned int nqueues;
	struct s4_queue queues[S4_MAX_QUEUES];
	uint8_t *cmd_bufs;	/* nqueues * S4_CMD_MAX_BYTES */
	struct s4_engine *engine;	/* compute engines, one job at a time */
	struct s4_engine_stats engine_at_reset;	/* for the engine's counters */
	struct s4_mem_stamps stamps;	/* writes to device memory, per page */
	uint8_t bounce[S4_BOUNCE_SIZE];
};

/* Write @val into the low or, if @hi, the high half of the 64-bit register @r. */
static inline void s4_reg_half(uint64_t *r, bool hi, uint32_t val)
{
	*r = hi ? (*r & 0xffffffffull) | (uint64_t)val << 32 : (*r & ~0xffffffffull) | val;
}

/* s4_card.c */
void s4_card_guest_error(struct s4_card *card, enum s4_err code, uint32_t info,
			 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void s4_card_latch_error(struct s4_card *card, enum s4_err code, uint32_t info,
			 uint64_t addr);
void s4_card_mgmt_irq_raise(struct s4_card *card, uint32_t source);
/* Bring the engine's counters in card->cnt up to date (after a job). */
void s4_card_count_engine(struct s4_card *card);
int s4_card_dma_read(struct s4_card *card, uint64_t addr, void *buf, size_t len);
int s4_card_dma_write(struct s4_card *card, uint64_t addr, const void *buf,
		      size_t len);

/* s4_queue.c */
void s4_queue_init(struct s4_queue *q, unsigned int index, uint8_t *cmd);
bool s4_queue_reg_read(struct s4_card *card, uint32_t off, uint32_t *val);
bool s4_queue_reg_write(struct s4_card *card, uint32_t off, uint32_t val);
enum s4_queue_state { S4_QUEUE_IDLE, S4_QUEUE_MORE, S4_QUEUE_WAITING, S4_QUEUE_POLLING };
enum s4_queue_state s4_queue_process(struct s4_card *card, struct s4_queue *q);

/* s4_mmu.c: 0 or -S4_ERR_MMU_FAULT with mmu->fault_va set */
int s4_mmu_read(struct s4_mmu *mmu, uint64_t va, void *buf, uint64_t len);
int s4_mmu_write(struct s4_mmu *mmu, uint64_t va, const void *buf, uint64_t len);
int s4_mmu_map(struct s4_mmu *mmu, uint64_t va, uint64_t len, bool write,
	       void **host);

/* s4_exec.c */
enum s4_job_step { S4_JOB_DONE, S4_JOB_YIELD, S4_JOB_WAIT };
enum s4_job_step s4_job_run(struct s4_card *card, struct s4_job *job,
			    const uint8_t *cmd, struct s4_budget *budget);
void s4_job_fail(struct s4_job *job, enum s4_err err);

#endif /* S4_CARD_PRIV_H */
