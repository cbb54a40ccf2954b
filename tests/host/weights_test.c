// SPDX-License-Identifier: MIT
/*
 * The card keeps its engine's packing of weights across jobs only while
 * nothing writes them: DMA packets, compute packets writing over them, CPU
 * stores reported through S4_REG_MEM_WRITTEN_* or, in jobs flagged
 * S4_JOB_CPU_WRITES, found by the host (mem_sync), and a reset all make the
 * next job pack them anew, and its results follow the new weights. The
 * card's counter registers show how many jobs' problems reused a packing.
 */
#include "kselftest_harness.h"
#include "fake_host.h"
#include "s4/s4_tensor.h"
#include "s4_ref.h"

#define CMD_VA		0x10000000ull
#define DEV_VA		0x40000000ull	/* all of device memory, writable */
#define HOST_VA		0x80000000ull	/* HOST_LEN of host memory, writable */
#define HOST_LEN	(1u << 20)

#define M		16u
#define N		128u
#define K		512u
/* Device memory: page-aligned tensors, as the driver places buffers. */
#define W_OFF		0x000000u
#define W2_OFF		0x100000u	/* other weights, for jobs to copy over W */
#define A_OFF		0x200000u
#define RQ_OFF		0x300000u
#define C_OFF		0x400000u

FIXTURE(weights) {
	struct fake_host host;
	struct fake_queue fq;
	struct fake_cmd cmd;
	uint64_t root;
	uint8_t *buf;		/* host memory at HOST_VA */
	size_t w_bytes;
	uint32_t seed;
};

/* Random INT8 weights pruned to s = 1 by libs4 into dst. */
static void new_weights(FIXTURE_DATA(weights) *self, uint8_t *dst)
{
	struct s4_tensor_desc d = { .n = N, .k = K, .sparsity = 1, .dtype = S4_DT_INT8 };
	int8_t dense[N * K];

	fake_fill_random((uint8_t *)dense, sizeof(dense), self->seed++);
	if (s4_tensor_prune(&d, dense, K, dst, self->w_bytes))
		abort();
}

FIXTURE_SETUP(weights)
{
	struct s4_tensor_desc d = { .n = N, .k = K, .sparsity = 1, .dtype = S4_DT_INT8 };
	struct fake_host *h = &self->host;
	struct s4_requant *rq;
	uint32_t n;

	ASSERT_NE(NULL, fake_host_init(h, FAKE_QPS));
	ASSERT_EQ(0, s4_tensor_packed_size(&d, &self->w_bytes));
	ASSERT_GE(W2_OFF - W_OFF, self->w_bytes);
	self->seed = 11;
	self->root = fake_alloc(h, S4_MMU_PAGE_SIZE);
	fake_map(h, self->root, DEV_VA, 0, FAKE_MEM_SIZE, S4_PTE_DEVMEM | S4_PTE_WRITE);
	self->buf = fake_ptr(h, fake_map_new(h, self->root, HOST_VA, HOST_LEN, S4_PTE_WRITE));
	fake_cmd_init(h, &self->cmd, self->root, CMD_VA, S4_MMU_PAGE_SIZE);
	fake_queue_setup(h, &self->fq, 0, 16);
	new_weights(self, h->dev_mem + W_OFF);
	fake_fill_random(h->dev_mem + A_OFF, M * K, self->seed++);
	rq = (struct s4_requant *)(void *)(h->dev_mem + RQ_OFF);
	for (n = 0; n < N; n++)
		rq[n] = (struct s4_requant){ .mult = 1 << 30, .shift = 38 };
}

FIXTURE_TEARDOWN(weights)
{
	fake_host_fini(&self->host);
}

static void put_gemm(struct fake_cmd *c)
{
	struct s4_pkt_gemm p = {
		.hdr = { .opcode = S4_OP_SPU_GEMM, .len = sizeof(p) / S4_PKT_ALIGN },
		.op = {
			.a_va = DEV_VA + A_OFF, .w_va = DEV_VA + W_OFF, .c_va = DEV_VA + C_OFF,
			.m = M, .n = N, .k = K, .batch = 1, .lda = K, .ldc = N,
			.dtype = S4_DT_INT8, .sparsity = 1,
			.ep = { .scale_va = DEV_VA + RQ_OFF },
		},
	};

	fake_cmd_put(c, &p, sizeof(p));
}

/*
 * Run the job built in self->cmd, ended by the GEMM; true if it completed
 * with the reference's outputs for the weights now in W. *reused: whether
 * the card reused a packing of them from an earlier job, as its counter
 * register shows.
 */
static bool run_gemm_job(struct __test_metadata *_metadata, FIXTURE_DATA(weights) *self,
			 bool *reused)
{
	struct fake_host *h = &self->host;
	uint64_t before = fake_rd64(h, S4_REG_CNT_WEIGHTS_REUSED);
	struct s4_ref_epi e = { .scale = h->dev_mem + RQ_OFF };
	static double acc[M * N];
	struct s4_job_desc *d;
	uint32_t i;
	double tol;

	put_gemm(&self->cmd);
	memset(h->dev_mem + C_OFF, 0, M * N);
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
	self->cmd.size = 0;
	EXPECT_EQ(S4_ERR_NONE, d->status);
	if (d->status)
		return false;
	*reused = fake_rd64(h, S4_REG_CNT_WEIGHTS_REUSED) > before;
	s4_ref_gemm(S4_DT_INT8, 1, M, N, K, h->dev_mem + A_OFF, K, h->dev_mem + W_OFF, acc, NULL);
	for (i = 0; i < M * N; i++)
		if ((int8_t)h->dev_mem[C_OFF + i] !=
		    s4_ref_epilogue(S4_DT_INT8, &e, i % N, acc[i], 0, NULL, &tol))
			return false;
	return true;
}

TEST_F(weights, reused_until_a_dma_packet_writes_them)
{
	bool reused;

	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_FALSE(reused);
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
	/* New weights from host memory, copied over W by the job itself. */
	new_weights(self, self->buf);
	fake_cmd_copy(&self->cmd, HOST_VA, DEV_VA + W_OFF, self->w_bytes);
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_FALSE(reused);
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
	/* A fill of one word at W's end, by an earlier job. */
	fake_cmd_fill(&self->cmd, DEV_VA + W_OFF + self->w_bytes / 4 * 4 - 4, 4, 0x05050505);
	fake_cmd_nop(&self->cmd);
	EXPECT_EQ(S4_ERR_NONE, fake_run_cmd(&self->host, &self->fq, self->root,
					    &self->cmd)->status);
	self->cmd.size = 0;
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_FALSE(reused);
}

TEST_F(weights, reused_until_a_compute_packet_writes_them)
{
	struct s4_pkt_strided p = {
		.hdr = { .opcode = S4_OP_RESHAPE_STRIDED, .len = sizeof(p) / S4_PKT_ALIGN },
		.op = {
			.in_va = DEV_VA + W2_OFF, .out_va = DEV_VA + W_OFF,
			.dims = { (uint32_t)(self->w_bytes / 8), 1, 1, 1 },
			.in_strides = { 1 }, .out_strides = { 1 }, .elem_size = 8,
		},
	};
	bool reused;

	ASSERT_EQ(0u, self->w_bytes % 8);
	new_weights(self, self->host.dev_mem + W2_OFF);
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
	fake_cmd_put(&self->cmd, &p, sizeof(p));
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_FALSE(reused);
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
}

TEST_F(weights, reused_until_the_host_finds_cpu_writes_in_flagged_jobs)
{
	struct fake_host *h = &self->host;
	unsigned int syncs;
	bool reused;

	h->job_flags = S4_JOB_CPU_WRITES;
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	syncs = h->mem_syncs;
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
	EXPECT_LT(syncs, h->mem_syncs);		/* the card asked first */
	new_weights(self, h->dev_mem + W_OFF);
	fake_dev_written(h, W_OFF, self->w_bytes);
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_FALSE(reused);
	/* A write to other memory (here A's) leaves W's packing alone. */
	fake_fill_random(h->dev_mem + A_OFF, M * K, self->seed++);
	fake_dev_written(h, A_OFF, M * K);
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
}

/* Unflagged jobs cost no search for CPU writes: they trust the reports. */
TEST_F(weights, unflagged_jobs_do_not_ask_the_host)
{
	struct fake_host *h = &self->host;
	bool reused;

	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
	EXPECT_EQ(0, h->mem_syncs);
}

static void report_written(struct fake_host *h, uint64_t off, uint32_t len)
{
	s4_card_reg_write(h->card, S4_REG_MEM_WRITTEN_LO, (uint32_t)off);
	s4_card_reg_write(h->card, S4_REG_MEM_WRITTEN_HI, (uint32_t)(off >> 32));
	s4_card_reg_write(h->card, S4_REG_MEM_WRITTEN_LEN, len);
}

TEST_F(weights, reused_until_a_register_reports_cpu_writes)
{
	struct fake_host *h = &self->host;
	bool reused;

	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	/* Another range, then a range past device memory: nothing dropped. */
	report_written(h, A_OFF, M * K);
	report_written(h, FAKE_MEM_SIZE - 4096, 4097);
	EXPECT_EQ(1, h->guest_errors);
	EXPECT_EQ(S4_ERR_BAD_VALUE, s4_card_reg_read(h->card, S4_REG_ERR_CODE));
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
	/* One byte of W is enough; nobody was asked. */
	new_weights(self, h->dev_mem + W_OFF);
	report_written(h, W_OFF + self->w_bytes - 1, 1);
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_FALSE(reused);
	EXPECT_EQ(0, h->mem_syncs);
}

/* Without mem_sync, flagged jobs cannot find CPU writes: they never reuse. */
TEST_F(weights, flagged_jobs_never_reuse_when_the_host_cannot_find_writes)
{
	bool reused;
	int i;

	self->host.card->host.mem_sync = NULL;
	self->host.job_flags = S4_JOB_CPU_WRITES;
	for (i = 0; i < 3; i++) {
		ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
		EXPECT_FALSE(reused);
	}
	/* Unflagged jobs trust the reports, and need no mem_sync. */
	self->host.job_flags = 0;
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
}

TEST_F(weights, not_reused_after_a_reset)
{
	bool reused;

	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_TRUE(reused);
	s4_card_reset(self->host.card);
	fake_queue_setup(&self->host, &self->fq, 0, 16);
	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_FALSE(reused);
}

/*
 * A 3x3 stride-1 conv over 8x8x64 INT8, s = 8, into 64 channels: the engine
 * reads its zero-padded input in place (10 x 10 virtual rows for 64 outputs
 * are within its waste bound). Weights at W2_OFF, input at A_OFF, output
 * at C_OFF.
 */
static void put_implicit_conv(FIXTURE_DATA(weights) *self)
{
	struct s4_tensor_desc d = { .n = 64, .k = 9 * 64, .sparsity = 8, .dtype = S4_DT_INT8 };
	struct s4_pkt_conv2d p = {
		.hdr = { .opcode = S4_OP_SPU_CONV2D, .len = sizeof(p) / S4_PKT_ALIGN },
		.op = {
			.x_va = DEV_VA + A_OFF, .w_va = DEV_VA + W2_OFF, .y_va = DEV_VA + C_OFF,
			.batch = 1, .in_h = 8, .in_w = 8, .in_c = 64,
			.out_h = 8, .out_w = 8, .out_c = 64, .groups = 1,
			.kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1,
			.pad_h = 1, .pad_w = 1, .dil_h = 1, .dil_w = 1,
			.dtype = S4_DT_INT8, .sparsity = 8,
			.ep = { .scale_va = DEV_VA + RQ_OFF },
		},
	};
	int8_t dense[64 * 9 * 64];
	size_t bytes;

	fake_fill_random((uint8_t *)dense, sizeof(dense), self->seed++);
	if (s4_tensor_packed_size(&d, &bytes) ||
	    s4_tensor_prune(&d, dense, d.k, self->host.dev_mem + W2_OFF, bytes))
		abort();
	fake_cmd_put(&self->cmd, &p, sizeof(p));
}

/* The counter registers: SPU problems, implicit convs and packings reused, since reset. */
TEST_F(weights, counters_show_problems_and_reuses_since_reset)
{
	struct fake_host *h = &self->host;
	struct s4_job_desc *d;
	bool reused;
	int i;

	ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	s4_card_reset(h->card);
	fake_queue_setup(h, &self->fq, 0, 16);
	EXPECT_EQ(0, fake_rd64(h, S4_REG_CNT_SPU_PROBLEMS));
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(run_gemm_job(_metadata, self, &reused));
	EXPECT_EQ(3, fake_rd64(h, S4_REG_CNT_SPU_PROBLEMS));
	EXPECT_EQ(2, fake_rd64(h, S4_REG_CNT_WEIGHTS_REUSED));
	EXPECT_EQ(0, fake_rd64(h, S4_REG_CNT_CONV_IMPLICIT));
	put_implicit_conv(self);
	d = fake_run_cmd(h, &self->fq, self->root, &self->cmd);
	self->cmd.size = 0;
	EXPECT_EQ(S4_ERR_NONE, d->status);
	EXPECT_EQ(4, fake_rd64(h, S4_REG_CNT_SPU_PROBLEMS));
	EXPECT_EQ(1, fake_rd64(h, S4_REG_CNT_CONV_IMPLICIT));
	EXPECT_EQ(2, fake_rd64(h, S4_REG_CNT_WEIGHTS_REUSED));
	s4_card_reset(h->card);
	EXPECT_EQ(0, fake_rd64(h, S4_REG_CNT_SPU_PROBLEMS));
	EXPECT_EQ(0, fake_rd64(h, S4_REG_CNT_CONV_IMPLICIT));
	EXPECT_EQ(0, fake_rd64(h, S4_REG_CNT_WEIGHTS_REUSED));
}

TEST_HARNESS_MAIN
