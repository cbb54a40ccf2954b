// SPDX-License-Identifier: MIT
/*
 * The card's hardware queues on the host: queue register validation, the
 * completion protocol, doorbell suppression, interrupt coalescing, the run
 * budget, fence waits, queue reset, card reset and broken queues.
 */
#include "kselftest_harness.h"
#include "fake_host.h"

#define CMD_VA		0x10000000ull
#define FENCE_VA	0x20000000ull
#define RING_SIZE	128

FIXTURE(queue) {
	struct fake_host host;
	struct fake_queue fq;
	uint64_t root;
	uint64_t *fence;	/* host memory at FENCE_VA */
};

FIXTURE_SETUP(queue)
{
	uint64_t fence;

	ASSERT_NE(NULL, fake_host_init(&self->host, FAKE_QPS));
	self->root = fake_alloc(&self->host, S4_MMU_PAGE_SIZE);
	fence = fake_map_new(&self->host, self->root, FENCE_VA, S4_MMU_PAGE_SIZE,
			     S4_PTE_WRITE);
	self->fence = fake_ptr(&self->host, fence);
	fake_queue_setup(&self->host, &self->fq, 0, RING_SIZE);
}

FIXTURE_TEARDOWN(queue)
{
	fake_host_fini(&self->host);
}

/* A command buffer of @nops NOPs at a fresh VA. */
static uint64_t nop_cmd(struct fake_host *h, uint64_t root, unsigned int nops)
{
	static uint64_t next_va = CMD_VA;
	struct fake_cmd c;
	unsigned int i;

	fake_cmd_init(h, &c, root, next_va, S4_MMU_PAGE_SIZE);
	next_va += S4_MMU_PAGE_SIZE;
	for (i = 0; i < nops; i++)
		fake_cmd_nop(&c);
	return c.va;
}

static uint64_t wait_cmd(struct fake_host *h, uint64_t root, uint64_t value)
{
	static uint64_t next_va = CMD_VA + 0x1000000;
	struct fake_cmd c;

	fake_cmd_init(h, &c, root, next_va, S4_MMU_PAGE_SIZE);
	next_va += S4_MMU_PAGE_SIZE;
	fake_cmd_nop(&c);
	fake_cmd_fence(&c, S4_OP_FENCE_WAIT, FENCE_VA, value);
	fake_cmd_nop(&c);
	return c.va;
}

TEST_F(queue, enable_validates_ring_and_control_block)
{
	struct fake_host *h = &self->host;
	static const struct {
		uint64_t ring_off, shared_off;
		uint32_t size;
	} bad[] = {
		{ 0, 0, 0 }, { 0, 0, 1 }, { 0, 0, 3 }, { 0, 0, 96 },
		{ 0, 0, S4_RING_MAX * 2 }, { 8, 0, 16 }, { 0, 32, 16 },
	};
	struct fake_queue fq;
	unsigned int i, errors;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_queue_program(h, &fq, 1, 16);
		fake_qwrite(h, 1, S4_Q_RING_LO, (uint32_t)(fq.ring + bad[i].ring_off));
		fake_qwrite(h, 1, S4_Q_SHARED_LO,
			    (uint32_t)(fq.shared + bad[i].shared_off));
		fake_qwrite(h, 1, S4_Q_RING_SIZE, bad[i].size);
		errors = h->guest_errors;
		fake_qwrite(h, 1, S4_Q_CTRL, S4_Q_CTRL_ENABLE);
		EXPECT_EQ(errors + 1, h->guest_errors);
		EXPECT_EQ(S4_ERR_BAD_VALUE, s4_card_reg_read(h->card, S4_REG_ERR_CODE));
		EXPECT_EQ(S4_REG_QUEUE(1, S4_Q_CTRL),
			  s4_card_reg_read(h->card, S4_REG_ERR_INFO));
		EXPECT_EQ(0, fake_qreg(h, 1, S4_Q_CTRL));
		EXPECT_EQ(0, fake_qreg(h, 1, S4_Q_STATUS));
	}

	/* Sizes 2 and S4_RING_MAX are fine; so is a control block it can read. */
	fake_queue_program(h, &fq, 1, 2);
	fake_qwrite(h, 1, S4_Q_CTRL, S4_Q_CTRL_ENABLE);
	EXPECT_EQ(S4_Q_STATUS_ENABLED, fake_qreg(h, 1, S4_Q_STATUS));
	fake_queue_setup(h, &fq, 2, S4_RING_MAX);
	EXPECT_EQ(S4_Q_STATUS_ENABLED, fake_qreg(h, 2, S4_Q_STATUS));

	/* An unreachable control block. */
	fake_qwrite(h, 3, S4_Q_RING_LO, (uint32_t)fq.ring);
	fake_qwrite(h, 3, S4_Q_RING_HI, (uint32_t)(fq.ring >> 32));
	fake_qwrite(h, 3, S4_Q_RING_SIZE, 4);
	fake_qwrite(h, 3, S4_Q_SHARED_LO, 0x40);
	fake_qwrite(h, 3, S4_Q_CTRL, S4_Q_CTRL_ENABLE);
	EXPECT_EQ(0, fake_qreg(h, 3, S4_Q_STATUS));
	EXPECT_EQ(S4_ERR_BAD_VALUE, s4_card_reg_read(h->card, S4_REG_ERR_CODE));
}

TEST_F(queue, registers_read_back_and_lock_while_enabled)
{
	struct fake_host *h = &self->host;
	unsigned int errors = h->guest_errors;

	EXPECT_EQ((uint32_t)self->fq.ring, fake_qreg(h, 0, S4_Q_RING_LO));
	EXPECT_EQ((uint32_t)(self->fq.ring >> 32), fake_qreg(h, 0, S4_Q_RING_HI));
	EXPECT_EQ(RING_SIZE, fake_qreg(h, 0, S4_Q_RING_SIZE));
	EXPECT_EQ((uint32_t)self->fq.shared, fake_qreg(h, 0, S4_Q_SHARED_LO));
	EXPECT_EQ(S4_Q_CTRL_ENABLE, fake_qreg(h, 0, S4_Q_CTRL));

	fake_qwrite(h, 0, S4_Q_RING_LO, 0x1000);
	fake_qwrite(h, 0, S4_Q_RING_SIZE, 4);
	fake_qwrite(h, 0, S4_Q_SHARED_HI, 7);
	EXPECT_EQ(errors + 3, h->guest_errors);
	EXPECT_EQ(S4_ERR_BAD_REG, s4_card_reg_read(h->card, S4_REG_ERR_CODE));
	EXPECT_EQ(S4_REG_QUEUE(0, S4_Q_SHARED_HI),
		  s4_card_reg_read(h->card, S4_REG_ERR_INFO));
	EXPECT_EQ((uint32_t)self->fq.ring, fake_qreg(h, 0, S4_Q_RING_LO));
	EXPECT_EQ(RING_SIZE, fake_qreg(h, 0, S4_Q_RING_SIZE));

	/* Undefined control bits, a bad reset key, a read-only status. */
	fake_qwrite(h, 0, S4_Q_CTRL, 2);
	fake_qwrite(h, 0, S4_Q_RESET, 1);
	fake_qwrite(h, 0, S4_Q_STATUS, 0);
	EXPECT_EQ(errors + 6, h->guest_errors);
	EXPECT_EQ(S4_Q_CTRL_ENABLE, fake_qreg(h, 0, S4_Q_CTRL));

	/* Disabled, the addresses are writable again. */
	fake_qwrite(h, 0, S4_Q_CTRL, 0);
	fake_qwrite(h, 0, S4_Q_RING_SIZE, 4);
	EXPECT_EQ(4, fake_qreg(h, 0, S4_Q_RING_SIZE));
	EXPECT_EQ(errors + 6, h->guest_errors);
}

TEST_F(queue, registers_exist_only_for_present_queues)
{
	struct fake_host *h = &self->host;
	unsigned int nq = S4_NUM_SUBSYSTEMS * FAKE_QPS;
	unsigned int errors = h->guest_errors;

	EXPECT_EQ(0, s4_card_reg_read(h->card, S4_REG_QUEUE(nq, S4_Q_CTRL)));
	s4_card_reg_write(h->card, S4_REG_QUEUE(nq, S4_Q_DOORBELL), 1);
	EXPECT_EQ(0, s4_card_reg_read(h->card, S4_REG_QUEUE(0, 0x24)));
	EXPECT_EQ(0, s4_card_reg_read(h->card, S4_REG_QUEUE(0, S4_Q_DOORBELL)));
	EXPECT_EQ(errors + 4, h->guest_errors);
	EXPECT_EQ(0, fake_rd64(h, S4_REG_CNT_DOORBELLS));
}

TEST_F(queue, nop_job_completes_through_the_control_block)
{
	struct fake_host *h = &self->host;
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);
	struct s4_job_desc *d;

	fake_run(h);
	EXPECT_EQ(1, sh->need_doorbell);

	d = fake_submit(h, &self->fq, self->root, nop_cmd(h, self->root, 3), 24);
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_DOORBELLS));
	EXPECT_TRUE(h->run_soon);
	fake_run(h);

	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(0, d->err_offset);
	EXPECT_EQ(0, d->err_addr);
	EXPECT_EQ(1, sh->completed_seqno);
	EXPECT_EQ(1, sh->head);
	EXPECT_EQ(1, sh->need_doorbell);
	EXPECT_EQ(1, h->irqs[S4_MSIX_QUEUE(0, 0, FAKE_QPS)]);
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_JOBS));
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_IRQS));
	EXPECT_EQ(S4_Q_STATUS_ENABLED, fake_qreg(h, 0, S4_Q_STATUS));
	EXPECT_EQ(S4_ERR_NONE, s4_card_reg_read(h->card, S4_REG_ERR_CODE));
}

TEST_F(queue, each_queue_raises_its_own_vector)
{
	struct fake_host *h = &self->host;
	struct fake_queue fq;
	unsigned int ss = 3, q = 1, index = ss * FAKE_QPS + q;

	fake_queue_setup(h, &fq, index, 4);
	fake_submit(h, &fq, self->root, nop_cmd(h, self->root, 1), 8);
	fake_run(h);
	EXPECT_EQ(1, fake_shared(h, &fq)->completed_seqno);
	EXPECT_EQ(1, h->irqs[S4_MSIX_QUEUE(ss, q, FAKE_QPS)]);
	EXPECT_EQ(0, h->irqs[S4_MSIX_QUEUE(0, 0, FAKE_QPS)]);
}

TEST_F(queue, jobs_finished_in_one_run_raise_one_irq)
{
	struct fake_host *h = &self->host;
	uint64_t cmd = nop_cmd(h, self->root, 1);
	unsigned int i;

	for (i = 0; i < 10; i++)
		fake_queue_add(h, &self->fq, self->root, cmd, 8, i);
	fake_queue_publish(h, &self->fq, 10);
	h->run_soon = false;
	s4_card_run(h->card);
	EXPECT_FALSE(h->run_soon);
	EXPECT_EQ(10, fake_shared(h, &self->fq)->completed_seqno);
	EXPECT_EQ(10, fake_shared(h, &self->fq)->head);
	EXPECT_EQ(1, h->irqs[S4_MSIX_QUEUE(0, 0, FAKE_QPS)]);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(S4_ERR_NONE, fake_desc(h, &self->fq, i)->status);
}

TEST_F(queue, a_long_queue_is_run_in_bounded_steps)
{
	struct fake_host *h = &self->host;
	uint64_t cmd = nop_cmd(h, self->root, 1);
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);
	unsigned int i, n = 100;

	for (i = 0; i < n; i++)
		fake_queue_add(h, &self->fq, self->root, cmd, 8, i);
	fake_queue_publish(h, &self->fq, n);
	h->run_soon = false;
	s4_card_run(h->card);
	EXPECT_GT(n, sh->completed_seqno);
	EXPECT_LT(0, sh->completed_seqno);
	EXPECT_TRUE(h->run_soon);
	EXPECT_EQ(0, sh->need_doorbell);
	fake_run(h);
	EXPECT_EQ(n, sh->completed_seqno);
	EXPECT_EQ(2, h->irqs[S4_MSIX_QUEUE(0, 0, FAKE_QPS)]);
	EXPECT_EQ(n, fake_rd64(h, S4_REG_CNT_JOBS));
}

TEST_F(queue, ring_wraps_around)
{
	struct fake_host *h = &self->host;
	struct fake_queue fq;
	uint64_t cmd = nop_cmd(h, self->root, 1);
	unsigned int i;

	fake_queue_setup(h, &fq, 1, 4);
	for (i = 0; i < 11; i++) {
		fake_submit(h, &fq, self->root, cmd, 8);
		fake_run(h);
	}
	EXPECT_EQ(11, fake_shared(h, &fq)->completed_seqno);
	EXPECT_EQ(11, fake_shared(h, &fq)->head);
	EXPECT_EQ(11, fake_rd64(h, S4_REG_CNT_DOORBELLS));
}

TEST_F(queue, fence_wait_stalls_then_resumes)
{
	struct fake_host *h = &self->host;
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);
	struct s4_job_desc *d;

	*self->fence = 4;
	d = fake_submit(h, &self->fq, self->root, wait_cmd(h, self->root, 5), 40);
	fake_run(h);
	EXPECT_EQ(0xffffffff, d->status);
	EXPECT_EQ(0, sh->completed_seqno);
	EXPECT_EQ(S4_Q_STATUS_ENABLED | S4_Q_STATUS_BUSY | S4_Q_STATUS_WAITING,
		  fake_qreg(h, 0, S4_Q_STATUS));
	EXPECT_NE(0, h->run_delay);
	EXPECT_FALSE(h->run_soon);
	EXPECT_EQ(0, h->irqs[S4_MSIX_QUEUE(0, 0, FAKE_QPS)]);

	/* Polling again changes nothing until the fence moves. */
	fake_run(h);
	EXPECT_EQ(0, sh->completed_seqno);
	EXPECT_NE(0, h->run_delay);

	*self->fence = 5;
	fake_run(h);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(1, sh->completed_seqno);
	EXPECT_EQ(0, h->run_delay);
	EXPECT_EQ(S4_Q_STATUS_ENABLED, fake_qreg(h, 0, S4_Q_STATUS));
	EXPECT_EQ(1, h->irqs[S4_MSIX_QUEUE(0, 0, FAKE_QPS)]);
}

TEST_F(queue, fence_written_by_another_queue_releases_the_waiter)
{
	struct fake_host *h = &self->host;
	struct fake_queue fq;
	struct fake_cmd c;

	fake_submit(h, &self->fq, self->root, wait_cmd(h, self->root, 9), 40);
	fake_run(h);
	EXPECT_EQ(S4_Q_STATUS_WAITING, fake_qreg(h, 0, S4_Q_STATUS) &
					S4_Q_STATUS_WAITING);

	fake_queue_setup(h, &fq, 5, 4);
	fake_cmd_init(h, &c, self->root, CMD_VA + 0x2000000, S4_MMU_PAGE_SIZE);
	fake_cmd_fence(&c, S4_OP_FENCE_WRITE, FENCE_VA, 9);
	fake_submit(h, &fq, self->root, c.va, c.size);
	fake_run(h);
	EXPECT_EQ(9, *self->fence);
	EXPECT_EQ(1, fake_shared(h, &fq)->completed_seqno);
	fake_run(h);	/* the next poll */
	EXPECT_EQ(1, fake_shared(h, &self->fq)->completed_seqno);
}

TEST_F(queue, jobs_submitted_while_busy_need_no_doorbell)
{
	struct fake_host *h = &self->host;
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);
	uint64_t cmd = nop_cmd(h, self->root, 2);
	unsigned int i, n = 20;

	fake_submit(h, &self->fq, self->root, wait_cmd(h, self->root, 1), 40);
	fake_run(h);
	EXPECT_EQ(0, sh->need_doorbell);
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_DOORBELLS));

	for (i = 0; i < n; i++)
		fake_submit(h, &self->fq, self->root, cmd, 16);
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_DOORBELLS));

	*self->fence = 1;
	fake_run(h);		/* the fence poll */
	EXPECT_EQ(n + 1, sh->completed_seqno);
	EXPECT_EQ(n + 1, sh->head);
	EXPECT_EQ(1, sh->need_doorbell);
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_DOORBELLS));
}

TEST_F(queue, a_burst_arriving_while_the_queue_polls_needs_no_doorbell)
{
	struct fake_host *h = &self->host;
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);
	uint64_t cmd = nop_cmd(h, self->root, 1);
	unsigned int i, polls;

	fake_submit(h, &self->fq, self->root, cmd, 8);
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_DOORBELLS));
	s4_card_run(h->card);
	EXPECT_EQ(1, sh->completed_seqno);
	/* Ran dry: the card watches the tail instead of asking for a doorbell. */
	EXPECT_EQ(0, sh->need_doorbell);
	EXPECT_EQ(S4_IDLE_POLL_NS, h->run_delay);

	for (i = 0; i < 5; i++)
		fake_submit(h, &self->fq, self->root, cmd, 8);
	s4_card_run(h->card);
	EXPECT_EQ(6, sh->completed_seqno);
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_DOORBELLS));

	/* Nothing more comes: after S4_IDLE_POLLS looks it asks for a doorbell. */
	polls = fake_run(h);
	EXPECT_LT(1, polls);
	EXPECT_GE(S4_IDLE_POLLS + 1, polls);
	EXPECT_EQ(1, sh->need_doorbell);
	EXPECT_EQ(0, h->run_delay);
}

TEST_F(queue, need_doorbell_is_cleared_when_work_arrives)
{
	struct fake_host *h = &self->host;
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);

	fake_run(h);
	EXPECT_EQ(1, sh->need_doorbell);
	/* Published while the card sleeps; the doorbell restarts it. */
	fake_submit(h, &self->fq, self->root, wait_cmd(h, self->root, 1), 40);
	fake_run(h);
	EXPECT_EQ(0, sh->need_doorbell);
	EXPECT_EQ(S4_Q_STATUS_WAITING, fake_qreg(h, 0, S4_Q_STATUS) &
					S4_Q_STATUS_WAITING);
}

TEST_F(queue, doorbell_after_the_card_went_idle_rearms_need_doorbell)
{
	struct fake_host *h = &self->host;
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);

	/* The host publishes and sees need_doorbell set... */
	fake_queue_add(h, &self->fq, self->root, nop_cmd(h, self->root, 1), 8, 0);
	sh->tail++;
	EXPECT_EQ(1, sh->need_doorbell);
	/* ...the card, run for another reason, finishes the job and idles... */
	fake_run(h);
	EXPECT_EQ(1, sh->completed_seqno);
	EXPECT_EQ(1, sh->need_doorbell);
	/* ...then the host clears need_doorbell and rings, as the driver does. */
	sh->need_doorbell = 0;
	fake_qwrite(h, 0, S4_Q_DOORBELL, 1);
	fake_run(h);
	EXPECT_EQ(1, sh->need_doorbell);

	/* A doorbell clears need_doorbell at once, even if the host did not. */
	fake_qwrite(h, 0, S4_Q_DOORBELL, 1);
	EXPECT_EQ(0, sh->need_doorbell);
	fake_run(h);
	EXPECT_EQ(1, sh->need_doorbell);
}

TEST_F(queue, reset_drops_a_stalled_job)
{
	struct fake_host *h = &self->host;
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);
	struct s4_job_desc *stalled, *queued, *d;

	stalled = fake_submit(h, &self->fq, self->root, wait_cmd(h, self->root, 1),
			      40);
	fake_run(h);
	queued = fake_submit(h, &self->fq, self->root, nop_cmd(h, self->root, 1), 8);
	EXPECT_EQ(S4_Q_STATUS_BUSY, fake_qreg(h, 0, S4_Q_STATUS) & S4_Q_STATUS_BUSY);

	fake_qwrite(h, 0, S4_Q_RESET, S4_RESET_MAGIC);
	EXPECT_EQ(S4_Q_STATUS_ENABLED, fake_qreg(h, 0, S4_Q_STATUS));
	EXPECT_EQ(2, sh->head);
	EXPECT_EQ(1, sh->need_doorbell);
	EXPECT_EQ(0, sh->completed_seqno);
	EXPECT_EQ(0xffffffff, stalled->status);
	EXPECT_EQ(0xffffffff, queued->status);

	/* Neither the fence nor a later run brings the dropped jobs back. */
	*self->fence = 1;
	fake_run(h);
	EXPECT_EQ(0, sh->completed_seqno);
	EXPECT_EQ(0, h->irqs[S4_MSIX_QUEUE(0, 0, FAKE_QPS)]);

	d = fake_submit(h, &self->fq, self->root, nop_cmd(h, self->root, 1), 8);
	EXPECT_EQ(2, fake_rd64(h, S4_REG_CNT_DOORBELLS));
	fake_run(h);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(3, sh->completed_seqno);
	EXPECT_EQ(3, sh->head);
}

TEST_F(queue, card_reset_disables_queues_and_forgets_jobs)
{
	struct fake_host *h = &self->host;
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);

	fake_submit(h, &self->fq, self->root, wait_cmd(h, self->root, 1), 40);
	fake_run(h);
	s4_card_reg_write(h->card, S4_REG_RESET, S4_RESET_MAGIC);
	EXPECT_EQ(0, fake_qreg(h, 0, S4_Q_STATUS));
	EXPECT_EQ(0, fake_qreg(h, 0, S4_Q_CTRL));
	EXPECT_EQ(0, fake_qreg(h, 0, S4_Q_RING_SIZE));
	EXPECT_EQ(0, fake_qreg(h, 0, S4_Q_RING_LO));
	EXPECT_EQ(0, fake_rd64(h, S4_REG_CNT_DOORBELLS));

	*self->fence = 1;
	fake_run(h);
	EXPECT_EQ(0, sh->completed_seqno);
	EXPECT_EQ(0, h->irqs[S4_MSIX_QUEUE(0, 0, FAKE_QPS)]);

	/* Programmed again from the control block's state, it works. */
	sh->head = sh->tail;
	fake_queue_program(h, &self->fq, 0, RING_SIZE);
	sh = fake_shared(h, &self->fq);
	fake_qwrite(h, 0, S4_Q_CTRL, S4_Q_CTRL_ENABLE);
	fake_submit(h, &self->fq, self->root, nop_cmd(h, self->root, 1), 8);
	fake_run(h);
	EXPECT_EQ(1, sh->completed_seqno);
}

TEST_F(queue, disable_drops_the_job_and_enable_resumes_at_shared_head)
{
	struct fake_host *h = &self->host;
	struct s4_queue_shared *sh = fake_shared(h, &self->fq);
	struct s4_job_desc *d;

	fake_submit(h, &self->fq, self->root, wait_cmd(h, self->root, 1), 40);
	fake_run(h);
	fake_qwrite(h, 0, S4_Q_CTRL, 0);
	EXPECT_EQ(0, fake_qreg(h, 0, S4_Q_STATUS));

	sh->head = sh->tail;
	d = fake_queue_add(h, &self->fq, self->root, nop_cmd(h, self->root, 1), 8, 0);
	sh->tail++;
	fake_qwrite(h, 0, S4_Q_CTRL, S4_Q_CTRL_ENABLE);
	EXPECT_TRUE(h->run_soon);
	fake_run(h);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(2, sh->completed_seqno);
	EXPECT_EQ(2, sh->head);
}

TEST_F(queue, unreachable_ring_breaks_the_queue)
{
	struct fake_host *h = &self->host;
	struct fake_queue fq;

	fake_qwrite(h, 1, S4_Q_RING_LO, 0x1000);
	fake_qwrite(h, 1, S4_Q_RING_SIZE, 4);
	fq.shared = fake_alloc(h, S4_MMU_PAGE_SIZE);
	fake_qwrite(h, 1, S4_Q_SHARED_LO, (uint32_t)fq.shared);
	fake_qwrite(h, 1, S4_Q_SHARED_HI, (uint32_t)(fq.shared >> 32));
	fake_qwrite(h, 1, S4_Q_CTRL, S4_Q_CTRL_ENABLE);
	s4_card_reg_write(h->card, S4_REG_MGMT_IRQ_MASK, S4_MGMT_IRQ_ALL);
	((struct s4_queue_shared *)fake_ptr(h, fq.shared))->tail = 1;

	fake_run(h);
	EXPECT_EQ(0, fake_qreg(h, 1, S4_Q_STATUS));
	EXPECT_EQ(S4_ERR_BAD_VALUE, s4_card_reg_read(h->card, S4_REG_ERR_CODE));
	EXPECT_EQ(S4_REG_QUEUE(1, S4_Q_RING_LO),
		  s4_card_reg_read(h->card, S4_REG_ERR_INFO));
	EXPECT_EQ(0x1000, fake_rd64(h, S4_REG_ERR_ADDR_LO));
	EXPECT_EQ(S4_MGMT_IRQ_ERROR, s4_card_reg_read(h->card, S4_REG_MGMT_IRQ_STATUS));
	EXPECT_EQ(1, h->irqs[S4_MSIX_MGMT]);
	EXPECT_FALSE(h->run_soon);
	/* Queue 0 is unaffected. */
	fake_submit(h, &self->fq, self->root, nop_cmd(h, self->root, 1), 8);
	fake_run(h);
	EXPECT_EQ(1, fake_shared(h, &self->fq)->completed_seqno);
}

TEST_F(queue, tail_more_than_a_ring_ahead_breaks_the_queue)
{
	struct fake_host *h = &self->host;

	fake_shared(h, &self->fq)->tail = RING_SIZE + 1;
	fake_qwrite(h, 0, S4_Q_DOORBELL, 1);
	fake_run(h);
	EXPECT_EQ(0, fake_qreg(h, 0, S4_Q_STATUS));
	EXPECT_EQ(0, fake_rd64(h, S4_REG_CNT_JOBS));
	EXPECT_EQ(S4_REG_QUEUE(0, S4_Q_SHARED_LO),
		  s4_card_reg_read(h->card, S4_REG_ERR_INFO));
	EXPECT_NE(NULL, strstr(h->last_error, "ahead"));
}

TEST_F(queue, doorbell_on_a_disabled_queue_is_harmless)
{
	struct fake_host *h = &self->host;

	fake_qwrite(h, 7, S4_Q_DOORBELL, 1);
	fake_qwrite(h, 7, S4_Q_RESET, S4_RESET_MAGIC);
	fake_run(h);
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_DOORBELLS));
	EXPECT_EQ(0, fake_qreg(h, 7, S4_Q_STATUS));
	EXPECT_EQ(0, h->dma_errors);
}

TEST_HARNESS_MAIN
