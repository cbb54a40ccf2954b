/* SPDX-License-Identifier: MIT */
/*
 * A fake host for the card model: host memory as an array at a bus address
 * with strict bounds, device memory, an interrupt counter per vector, the
 * card's schedule requests, and helpers that build page tables, queues and
 * command buffers the way the driver and libs4 will.
 */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/s4_card.h"
#include "model/s4_card_priv.h"	/* S4_IDLE_POLL_NS */
#include "s4_cmd.h"
#include "s4_mmu.h"
#include "s4_queue.h"
#include "s4_regs.h"

#define FAKE_HOST_BASE	0x100000000ull	/* bus address of host_mem[0] */
#define FAKE_HOST_SIZE	(8u << 20)
#define FAKE_MEM_SIZE	(16u << 20)	/* device memory */
#define FAKE_QPS	2
#define FAKE_RUN_MAX	1000

struct fake_host {
	struct s4_card *card;
	uint8_t *host_mem;
	uint8_t *dev_mem;
	uint64_t host_next;	/* bump allocator over host_mem */
	unsigned int irqs[S4_MSIX_COUNT(S4_MAX_QUEUES_PER_SS)];
	unsigned int guest_errors;
	char last_error[160];
	bool run_soon;		/* schedule(0) pending */
	uint64_t run_delay;	/* last delayed schedule, 0 if none pending */
	unsigned int dma_errors;
	/* Device memory pages a test wrote as the CPU would, not yet reported. */
	bool dev_dirty[FAKE_MEM_SIZE / S4_MMU_PAGE_SIZE];
	unsigned int mem_syncs;	/* mem_sync() calls */
	uint64_t now_ns;	/* the card's clock: set by the test */
	uint32_t job_flags;	/* s4_job_desc.flags of the jobs fake_submit() makes */
};

static inline bool fake_in_host(uint64_t addr, size_t len)
{
	return addr >= FAKE_HOST_BASE && len <= FAKE_HOST_SIZE &&
	       addr - FAKE_HOST_BASE <= FAKE_HOST_SIZE - len;
}

static inline void *fake_ptr(struct fake_host *h, uint64_t addr)
{
	return h->host_mem + (addr - FAKE_HOST_BASE);
}

static inline void fake_irq(void *opaque, unsigned int vector)
{
	struct fake_host *h = opaque;

	if (vector < sizeof(h->irqs) / sizeof(h->irqs[0]))
		h->irqs[vector]++;
}

static inline void fake_guest_error(void *opaque, const char *msg)
{
	struct fake_host *h = opaque;

	h->guest_errors++;
	snprintf(h->last_error, sizeof(h->last_error), "%s", msg);
}

static inline int fake_dma_read(void *opaque, uint64_t addr, void *buf,
				size_t len)
{
	struct fake_host *h = opaque;

	if (!fake_in_host(addr, len)) {
		h->dma_errors++;
		return -1;
	}
	memcpy(buf, fake_ptr(h, addr), len);
	return 0;
}

static inline int fake_dma_write(void *opaque, uint64_t addr, const void *buf,
				 size_t len)
{
	struct fake_host *h = opaque;

	if (!fake_in_host(addr, len)) {
		h->dma_errors++;
		return -1;
	}
	memcpy(fake_ptr(h, addr), buf, len);
	return 0;
}

static inline void fake_schedule(void *opaque, uint64_t delay_ns)
{
	struct fake_host *h = opaque;

	if (delay_ns)
		h->run_delay = delay_ns;
	else
		h->run_soon = true;
}

static inline uint64_t fake_clock_ns(void *opaque)
{
	return ((struct fake_host *)opaque)->now_ns;
}

/* @len pseudo-random bytes from @seed (a 32-bit LCG). */
static inline void fake_fill_random(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* Report the pages of [off, off + len) written since they were last reported. */
static inline void fake_mem_sync(void *opaque, uint64_t off, uint64_t len)
{
	struct fake_host *h = opaque;
	uint64_t p;

	h->mem_syncs++;
	for (p = off / S4_MMU_PAGE_SIZE; p * S4_MMU_PAGE_SIZE < off + len &&
	     p < FAKE_MEM_SIZE / S4_MMU_PAGE_SIZE; p++)
		if (h->dev_dirty[p]) {
			h->dev_dirty[p] = false;
			s4_card_mem_written(h->card, p * S4_MMU_PAGE_SIZE, S4_MMU_PAGE_SIZE);
		}
}

/* The test wrote device memory [off, off + len) directly, as through the BAR. */
static inline void fake_dev_written(struct fake_host *h, uint64_t off, uint64_t len)
{
	uint64_t p;

	for (p = off / S4_MMU_PAGE_SIZE; p * S4_MMU_PAGE_SIZE < off + len; p++)
		h->dev_dirty[p] = true;
}

static inline struct s4_card *fake_host_init(struct fake_host *h,
					     unsigned int qps)
{
	struct s4_card_host host = {
		.opaque = h,
		.irq = fake_irq,
		.guest_error = fake_guest_error,
		.dma_read = fake_dma_read,
		.dma_write = fake_dma_write,
		.schedule = fake_schedule,
		.clock_ns = fake_clock_ns,
		.mem_sync = fake_mem_sync,
	};
	struct s4_card_config cfg = {
		.mem_size = FAKE_MEM_SIZE,
		.queues_per_ss = qps,
	};

	memset(h, 0, sizeof(*h));
	h->host_mem = calloc(1, FAKE_HOST_SIZE);
	h->dev_mem = calloc(1, FAKE_MEM_SIZE);
	h->host_next = FAKE_HOST_BASE;
	cfg.mem = h->dev_mem;
	if (h->host_mem && h->dev_mem)
		h->card = s4_card_new(&cfg, &host);
	return h->card;
}

static inline void fake_host_fini(struct fake_host *h)
{
	s4_card_free(h->card);
	free(h->host_mem);
	free(h->dev_mem);
}

/* Zeroed, page-aligned host memory; aborts when the fake runs out. */
static inline uint64_t fake_alloc(struct fake_host *h, uint64_t size)
{
	uint64_t addr = h->host_next;

	size = (size + S4_MMU_PAGE_SIZE - 1) & ~(S4_MMU_PAGE_SIZE - 1);
	if (!fake_in_host(addr, size))
		abort();
	h->host_next += size;
	memset(fake_ptr(h, addr), 0, size);
	return addr;
}

/*
 * The card's main loop: one s4_card_run(), then more for as long as the card
 * asks to be run again soon or is watching the tail of a queue that ran dry
 * (time passes for it here). Fence polls are left for the test.
 */
static inline unsigned int fake_run(struct fake_host *h)
{
	unsigned int runs = 0;

	do {
		h->run_soon = false;
		h->run_delay = 0;
		s4_card_run(h->card);
		runs++;
	} while ((h->run_soon || h->run_delay == S4_IDLE_POLL_NS) &&
		 runs < FAKE_RUN_MAX);
	return runs;
}

static inline uint64_t fake_rd64(struct fake_host *h, uint32_t off)
{
	return s4_card_reg_read(h->card, off) |
	       (uint64_t)s4_card_reg_read(h->card, off + 4) << 32;
}

static inline uint32_t fake_qreg(struct fake_host *h, unsigned int q,
				 uint32_t reg)
{
	return s4_card_reg_read(h->card, S4_REG_QUEUE(q, reg));
}

static inline void fake_qwrite(struct fake_host *h, unsigned int q,
			       uint32_t reg, uint32_t val)
{
	s4_card_reg_write(h->card, S4_REG_QUEUE(q, reg), val);
}

/* ---- page tables ------------------------------------------------------- */

static inline uint64_t *fake_pte(struct fake_host *h, uint64_t table,
				 uint64_t va, int level)
{
	return (uint64_t *)fake_ptr(h, table) + S4_MMU_INDEX(va, level);
}

/* The L0 entry for va, creating the tables above it. */
static inline uint64_t *fake_leaf(struct fake_host *h, uint64_t root,
				  uint64_t va)
{
	uint64_t table = root;
	uint64_t *pte;
	int level;

	for (level = S4_MMU_LEVELS - 1; level > 0; level--) {
		pte = fake_pte(h, table, va, level);
		if (!(*pte & S4_PTE_VALID))
			*pte = fake_alloc(h, S4_MMU_PAGE_SIZE) | S4_PTE_VALID;
		table = *pte & S4_PTE_ADDR_MASK;
	}
	return fake_pte(h, table, va, 0);
}

/* Map [va, va + len) to consecutive pages from @addr; flags: WRITE, DEVMEM. */
static inline void fake_map(struct fake_host *h, uint64_t root, uint64_t va,
			    uint64_t addr, uint64_t len, uint64_t flags)
{
	uint64_t off;

	for (off = 0; off < len; off += S4_MMU_PAGE_SIZE)
		*fake_leaf(h, root, va + off) = (addr + off) | flags | S4_PTE_VALID;
}

/* Fresh host memory mapped at va; returns its bus address. */
static inline uint64_t fake_map_new(struct fake_host *h, uint64_t root,
				    uint64_t va, uint64_t len, uint64_t flags)
{
	uint64_t addr = fake_alloc(h, len);

	fake_map(h, root, va, addr, len, flags);
	return addr;
}

/* ---- queues ------------------------------------------------------------- */

struct fake_queue {
	unsigned int index;
	uint64_t ring;
	uint64_t shared;
	uint32_t size;
	uint64_t seqno;		/* of the last job submitted */
};

static inline struct s4_job_desc *fake_desc(struct fake_host *h,
					    struct fake_queue *fq, uint32_t n)
{
	return (struct s4_job_desc *)fake_ptr(h, fq->ring) + (n & (fq->size - 1));
}

static inline struct s4_queue_shared *fake_shared(struct fake_host *h,
						  struct fake_queue *fq)
{
	return fake_ptr(h, fq->shared);
}

static inline void fake_queue_program(struct fake_host *h,
				      struct fake_queue *fq, unsigned int index,
				      uint32_t size)
{
	fq->index = index;
	fq->size = size;
	fq->seqno = 0;
	fq->ring = fake_alloc(h, (uint64_t)size * sizeof(struct s4_job_desc));
	fq->shared = fake_alloc(h, sizeof(struct s4_queue_shared));
	fake_qwrite(h, index, S4_Q_RING_LO, (uint32_t)fq->ring);
	fake_qwrite(h, index, S4_Q_RING_HI, (uint32_t)(fq->ring >> 32));
	fake_qwrite(h, index, S4_Q_RING_SIZE, size);
	fake_qwrite(h, index, S4_Q_SHARED_LO, (uint32_t)fq->shared);
	fake_qwrite(h, index, S4_Q_SHARED_HI, (uint32_t)(fq->shared >> 32));
}

/* Enable, and let the card look at the empty queue as it would at once. */
static inline void fake_queue_setup(struct fake_host *h, struct fake_queue *fq,
				    unsigned int index, uint32_t size)
{
	fake_queue_program(h, fq, index, size);
	fake_qwrite(h, index, S4_Q_CTRL, S4_Q_CTRL_ENABLE);
	fake_run(h);
}

/* Put a descriptor in the ring without publishing it. */
static inline struct s4_job_desc *fake_queue_add(struct fake_host *h,
						 struct fake_queue *fq,
						 uint64_t root, uint64_t cmd_va,
						 uint32_t cmd_size, uint32_t n)
{
	struct s4_job_desc *d = fake_desc(h, fq, fake_shared(h, fq)->tail + n);

	memset(d, 0, sizeof(*d));
	d->seqno = ++fq->seqno;
	d->flags = h->job_flags;
	d->cmd_va = cmd_va;
	d->cmd_size = cmd_size;
	d->pt_root = root;
	d->status = 0xffffffff;		/* the card must overwrite it */
	return d;
}

/* Publish @n added descriptors; ring the doorbell only if the card asks. */
static inline void fake_queue_publish(struct fake_host *h,
				      struct fake_queue *fq, uint32_t n)
{
	struct s4_queue_shared *sh = fake_shared(h, fq);

	__atomic_store_n(&sh->tail, sh->tail + n, __ATOMIC_RELEASE);
	if (__atomic_load_n(&sh->need_doorbell, __ATOMIC_SEQ_CST))
		fake_qwrite(h, fq->index, S4_Q_DOORBELL, 1);
}

static inline struct s4_job_desc *fake_submit(struct fake_host *h,
					      struct fake_queue *fq,
					      uint64_t root, uint64_t cmd_va,
					      uint32_t cmd_size)
{
	struct s4_job_desc *d = fake_queue_add(h, fq, root, cmd_va, cmd_size, 0);

	fake_queue_publish(h, fq, 1);
	return d;
}

/* ---- command buffers ------------------------------------------------------ */

struct fake_cmd {
	uint64_t va;
	uint8_t *buf;
	uint32_t size;
	uint32_t cap;
};

/* A command buffer of @cap bytes of host memory mapped read-only at @va. */
static inline void fake_cmd_init(struct fake_host *h, struct fake_cmd *c,
				 uint64_t root, uint64_t va, uint32_t cap)
{
	uint64_t addr = fake_map_new(h, root, va, cap, 0);

	c->va = va;
	c->buf = fake_ptr(h, addr);
	c->size = 0;
	c->cap = cap;
}

static inline void *fake_cmd_put(struct fake_cmd *c, const void *pkt,
				 uint32_t len)
{
	void *at = c->buf + c->size;

	if (len > c->cap - c->size)
		abort();
	memcpy(at, pkt, len);
	c->size += len;
	return at;
}

static inline void fake_cmd_nop(struct fake_cmd *c)
{
	struct s4_pkt_hdr p = { .opcode = S4_OP_NOP, .len = 1 };

	fake_cmd_put(c, &p, sizeof(p));
}

static inline void fake_cmd_fence(struct fake_cmd *c, uint16_t op, uint64_t va,
				  uint64_t value)
{
	struct s4_pkt_fence p = {
		.hdr = { .opcode = op, .len = sizeof(p) / S4_PKT_ALIGN },
		.va = va,
		.value = value,
	};

	fake_cmd_put(c, &p, sizeof(p));
}

static inline void fake_cmd_timestamp(struct fake_cmd *c, uint64_t va)
{
	struct s4_pkt_timestamp p = {
		.hdr = { .opcode = S4_OP_TIMESTAMP, .len = sizeof(p) / S4_PKT_ALIGN },
		.va = va,
	};

	fake_cmd_put(c, &p, sizeof(p));
}

static inline void fake_cmd_copy(struct fake_cmd *c, uint64_t src, uint64_t dst,
				 uint64_t size)
{
	struct s4_pkt_dma_copy p = {
		.hdr = { .opcode = S4_OP_DMA_COPY, .len = sizeof(p) / S4_PKT_ALIGN },
		.src_va = src,
		.dst_va = dst,
		.size = size,
	};

	fake_cmd_put(c, &p, sizeof(p));
}

static inline void fake_cmd_fill(struct fake_cmd *c, uint64_t dst, uint64_t size,
				 uint32_t pattern)
{
	struct s4_pkt_dma_fill p = {
		.hdr = { .opcode = S4_OP_DMA_FILL, .len = sizeof(p) / S4_PKT_ALIGN },
		.dst_va = dst,
		.size = size,
		.pattern = pattern,
	};

	fake_cmd_put(c, &p, sizeof(p));
}

/* Submit the command buffer as one job and run the card until it idles. */
static inline struct s4_job_desc *fake_run_cmd(struct fake_host *h,
					       struct fake_queue *fq,
					       uint64_t root, struct fake_cmd *c)
{
	struct s4_job_desc *d = fake_submit(h, fq, root, c->va, c->size);

	fake_run(h);
	return d;
}

#endif /* FAKE_HOST_H */
