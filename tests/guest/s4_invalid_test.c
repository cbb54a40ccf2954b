// SPDX-License-Identifier: MIT
/*
 * Bad input to SUBMIT and WAIT, through the raw ioctls (libs4 would refuse
 * most of it first): each is rejected with its errno. Malformed packet
 * streams pass the driver and are rejected by the card: the job ends with
 * -EIO and the card's error code and packet offset, and the file stays
 * usable.
 */
#include <stdint.h>
#include <sys/ioctl.h>

#include <xf86drm.h>
#include <drm/s4_accel.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"
#include "s4_cmd.h"

#define PAGE 4096u

FIXTURE(raw) {
	struct s4_device *dev;
	int fd;
	struct s4_bo *cmd, *data;
	uint8_t *cmd_map;
	void *data_map;
	uint32_t syncobj;
	struct drm_s4_sync out;
	uint32_t bo_handles[1];
	struct drm_s4_submit args;	/* a valid submit of one NOP */
};

FIXTURE_SETUP(raw)
{
	struct s4_pkt_hdr nop = { .opcode = S4_OP_NOP, .len = 1 };
	void *map;

	ASSERT_EQ(0, s4_open_index(0, &self->dev));
	self->fd = s4_device_fd(self->dev);
	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &self->cmd, &map));
	self->cmd_map = map;
	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &self->data, &self->data_map));
	memcpy(self->cmd_map, &nop, sizeof(nop));
	ASSERT_EQ(0, s4_syncobj_create(self->dev, &self->syncobj));
	self->out.handle = self->syncobj;
	self->bo_handles[0] = s4_bo_handle(self->data);
	self->args = (struct drm_s4_submit){
		.cmd_handle = s4_bo_handle(self->cmd),
		.subsystem = 0,
		.cmd_offset = 0,
		.cmd_size = 8,
		.bo_handles = (uintptr_t)self->bo_handles,
		.bo_count = 1,
		.out_syncs = (uintptr_t)&self->out,
		.out_sync_count = 1,
	};
}

FIXTURE_TEARDOWN(raw)
{
	s4_syncobj_destroy(self->dev, self->syncobj);
	s4_bo_free(self->cmd);
	s4_bo_free(self->data);
	s4_close(self->dev);
}

/* SUBMIT with @a: 0 or the errno. */
static int submit(int fd, struct drm_s4_submit *a)
{
	return ioctl(fd, DRM_IOCTL_S4_SUBMIT, a) ? errno : 0;
}

static int wait_raw(int fd, struct drm_s4_wait *w)
{
	return ioctl(fd, DRM_IOCTL_S4_WAIT, w) ? errno : 0;
}

TEST_F(raw, the_baseline_submit_is_valid)
{
	struct drm_s4_wait w = {
		.type = DRM_S4_WAIT_SYNCOBJ, .handle = self->syncobj,
		.timeout_ns = s4_deadline_ns(S4T_WAIT_NS),
	};

	ASSERT_EQ(0, submit(self->fd, &self->args));
	EXPECT_GE(self->args.seqno, 1);
	ASSERT_EQ(0, wait_raw(self->fd, &w));
	EXPECT_EQ(0, w.error);
	EXPECT_EQ(S4_ERR_NONE, w.card_error);
}

TEST_F(raw, unknown_submit_flag_is_einval)
{
	self->args.flags = 1;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
	self->args.flags = 1u << 31;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, nonzero_sync_flags_are_einval)
{
	self->out.flags = 1;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, cmd_offset_not_a_multiple_of_8_is_einval)
{
	self->args.cmd_offset = 4;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, cmd_size_not_a_multiple_of_8_is_einval)
{
	self->args.cmd_size = 12;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, zero_cmd_size_is_einval)
{
	self->args.cmd_size = 0;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, cmd_range_outside_the_bo_is_einval)
{
	self->args.cmd_offset = PAGE;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
	self->args.cmd_offset = PAGE - 8;
	self->args.cmd_size = 16;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
	self->args.cmd_offset = 0;
	self->args.cmd_size = 2 * PAGE;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, overflowing_cmd_range_is_einval)
{
	self->args.cmd_offset = UINT64_MAX - 7;
	self->args.cmd_size = 16;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
	self->args.cmd_offset = 8;
	self->args.cmd_size = UINT64_MAX - 7;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, unknown_subsystem_is_einval)
{
	self->args.subsystem = 4;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
	self->args.subsystem = DRM_S4_SUBSYSTEM_ANY - 1;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, unknown_cmd_handle_is_enoent)
{
	self->args.cmd_handle = 0x7fffffff;
	EXPECT_EQ(ENOENT, submit(self->fd, &self->args));
}

TEST_F(raw, unknown_bo_handle_is_enoent)
{
	self->bo_handles[0] = 0x7fffffff;
	EXPECT_EQ(ENOENT, submit(self->fd, &self->args));
}

TEST_F(raw, unknown_in_sync_is_enoent)
{
	struct drm_s4_sync in = { .handle = 0x7fffffff };

	self->args.in_syncs = (uintptr_t)&in;
	self->args.in_sync_count = 1;
	EXPECT_EQ(ENOENT, submit(self->fd, &self->args));
}

TEST_F(raw, unknown_out_sync_is_enoent)
{
	self->out.handle = 0x7fffffff;
	EXPECT_EQ(ENOENT, submit(self->fd, &self->args));
}

TEST_F(raw, too_many_bos_is_einval)
{
	self->args.bo_count = UINT32_MAX;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, too_many_syncs_is_einval)
{
	self->args.out_sync_count = UINT32_MAX;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
	self->args.out_sync_count = 1;
	self->args.in_sync_count = UINT32_MAX;
	self->args.in_syncs = (uintptr_t)&self->out;
	EXPECT_EQ(EINVAL, submit(self->fd, &self->args));
}

TEST_F(raw, bad_user_pointer_is_efault)
{
	self->args.bo_handles = 16;
	EXPECT_EQ(EFAULT, submit(self->fd, &self->args));
}

TEST_F(raw, rejected_submit_signals_nothing)
{
	uint64_t point = 7;

	self->args.flags = 1;
	self->out.point = 1;
	ASSERT_EQ(EINVAL, submit(self->fd, &self->args));
	ASSERT_EQ(0, s4_syncobj_query(self->dev, self->syncobj, &point));
	EXPECT_EQ(0, point);
}

TEST_F(raw, wait_with_unknown_type_is_einval)
{
	struct drm_s4_wait w = { .type = 2, .handle = self->syncobj };

	EXPECT_EQ(EINVAL, wait_raw(self->fd, &w));
}

TEST_F(raw, wait_with_nonzero_pad_is_einval)
{
	struct drm_s4_wait w = {
		.type = DRM_S4_WAIT_BO, .handle = s4_bo_handle(self->data), .pad = 1,
	};

	EXPECT_EQ(EINVAL, wait_raw(self->fd, &w));
}

TEST_F(raw, wait_on_unknown_handles_is_enoent)
{
	struct drm_s4_wait w = { .type = DRM_S4_WAIT_SYNCOBJ, .handle = 0x7fffffff };

	EXPECT_EQ(ENOENT, wait_raw(self->fd, &w));
	w.type = DRM_S4_WAIT_BO;
	EXPECT_EQ(ENOENT, wait_raw(self->fd, &w));
}

TEST_F(raw, wait_past_its_deadline_is_etime)
{
	struct s4_pkt_fence gate = {
		.hdr = { .opcode = S4_OP_FENCE_WAIT, .len = 3 },
		.value = 1,
	};
	volatile uint64_t *word = self->data_map;
	struct drm_s4_wait w = {
		.type = DRM_S4_WAIT_SYNCOBJ, .handle = self->syncobj,
	};
	int64_t t0;

	/* A job held by a fence word the CPU writes only after the wait. */
	*word = 0;
	gate.va = s4_bo_va(self->data);
	memcpy(self->cmd_map, &gate, sizeof(gate));
	self->args.cmd_size = sizeof(gate);
	ASSERT_EQ(0, submit(self->fd, &self->args));
	t0 = s4_deadline_ns(0);
	w.timeout_ns = t0 + 20 * 1000000;
	EXPECT_EQ(ETIME, wait_raw(self->fd, &w));
	EXPECT_GE(s4_deadline_ns(0), t0 + 20 * 1000000);
	w.type = DRM_S4_WAIT_BO;
	w.handle = s4_bo_handle(self->data);
	EXPECT_EQ(ETIME, wait_raw(self->fd, &w));
	*word = 1;
	w.type = DRM_S4_WAIT_SYNCOBJ;
	w.handle = self->syncobj;
	w.timeout_ns = s4_deadline_ns(S4T_WAIT_NS);
	ASSERT_EQ(0, wait_raw(self->fd, &w));
	EXPECT_EQ(0, w.error);
}

TEST_F(raw, bo_wait_with_a_point_is_einval)
{
	struct drm_s4_wait w = {
		.type = DRM_S4_WAIT_BO, .handle = s4_bo_handle(self->data), .point = 1,
	};

	EXPECT_EQ(EINVAL, wait_raw(self->fd, &w));
}

/* ---- malformed packet streams: the card rejects the job ---------------- */

/* Runs @bytes of raw packets from the command BO; the job's status in @st. */
static int run_packets(struct __test_metadata *_metadata, FIXTURE_DATA(raw) *self,
		       const void *pkts, size_t bytes, uint64_t cmd_size,
		       struct s4_job_status *st)
{
	memcpy(self->cmd_map, pkts, bytes);
	self->args.cmd_size = cmd_size;
	if (submit(self->fd, &self->args))
		return -errno;
	return s4_wait(self->dev, (struct s4_sync){ self->syncobj, 0 },
		       s4_deadline_ns(S4T_WAIT_NS), st);
}

#define EXPECT_JOB_FAILS(pkts, cmd_size, want_card_err, want_offset) do { \
	struct s4_job_status st_ = { 0 }; \
	ASSERT_EQ(0, run_packets(_metadata, self, (pkts), sizeof(pkts), (cmd_size), &st_)); \
	EXPECT_EQ(-EIO, st_.error); \
	EXPECT_EQ((want_card_err), st_.card_error) \
		TH_LOG("card error %u: %s", st_.card_error, s4_card_strerror(st_.card_error)); \
	EXPECT_EQ((want_offset), st_.err_offset); \
} while (0)

TEST_F(raw, unknown_opcode_fails_the_job_with_eio_bad_opcode)
{
	const struct s4_pkt_hdr pkts[2] = {
		{ .opcode = S4_OP_NOP, .len = 1 },
		{ .opcode = 0x7777, .len = 1 },
	};

	EXPECT_JOB_FAILS(pkts, 16, S4_ERR_BAD_OPCODE, 8);
}

TEST_F(raw, zero_packet_length_fails_the_job_with_eio_bad_packet)
{
	const struct s4_pkt_hdr pkts[2] = {
		{ .opcode = S4_OP_NOP, .len = 1 },
		{ .opcode = S4_OP_NOP, .len = 0 },
	};

	EXPECT_JOB_FAILS(pkts, 16, S4_ERR_BAD_PACKET, 8);
}

TEST_F(raw, wrong_packet_length_fails_the_job_with_eio_bad_packet)
{
	struct s4_pkt_dma_copy pkts[2] = { 0 };

	pkts[0].hdr = (struct s4_pkt_hdr){ .opcode = S4_OP_DMA_COPY, .len = 3 };
	pkts[0].src_va = s4_bo_va(self->data);
	pkts[0].dst_va = s4_bo_va(self->data) + 64;
	pkts[0].size = 8;
	EXPECT_JOB_FAILS(pkts, sizeof(pkts), S4_ERR_BAD_PACKET, 0);
}

TEST_F(raw, packet_running_past_the_end_fails_the_job_with_eio_bad_packet)
{
	struct s4_pkt_dma_copy pkt = {
		.hdr = { .opcode = S4_OP_DMA_COPY, .len = 4 },
		.src_va = s4_bo_va(self->data),
		.dst_va = s4_bo_va(self->data) + 64,
		.size = 8,
	};
	uint8_t pkts[8 + sizeof(pkt)];
	const struct s4_pkt_hdr nop = { .opcode = S4_OP_NOP, .len = 1 };

	memcpy(pkts, &nop, 8);
	memcpy(pkts + 8, &pkt, sizeof(pkt));
	/* The copy packet is cut after 16 of its 32 bytes. */
	EXPECT_JOB_FAILS(pkts, 24, S4_ERR_BAD_PACKET, 8);
}

TEST_F(raw, undefined_packet_flags_fail_the_job_with_eio)
{
	const struct s4_pkt_hdr pkts[1] = { { .opcode = S4_OP_NOP, .len = 1, .flags = 1 } };
	struct s4_job_status st = { 0 };

	ASSERT_EQ(0, run_packets(_metadata, self, pkts, sizeof(pkts), 8, &st));
	EXPECT_EQ(-EIO, st.error);
	EXPECT_NE(S4_ERR_NONE, st.card_error);
}

TEST_F(raw, fill_size_not_a_multiple_of_4_fails_the_job_with_eio_bad_arg)
{
	struct s4_pkt_dma_fill pkts[1] = { {
		.hdr = { .opcode = S4_OP_DMA_FILL, .len = 4 },
		.size = 6,
	} };

	pkts[0].dst_va = s4_bo_va(self->data);
	EXPECT_JOB_FAILS(pkts, sizeof(pkts), S4_ERR_BAD_ARG, 0);
}

TEST_F(raw, misaligned_fence_fails_the_job_with_eio_bad_arg)
{
	struct s4_pkt_fence pkts[1] = { {
		.hdr = { .opcode = S4_OP_FENCE_WRITE, .len = 3 },
		.value = 1,
	} };

	pkts[0].va = s4_bo_va(self->data) + 4;
	EXPECT_JOB_FAILS(pkts, sizeof(pkts), S4_ERR_BAD_ARG, 0);
}

TEST_F(raw, rejected_packet_does_not_stop_the_file)
{
	const struct s4_pkt_hdr bad[1] = { { .opcode = 0x7777, .len = 1 } };
	const struct s4_pkt_hdr good[1] = { { .opcode = S4_OP_NOP, .len = 1 } };
	struct s4_job_status st = { 0 };

	ASSERT_EQ(0, run_packets(_metadata, self, bad, sizeof(bad), 8, &st));
	ASSERT_EQ(-EIO, st.error);
	ASSERT_EQ(0, run_packets(_metadata, self, good, sizeof(good), 8, &st));
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(S4_ERR_NONE, st.card_error);
}

TEST_HARNESS_MAIN
