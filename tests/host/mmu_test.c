// SPDX-License-Identifier: MIT
/*
 * The device MMU on the host: every kind of fault stops the job with
 * S4_ERR_MMU_FAULT and the faulting VA, and the contiguous mapping that
 * compute engines will use.
 */
#include "kselftest_harness.h"
#include "fake_host.h"
#include "model/s4_card_priv.h"

#define CMD_VA		0x10000000ull
#define DEV_VA		0x40000000ull	/* first 1 MiB of device memory */
#define DEV_LEN		(1u << 20)
#define HOST_VA		0x80000000ull	/* 64 KiB of host memory, writable */
#define HOST_LEN	(64u << 10)
#define RO_VA		0x90000000ull	/* one read-only host page */

FIXTURE(mmu) {
	struct fake_host host;
	struct fake_queue fq;
	struct fake_cmd cmd;
	uint64_t root;
	uint8_t *buf;
};

FIXTURE_SETUP(mmu)
{
	struct fake_host *h = &self->host;

	ASSERT_NE(NULL, fake_host_init(h, FAKE_QPS));
	self->root = fake_alloc(h, S4_MMU_PAGE_SIZE);
	fake_map(h, self->root, DEV_VA, 0, DEV_LEN, S4_PTE_DEVMEM | S4_PTE_WRITE);
	self->buf = fake_ptr(h, fake_map_new(h, self->root, HOST_VA, HOST_LEN,
					     S4_PTE_WRITE));
	fake_map_new(h, self->root, RO_VA, S4_MMU_PAGE_SIZE, 0);
	fake_cmd_init(h, &self->cmd, self->root, CMD_VA, S4_MMU_PAGE_SIZE);
	fake_queue_setup(h, &self->fq, 0, 16);
	s4_card_reg_write(h->card, S4_REG_MGMT_IRQ_MASK, S4_MGMT_IRQ_ALL);
}

FIXTURE_TEARDOWN(mmu)
{
	fake_host_fini(&self->host);
}

/* A NOP, then the packet under test at offset 8. */
static void expect_fault(struct __test_metadata *_metadata,
			 FIXTURE_DATA(mmu) *self, uint64_t va)
{
	struct fake_host *h = &self->host;
	struct s4_job_desc *d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);

	EXPECT_EQ(S4_ERR_MMU_FAULT, d->status);
	EXPECT_EQ(8, d->err_offset);
	EXPECT_EQ(va, d->err_addr);
	EXPECT_EQ(d->seqno, fake_shared(h, &self->fq)->completed_seqno);
	EXPECT_EQ(S4_ERR_MMU_FAULT, s4_card_reg_read(h->card, S4_REG_ERR_CODE));
	EXPECT_EQ(8, s4_card_reg_read(h->card, S4_REG_ERR_INFO));
	EXPECT_EQ(va, fake_rd64(h, S4_REG_ERR_ADDR_LO));
	/* A job fault is the job's business: no management interrupt. */
	EXPECT_EQ(0, h->irqs[S4_MSIX_MGMT]);
	EXPECT_EQ(S4_Q_STATUS_ENABLED, fake_qreg(h, 0, S4_Q_STATUS));
}

TEST_F(mmu, unmapped_page_faults)
{
	fake_cmd_nop(&self->cmd);
	fake_cmd_fill(&self->cmd, HOST_VA + HOST_LEN + 12, 4, 0);
	expect_fault(_metadata, self, HOST_VA + HOST_LEN + 12);
}

TEST_F(mmu, invalid_l1_entry_faults)
{
	uint64_t va = HOST_VA + (2u << 20) + 8;	/* next 2 MiB: no L0 table */

	fake_cmd_nop(&self->cmd);
	fake_cmd_fence(&self->cmd, S4_OP_FENCE_WAIT, va, 0);
	expect_fault(_metadata, self, va);
}

TEST_F(mmu, invalid_l2_entry_faults)
{
	uint64_t va = 0x4000000000ull + 0x10;	/* 256 GiB: no L1 table */

	fake_cmd_nop(&self->cmd);
	fake_cmd_copy(&self->cmd, va, HOST_VA, 16);
	expect_fault(_metadata, self, va);
}

TEST_F(mmu, va_beyond_39_bits_faults)
{
	uint64_t va = S4_MMU_VA_SIZE + DEV_VA;	/* would alias DEV_VA */

	fake_cmd_nop(&self->cmd);
	fake_cmd_fence(&self->cmd, S4_OP_FENCE_WRITE, va, 1);
	expect_fault(_metadata, self, va);
	EXPECT_EQ(0, self->host.dev_mem[0]);
}

TEST_F(mmu, top_of_va_space_does_not_wrap)
{
	uint64_t va = ~0ull - 7;

	fake_cmd_nop(&self->cmd);
	fake_cmd_copy(&self->cmd, HOST_VA, va, 16);
	expect_fault(_metadata, self, va);
}

TEST_F(mmu, write_to_read_only_page_faults_but_reading_it_works)
{
	struct fake_host *h = &self->host;
	struct fake_cmd ok;
	struct s4_job_desc *d;

	fake_cmd_init(h, &ok, self->root, CMD_VA + 0x100000, S4_MMU_PAGE_SIZE);
	fake_cmd_copy(&ok, RO_VA, HOST_VA, 64);
	d = fake_run_cmd(h, &self->fq, self->root, &ok);
	EXPECT_EQ(S4_ERR_NONE, d->status);

	fake_cmd_nop(&self->cmd);
	fake_cmd_copy(&self->cmd, HOST_VA, RO_VA + 100, 8);
	expect_fault(_metadata, self, RO_VA + 100);
}

TEST_F(mmu, device_offset_beyond_memory_faults)
{
	struct fake_host *h = &self->host;
	uint64_t va = 0xa0000000ull;

	*fake_leaf(h, self->root, va) = FAKE_MEM_SIZE | S4_PTE_VALID |
					S4_PTE_WRITE | S4_PTE_DEVMEM;
	*fake_leaf(h, self->root, va + S4_MMU_PAGE_SIZE) = S4_PTE_ADDR_MASK |
		S4_PTE_VALID | S4_PTE_WRITE | S4_PTE_DEVMEM;
	fake_cmd_nop(&self->cmd);
	fake_cmd_fill(&self->cmd, va + 4, 4, 0xffffffff);
	expect_fault(_metadata, self, va + 4);

	self->cmd.size = 0;
	fake_cmd_nop(&self->cmd);
	fake_cmd_fill(&self->cmd, va + S4_MMU_PAGE_SIZE, 4, 0xffffffff);
	expect_fault(_metadata, self, va + S4_MMU_PAGE_SIZE);
}

TEST_F(mmu, host_dma_error_faults)
{
	struct fake_host *h = &self->host;
	uint64_t va = 0xb0000000ull;

	*fake_leaf(h, self->root, va) = 0x1000 | S4_PTE_VALID | S4_PTE_WRITE;
	fake_cmd_nop(&self->cmd);
	fake_cmd_copy(&self->cmd, HOST_VA, va + 0x10, 0x20);
	expect_fault(_metadata, self, va + 0x10);
	EXPECT_LT(0, h->dma_errors);
}

TEST_F(mmu, fault_in_the_middle_of_a_copy_reports_the_first_bad_page)
{
	struct fake_host *h = &self->host;
	uint64_t size = 3 * S4_MMU_PAGE_SIZE;

	memset(self->buf, 0x77, size);
	/* The destination's last page is beyond the mapped device memory. */
	fake_cmd_nop(&self->cmd);
	fake_cmd_copy(&self->cmd, HOST_VA, DEV_VA + DEV_LEN - 2 * S4_MMU_PAGE_SIZE,
		      size);
	expect_fault(_metadata, self, DEV_VA + DEV_LEN);
	EXPECT_EQ(0x77, h->dev_mem[DEV_LEN - 1]);
	EXPECT_EQ(0, h->dev_mem[DEV_LEN]);
}

TEST_F(mmu, unmapped_command_buffer_faults_at_offset_zero)
{
	struct fake_host *h = &self->host;
	struct s4_job_desc *d;

	/* The buffer's second page is not mapped. */
	d = fake_submit(h, &self->fq, self->root, CMD_VA, 2 * S4_MMU_PAGE_SIZE);
	fake_run(h);
	EXPECT_EQ(S4_ERR_MMU_FAULT, d->status);
	EXPECT_EQ(0, d->err_offset);
	EXPECT_EQ(CMD_VA + S4_MMU_PAGE_SIZE, d->err_addr);
}

TEST_F(mmu, unreadable_page_table_faults)
{
	struct fake_host *h = &self->host;
	struct s4_job_desc *d;

	d = fake_submit(h, &self->fq, 0x1000, CMD_VA, 8);
	fake_run(h);
	EXPECT_EQ(S4_ERR_MMU_FAULT, d->status);
	EXPECT_EQ(CMD_VA, d->err_addr);
	/* The queue goes on with the next job. */
	fake_cmd_nop(&self->cmd);
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
	EXPECT_EQ(S4_ERR_NONE, d->status);
}

TEST_F(mmu, map_returns_contiguous_device_memory_only)
{
	struct fake_host *h = &self->host;
	struct s4_mmu mmu = { .card = h->card, .pt_root = self->root };
	uint64_t va = 0xc0000000ull;
	void *p = NULL;

	EXPECT_EQ(0, s4_mmu_map(&mmu, DEV_VA + 100, 3 * S4_MMU_PAGE_SIZE, 1, &p));
	EXPECT_EQ(h->dev_mem + 100, p);
	EXPECT_EQ(0, s4_mmu_map(&mmu, DEV_VA + DEV_LEN - 1, 1, 0, &p));
	EXPECT_EQ(h->dev_mem + DEV_LEN - 1, p);

	/* Two device pages out of order. */
	*fake_leaf(h, self->root, va) = 0x5000 | S4_PTE_VALID | S4_PTE_DEVMEM;
	*fake_leaf(h, self->root, va + S4_MMU_PAGE_SIZE) =
		0x3000 | S4_PTE_VALID | S4_PTE_DEVMEM;
	EXPECT_EQ(0, s4_mmu_map(&mmu, va, S4_MMU_PAGE_SIZE, 0, &p));
	EXPECT_EQ(-S4_ERR_MMU_FAULT, s4_mmu_map(&mmu, va + 8, S4_MMU_PAGE_SIZE, 0, &p));
	EXPECT_EQ(va + S4_MMU_PAGE_SIZE, mmu.fault_va);
	EXPECT_EQ(-S4_ERR_MMU_FAULT, s4_mmu_map(&mmu, va, 8, 1, &p));
	EXPECT_EQ(va, mmu.fault_va);

	/* Host memory, a range running off the mapping, empty, too large. */
	EXPECT_EQ(-S4_ERR_MMU_FAULT, s4_mmu_map(&mmu, HOST_VA, 8, 0, &p));
	EXPECT_EQ(HOST_VA, mmu.fault_va);
	EXPECT_EQ(-S4_ERR_MMU_FAULT, s4_mmu_map(&mmu, DEV_VA + DEV_LEN - 8, 16, 0, &p));
	EXPECT_EQ(DEV_VA + DEV_LEN, mmu.fault_va);
	EXPECT_EQ(-S4_ERR_MMU_FAULT, s4_mmu_map(&mmu, DEV_VA, 0, 0, &p));
	EXPECT_EQ(-S4_ERR_MMU_FAULT, s4_mmu_map(&mmu, DEV_VA, FAKE_MEM_SIZE + 1, 0, &p));
}

TEST_HARNESS_MAIN
