// SPDX-License-Identifier: MIT
/*
 * S4 card model: BAR0 registers, reset, the management interrupt, the
 * activity counters and the loop that runs the hardware queues. Every guest
 * access is validated; a bad one is ignored, logged through the host's
 * guest_error callback and latched in the error registers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "s4_card_priv.h"

void s4_card_latch_error(struct s4_card *card, enum s4_err code, uint32_t info,
			 uint64_t addr)
{
	card->err_code = code;
	card->err_info = info;
	card->err_addr = addr;
}

void s4_card_guest_error(struct s4_card *card, enum s4_err code, uint32_t info,
			 const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	s4_card_latch_error(card, code, info, 0);
	if (!card->host.guest_error)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	card->host.guest_error(card->host.opaque, msg);
}

int s4_card_dma_read(struct s4_card *card, uint64_t addr, void *buf, size_t len)
{
	return card->host.dma_read(card->host.opaque, addr, buf, len) ? -1 : 0;
}

int s4_card_dma_write(struct s4_card *card, uint64_t addr, const void *buf,
		      size_t len)
{
	return card->host.dma_write(card->host.opaque, addr, buf, len) ? -1 : 0;
}

static void s4_card_irq(struct s4_card *card, unsigned int vector)
{
	card->cnt.irqs++;
	card->host.irq(card->host.opaque, vector);
}

/* Raise the management vector if an enabled source is pending. */
static void s4_card_mgmt_irq_update(struct s4_card *card)
{
	if (card->mgmt_irq_status & card->mgmt_irq_mask)
		s4_card_irq(card, S4_MSIX_MGMT);
}

void s4_card_mgmt_irq_raise(struct s4_card *card, uint32_t source)
{
	card->mgmt_irq_status |= source;
	s4_card_mgmt_irq_update(card);
}

static bool s4_card_config_valid(const struct s4_card_config *cfg,
				 const struct s4_card_host *host)
{
	if (!cfg || !host || !host->irq || !host->dma_read || !host->dma_write ||
	    !host->schedule || !host->clock_ns || !cfg->mem)
		return false;
	if (cfg->mem_size < S4_MMU_PAGE_SIZE ||
	    (cfg->mem_size & (cfg->mem_size - 1)))
		return false;
	return cfg->queues_per_ss >= 1 &&
	       cfg->queues_per_ss <= S4_MAX_QUEUES_PER_SS;
}

/*
 * The activation engine's piecewise tables. On the real card they come with
 * the firmware image; until the model boots one, it generates them.
 */
static int s4_card_load_act_tables(struct s4_card *card)
{
	struct s4_act_tables *t = malloc(sizeof(*t));
	int ret;

	if (!t)
		return -1;
	s4_act_gen_tables(t);
	ret = s4_engine_load_act_tables(card->engine, t, sizeof(*t));
	free(t);
	return ret;
}

struct s4_card *s4_card_new(const struct s4_card_config *cfg,
			    const struct s4_card_host *host)
{
	struct s4_card *card;

	if (!s4_card_config_valid(cfg, host))
		return NULL;
	card = calloc(1, sizeof(*card));
	if (!card)
		return NULL;
	card->cfg = *cfg;
	card->host = *host;
	card->nqueues = S4_NUM_SUBSYSTEMS * cfg->queues_per_ss;
	/* Untouched pages of this cost nothing: it is mapped on demand. */
	card->cmd_bufs = malloc((size_t)card->nqueues * S4_CMD_MAX_BYTES);
	card->engine = s4_engine_create(0);
	if (!card->cmd_bufs || !card->engine || s4_card_load_act_tables(card) ||
	    s4_mem_stamps_init(&card->stamps, cfg->mem_size)) {
		s4_card_free(card);
		return NULL;
	}
	s4_card_reset(card);
	return card;
}

void s4_card_free(struct s4_card *card)
{
	if (!card)
		return;
	s4_engine_destroy(card->engine);
	s4_mem_stamps_fini(&card->stamps);
	free(card->cmd_bufs);
	free(card);
}

void s4_card_reset(struct s4_card *card)
{
	unsigned int i;

	card->status = S4_STATUS_ALIVE | S4_STATUS_BOOTLOADER;
	card->scratch = 0;
	card->mgmt_irq_status = 0;
	card->mgmt_irq_mask = 0;
	card->selftest_ack = 0;
	card->mem_written = 0;
	s4_card_latch_error(card, S4_ERR_NONE, 0, 0);
	card->cnt = (struct s4_counters){ 0 };
	s4_engine_get_stats(card->engine, &card->engine_at_reset);
	for (i = 0; i < card->nqueues; i++)
		s4_queue_init(&card->queues[i], i,
			      card->cmd_bufs + (size_t)i * S4_CMD_MAX_BYTES);
	/* Whoever reset the card may have rewritten its memory too. */
	s4_card_mem_written(card, 0, card->cfg.mem_size);
}

void s4_card_mem_written(struct s4_card *card, uint64_t off, uint64_t len)
{
	s4_mem_stamps_write(&card->stamps, off, len);
}

void s4_card_count_engine(struct s4_card *card)
{
	const struct s4_engine_stats *base = &card->engine_at_reset;
	struct s4_engine_stats now;

	s4_engine_get_stats(card->engine, &now);
	card->cnt.spu_problems = now.spu_problems - base->spu_problems;
	card->cnt.conv_implicit = now.conv_implicit - base->conv_implicit;
	card->cnt.weights_reused = now.weights_reused - base->weights_reused;
}

static uint32_t s4_card_caps(const struct s4_card *card)
{
	return S4_NUM_SUBSYSTEMS | card->cfg.queues_per_ss << 4 |
	       (uint32_t)S4_MSIX_COUNT(card->cfg.queues_per_ss) << 8;
}

static int s4_card_counter_read(const struct s4_card *card, uint32_t off,
				uint32_t *val)
{
	const uint64_t *base = &card->cnt.mmio_reads;
	uint64_t v;

	if (off < S4_REG_CNT_MMIO_READS || off >= S4_REG_CNT_END)
		return -1;
	v = base[(off - S4_REG_CNT_MMIO_READS) / 8];
	*val = (off & 4) ? (uint32_t)(v >> 32) : (uint32_t)v;
	return 0;
}

uint32_t s4_card_reg_read(struct s4_card *card, uint32_t off)
{
	uint32_t val;

	if (s4_card_counter_read(card, off, &val) == 0)
		return val;
	card->cnt.mmio_reads++;

	switch (off) {
	case S4_REG_ID:
		return S4_ID_VALUE;
	case S4_REG_REVISION:
		return S4_PCI_REVISION << 8;
	case S4_REG_CAPS:
		return s4_card_caps(card);
	case S4_REG_STATUS:
		return card->status;
	case S4_REG_SCRATCH:
		return card->scratch;
	case S4_REG_MEM_SIZE_LO:
		return (uint32_t)card->cfg.mem_size;
	case S4_REG_MEM_SIZE_HI:
		return (uint32_t)(card->cfg.mem_size >> 32);
	case S4_REG_MGMT_IRQ_STATUS:
		return card->mgmt_irq_status;
	case S4_REG_MGMT_IRQ_MASK:
		return card->mgmt_irq_mask;
	case S4_REG_SELFTEST_ACK:
		return card->selftest_ack;
	case S4_REG_ERR_CODE:
		return card->err_code;
	case S4_REG_ERR_INFO:
		return card->err_info;
	case S4_REG_ERR_ADDR_LO:
		return (uint32_t)card->err_addr;
	case S4_REG_ERR_ADDR_HI:
		return (uint32_t)(card->err_addr >> 32);
	}
	if (s4_queue_reg_read(card, off, &val))
		return val;
	s4_card_guest_error(card, S4_ERR_BAD_REG, off,
			    "s4: read of undefined register 0x%x", off);
	return 0;
}

void s4_card_reg_write(struct s4_card *card, uint32_t off, uint32_t val)
{
	card->cnt.mmio_writes++;

	/* Only a DMA the card itself is doing can get here while it runs. */
	if (card->running) {
		s4_card_guest_error(card, S4_ERR_BAD_REG, off,
				    "s4: register 0x%x written by the card's own DMA",
				    off);
		return;
	}

	switch (off) {
	case S4_REG_SCRATCH:
		card->scratch = val;
		return;
	case S4_REG_RESET:
		if (val != S4_RESET_MAGIC) {
			s4_card_guest_error(card, S4_ERR_BAD_VALUE, off,
					    "s4: bad reset key 0x%x", val);
			return;
		}
		s4_card_reset(card);
		return;
	case S4_REG_MGMT_IRQ_STATUS:
		card->mgmt_irq_status &= ~val;
		return;
	case S4_REG_MGMT_IRQ_MASK:
		card->mgmt_irq_mask = val & S4_MGMT_IRQ_ALL;
		s4_card_mgmt_irq_update(card);
		return;
	case S4_REG_MEM_WRITTEN_LO:
	case S4_REG_MEM_WRITTEN_HI:
		s4_reg_half(&card->mem_written, off == S4_REG_MEM_WRITTEN_HI, val);
		return;
	case S4_REG_MEM_WRITTEN_LEN:
		if (card->mem_written > card->cfg.mem_size ||
		    val > card->cfg.mem_size - card->mem_written) {
			s4_card_guest_error(card, S4_ERR_BAD_VALUE, off,
					    "s4: written range 0x%llx+0x%x past device memory",
					    (unsigned long long)card->mem_written, val);
			return;
		}
		s4_card_mem_written(card, card->mem_written, val);
		return;
	case S4_REG_SELFTEST:
		card->cnt.doorbells++;
		card->selftest_ack = ~val;
		s4_card_mgmt_irq_raise(card, S4_MGMT_IRQ_SELFTEST);
		return;
	}
	if (s4_queue_reg_write(card, off, val))
		return;
	s4_card_guest_error(card, S4_ERR_BAD_REG, off,
			    "s4: write 0x%x to %s register 0x%x", val,
			    off < S4_REG_CNT_END ? "read-only" : "undefined", off);
}

/*
 * Each enabled queue gets a budget of work per call; jobs that end in this
 * call raise their queue's vector once, after all queues ran.
 */
void s4_card_run(struct s4_card *card)
{
	unsigned int qps = card->cfg.queues_per_ss;
	bool more = false, waiting = false, polling = false;
	struct s4_queue *q;
	unsigned int i;

	if (card->running)
		return;
	card->running = true;
	for (i = 0; i < card->nqueues; i++) {
		q = &card->queues[i];
		if (!q->enabled)
			continue;
		switch (s4_queue_process(card, q)) {
		case S4_QUEUE_MORE:
			more = true;
			break;
		case S4_QUEUE_WAITING:
			waiting = true;
			break;
		case S4_QUEUE_POLLING:
			polling = true;
			break;
		case S4_QUEUE_IDLE:
			break;
		}
	}
	for (i = 0; i < card->nqueues; i++) {
		q = &card->queues[i];
		if (!q->completed)
			continue;
		q->completed = 0;
		s4_card_irq(card, S4_MSIX_QUEUE(i / qps, i % qps, qps));
	}
	card->running = false;

	if (more)
		card->host.schedule(card->host.opaque, 0);
	else if (polling)
		card->host.schedule(card->host.opaque, S4_IDLE_POLL_NS);
	else if (waiting)
		card->host.schedule(card->host.opaque, S4_FENCE_POLL_NS);
}
