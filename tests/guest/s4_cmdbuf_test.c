// SPDX-License-Identifier: MIT
/*
 * The libs4 command-buffer builder, syncobj helpers and small utilities:
 * argument checks, growth, reuse and resubmission.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"
#include "s4_cmd.h"
#include "s4_queue.h"

#define PAGE 4096u

FIXTURE(cb) {
	struct s4_device *dev;
	struct s4_cmdbuf *cb;
	struct s4_bo *bo;
	void *map;
};

FIXTURE_SETUP(cb)
{
	ASSERT_EQ(0, s4_open_index(0, &self->dev));
	ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &self->cb));
	ASSERT_EQ(0, s4t_bo(self->dev, 64 * PAGE, S4_PLACEMENT_HOST, &self->bo, &self->map));
}

FIXTURE_TEARDOWN(cb)
{
	s4_bo_free(self->bo);
	s4_cmdbuf_free(self->cb);
	s4_close(self->dev);
}

#define RUN_OK() do { \
	struct s4_job_status st_ = { .error = 1 }; \
	ASSERT_EQ(0, s4t_run(self->dev, self->cb, 0, &st_)); \
	ASSERT_EQ(0, st_.error); \
} while (0)

TEST_F(cb, packets_have_their_documented_sizes)
{
	EXPECT_EQ(0, s4_cmdbuf_size(self->cb));
	ASSERT_EQ(0, s4_cmdbuf_nop(self->cb));
	EXPECT_EQ(sizeof(struct s4_pkt_hdr), s4_cmdbuf_size(self->cb));
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(self->bo, 0), 1));
	EXPECT_EQ(8 + sizeof(struct s4_pkt_fence), s4_cmdbuf_size(self->cb));
	ASSERT_EQ(0, s4_cmdbuf_fence_wait(self->cb, s4_bo_addr(self->bo, 0), 0));
	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(self->bo, 0),
				    s4_bo_addr(self->bo, PAGE), 16));
	ASSERT_EQ(0, s4_cmdbuf_fill(self->cb, s4_bo_addr(self->bo, 0), 16, 0));
	ASSERT_EQ(0, s4_cmdbuf_timestamp(self->cb, s4_bo_addr(self->bo, 0)));
	EXPECT_EQ(8 + 24 + 24 + 32 + 32 + sizeof(struct s4_pkt_timestamp),
		  s4_cmdbuf_size(self->cb));
	RUN_OK();
}

TEST_F(cb, out_of_range_bo_address_is_erange_and_changes_nothing)
{
	uint64_t size = s4_bo_size(self->bo);

	EXPECT_EQ(-ERANGE, s4_cmdbuf_copy(self->cb, s4_bo_addr(self->bo, size - 8),
					  s4_bo_addr(self->bo, 0), 16));
	EXPECT_EQ(-ERANGE, s4_cmdbuf_fill(self->cb, s4_bo_addr(self->bo, size + 4), 4, 0));
	EXPECT_EQ(-ERANGE, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(self->bo, size), 1));
	EXPECT_EQ(-ERANGE, s4_cmdbuf_copy(self->cb, s4_bo_addr(self->bo, 0),
					  s4_bo_addr(self->bo, 8), UINT64_MAX));
	EXPECT_EQ(0, s4_cmdbuf_size(self->cb));
	EXPECT_EQ(0, s4_cmdbuf_bo_count(self->cb));
	/* The last bytes of the BO are in range. */
	EXPECT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(self->bo, size - 8), 1));
}

TEST_F(cb, misaligned_fence_or_timestamp_is_einval)
{
	EXPECT_EQ(-EINVAL, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(self->bo, 4), 1));
	EXPECT_EQ(-EINVAL, s4_cmdbuf_fence_wait(self->cb, s4_va_addr(s4_bo_va(self->bo) + 1), 1));
	EXPECT_EQ(-EINVAL, s4_cmdbuf_timestamp(self->cb, s4_bo_addr(self->bo, 12)));
	EXPECT_EQ(-ERANGE, s4_cmdbuf_timestamp(self->cb, s4_bo_addr(self->bo,
								  s4_bo_size(self->bo))));
	EXPECT_EQ(0, s4_cmdbuf_size(self->cb));
	EXPECT_EQ(0, s4_cmdbuf_bo_count(self->cb));
}

/*
 * Timestamps around a DMA copy time it on the card: later than the one
 * before, no longer than the whole job as the CPU sees it, and a later job's
 * timestamps come later.
 */
TEST_F(cb, timestamps_time_the_packets_between_them)
{
	const uint64_t size = 8u << 20;
	struct s4_bo *src, *dst;
	uint64_t *ts = self->map, last = 0;
	struct timespec a, b;
	unsigned int round;
	int64_t wall_ns;

	ASSERT_EQ(0, s4_bo_create(self->dev, size, S4_PLACEMENT_DEVICE, &src));
	ASSERT_EQ(0, s4_bo_create(self->dev, size, S4_PLACEMENT_DEVICE, &dst));
	ASSERT_EQ(0, s4_cmdbuf_timestamp(self->cb, s4_bo_addr(self->bo, 0)));
	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(dst, 0), s4_bo_addr(src, 0), size));
	ASSERT_EQ(0, s4_cmdbuf_timestamp(self->cb, s4_bo_addr(self->bo, 8)));
	ASSERT_EQ(0, s4_cmdbuf_timestamp(self->cb, s4_bo_addr(self->bo, 16)));
	for (round = 0; round < 3; round++) {
		memset(ts, 0, 24);
		clock_gettime(CLOCK_MONOTONIC, &a);
		RUN_OK();
		clock_gettime(CLOCK_MONOTONIC, &b);
		wall_ns = (b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec);
		EXPECT_LT(last, ts[0]) TH_LOG("round %u", round);
		EXPECT_LT(ts[0], ts[1]) TH_LOG("round %u", round);
		EXPECT_LE(ts[1], ts[2]) TH_LOG("round %u", round);
		EXPECT_LT(ts[1] - ts[0], (uint64_t)wall_ns)
			TH_LOG("round %u: copy %llu ns on the card, job %lld ns", round,
			       (unsigned long long)(ts[1] - ts[0]), (long long)wall_ns);
		last = ts[2];
	}
	s4_bo_free(src);
	s4_bo_free(dst);
}

TEST_F(cb, fill_size_not_a_multiple_of_4_is_einval)
{
	EXPECT_EQ(-EINVAL, s4_cmdbuf_fill(self->cb, s4_bo_addr(self->bo, 0), 6, 0));
	EXPECT_EQ(0, s4_cmdbuf_size(self->cb));
}

TEST_F(cb, bo_of_another_open_is_exdev)
{
	struct s4_device *other;
	struct s4_bo *bo;

	ASSERT_EQ(0, s4_open_index(0, &other));
	ASSERT_EQ(0, s4_bo_create(other, PAGE, S4_PLACEMENT_HOST, &bo));
	EXPECT_EQ(-EXDEV, s4_cmdbuf_use_bo(self->cb, bo));
	EXPECT_EQ(-EXDEV, s4_cmdbuf_fill(self->cb, s4_bo_addr(bo, 0), 4, 0));
	EXPECT_EQ(0, s4_cmdbuf_size(self->cb));
	s4_bo_free(bo);
	s4_close(other);
}

TEST_F(cb, empty_cmdbuf_submit_is_einval)
{
	EXPECT_EQ(-EINVAL, s4_submit(self->cb, 0, NULL, 0, NULL, 0, NULL));
}

TEST_F(cb, bo_list_holds_each_bo_once)
{
	struct s4_bo *other;

	ASSERT_EQ(0, s4_bo_create(self->dev, PAGE, S4_PLACEMENT_DEVICE, &other));
	ASSERT_EQ(0, s4_cmdbuf_use_bo(self->cb, self->bo));
	ASSERT_EQ(0, s4_cmdbuf_use_bo(self->cb, self->bo));
	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(other, 0), s4_bo_addr(self->bo, 0), 8));
	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(self->bo, 64), s4_bo_addr(other, 0), 8));
	EXPECT_EQ(2, s4_cmdbuf_bo_count(self->cb));
	/* Raw addresses add nothing. */
	ASSERT_EQ(0, s4_cmdbuf_nop(self->cb));
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_va_addr(s4_bo_va(self->bo)), 1));
	EXPECT_EQ(2, s4_cmdbuf_bo_count(self->cb));
	RUN_OK();
	s4_bo_free(other);
}

TEST_F(cb, growing_past_a_page_runs_every_packet)
{
	const unsigned int n = 3000;	/* 72000 bytes of fence packets */
	volatile uint64_t *w = self->map;
	unsigned int bad = 0;

	for (unsigned int i = 0; i < n; i++)
		w[i] = 0;
	for (unsigned int i = 0; i < n; i++) {
		ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(self->bo, 8 * i),
						   1000 + i));
	}
	EXPECT_EQ(n * sizeof(struct s4_pkt_fence), s4_cmdbuf_size(self->cb));
	RUN_OK();
	for (unsigned int i = 0; i < n; i++)
		bad += w[i] != 1000 + i;
	EXPECT_EQ(0, bad);
}

TEST_F(cb, full_cmdbuf_is_e2big_and_still_runs)
{
	int ret = 0;
	size_t n = 0;

	while (!(ret = s4_cmdbuf_nop(self->cb)))
		n++;
	EXPECT_EQ(-E2BIG, ret);
	EXPECT_EQ(S4_CMD_MAX_BYTES / sizeof(struct s4_pkt_hdr), n);
	EXPECT_EQ(S4_CMD_MAX_BYTES, s4_cmdbuf_size(self->cb));
	RUN_OK();
}

TEST_F(cb, resubmitting_a_cmdbuf_runs_it_again)
{
	uint8_t *p = self->map;

	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(self->bo, PAGE),
				    s4_bo_addr(self->bo, 0), PAGE));
	memset(p, 1, PAGE);
	RUN_OK();
	EXPECT_EQ(-1, s4t_find_not(p + PAGE, 1, PAGE));
	memset(p, 2, PAGE);
	RUN_OK();
	EXPECT_EQ(-1, s4t_find_not(p + PAGE, 2, PAGE));
}

/*
 * Job 1 is held by a fence; meanwhile the buffer is reset and refilled for
 * job 2. Job 1 must still run its own packets, not job 2's.
 */
TEST_F(cb, reset_does_not_change_a_job_already_submitted)
{
	volatile uint64_t *w = self->map;
	struct s4_sync s1 = { 0, 1 }, s2 = { 0, 2 };
	struct s4_job_status st = { .error = 1 };

	w[0] = w[1] = w[2] = 0;
	ASSERT_EQ(0, s4_syncobj_create(self->dev, &s1.handle));
	s2.handle = s1.handle;
	ASSERT_EQ(0, s4_cmdbuf_fence_wait(self->cb, s4_bo_addr(self->bo, 0), 1));
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(self->bo, 8), 11));
	ASSERT_EQ(0, s4_submit(self->cb, 0, NULL, 0, &s1, 1, NULL));
	ASSERT_EQ(0, s4_cmdbuf_reset(self->cb));
	EXPECT_EQ(0, s4_cmdbuf_size(self->cb));
	EXPECT_EQ(0, s4_cmdbuf_bo_count(self->cb));
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(self->bo, 16), 22));
	ASSERT_EQ(0, s4_submit(self->cb, 1, &s1, 1, &s2, 1, NULL));
	s4t_msleep(50);
	EXPECT_EQ(0, w[1]);
	EXPECT_EQ(0, w[2]);
	w[0] = 1;
	ASSERT_EQ(0, s4_wait(self->dev, s2, s4_deadline_ns(S4T_WAIT_NS), &st));
	EXPECT_EQ(0, st.error);
	ASSERT_EQ(0, s4_wait(self->dev, s1, s4_deadline_ns(S4T_WAIT_NS), &st));
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(11, w[1]);
	EXPECT_EQ(22, w[2]);
	s4_syncobj_destroy(self->dev, s1.handle);
}

TEST_F(cb, appending_after_submit_leaves_the_submitted_job_alone)
{
	volatile uint64_t *w = self->map;

	w[0] = w[1] = 0;
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(self->bo, 0), 1));
	RUN_OK();
	EXPECT_EQ(1, w[0]);
	EXPECT_EQ(0, w[1]);
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(self->bo, 8), 2));
	w[0] = 0;
	RUN_OK();
	EXPECT_EQ(1, w[0]);
	EXPECT_EQ(2, w[1]);
}

TEST_F(cb, timeline_syncobj_helpers_signal_query_and_wait)
{
	uint32_t h;
	uint64_t point = 99;

	ASSERT_EQ(0, s4_syncobj_create(self->dev, &h));
	ASSERT_EQ(0, s4_syncobj_query(self->dev, h, &point));
	EXPECT_EQ(0, point);
	ASSERT_EQ(0, s4_syncobj_signal(self->dev, (struct s4_sync){ h, 5 }));
	ASSERT_EQ(0, s4_syncobj_query(self->dev, h, &point));
	EXPECT_EQ(5, point);
	EXPECT_EQ(0, s4_syncobj_wait(self->dev, (struct s4_sync){ h, 5 }, s4_deadline_ns(0)));
	EXPECT_EQ(0, s4_syncobj_wait(self->dev, (struct s4_sync){ h, 3 }, s4_deadline_ns(0)));
	EXPECT_EQ(-ETIME, s4_syncobj_wait(self->dev, (struct s4_sync){ h, 6 },
					  s4_deadline_ns(20 * 1000000)));
	EXPECT_EQ(0, s4_syncobj_destroy(self->dev, h));
	EXPECT_EQ(-EINVAL, s4_syncobj_destroy(self->dev, h));
}

TEST_F(cb, binary_syncobj_helpers_signal_and_wait)
{
	uint32_t h;

	ASSERT_EQ(0, s4_syncobj_create(self->dev, &h));
	EXPECT_EQ(-ETIME, s4_syncobj_wait(self->dev, (struct s4_sync){ h, 0 },
					  s4_deadline_ns(20 * 1000000)));
	ASSERT_EQ(0, s4_syncobj_signal(self->dev, (struct s4_sync){ h, 0 }));
	EXPECT_EQ(0, s4_syncobj_wait(self->dev, (struct s4_sync){ h, 0 }, s4_deadline_ns(0)));
	s4_syncobj_destroy(self->dev, h);
}

TEST(deadline_is_now_plus_timeout_and_saturates)
{
	struct timespec ts;
	int64_t now, d;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	d = s4_deadline_ns(1000000000);
	EXPECT_GE(d, now + 1000000000);
	EXPECT_LT(d, now + 2000000000);
	EXPECT_EQ(S4_DEADLINE_NEVER, s4_deadline_ns(S4_DEADLINE_NEVER));
	EXPECT_EQ(S4_DEADLINE_NEVER, s4_deadline_ns(S4_DEADLINE_NEVER - 1));
}

TEST(card_strerror_names_every_card_error)
{
	for (uint32_t e = S4_ERR_NONE; e <= S4_ERR_BAD_DESC; e++) {
		EXPECT_NE(NULL, s4_card_strerror(e));
		EXPECT_STRNE("unknown card error", s4_card_strerror(e));
		for (uint32_t f = S4_ERR_NONE; f < e; f++) {
			EXPECT_STRNE(s4_card_strerror(f), s4_card_strerror(e));
		}
	}
	EXPECT_STREQ("unknown card error", s4_card_strerror(S4_ERR_BAD_DESC + 1));
	EXPECT_STREQ("unknown card error", s4_card_strerror(UINT32_MAX));
}

TEST_HARNESS_MAIN
