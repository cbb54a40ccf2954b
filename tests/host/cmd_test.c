// SPDX-License-Identifier: MIT
/*
 * Malformed job descriptors and command packets: each is rejected with the
 * right status and err_offset, nothing after it runs, and the queue goes on
 * with the next job.
 */
#include "kselftest_harness.h"
#include "fake_host.h"

#define CMD_VA		0x10000000ull
#define HOST_VA		0x80000000ull	/* one writable host page */

FIXTURE(cmd) {
	struct fake_host host;
	struct fake_queue fq;
	struct fake_cmd cmd;
	uint64_t root;
	uint64_t *word;		/* host memory at HOST_VA */
};

FIXTURE_SETUP(cmd)
{
	struct fake_host *h = &self->host;

	ASSERT_NE(NULL, fake_host_init(h, FAKE_QPS));
	self->root = fake_alloc(h, S4_MMU_PAGE_SIZE);
	self->word = fake_ptr(h, fake_map_new(h, self->root, HOST_VA,
					      S4_MMU_PAGE_SIZE, S4_PTE_WRITE));
	fake_cmd_init(h, &self->cmd, self->root, CMD_VA, 2 * S4_MMU_PAGE_SIZE);
	fake_queue_setup(h, &self->fq, 0, 64);
}

FIXTURE_TEARDOWN(cmd)
{
	fake_host_fini(&self->host);
}

/* The next job on the queue runs normally. */
static void expect_queue_goes_on(struct __test_metadata *_metadata,
				 FIXTURE_DATA(cmd) *self)
{
	struct fake_host *h = &self->host;
	struct fake_cmd c;
	struct s4_job_desc *d;

	fake_cmd_init(h, &c, self->root, CMD_VA + 0x100000, S4_MMU_PAGE_SIZE);
	fake_cmd_nop(&c);
	d = fake_run_cmd(h, &self->fq, self->root, &c);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(d->seqno, fake_shared(h, &self->fq)->completed_seqno);
}

#define BAD_DESC_KINDS 8

static void break_desc(struct s4_job_desc *d, unsigned int kind)
{
	switch (kind) {
	case 0:
		d->flags = S4_JOB_CPU_WRITES << 1;	/* no such flag */
		break;
	case 1:
		d->reserved0 = 1;
		break;
	case 2:
		d->reserved1 = 1ull << 63;
		break;
	case 3:
		d->cmd_size = 0;
		break;
	case 4:
		d->cmd_size = 12;
		break;
	case 5:
		d->cmd_size = S4_CMD_MAX_BYTES + 8;
		break;
	case 6:
		d->pt_root += 8;
		break;
	case 7:
		d->pt_root |= 1ull << 52;
		break;
	}
}

TEST_F(cmd, malformed_descriptors_are_rejected)
{
	struct fake_host *h = &self->host;
	struct s4_job_desc *d;
	unsigned int kind;

	fake_cmd_nop(&self->cmd);
	for (kind = 0; kind < BAD_DESC_KINDS; kind++) {
		d = fake_queue_add(h, &self->fq, self->root, CMD_VA, 8, 0);
		break_desc(d, kind);
		fake_queue_publish(h, &self->fq, 1);
		fake_run(h);
		EXPECT_EQ(S4_ERR_BAD_DESC, d->status) TH_LOG("kind %u", kind);
		EXPECT_EQ(0, d->err_offset);
		EXPECT_EQ(0, d->err_addr);
		EXPECT_EQ(d->seqno, fake_shared(h, &self->fq)->completed_seqno);
		EXPECT_EQ(S4_ERR_BAD_DESC,
			  s4_card_reg_read(h->card, S4_REG_ERR_CODE));
	}
	EXPECT_EQ(BAD_DESC_KINDS, fake_rd64(h, S4_REG_CNT_JOBS));
	expect_queue_goes_on(_metadata, self);
}

TEST_F(cmd, largest_command_buffer_is_accepted)
{
	struct fake_host *h = &self->host;
	struct fake_cmd big;
	struct s4_job_desc *d;
	uint32_t i;

	fake_cmd_init(h, &big, self->root, 0x20000000ull, S4_CMD_MAX_BYTES);
	for (i = 0; i < S4_CMD_MAX_BYTES / 8 - 3; i++)
		fake_cmd_nop(&big);
	fake_cmd_fence(&big, S4_OP_FENCE_WRITE, HOST_VA, 3);
	d = fake_run_cmd(h, &self->fq, self->root, &big);
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(3, *self->word);
}

struct bad_packet {
	const char *name;
	uint16_t opcode;
	uint16_t len;		/* in 8-byte units */
	uint32_t flags;
	uint64_t body[4];
	uint32_t cmd_len;	/* bytes of the packet inside the buffer */
	enum s4_err status;
};

static const struct bad_packet bad_packets[] = {
	{ "zero length", S4_OP_NOP, 0, 0, { 0 }, 8, S4_ERR_BAD_PACKET },
	{ "past the buffer", S4_OP_NOP, 2, 0, { 0 }, 8, S4_ERR_BAD_PACKET },
	{ "fence past the buffer", S4_OP_FENCE_WRITE, 3, 0, { HOST_VA, 1 }, 16,
	  S4_ERR_BAD_PACKET },
	{ "long NOP", S4_OP_NOP, 2, 0, { 0 }, 16, S4_ERR_BAD_PACKET },
	{ "NOP flags", S4_OP_NOP, 1, 1, { 0 }, 8, S4_ERR_BAD_PACKET },
	{ "short fence", S4_OP_FENCE_WRITE, 2, 0, { HOST_VA }, 16,
	  S4_ERR_BAD_PACKET },
	{ "long fence", S4_OP_FENCE_WAIT, 4, 0, { HOST_VA, 0 }, 32,
	  S4_ERR_BAD_PACKET },
	{ "fence flags", S4_OP_FENCE_WRITE, 3, 0x100, { HOST_VA, 1 }, 24,
	  S4_ERR_BAD_PACKET },
	{ "unaligned fence", S4_OP_FENCE_WRITE, 3, 0, { HOST_VA + 4, 1 }, 24,
	  S4_ERR_BAD_ARG },
	{ "short copy", S4_OP_DMA_COPY, 3, 0, { HOST_VA, HOST_VA + 64 }, 24,
	  S4_ERR_BAD_PACKET },
	{ "copy flags", S4_OP_DMA_COPY, 4, 1, { HOST_VA, HOST_VA + 64, 8 }, 32,
	  S4_ERR_BAD_PACKET },
	{ "overlapping copy", S4_OP_DMA_COPY, 4, 0, { HOST_VA + 8, HOST_VA, 16 },
	  32, S4_ERR_BAD_ARG },
	{ "overlapping copy, dst first", S4_OP_DMA_COPY, 4, 0,
	  { HOST_VA, HOST_VA + 8, 9 }, 32, S4_ERR_BAD_ARG },
	{ "copy onto itself", S4_OP_DMA_COPY, 4, 0, { HOST_VA, HOST_VA, 1 }, 32,
	  S4_ERR_BAD_ARG },
	{ "copy larger than the VA space", S4_OP_DMA_COPY, 4, 0,
	  { 0, S4_MMU_VA_SIZE + 1, S4_MMU_VA_SIZE + 1 }, 32, S4_ERR_BAD_ARG },
	{ "long fill", S4_OP_DMA_FILL, 5, 0, { HOST_VA, 8 }, 40,
	  S4_ERR_BAD_PACKET },
	{ "fill size not a multiple of 4", S4_OP_DMA_FILL, 4, 0, { HOST_VA, 6 },
	  32, S4_ERR_BAD_ARG },
	{ "fill reserved", S4_OP_DMA_FILL, 4, 0, { HOST_VA, 8, 1ull << 32 }, 32,
	  S4_ERR_BAD_ARG },
	{ "fill larger than the VA space", S4_OP_DMA_FILL, 4, 0,
	  { 0, S4_MMU_VA_SIZE + 4 }, 32, S4_ERR_BAD_ARG },
	{ "short timestamp", S4_OP_TIMESTAMP, 1, 0, { 0 }, 8, S4_ERR_BAD_PACKET },
	{ "long timestamp", S4_OP_TIMESTAMP, 3, 0, { HOST_VA, 0 }, 24,
	  S4_ERR_BAD_PACKET },
	{ "timestamp flags", S4_OP_TIMESTAMP, 2, 1, { HOST_VA }, 16,
	  S4_ERR_BAD_PACKET },
	{ "unaligned timestamp", S4_OP_TIMESTAMP, 2, 0, { HOST_VA + 4 }, 16,
	  S4_ERR_BAD_ARG },
	{ "unknown control op", 0x0004, 1, 0, { 0 }, 8, S4_ERR_BAD_OPCODE },
	{ "unknown DMA op", 0x0102, 1, 0, { 0 }, 8, S4_ERR_BAD_OPCODE },
	{ "GEMM packet of the wrong length", S4_OP_SPU_GEMM, 4, 0, { 0 }, 32,
	  S4_ERR_BAD_PACKET },
	{ "unknown SPU op", 0x02ff, 1, 0, { 0 }, 8, S4_ERR_BAD_OPCODE },
	{ "unknown engine", 0xff00, 1, 0, { 0 }, 8, S4_ERR_BAD_OPCODE },
};

TEST_F(cmd, malformed_packets_are_rejected_at_their_offset)
{
	struct fake_host *h = &self->host;
	const struct bad_packet *bp;
	struct s4_pkt_hdr hdr;
	struct s4_job_desc *d;
	size_t i;

	for (i = 0; i < sizeof(bad_packets) / sizeof(bad_packets[0]); i++) {
		bp = &bad_packets[i];
		*self->word = 0;
		self->cmd.size = 0;
		fake_cmd_nop(&self->cmd);
		fake_cmd_nop(&self->cmd);
		hdr = (struct s4_pkt_hdr){ bp->opcode, bp->len, bp->flags };
		fake_cmd_put(&self->cmd, &hdr, sizeof(hdr));
		fake_cmd_put(&self->cmd, bp->body, bp->cmd_len - sizeof(hdr));
		/* Whatever follows must not run. */
		if (bp->len * 8 == bp->cmd_len)
			fake_cmd_fence(&self->cmd, S4_OP_FENCE_WRITE, HOST_VA, 5);

		d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
		EXPECT_EQ(bp->status, d->status) TH_LOG("%s", bp->name);
		EXPECT_EQ(16, d->err_offset) TH_LOG("%s", bp->name);
		EXPECT_EQ(0, d->err_addr) TH_LOG("%s", bp->name);
		EXPECT_NE(5, *self->word) TH_LOG("%s", bp->name);
		EXPECT_EQ(bp->status, s4_card_reg_read(h->card, S4_REG_ERR_CODE));
		EXPECT_EQ(16, s4_card_reg_read(h->card, S4_REG_ERR_INFO));
	}
	expect_queue_goes_on(_metadata, self);
}

TEST_F(cmd, an_error_stops_the_job_after_earlier_packets_ran)
{
	struct fake_host *h = &self->host;
	struct s4_pkt_hdr bad = { .opcode = 0x0042, .len = 1 };
	struct s4_job_desc *d;

	fake_cmd_fence(&self->cmd, S4_OP_FENCE_WRITE, HOST_VA, 1);
	fake_cmd_put(&self->cmd, &bad, sizeof(bad));
	fake_cmd_fence(&self->cmd, S4_OP_FENCE_WRITE, HOST_VA, 2);
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
	EXPECT_EQ(S4_ERR_BAD_OPCODE, d->status);
	EXPECT_EQ(24, d->err_offset);
	EXPECT_EQ(1, *self->word);
}

TEST_HARNESS_MAIN
