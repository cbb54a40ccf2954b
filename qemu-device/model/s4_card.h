/* SPDX-License-Identifier: MIT */
/*
 * The S4 card model: registers, interrupts and everything behind them, in
 * plain C. It reaches the outside world only through struct s4_card_host, so
 * the same card runs inside QEMU, in host unit tests and under a fuzzer.
 */
#ifndef S4_CARD_H
#define S4_CARD_H

#include <stddef.h>
#include <stdint.h>

struct s4_card;

/**
 * struct s4_card_host - what the card needs from its host (QEMU or a test)
 * @opaque: passed back to every callback
 * @irq: raise MSI-X vector @vector
 * @guest_error: report guest misbehaviour (a printf-style message); the card
 *	has already ignored the offending access
 * @dma_read: read @len bytes of host memory at bus address @addr; 0 or -1
 * @dma_write: write @len bytes of host memory at bus address @addr; 0 or -1
 * @schedule: ask the host to call s4_card_run() once, soon (@delay_ns 0) or
 *	after @delay_ns nanoseconds; a later request may replace a pending one
 * @clock_ns: the card's clock in nanoseconds, monotonic (the clock @schedule
 *	counts in); S4_OP_TIMESTAMP packets store it
 * @mem_sync: optional; report with s4_card_mem_written() the writes to device
 *	memory in [@off, @off + @len) made since the last report for those bytes
 *	by others than the card (CPU stores through the BAR). Called, in jobs
 *	flagged S4_JOB_CPU_WRITES, before the card reuses what it derived from
 *	that memory in an earlier job (weight packings); without it, flagged
 *	jobs derive everything again. Unflagged jobs trust the writes reported
 *	through S4_REG_MEM_WRITTEN_* and need no mem_sync.
 */
struct s4_card_host {
	void *opaque;
	void (*irq)(void *opaque, unsigned int vector);
	void (*guest_error)(void *opaque, const char *msg);
	int (*dma_read)(void *opaque, uint64_t addr, void *buf, size_t len);
	int (*dma_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
	void (*schedule)(void *opaque, uint64_t delay_ns);
	uint64_t (*clock_ns)(void *opaque);
	void (*mem_sync)(void *opaque, uint64_t off, uint64_t len);
};

/**
 * struct s4_card_config - fixed properties of one card
 * @mem_size: device memory size in bytes (power of two)
 * @queues_per_ss: hardware queues per subsystem, 1..S4_MAX_QUEUES_PER_SS
 * @mem: device memory, @mem_size bytes, owned by the host and valid for the
 *	card's lifetime
 */
struct s4_card_config {
	uint64_t mem_size;
	unsigned int queues_per_ss;
	uint8_t *mem;
};

/* Returns NULL on an invalid configuration or allocation failure. */
struct s4_card *s4_card_new(const struct s4_card_config *cfg,
			    const struct s4_card_host *host);
void s4_card_free(struct s4_card *card);

/* Full card reset, as at power-on: all queues disabled, their jobs dropped. */
void s4_card_reset(struct s4_card *card);

/* Device memory [@off, @off + @len) was written by others than the card. */
void s4_card_mem_written(struct s4_card *card, uint64_t off, uint64_t len);

/* 32-bit aligned register accesses to BAR0 at byte offset @off. */
uint32_t s4_card_reg_read(struct s4_card *card, uint32_t off);
void s4_card_reg_write(struct s4_card *card, uint32_t off, uint32_t val);

/*
 * Process the hardware queues for a bounded amount of work. Never blocks:
 * when work remains or a job waits on a fence, the card asks for another
 * call through host->schedule.
 */
void s4_card_run(struct s4_card *card);

#endif /* S4_CARD_H */
