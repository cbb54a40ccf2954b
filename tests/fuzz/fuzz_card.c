// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the card model: the input is a program of register
 * writes and reads, host and device memory writes, job submissions and card
 * runs, played against a fake host. Every input starts from a card whose
 * queues are enabled and whose address space maps VA pages 0..63 to host
 * pages 0..63 and VA pages 64..79 to device memory, so that short inputs
 * reach the command processor.
 *
 * Build and run (from the repository root):
 *   clang -std=c11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *	-Ifirmware -Iqemu-device tests/fuzz/fuzz_card.c qemu-device/model/[a-z]*.c \
 *	-o build/fuzz_card
 *   build/fuzz_card -max_total_time=60 -rss_limit_mb=2048
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/s4_card.h"
#include "s4_mmu.h"
#include "s4_queue.h"
#include "s4_regs.h"

#define HOST_SIZE	(256u << 10)	/* host memory, at bus address 0 */
#define MEM_SIZE	(64u << 10)	/* device memory */
#define PT_L2		0x1000u
#define PT_L1		0x2000u
#define PT_L0		0x3000u
#define RING_BASE	0x8000u		/* queue i's ring at RING_BASE + i * 0x1000 */
#define RING_SIZE	8u
#define SHARED_BASE	0x20000u	/* queue i's control block at + i * 64 */
#define MAX_RUNS	8

struct fuzz_host {
	uint8_t host[HOST_SIZE];
	uint8_t mem[MEM_SIZE];
	uint64_t seqno;
};

static int fuzz_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	struct fuzz_host *h = opaque;

	if (addr >= HOST_SIZE || len > HOST_SIZE - addr)
		return -1;
	memcpy(buf, h->host + addr, len);
	return 0;
}

static int fuzz_dma_write(void *opaque, uint64_t addr, const void *buf,
			  size_t len)
{
	struct fuzz_host *h = opaque;

	if (addr >= HOST_SIZE || len > HOST_SIZE - addr)
		return -1;
	memcpy(h->host + addr, buf, len);
	return 0;
}

static void fuzz_irq(void *opaque, unsigned int vector)
{
	(void)opaque;
	if (vector >= S4_MSIX_COUNT(S4_MAX_QUEUES_PER_SS))
		abort();
}

static void fuzz_schedule(void *opaque, uint64_t delay_ns)
{
	(void)opaque;
	(void)delay_ns;
}

static void put64(struct fuzz_host *h, uint32_t addr, uint64_t val)
{
	memcpy(h->host + addr, &val, sizeof(val));
}

static void fuzz_setup(struct fuzz_host *h, struct s4_card *card,
		       unsigned int nqueues)
{
	unsigned int i;

	put64(h, PT_L2, PT_L1 | S4_PTE_VALID);
	put64(h, PT_L1, PT_L0 | S4_PTE_VALID);
	for (i = 0; i < 64; i++)
		put64(h, PT_L0 + i * 8, (uint64_t)i << 12 | S4_PTE_VALID |
		      (i >= 32 ? S4_PTE_WRITE : 0));
	for (i = 0; i < MEM_SIZE >> 12; i++)
		put64(h, PT_L0 + (64 + i) * 8, (uint64_t)i << 12 | S4_PTE_VALID |
		      S4_PTE_WRITE | S4_PTE_DEVMEM);
	for (i = 0; i < nqueues; i++) {
		s4_card_reg_write(card, S4_REG_QUEUE(i, S4_Q_RING_LO),
				  RING_BASE + i * 0x1000);
		s4_card_reg_write(card, S4_REG_QUEUE(i, S4_Q_RING_SIZE), RING_SIZE);
		s4_card_reg_write(card, S4_REG_QUEUE(i, S4_Q_SHARED_LO),
				  SHARED_BASE + i * 64);
		s4_card_reg_write(card, S4_REG_QUEUE(i, S4_Q_CTRL),
				  S4_Q_CTRL_ENABLE);
	}
}

struct fuzz_input {
	const uint8_t *p;
	size_t left;
};

static uint32_t take(struct fuzz_input *in, unsigned int bytes)
{
	uint32_t v = 0;

	while (bytes-- && in->left) {
		v = v << 8 | *in->p++;
		in->left--;
	}
	return v;
}

static void fuzz_submit(struct fuzz_host *h, struct s4_card *card,
			unsigned int q, uint32_t cmd_va, uint32_t cmd_size)
{
	struct s4_queue_shared *sh = (void *)(h->host + SHARED_BASE + q * 64);
	struct s4_job_desc d = {
		.seqno = ++h->seqno,
		.cmd_va = cmd_va,
		.cmd_size = cmd_size,
		.pt_root = PT_L2,
	};
	uint32_t slot = sh->tail % RING_SIZE;

	memcpy(h->host + RING_BASE + q * 0x1000 + slot * sizeof(d), &d, sizeof(d));
	sh->tail++;
	if (sh->need_doorbell)
		s4_card_reg_write(card, S4_REG_QUEUE(q, S4_Q_DOORBELL), 1);
}

static void fuzz_copy_in(struct fuzz_input *in, uint8_t *mem, uint32_t size)
{
	uint32_t off = take(in, 3) % size;
	uint32_t len = take(in, 1);

	if (len > in->left)
		len = in->left;
	if (len > size - off)
		len = size - off;
	memcpy(mem + off, in->p, len);
	in->p += len;
	in->left -= len;
}

/* The card's clock: any value will do, as long as it never goes back. */
static uint64_t fuzz_clock_ns(void *opaque)
{
	static uint64_t now;

	(void)opaque;
	return now += 1000;
}

/* Device memory writes are reported as they happen (case 3), so nothing is left to sync. */
static void fuzz_mem_sync(void *opaque, uint64_t off, uint64_t len)
{
	(void)opaque;
	(void)off;
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_host h;
	struct fuzz_input in = { data, size };
	struct s4_card_host host = {
		.opaque = &h,
		.irq = fuzz_irq,
		.dma_read = fuzz_dma_read,
		.dma_write = fuzz_dma_write,
		.schedule = fuzz_schedule,
		.clock_ns = fuzz_clock_ns,
		.mem_sync = fuzz_mem_sync,
	};
	struct s4_card_config cfg = { .mem_size = MEM_SIZE, .mem = h.mem };
	unsigned int runs = 0, nqueues;
	struct s4_card *card;
	uint32_t a, b;

	memset(&h, 0, sizeof(h));
	cfg.queues_per_ss = 1 + take(&in, 1) % S4_MAX_QUEUES_PER_SS;
	nqueues = S4_NUM_SUBSYSTEMS * cfg.queues_per_ss;
	card = s4_card_new(&cfg, &host);
	if (!card)
		abort();
	fuzz_setup(&h, card, nqueues);

	while (in.left) {
		switch (take(&in, 1) % 7) {
		case 0:
			a = take(&in, 2) & ~3u;
			s4_card_reg_write(card, a, take(&in, 4));
			break;
		case 1:
			a = take(&in, 1) % nqueues;
			b = take(&in, 1) % S4_QUEUE_STRIDE & ~3u;
			s4_card_reg_write(card, S4_REG_QUEUE(a, b), take(&in, 4));
			break;
		case 2:
			fuzz_copy_in(&in, h.host, HOST_SIZE);
			break;
		case 3:
			/* as the CPU through the BAR: the whole memory may have changed */
			fuzz_copy_in(&in, h.mem, MEM_SIZE);
			s4_card_mem_written(card, 0, MEM_SIZE);
			break;
		case 4:
			s4_card_reg_read(card, take(&in, 2) & ~3u);
			break;
		case 5:
			a = take(&in, 1) % nqueues;
			b = take(&in, 3) % 0x60000;	/* mostly mapped VAs */
			fuzz_submit(&h, card, a, b, take(&in, 3));
			break;
		case 6:
			if (runs++ < MAX_RUNS)
				s4_card_run(card);
			break;
		}
	}
	if (runs < MAX_RUNS)
		s4_card_run(card);
	s4_card_free(card);
	return 0;
}
