// SPDX-License-Identifier: MIT
/*
 * S4_OP_TIMESTAMP on the host: the card's clock is stored when the job
 * reaches the packet (after every earlier packet, a fence wait included),
 * and a destination the job may not write fails it as an MMU fault.
 */
#include "kselftest_harness.h"
#include "fake_host.h"

#define CMD_VA		0x10000000ull
#define HOST_VA		0x80000000ull	/* one writable host page */
#define RO_VA		0x90000000ull	/* one read-only host page */

FIXTURE(ts) {
	struct fake_host host;
	struct fake_queue fq;
	struct fake_cmd cmd;
	uint64_t root;
	uint64_t *words;	/* host memory at HOST_VA */
};

FIXTURE_SETUP(ts)
{
	struct fake_host *h = &self->host;

	ASSERT_NE(NULL, fake_host_init(h, FAKE_QPS));
	self->root = fake_alloc(h, S4_MMU_PAGE_SIZE);
	self->words = fake_ptr(h, fake_map_new(h, self->root, HOST_VA,
					       S4_MMU_PAGE_SIZE, S4_PTE_WRITE));
	fake_map_new(h, self->root, RO_VA, S4_MMU_PAGE_SIZE, 0);
	fake_cmd_init(h, &self->cmd, self->root, CMD_VA, S4_MMU_PAGE_SIZE);
	fake_queue_setup(h, &self->fq, 0, 16);
}

FIXTURE_TEARDOWN(ts)
{
	fake_host_fini(&self->host);
}

TEST_F(ts, the_clock_is_read_when_the_job_reaches_the_packet)
{
	struct fake_host *h = &self->host;
	uint64_t *fence = &self->words[0], *t0 = &self->words[1], *t1 = &self->words[2];
	struct s4_job_desc *d;

	fake_cmd_timestamp(&self->cmd, HOST_VA + 8);
	fake_cmd_fence(&self->cmd, S4_OP_FENCE_WAIT, HOST_VA, 1);
	fake_cmd_timestamp(&self->cmd, HOST_VA + 16);
	h->now_ns = 1000;
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
	EXPECT_EQ(1000, *t0);
	EXPECT_EQ(0, *t1);	/* not reached: the job waits */
	EXPECT_EQ(0xffffffff, d->status);

	h->now_ns = 123456789012345ull;
	fake_run(h);
	EXPECT_EQ(0, *t1);	/* the fence has not moved */
	*fence = 1;
	fake_run(h);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(1000, *t0);
	EXPECT_EQ(123456789012345ull, *t1);
}

TEST_F(ts, a_destination_the_job_cannot_write_faults)
{
	static const uint64_t bad[] = { RO_VA + 8, HOST_VA + S4_MMU_PAGE_SIZE };
	struct fake_host *h = &self->host;
	struct s4_job_desc *d;
	size_t i;

	h->now_ns = 77;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		self->cmd.size = 0;
		fake_cmd_nop(&self->cmd);
		fake_cmd_timestamp(&self->cmd, bad[i]);
		fake_cmd_timestamp(&self->cmd, HOST_VA);	/* must not run */
		d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
		EXPECT_EQ(S4_ERR_MMU_FAULT, d->status);
		EXPECT_EQ(8, d->err_offset);
		EXPECT_EQ(bad[i], d->err_addr);
		EXPECT_EQ(0, self->words[0]);
	}
}

TEST_HARNESS_MAIN
