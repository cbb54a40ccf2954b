// SPDX-License-Identifier: MIT
/*
 * S4 hardware queues: queue registers, fetching job descriptors from the
 * ring, completing jobs through the shared control block, doorbell
 * suppression and queue reset (protocol in s4_queue.h).
 *
 * A queue whose ring or control block the card cannot reach, or whose tail
 * runs more than a ring ahead of head, is broken: the card disables it,
 * latches the error and raises the management error interrupt.
 */
#include <stddef.h>

#include "s4_card_priv.h"
#include "s4_cmd.h"

#define S4_SHARED_FIELD(f)	offsetof(struct s4_queue_shared, f)

void s4_queue_init(struct s4_queue *q, unsigned int index, uint8_t *cmd)
{
	*q = (struct s4_queue){ .index = index, .cmd = cmd };
}

static struct s4_queue *s4_queue_of(struct s4_card *card, uint32_t off,
				    uint32_t *reg)
{
	uint32_t i;

	if (off < S4_REG_QUEUE_BASE)
		return NULL;
	i = (off - S4_REG_QUEUE_BASE) / S4_QUEUE_STRIDE;
	if (i >= card->nqueues)
		return NULL;
	*reg = (off - S4_REG_QUEUE_BASE) % S4_QUEUE_STRIDE;
	return &card->queues[i];
}

static uint32_t s4_queue_status(const struct s4_queue *q)
{
	uint32_t status = 0;

	if (q->enabled)
		status |= S4_Q_STATUS_ENABLED;
	if (q->job.active)
		status |= S4_Q_STATUS_BUSY;
	if (q->job.waiting)
		status |= S4_Q_STATUS_WAITING;
	return status;
}

bool s4_queue_reg_read(struct s4_card *card, uint32_t off, uint32_t *val)
{
	struct s4_queue *q;
	uint32_t reg;

	q = s4_queue_of(card, off, &reg);
	if (!q)
		return false;
	switch (reg) {
	case S4_Q_RING_LO:
		*val = (uint32_t)q->ring;
		return true;
	case S4_Q_RING_HI:
		*val = (uint32_t)(q->ring >> 32);
		return true;
	case S4_Q_RING_SIZE:
		*val = q->ring_size;
		return true;
	case S4_Q_SHARED_LO:
		*val = (uint32_t)q->shared;
		return true;
	case S4_Q_SHARED_HI:
		*val = (uint32_t)(q->shared >> 32);
		return true;
	case S4_Q_CTRL:
		*val = q->enabled ? S4_Q_CTRL_ENABLE : 0;
		return true;
	case S4_Q_STATUS:
		*val = s4_queue_status(q);
		return true;
	}
	return false;
}

/* Drop the current job without completing it. */
static void s4_queue_drop_job(struct s4_queue *q)
{
	q->job = (struct s4_job){ 0 };
}

static void s4_queue_broken(struct s4_card *card, struct s4_queue *q,
			    uint32_t reg, uint64_t addr, const char *why)
{
	uint32_t off = S4_REG_QUEUE(q->index, reg);

	s4_card_guest_error(card, S4_ERR_BAD_VALUE, off,
			    "s4: queue %u: %s at 0x%llx; queue disabled",
			    q->index, why, (unsigned long long)addr);
	card->err_addr = addr;
	s4_queue_drop_job(q);
	q->enabled = false;
	s4_card_mgmt_irq_raise(card, S4_MGMT_IRQ_ERROR);
}

static int s4_queue_shared_write(struct s4_card *card, struct s4_queue *q,
				 size_t field, const void *val, size_t len)
{
	if (s4_card_dma_write(card, q->shared + field, val, len) == 0)
		return 0;
	s4_queue_broken(card, q, S4_Q_SHARED_LO, q->shared,
			"cannot write the control block");
	return -1;
}

static int s4_queue_set_need_doorbell(struct s4_card *card, struct s4_queue *q,
				      bool need)
{
	uint32_t val = need;

	q->need_doorbell = need;
	return s4_queue_shared_write(card, q, S4_SHARED_FIELD(need_doorbell),
				     &val, sizeof(val));
}

static int s4_queue_read_tail(struct s4_card *card, struct s4_queue *q)
{
	uint64_t addr = q->shared + S4_SHARED_FIELD(tail);

	if (s4_card_dma_read(card, addr, &q->tail, sizeof(q->tail)) == 0)
		return 0;
	s4_queue_broken(card, q, S4_Q_SHARED_LO, q->shared,
			"cannot read the control block");
	return -1;
}

/* Read the tail for fetching: it may be at most a ring ahead of head. */
static int s4_queue_poll_tail(struct s4_card *card, struct s4_queue *q)
{
	if (s4_queue_read_tail(card, q))
		return -1;
	if (q->tail - q->head <= q->ring_size)
		return 0;
	s4_queue_broken(card, q, S4_Q_SHARED_LO, q->shared,
			"tail more than a ring ahead of head");
	return -1;
}

static bool s4_queue_ring_valid(const struct s4_queue *q)
{
	uint32_t n = q->ring_size;

	return n >= 2 && n <= S4_RING_MAX && !(n & (n - 1)) &&
	       !(q->ring & 63) && !(q->shared & 63);
}

/* Start at the control block's head, which the host initialises. */
static void s4_queue_enable(struct s4_card *card, struct s4_queue *q,
			    uint32_t off)
{
	struct s4_queue_shared shared;

	if (!s4_queue_ring_valid(q)) {
		s4_card_guest_error(card, S4_ERR_BAD_VALUE, off,
				    "s4: queue %u: bad ring 0x%llx size %u or control block 0x%llx",
				    q->index, (unsigned long long)q->ring,
				    q->ring_size, (unsigned long long)q->shared);
		return;
	}
	if (s4_card_dma_read(card, q->shared, &shared, sizeof(shared))) {
		s4_card_guest_error(card, S4_ERR_BAD_VALUE, off,
				    "s4: queue %u: cannot read control block 0x%llx",
				    q->index, (unsigned long long)q->shared);
		return;
	}
	s4_queue_drop_job(q);
	q->head = shared.head;
	q->tail = shared.head;
	q->need_doorbell = shared.need_doorbell != 0;
	q->enabled = true;
	card->host.schedule(card->host.opaque, 0);
}

static void s4_queue_ctrl(struct s4_card *card, struct s4_queue *q,
			  uint32_t off, uint32_t val)
{
	if (val & ~S4_Q_CTRL_ENABLE) {
		s4_card_guest_error(card, S4_ERR_BAD_VALUE, off,
				    "s4: queue %u: bad control value 0x%x",
				    q->index, val);
		return;
	}
	if (!val) {
		s4_queue_drop_job(q);
		q->enabled = false;
	} else if (!q->enabled) {
		s4_queue_enable(card, q, off);
	}
}

/*
 * Abort the queue's jobs: they are never completed, and the card resumes at
 * the tail the host has published, waiting for a doorbell.
 */
static void s4_queue_reset(struct s4_card *card, struct s4_queue *q)
{
	s4_queue_drop_job(q);
	if (!q->enabled)
		return;
	if (s4_queue_read_tail(card, q))
		return;
	q->head = q->tail;
	if (s4_queue_shared_write(card, q, S4_SHARED_FIELD(head), &q->head,
				  sizeof(q->head)))
		return;
	s4_queue_set_need_doorbell(card, q, true);
}

static void s4_queue_set_addr(struct s4_card *card, struct s4_queue *q,
			      uint32_t off, uint32_t reg, uint32_t val)
{
	if (q->enabled) {
		s4_card_guest_error(card, S4_ERR_BAD_REG, off,
				    "s4: queue %u: register 0x%x written while enabled",
				    q->index, off);
		return;
	}
	switch (reg) {
	case S4_Q_RING_LO:
	case S4_Q_RING_HI:
		s4_reg_half(&q->ring, reg == S4_Q_RING_HI, val);
		break;
	case S4_Q_RING_SIZE:
		q->ring_size = val;
		break;
	case S4_Q_SHARED_LO:
	case S4_Q_SHARED_HI:
		s4_reg_half(&q->shared, reg == S4_Q_SHARED_HI, val);
		break;
	}
}

/*
 * The host may have cleared need_doorbell itself, even after the card set it
 * again: clear it, so that the card sets it and looks at the tail once more
 * before it stops.
 */
static void s4_queue_doorbell(struct s4_card *card, struct s4_queue *q)
{
	card->cnt.doorbells++;
	if (q->enabled && s4_queue_set_need_doorbell(card, q, false))
		return;
	card->host.schedule(card->host.opaque, 0);
}

bool s4_queue_reg_write(struct s4_card *card, uint32_t off, uint32_t val)
{
	struct s4_queue *q;
	uint32_t reg;

	q = s4_queue_of(card, off, &reg);
	if (!q)
		return false;
	switch (reg) {
	case S4_Q_RING_LO:
	case S4_Q_RING_HI:
	case S4_Q_RING_SIZE:
	case S4_Q_SHARED_LO:
	case S4_Q_SHARED_HI:
		s4_queue_set_addr(card, q, off, reg, val);
		return true;
	case S4_Q_CTRL:
		s4_queue_ctrl(card, q, off, val);
		return true;
	case S4_Q_DOORBELL:
		s4_queue_doorbell(card, q);
		return true;
	case S4_Q_RESET:
		if (val != S4_RESET_MAGIC) {
			s4_card_guest_error(card, S4_ERR_BAD_VALUE, off,
					    "s4: queue %u: bad reset key 0x%x",
					    q->index, val);
			return true;
		}
		s4_queue_reset(card, q);
		return true;
	}
	return false;
}

enum s4_entry { S4_ENTRY_BROKEN = -1, S4_ENTRY_NONE, S4_ENTRY_READY, S4_ENTRY_POLL };

/*
 * Make sure a submitted entry is waiting at head: READY if so, POLL if the
 * queue just ran dry and keeps watching its tail, NONE if it ran out of work
 * (need_doorbell is then set), BROKEN if the queue broke.
 */
static int s4_queue_wait_entry(struct s4_card *card, struct s4_queue *q)
{
	if (q->tail == q->head && s4_queue_poll_tail(card, q))
		return S4_ENTRY_BROKEN;
	if (q->tail == q->head) {
		if (q->need_doorbell)
			return S4_ENTRY_NONE;
		if (q->idle_polls < S4_IDLE_POLLS) {
			q->idle_polls++;
			return S4_ENTRY_POLL;
		}
		/* Look once more after asking, or a submission could slip by. */
		if (s4_queue_set_need_doorbell(card, q, true) ||
		    s4_queue_poll_tail(card, q))
			return S4_ENTRY_BROKEN;
		if (q->tail == q->head)
			return S4_ENTRY_NONE;
	}
	q->idle_polls = 0;
	if (q->need_doorbell && s4_queue_set_need_doorbell(card, q, false))
		return S4_ENTRY_BROKEN;
	return S4_ENTRY_READY;
}

static bool s4_desc_valid(const struct s4_job_desc *d)
{
	return !(d->flags & ~S4_JOB_CPU_WRITES) && !d->reserved0 && !d->reserved1 &&
	       d->cmd_size && d->cmd_size <= S4_CMD_MAX_BYTES &&
	       !(d->cmd_size % S4_PKT_ALIGN) &&
	       !(d->pt_root & ~S4_PTE_ADDR_MASK);
}

/*
 * Fetch the entry at head and load its command buffer. Returns 1 with a job
 * to run or already ended (bad descriptor, fault loading its commands), 0 if
 * there is no work, -1 if the queue broke.
 */
static int s4_queue_fetch(struct s4_card *card, struct s4_queue *q,
			  struct s4_budget *budget)
{
	struct s4_job *job = &q->job;
	uint32_t slot;
	int ret;

	ret = s4_queue_wait_entry(card, q);
	if (ret != S4_ENTRY_READY)
		return ret;
	slot = q->head & (q->ring_size - 1);
	*job = (struct s4_job){ .active = true, .slot = slot };
	if (s4_card_dma_read(card, q->ring + (uint64_t)slot * sizeof(job->desc),
			     &job->desc, sizeof(job->desc))) {
		s4_queue_broken(card, q, S4_Q_RING_LO, q->ring,
				"cannot read the ring");
		return S4_ENTRY_BROKEN;
	}
	q->head++;
	budget->jobs--;

	job->mmu = (struct s4_mmu){ .card = card, .pt_root = job->desc.pt_root };
	if (!s4_desc_valid(&job->desc)) {
		s4_job_fail(job, S4_ERR_BAD_DESC);
		return S4_ENTRY_READY;
	}
	budget->bytes -= budget->bytes < job->desc.cmd_size ?
			 budget->bytes : job->desc.cmd_size;
	if (s4_mmu_read(&job->mmu, job->desc.cmd_va, q->cmd, job->desc.cmd_size))
		s4_job_fail(job, S4_ERR_MMU_FAULT);
	return S4_ENTRY_READY;
}

/* Report the ended job: its ring entry, then head, then completed_seqno. */
static int s4_queue_complete(struct s4_card *card, struct s4_queue *q)
{
	struct s4_job *job = &q->job;
	struct s4_job_desc *d = &job->desc;
	size_t from = offsetof(struct s4_job_desc, status);
	size_t to = offsetof(struct s4_job_desc, reserved1);
	uint64_t entry = q->ring + (uint64_t)job->slot * sizeof(*d);

	d->status = job->status;
	d->err_offset = job->err_offset;
	d->err_addr = job->err_addr;
	if (s4_card_dma_write(card, entry + from, (uint8_t *)d + from, to - from)) {
		s4_queue_broken(card, q, S4_Q_RING_LO, q->ring,
				"cannot write the ring");
		return -1;
	}
	if (s4_queue_shared_write(card, q, S4_SHARED_FIELD(head), &q->head,
				  sizeof(q->head)) ||
	    s4_queue_shared_write(card, q, S4_SHARED_FIELD(completed_seqno),
				  &d->seqno, sizeof(d->seqno)))
		return -1;

	card->cnt.jobs++;
	s4_card_count_engine(card);
	q->completed++;
	if (job->status != S4_ERR_NONE)
		s4_card_latch_error(card, job->status, job->err_offset,
				    job->err_addr);
	s4_queue_drop_job(q);
	return 0;
}

enum s4_queue_state s4_queue_process(struct s4_card *card, struct s4_queue *q)
{
	struct s4_budget budget = { .jobs = S4_RUN_JOBS, .bytes = S4_RUN_BYTES };

	while (q->enabled) {
		if (!q->job.active) {
			if (!budget.jobs || !budget.bytes)
				return S4_QUEUE_MORE;
			switch (s4_queue_fetch(card, q, &budget)) {
			case S4_ENTRY_READY:
				break;
			case S4_ENTRY_POLL:
				return S4_QUEUE_POLLING;
			default:
				return S4_QUEUE_IDLE;
			}
		}
		/* A job with a status already ended while loading. */
		if (q->job.status == S4_ERR_NONE) {
			switch (s4_job_run(card, &q->job, q->cmd, &budget)) {
			case S4_JOB_YIELD:
				return S4_QUEUE_MORE;
			case S4_JOB_WAIT:
				return S4_QUEUE_WAITING;
			case S4_JOB_DONE:
				break;
			}
		}
		if (s4_queue_complete(card, q))
			return S4_QUEUE_IDLE;
	}
	return S4_QUEUE_IDLE;
}
