// SPDX-License-Identifier: MIT
/*
 * S4 command processor: decodes a job's command buffer (s4_cmd.h) packet by
 * packet and executes the control and DMA packets. A job can stop at a
 * packet and resume there in a later s4_card_run(): FENCE_WAIT whose value
 * is not reached, or a DMA packet that used up the run's byte budget.
 */
#include <string.h>

#include "s4_card_priv.h"
#include "s4_cmd.h"

/* How a packet left the job, besides 0 (done) or a negative enum s4_err. */
enum s4_pkt_step {
	S4_PKT_YIELD = 1,	/* out of budget: run the packet again later */
	S4_PKT_WAIT = 2,	/* fence not reached: run the packet again later */
};

enum s4_pkt_engine {
	S4_PKT_ENGINE_CONTROL = 0x00,
	S4_PKT_ENGINE_DMA = 0x01,
};

/* Fixed-size packets define no flags. */
static int s4_pkt_fixed(const struct s4_pkt_hdr *hdr, size_t size)
{
	if (hdr->flags || (size_t)hdr->len * S4_PKT_ALIGN != size)
		return -S4_ERR_BAD_PACKET;
	return 0;
}

/*
 * Copy the fixed-size packet of @size bytes whose first field after the
 * header is the VA of a 64-bit word (fences, timestamps) to @p; the VA must
 * be naturally aligned.
 */
static int s4_pkt_word(const struct s4_pkt_hdr *hdr, const uint8_t *pkt, void *p,
		       size_t size)
{
	uint64_t va;
	int ret;

	ret = s4_pkt_fixed(hdr, size);
	if (ret)
		return ret;
	memcpy(p, pkt, size);
	memcpy(&va, pkt + sizeof(*hdr), sizeof(va));
	return va % sizeof(uint64_t) ? -S4_ERR_BAD_ARG : 0;
}

static int s4_exec_fence(struct s4_job *job, const struct s4_pkt_hdr *hdr,
			 const uint8_t *pkt)
{
	struct s4_pkt_fence p;
	uint64_t cur;
	int ret;

	ret = s4_pkt_word(hdr, pkt, &p, sizeof(p));
	if (ret)
		return ret;
	if (hdr->opcode == S4_OP_FENCE_WRITE)
		return s4_mmu_write(&job->mmu, p.va, &p.value, sizeof(p.value));
	ret = s4_mmu_read(&job->mmu, p.va, &cur, sizeof(cur));
	if (ret)
		return ret;
	return cur >= p.value ? 0 : S4_PKT_WAIT;
}

static int s4_exec_timestamp(struct s4_card *card, struct s4_job *job,
			     const struct s4_pkt_hdr *hdr, const uint8_t *pkt)
{
	struct s4_pkt_timestamp p;
	uint64_t now;
	int ret;

	ret = s4_pkt_word(hdr, pkt, &p, sizeof(p));
	if (ret)
		return ret;
	now = card->host.clock_ns(card->host.opaque);
	return s4_mmu_write(&job->mmu, p.va, &now, sizeof(now));
}

static int s4_exec_control(struct s4_card *card, struct s4_job *job,
			   const struct s4_pkt_hdr *hdr, const uint8_t *pkt)
{
	switch (hdr->opcode) {
	case S4_OP_NOP:
		return s4_pkt_fixed(hdr, sizeof(*hdr));
	case S4_OP_FENCE_WRITE:
	case S4_OP_FENCE_WAIT:
		return s4_exec_fence(job, hdr, pkt);
	case S4_OP_TIMESTAMP:
		return s4_exec_timestamp(card, job, hdr, pkt);
	}
	return -S4_ERR_BAD_OPCODE;
}

static bool s4_ranges_overlap(uint64_t a, uint64_t b, uint64_t size)
{
	return a < b ? b - a < size : a - b < size;
}

/* The fill pattern for the bytes from offset @at of the fill, little endian. */
static void s4_pattern(uint8_t *buf, size_t len, uint32_t pattern, uint64_t at)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(pattern >> 8 * ((at + i) % 4));
}

/*
 * Move the DMA packet's bytes in bounce-buffer chunks, from where an earlier
 * run stopped (job->pkt_done). A VA at or past S4_MMU_VA_SIZE faults before
 * any chunk moves, so va + pkt_done cannot wrap.
 */
static int s4_dma_move(struct s4_card *card, struct s4_job *job,
		       uint64_t src_va, uint64_t dst_va, uint64_t size,
		       uint32_t pattern, bool fill, struct s4_budget *budget)
{
	uint64_t n;
	int ret;

	while (job->pkt_done < size) {
		if (!budget->bytes)
			return S4_PKT_YIELD;
		n = size - job->pkt_done;
		if (n > S4_BOUNCE_SIZE)
			n = S4_BOUNCE_SIZE;
		if (fill) {
			s4_pattern(card->bounce, n, pattern, job->pkt_done);
			ret = 0;
		} else {
			ret = s4_mmu_read(&job->mmu, src_va + job->pkt_done,
					  card->bounce, n);
		}
		if (!ret)
			ret = s4_mmu_write(&job->mmu, dst_va + job->pkt_done,
					   card->bounce, n);
		if (ret)
			return ret;
		job->pkt_done += n;
		budget->bytes -= budget->bytes < n ? budget->bytes : n;
	}
	return 0;
}

static int s4_exec_dma_copy(struct s4_card *card, struct s4_job *job,
			    const struct s4_pkt_hdr *hdr, const uint8_t *pkt,
			    struct s4_budget *budget)
{
	struct s4_pkt_dma_copy p;
	int ret;

	ret = s4_pkt_fixed(hdr, sizeof(p));
	if (ret)
		return ret;
	memcpy(&p, pkt, sizeof(p));
	if (p.size > S4_MMU_VA_SIZE || s4_ranges_overlap(p.src_va, p.dst_va, p.size))
		return -S4_ERR_BAD_ARG;
	return s4_dma_move(card, job, p.src_va, p.dst_va, p.size, 0, false,
			   budget);
}

static int s4_exec_dma_fill(struct s4_card *card, struct s4_job *job,
			    const struct s4_pkt_hdr *hdr, const uint8_t *pkt,
			    struct s4_budget *budget)
{
	struct s4_pkt_dma_fill p;
	int ret;

	ret = s4_pkt_fixed(hdr, sizeof(p));
	if (ret)
		return ret;
	memcpy(&p, pkt, sizeof(p));
	if (p.reserved || p.size % 4 || p.size > S4_MMU_VA_SIZE)
		return -S4_ERR_BAD_ARG;
	return s4_dma_move(card, job, 0, p.dst_va, p.size, p.pattern, true,
			   budget);
}

static int s4_exec_dma(struct s4_card *card, struct s4_job *job,
		       const struct s4_pkt_hdr *hdr, const uint8_t *pkt,
		       struct s4_budget *budget)
{
	switch (hdr->opcode) {
	case S4_OP_DMA_COPY:
		return s4_exec_dma_copy(card, job, hdr, pkt, budget);
	case S4_OP_DMA_FILL:
		return s4_exec_dma_fill(card, job, hdr, pkt, budget);
	}
	return -S4_ERR_BAD_OPCODE;
}

/*
 * What a compute packet's tensor mappings go through: MMU, work budget, and
 * the write stamps of device memory.
 */
struct s4_exec_mem {
	struct s4_card *card;
	struct s4_job *job;
	struct s4_budget *budget;
	struct s4_mem_job_writes writes;
};

static int s4_exec_map(void *opaque, uint64_t va, uint64_t len, int write,
		       void **host)
{
	struct s4_exec_mem *m = opaque;
	int ret;

	m->budget->bytes -= m->budget->bytes < len ? m->budget->bytes : len;
	ret = s4_mmu_map(&m->job->mmu, va, len, write, host);
	if (!ret && write)
		s4_mem_job_write(&m->writes, (uint64_t)((uint8_t *)*host - m->card->cfg.mem),
				 len);
	return ret;
}

static uint64_t s4_exec_stamp(void *opaque, const void *host, uint64_t len)
{
	struct s4_exec_mem *m = opaque;
	struct s4_card *card = m->card;
	uint64_t off = (uint64_t)((const uint8_t *)host - card->cfg.mem);

	if (m->job->desc.flags & S4_JOB_CPU_WRITES) {
		if (!card->host.mem_sync)
			return 0;	/* unreported CPU writes cannot be found */
		card->host.mem_sync(card->host.opaque, off, len);
	}
	return s4_mem_stamps_get(&card->stamps, off, len);
}

/*
 * SPU, activation, vector, embedding and reshape packets; the bytes of the
 * tensors they touch count against the run's budget.
 */
static int s4_exec_compute(struct s4_card *card, struct s4_job *job,
			   const struct s4_pkt_hdr *hdr, const uint8_t *pkt,
			   struct s4_budget *budget)
{
	struct s4_exec_mem m = { .card = card, .job = job, .budget = budget };
	struct s4_engine_mem mem = {
		.opaque = &m, .map = s4_exec_map, .stamp = s4_exec_stamp,
	};
	struct s4_engine_fault fault = { 0 };
	int ret;

	ret = s4_engine_exec(card->engine, (const struct s4_pkt_hdr *)pkt,
			     (size_t)hdr->len * S4_PKT_ALIGN, &mem, &fault);
	s4_mem_stamps_job_end(&card->stamps, &m.writes);
	if (ret == -S4_ERR_MMU_FAULT)
		job->mmu.fault_va = fault.va;
	return ret;
}

/* Execute the packet at @pkt, whose length the caller checked. */
static int s4_exec_packet(struct s4_card *card, struct s4_job *job,
			  const struct s4_pkt_hdr *hdr, const uint8_t *pkt,
			  struct s4_budget *budget)
{
	switch (S4_OP_ENGINE(hdr->opcode)) {
	case S4_PKT_ENGINE_CONTROL:
		return s4_exec_control(card, job, hdr, pkt);
	case S4_PKT_ENGINE_DMA:
		return s4_exec_dma(card, job, hdr, pkt, budget);
	}
	return s4_exec_compute(card, job, hdr, pkt, budget);
}

/* End the job with @err at the packet at job->pc (0 while loading). */
void s4_job_fail(struct s4_job *job, enum s4_err err)
{
	job->status = err;
	job->err_offset = job->pc;
	job->err_addr = err == S4_ERR_MMU_FAULT ? job->mmu.fault_va : 0;
	job->waiting = false;
}

/*
 * Run the job's packets from job->pc. S4_JOB_DONE means it ended, with
 * job->status saying how; otherwise it stopped at job->pc.
 */
enum s4_job_step s4_job_run(struct s4_card *card, struct s4_job *job,
			    const uint8_t *cmd, struct s4_budget *budget)
{
	uint32_t cmd_size = job->desc.cmd_size;
	struct s4_pkt_hdr hdr;
	size_t size;
	int ret;

	while (job->pc < cmd_size) {
		/* Another packet only while the run's budget lasts. */
		if (!budget->bytes && !job->pkt_done)
			return S4_JOB_YIELD;
		memcpy(&hdr, cmd + job->pc, sizeof(hdr));
		size = (size_t)hdr.len * S4_PKT_ALIGN;
		if (!hdr.len || size > cmd_size - job->pc) {
			s4_job_fail(job, S4_ERR_BAD_PACKET);
			return S4_JOB_DONE;
		}
		ret = s4_exec_packet(card, job, &hdr, cmd + job->pc, budget);
		job->waiting = ret == S4_PKT_WAIT;
		if (ret == S4_PKT_WAIT)
			return S4_JOB_WAIT;
		if (ret == S4_PKT_YIELD)
			return S4_JOB_YIELD;
		if (ret < 0) {
			s4_job_fail(job, -ret);
			return S4_JOB_DONE;
		}
		job->pc += size;
		job->pkt_done = 0;
	}
	job->status = S4_ERR_NONE;
	return S4_JOB_DONE;
}
