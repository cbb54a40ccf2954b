// SPDX-License-Identifier: MIT
/*
 * Jobs that move real bytes: DMA_COPY and DMA_FILL between host memory and
 * device memory, fences, and DMA packets too large for one run.
 */
#include "kselftest_harness.h"
#include "fake_host.h"

#define CMD_VA		0x10000000ull
#define DEV_VA		0x40000000ull	/* all of device memory, writable */
#define HOST_VA		0x80000000ull	/* HOST_LEN of host memory, writable */
#define HOST_LEN	(256u << 10)

FIXTURE(dma) {
	struct fake_host host;
	struct fake_queue fq;
	struct fake_cmd cmd;
	uint64_t root;
	uint8_t *buf;		/* host memory at HOST_VA */
};

FIXTURE_SETUP(dma)
{
	struct fake_host *h = &self->host;

	ASSERT_NE(NULL, fake_host_init(h, FAKE_QPS));
	self->root = fake_alloc(h, S4_MMU_PAGE_SIZE);
	fake_map(h, self->root, DEV_VA, 0, FAKE_MEM_SIZE,
		 S4_PTE_DEVMEM | S4_PTE_WRITE);
	self->buf = fake_ptr(h, fake_map_new(h, self->root, HOST_VA, HOST_LEN,
					     S4_PTE_WRITE));
	fake_cmd_init(h, &self->cmd, self->root, CMD_VA, S4_MMU_PAGE_SIZE);
	fake_queue_setup(h, &self->fq, 0, 16);
}

FIXTURE_TEARDOWN(dma)
{
	fake_host_fini(&self->host);
}

static bool all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

TEST_F(dma, copy_host_to_device_to_host_byte_for_byte)
{
	struct fake_host *h = &self->host;
	uint64_t size = 40001;
	uint64_t dev_off = 4096 * 3 + 5;
	uint64_t back = 0x20000 + 7;
	struct s4_job_desc *d;

	fake_fill_random(self->buf + 3, size, 1);
	fake_cmd_copy(&self->cmd, HOST_VA + 3, DEV_VA + dev_off, size);
	fake_cmd_copy(&self->cmd, DEV_VA + dev_off, HOST_VA + back, size);
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);

	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(0, memcmp(self->buf + 3, h->dev_mem + dev_off, size));
	EXPECT_EQ(0, memcmp(self->buf + 3, self->buf + back, size));
	EXPECT_TRUE(all_zero(h->dev_mem, dev_off));
	EXPECT_TRUE(all_zero(h->dev_mem + dev_off + size, 4096));
	EXPECT_TRUE(all_zero(self->buf + back + size, 4096));
	EXPECT_EQ(0, self->buf[back - 1]);
}

TEST_F(dma, copy_within_device_memory)
{
	struct fake_host *h = &self->host;
	struct s4_job_desc *d;

	fake_fill_random(h->dev_mem, 3 * 4096, 2);
	fake_cmd_copy(&self->cmd, DEV_VA + 1, DEV_VA + 8 * 4096 + 2, 3 * 4096 - 1);
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(0, memcmp(h->dev_mem + 1, h->dev_mem + 8 * 4096 + 2,
			    3 * 4096 - 1));
}

TEST_F(dma, fill_writes_the_pattern_little_endian)
{
	struct fake_host *h = &self->host;
	static const uint8_t pat[4] = { 0x44, 0x33, 0x22, 0x11 };
	uint64_t dev_off = 4092, host_off = 4097, size = 10000;
	struct s4_job_desc *d;
	uint64_t i;

	fake_cmd_fill(&self->cmd, DEV_VA + dev_off, size, 0x11223344);
	fake_cmd_fill(&self->cmd, HOST_VA + host_off, size, 0x11223344);
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	for (i = 0; i < size; i++) {
		ASSERT_EQ(pat[i % 4], h->dev_mem[dev_off + i]);
		ASSERT_EQ(pat[i % 4], self->buf[host_off + i]);
	}
	EXPECT_EQ(0, h->dev_mem[dev_off - 1]);
	EXPECT_EQ(0, h->dev_mem[dev_off + size]);
	EXPECT_EQ(0, self->buf[host_off - 1]);
	EXPECT_EQ(0, self->buf[host_off + size]);
}

TEST_F(dma, zero_sized_copy_and_fill_do_nothing)
{
	struct fake_host *h = &self->host;
	struct s4_job_desc *d;

	fake_cmd_copy(&self->cmd, HOST_VA, DEV_VA, 0);
	fake_cmd_fill(&self->cmd, 0x7000000000ull, 0, 0xff);
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_TRUE(all_zero(h->dev_mem, 4096));
}

TEST_F(dma, fence_write_stores_the_value_after_earlier_packets)
{
	struct fake_host *h = &self->host;
	uint64_t dev_fence, host_fence;
	struct s4_job_desc *d;

	fake_cmd_fill(&self->cmd, DEV_VA, 64, 0xa5a5a5a5);
	fake_cmd_fence(&self->cmd, S4_OP_FENCE_WRITE, DEV_VA + 64,
		       0x0102030405060708ull);
	fake_cmd_fence(&self->cmd, S4_OP_FENCE_WRITE, HOST_VA + 8, 42);
	fake_cmd_fence(&self->cmd, S4_OP_FENCE_WAIT, HOST_VA + 8, 42);
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	memcpy(&dev_fence, h->dev_mem + 64, 8);
	memcpy(&host_fence, self->buf + 8, 8);
	EXPECT_EQ(0x0102030405060708ull, dev_fence);
	EXPECT_EQ(0x08, h->dev_mem[64]);
	EXPECT_EQ(42, host_fence);
	EXPECT_EQ(0xa5, h->dev_mem[63]);
}

TEST_F(dma, large_fill_and_copy_span_several_runs)
{
	struct fake_host *h = &self->host;
	uint64_t size = 6u << 20;
	struct s4_job_desc *d;
	unsigned int runs;
	uint64_t i;

	fake_cmd_fill(&self->cmd, DEV_VA, size, 0x5a5a5a5a);
	fake_cmd_copy(&self->cmd, DEV_VA, DEV_VA + size, size);
	fake_cmd_fence(&self->cmd, S4_OP_FENCE_WRITE, HOST_VA, 1);
	d = fake_submit(h, &self->fq, self->root, self->cmd.va, self->cmd.size);

	h->run_soon = false;
	s4_card_run(h->card);
	EXPECT_TRUE(h->run_soon);
	EXPECT_EQ(0xffffffff, d->status);
	EXPECT_EQ(S4_Q_STATUS_BUSY, fake_qreg(h, 0, S4_Q_STATUS) & S4_Q_STATUS_BUSY);
	runs = fake_run(h);
	EXPECT_LE(2, runs);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(1, self->buf[0]);
	for (i = 0; i < 2 * size; i++)
		ASSERT_EQ(0x5a, h->dev_mem[i]);
	EXPECT_EQ(0, h->dev_mem[2 * size]);
	EXPECT_EQ(1, h->irqs[S4_MSIX_QUEUE(0, 0, FAKE_QPS)]);
}

TEST_F(dma, a_huge_aliased_fill_runs_in_bounded_steps)
{
	struct fake_host *h = &self->host;
	uint64_t va = 0x1000000000ull, size = 64u << 20;
	struct s4_job_desc *d;
	uint64_t off;

	/* 64 MiB of VA onto one device page: cheap to map, long to fill. */
	for (off = 0; off < size; off += S4_MMU_PAGE_SIZE)
		*fake_leaf(h, self->root, va + off) =
			S4_PTE_VALID | S4_PTE_WRITE | S4_PTE_DEVMEM;
	fake_cmd_fill(&self->cmd, va, size, 0x01010101);
	d = fake_submit(h, &self->fq, self->root, self->cmd.va, self->cmd.size);
	EXPECT_LE(size / (4u << 20), fake_run(h));
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(1, h->dev_mem[0]);
	EXPECT_EQ(0, h->dev_mem[S4_MMU_PAGE_SIZE]);
}

TEST_HARNESS_MAIN
