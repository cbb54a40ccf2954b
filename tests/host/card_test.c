// SPDX-License-Identifier: MIT
/*
 * The card model on the host: registers, reset, the self-test interrupt and
 * what happens to bad guest accesses.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "fake_host.h"

FIXTURE(card) {
	struct fake_host host;
	struct s4_card *card;
};

FIXTURE_SETUP(card)
{
	self->card = fake_host_init(&self->host, 2);
	ASSERT_NE(NULL, self->card);
}

FIXTURE_TEARDOWN(card)
{
	fake_host_fini(&self->host);
}

static uint64_t rd64(struct s4_card *card, uint32_t off)
{
	return s4_card_reg_read(card, off) |
	       (uint64_t)s4_card_reg_read(card, off + 4) << 32;
}

TEST_F(card, identity_and_caps)
{
	uint32_t caps = s4_card_reg_read(self->card, S4_REG_CAPS);

	EXPECT_EQ(S4_ID_VALUE, s4_card_reg_read(self->card, S4_REG_ID));
	EXPECT_EQ(4, S4_CAPS_SUBSYSTEMS(caps));
	EXPECT_EQ(2, S4_CAPS_QUEUES(caps));
	EXPECT_EQ(9, S4_CAPS_MSIX(caps));
	EXPECT_EQ(FAKE_MEM_SIZE, rd64(self->card, S4_REG_MEM_SIZE_LO));
	EXPECT_EQ(S4_STATUS_ALIVE | S4_STATUS_BOOTLOADER,
		  s4_card_reg_read(self->card, S4_REG_STATUS));
}

TEST_F(card, scratch_holds_value_until_reset)
{
	s4_card_reg_write(self->card, S4_REG_SCRATCH, 0xdeadbeef);
	EXPECT_EQ(0xdeadbeef, s4_card_reg_read(self->card, S4_REG_SCRATCH));
	s4_card_reg_write(self->card, S4_REG_RESET, S4_RESET_MAGIC);
	EXPECT_EQ(0, s4_card_reg_read(self->card, S4_REG_SCRATCH));
}

TEST_F(card, reset_needs_the_key)
{
	s4_card_reg_write(self->card, S4_REG_SCRATCH, 7);
	s4_card_reg_write(self->card, S4_REG_RESET, 1);
	EXPECT_EQ(7, s4_card_reg_read(self->card, S4_REG_SCRATCH));
	EXPECT_EQ(1, self->host.guest_errors);
	EXPECT_EQ(S4_ERR_BAD_VALUE, s4_card_reg_read(self->card, S4_REG_ERR_CODE));
}

TEST_F(card, selftest_answers_with_mgmt_irq)
{
	s4_card_reg_write(self->card, S4_REG_MGMT_IRQ_MASK, S4_MGMT_IRQ_ALL);
	s4_card_reg_write(self->card, S4_REG_SELFTEST, 0x12345678);
	EXPECT_EQ(1, self->host.irqs[S4_MSIX_MGMT]);
	EXPECT_EQ(~0x12345678u, s4_card_reg_read(self->card, S4_REG_SELFTEST_ACK));
	EXPECT_EQ(S4_MGMT_IRQ_SELFTEST,
		  s4_card_reg_read(self->card, S4_REG_MGMT_IRQ_STATUS));
	s4_card_reg_write(self->card, S4_REG_MGMT_IRQ_STATUS, S4_MGMT_IRQ_SELFTEST);
	EXPECT_EQ(0, s4_card_reg_read(self->card, S4_REG_MGMT_IRQ_STATUS));
}

TEST_F(card, masked_selftest_raises_no_irq_until_unmasked)
{
	s4_card_reg_write(self->card, S4_REG_SELFTEST, 1);
	EXPECT_EQ(0, self->host.irqs[S4_MSIX_MGMT]);
	s4_card_reg_write(self->card, S4_REG_MGMT_IRQ_MASK, S4_MGMT_IRQ_SELFTEST);
	EXPECT_EQ(1, self->host.irqs[S4_MSIX_MGMT]);
}

TEST_F(card, bad_accesses_are_ignored_and_reported)
{
	static const uint32_t ro[] = { S4_REG_ID, S4_REG_CAPS, S4_REG_STATUS,
				       S4_REG_MEM_SIZE_LO, S4_REG_SELFTEST_ACK,
				       S4_REG_CNT_IRQS };
	size_t i;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		s4_card_reg_write(self->card, ro[i], 0xffffffff);
	s4_card_reg_write(self->card, 0x8000, 1);
	EXPECT_EQ(0, s4_card_reg_read(self->card, 0xfffc));
	EXPECT_EQ(8, self->host.guest_errors);
	EXPECT_EQ(S4_ERR_BAD_REG, s4_card_reg_read(self->card, S4_REG_ERR_CODE));
	EXPECT_EQ(0xfffc, s4_card_reg_read(self->card, S4_REG_ERR_INFO));
	EXPECT_EQ(S4_ID_VALUE, s4_card_reg_read(self->card, S4_REG_ID));
	EXPECT_EQ(S4_STATUS_ALIVE | S4_STATUS_BOOTLOADER,
		  s4_card_reg_read(self->card, S4_REG_STATUS));
	EXPECT_NE(NULL, strstr(self->host.last_error, "undefined register"));
}

TEST_F(card, counters_count_accesses_but_not_themselves)
{
	uint64_t reads0 = rd64(self->card, S4_REG_CNT_MMIO_READS);
	uint64_t writes0 = rd64(self->card, S4_REG_CNT_MMIO_WRITES);

	s4_card_reg_read(self->card, S4_REG_STATUS);
	s4_card_reg_read(self->card, S4_REG_SCRATCH);
	s4_card_reg_write(self->card, S4_REG_MGMT_IRQ_MASK, S4_MGMT_IRQ_ALL);
	s4_card_reg_write(self->card, S4_REG_SELFTEST, 0);
	EXPECT_EQ(reads0 + 2, rd64(self->card, S4_REG_CNT_MMIO_READS));
	EXPECT_EQ(writes0 + 2, rd64(self->card, S4_REG_CNT_MMIO_WRITES));
	EXPECT_EQ(1, rd64(self->card, S4_REG_CNT_IRQS));
	EXPECT_EQ(1, rd64(self->card, S4_REG_CNT_DOORBELLS));
}

TEST(invalid_configs_are_refused)
{
	static uint8_t mem[1 << 16];
	struct fake_host h = { 0 };
	struct s4_card_host host = {
		.opaque = &h,
		.irq = fake_irq,
		.dma_read = fake_dma_read,
		.dma_write = fake_dma_write,
		.schedule = fake_schedule,
		.clock_ns = fake_clock_ns,
	};
	struct s4_card_config bad[] = {
		{ .mem_size = 0, .queues_per_ss = 1, .mem = mem },
		{ .mem_size = 3 << 14, .queues_per_ss = 1, .mem = mem },
		{ .mem_size = 1 << 11, .queues_per_ss = 1, .mem = mem },
		{ .mem_size = 1 << 16, .queues_per_ss = 0, .mem = mem },
		{ .mem_size = 1 << 16, .queues_per_ss = S4_MAX_QUEUES_PER_SS + 1,
		  .mem = mem },
		{ .mem_size = 1 << 16, .queues_per_ss = 1 },
	};
	struct s4_card_config good = {
		.mem_size = 1 << 16, .queues_per_ss = 1, .mem = mem
	};
	struct s4_card_host partial;
	struct s4_card *card;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(NULL, s4_card_new(&bad[i], &host));
	partial = host;
	partial.irq = NULL;
	EXPECT_EQ(NULL, s4_card_new(&good, &partial));
	partial = host;
	partial.dma_read = NULL;
	EXPECT_EQ(NULL, s4_card_new(&good, &partial));
	partial = host;
	partial.dma_write = NULL;
	EXPECT_EQ(NULL, s4_card_new(&good, &partial));
	partial = host;
	partial.schedule = NULL;
	EXPECT_EQ(NULL, s4_card_new(&good, &partial));
	partial = host;
	partial.clock_ns = NULL;
	EXPECT_EQ(NULL, s4_card_new(&good, &partial));
	card = s4_card_new(&good, &host);
	EXPECT_NE(NULL, card);
	s4_card_free(card);
}

TEST_HARNESS_MAIN
