// SPDX-License-Identifier: MIT
/*
 * Jobs that do work: DMA copies and fills checked byte for byte, fences,
 * ordering through syncobjs across subsystems, all subsystems busy at once.
 */
#include <stdint.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"

#define PAGE 4096u

FIXTURE(job) {
	struct s4_device *dev;
	struct s4_cmdbuf *cb;
};

FIXTURE_SETUP(job)
{
	ASSERT_EQ(0, s4_open_index(0, &self->dev));
	ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &self->cb));
}

FIXTURE_TEARDOWN(job)
{
	s4_cmdbuf_free(self->cb);
	s4_close(self->dev);
}

/* Runs self->cb on @ss and expects success. */
#define RUN_OK(ss) do { \
	struct s4_job_status st_ = { .error = 1 }; \
	ASSERT_EQ(0, s4t_run(self->dev, self->cb, (ss), &st_)); \
	ASSERT_EQ(0, st_.error) TH_LOG("job failed: %s, card: %s at +%u", \
		s4_strerror(st_.error), s4_card_strerror(st_.card_error), st_.err_offset); \
	EXPECT_EQ(S4_ERR_NONE, st_.card_error); \
} while (0)

static const uint64_t copy_sizes[] = {
	1, 8, 13, PAGE, PAGE + 1, 3 * PAGE - 5, 16 * PAGE, 1000003, 4u << 20,
};

TEST_F_TIMEOUT(job, copy_host_to_device_to_host_preserves_every_byte, 120)
{
	for (size_t i = 0; i < sizeof(copy_sizes) / sizeof(copy_sizes[0]); i++) {
		const uint64_t size = copy_sizes[i], guard = 64;
		struct s4_bo *src, *mid, *dst;
		uint8_t *s, *d;
		void *ms, *mm, *md;

		ASSERT_EQ(0, s4t_bo(self->dev, size, S4_PLACEMENT_HOST, &src, &ms));
		ASSERT_EQ(0, s4t_bo(self->dev, size + guard, S4_PLACEMENT_DEVICE, &mid, &mm));
		ASSERT_EQ(0, s4t_bo(self->dev, size + guard, S4_PLACEMENT_HOST, &dst, &md));
		s = ms;
		d = md;
		s4t_random_fill(s, size, (uint32_t)(i + 1));
		memset(mm, 0x11, size + guard);
		memset(d, 0x22, size + guard);

		ASSERT_EQ(0, s4_cmdbuf_reset(self->cb));
		ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(mid, 0), s4_bo_addr(src, 0), size));
		RUN_OK(0);
		ASSERT_EQ(0, s4_cmdbuf_reset(self->cb));
		ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(dst, 0), s4_bo_addr(mid, 0), size));
		RUN_OK(1);

		EXPECT_EQ(0, memcmp(d, s, size)) TH_LOG("size %llu", (unsigned long long)size);
		EXPECT_EQ(-1, s4t_find_not(d + size, 0x22, guard))
			TH_LOG("size %llu: bytes past the copy written", (unsigned long long)size);
		s4_bo_free(src);
		s4_bo_free(mid);
		s4_bo_free(dst);
	}
}

TEST_F(job, copy_at_unaligned_offsets_inside_bos)
{
	const uint64_t size = 2 * PAGE + 77;
	struct s4_bo *a, *b;
	uint8_t *pa, *pb;
	void *ma, *mb;

	ASSERT_EQ(0, s4t_bo(self->dev, 4 * PAGE, S4_PLACEMENT_DEVICE, &a, &ma));
	ASSERT_EQ(0, s4t_bo(self->dev, 4 * PAGE, S4_PLACEMENT_HOST, &b, &mb));
	pa = ma;
	pb = mb;
	s4t_random_fill(pa, 4 * PAGE, 7);
	memset(pb, 0, 4 * PAGE);
	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(b, 1001), s4_bo_addr(a, 3), size));
	RUN_OK(2);
	EXPECT_EQ(0, memcmp(pb + 1001, pa + 3, size));
	EXPECT_EQ(-1, s4t_find_not(pb, 0, 1001));
	EXPECT_EQ(-1, s4t_find_not(pb + 1001 + size, 0, 4 * PAGE - 1001 - size));
	s4_bo_free(a);
	s4_bo_free(b);
}

TEST_F(job, fill_writes_the_pattern_little_endian_and_nothing_else)
{
	static const struct { enum s4_placement pl; uint64_t off, size; } cases[] = {
		{ S4_PLACEMENT_DEVICE, 0, 4 },
		{ S4_PLACEMENT_DEVICE, 12, 3 * PAGE + 8 },
		{ S4_PLACEMENT_HOST, 4, PAGE },
		{ S4_PLACEMENT_HOST, 100, 5 * PAGE + 100 },
	};
	const uint32_t pattern = 0xa1b2c3d4;
	const uint8_t bytes[4] = { 0xd4, 0xc3, 0xb2, 0xa1 };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t total = cases[c].off + cases[c].size + 64;
		struct s4_bo *bo;
		uint8_t *p;
		void *map;

		ASSERT_EQ(0, s4t_bo(self->dev, total, cases[c].pl, &bo, &map));
		p = map;
		memset(p, 0x5e, total);
		ASSERT_EQ(0, s4_cmdbuf_reset(self->cb));
		ASSERT_EQ(0, s4_cmdbuf_fill(self->cb, s4_bo_addr(bo, cases[c].off),
					    cases[c].size, pattern));
		RUN_OK(c % 4);
		for (uint64_t i = 0; i < total; i++) {
			bool in = i >= cases[c].off && i < cases[c].off + cases[c].size;
			uint8_t want = in ? bytes[(i - cases[c].off) % 4] : 0x5e;

			ASSERT_EQ(want, p[i]) TH_LOG("case %zu byte %llu", c, (unsigned long long)i);
		}
		s4_bo_free(bo);
	}
}

TEST_F(job, fence_write_stores_the_64bit_value)
{
	struct s4_bo *bo;
	volatile uint64_t *w;
	void *map;

	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &bo, &map));
	w = map;
	w[0] = w[1] = w[2] = 0;
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(bo, 8), 0x1122334455667788ull));
	RUN_OK(3);
	EXPECT_EQ(0, w[0]);
	EXPECT_EQ(0x1122334455667788ull, w[1]);
	EXPECT_EQ(0, w[2]);
	s4_bo_free(bo);
}

TEST_F(job, packets_of_one_job_run_in_order)
{
	struct s4_bo *bo, *dst;
	void *map, *dmap;
	uint32_t *d;

	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_DEVICE, &bo, &map));
	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &dst, &dmap));
	d = dmap;
	/* fill 1, copy it, fill 2: the copy must see 1. */
	ASSERT_EQ(0, s4_cmdbuf_fill(self->cb, s4_bo_addr(bo, 0), PAGE, 1));
	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(dst, 0), s4_bo_addr(bo, 0), PAGE));
	ASSERT_EQ(0, s4_cmdbuf_fill(self->cb, s4_bo_addr(bo, 0), PAGE, 2));
	RUN_OK(0);
	EXPECT_EQ(-1, s4t_find_not32(d, 1, PAGE / 4));
	EXPECT_EQ(2, ((volatile uint32_t *)map)[0]);
	s4_bo_free(bo);
	s4_bo_free(dst);
}

TEST_F(job, fence_wait_holds_the_job_until_the_cpu_writes_the_word)
{
	unsigned int hold_ms = s4t_job_timeout_ms(2000) / 4;
	struct s4_sync out = { 0, 0 };
	struct s4_job_status st = { .error = 1 };
	volatile uint64_t *w;
	struct s4_bo *bo;
	void *map;

	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &bo, &map));
	w = map;
	w[0] = 0;
	w[1] = 0;
	ASSERT_EQ(0, s4_cmdbuf_fence_wait(self->cb, s4_bo_addr(bo, 0), 5));
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(bo, 8), 9));
	ASSERT_EQ(0, s4_syncobj_create(self->dev, &out.handle));
	ASSERT_EQ(0, s4_submit(self->cb, 1, NULL, 0, &out, 1, NULL));
	s4t_msleep(hold_ms / 2);
	EXPECT_EQ(-ETIME, s4_wait(self->dev, out, s4_deadline_ns(hold_ms / 2 * 1000000ll), &st));
	EXPECT_EQ(0, w[1]);
	w[0] = 4;	/* not enough */
	s4t_msleep(hold_ms / 4);
	EXPECT_EQ(0, w[1]);
	w[0] = 6;	/* >= 5 releases it */
	ASSERT_EQ(0, s4_wait(self->dev, out, s4_deadline_ns(S4T_WAIT_NS), &st));
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(9, w[1]);
	s4_syncobj_destroy(self->dev, out.handle);
	s4_bo_free(bo);
}

/*
 * Job A on subsystem 3 fills `mid` only after the CPU opens a gate; job B on
 * subsystem 0 copies `mid` out and waits for A's timeline point. The jobs
 * share no BO list entry (A names `mid` by raw VA), so only the syncobj can
 * order them: B must not run before the gate opens, and must see A's data.
 */
TEST_F(job, job_on_ss0_waits_for_job_on_ss3_through_a_timeline_point)
{
	unsigned int hold_ms = s4t_job_timeout_ms(2000) / 4;
	const uint64_t size = 64 * PAGE;
	struct s4_bo *gate, *src, *mid, *dst;
	void *mg, *ms, *mm, *md;
	struct s4_cmdbuf *cb_a;
	struct s4_job_status st = { .error = 1 };
	struct s4_sync p1 = { 0, 1 }, p2 = { 0, 2 };

	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &gate, &mg));
	ASSERT_EQ(0, s4t_bo(self->dev, size, S4_PLACEMENT_HOST, &src, &ms));
	ASSERT_EQ(0, s4t_bo(self->dev, size, S4_PLACEMENT_DEVICE, &mid, &mm));
	ASSERT_EQ(0, s4t_bo(self->dev, size, S4_PLACEMENT_HOST, &dst, &md));
	*(volatile uint64_t *)mg = 0;
	s4t_random_fill(ms, size, 99);
	memset(mm, 0, size);
	memset(md, 0xff, size);
	ASSERT_EQ(0, s4_syncobj_create(self->dev, &p1.handle));
	p2.handle = p1.handle;

	ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &cb_a));
	ASSERT_EQ(0, s4_cmdbuf_fence_wait(cb_a, s4_va_addr(s4_bo_va(gate)), 1));
	ASSERT_EQ(0, s4_cmdbuf_copy(cb_a, s4_va_addr(s4_bo_va(mid)),
				    s4_va_addr(s4_bo_va(src)), size));
	EXPECT_EQ(0, s4_cmdbuf_bo_count(cb_a));
	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(dst, 0), s4_bo_addr(mid, 0), size));

	ASSERT_EQ(0, s4_submit(cb_a, 3, NULL, 0, &p1, 1, NULL));
	ASSERT_EQ(0, s4_submit(self->cb, 0, &p1, 1, &p2, 1, NULL));
	s4t_msleep(hold_ms);
	EXPECT_EQ(-ETIME, s4_wait(self->dev, p2, s4_deadline_ns(0), &st));
	EXPECT_EQ(0xff, ((volatile uint8_t *)md)[0]) TH_LOG("B ran before A");
	*(volatile uint64_t *)mg = 1;
	ASSERT_EQ(0, s4_wait(self->dev, p2, s4_deadline_ns(S4T_WAIT_NS), &st));
	EXPECT_EQ(0, st.error);
	ASSERT_EQ(0, s4_wait(self->dev, p1, s4_deadline_ns(S4T_WAIT_NS), &st));
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(0, memcmp(md, ms, size));

	s4_cmdbuf_free(cb_a);
	s4_syncobj_destroy(self->dev, p1.handle);
	s4_bo_free(gate);
	s4_bo_free(src);
	s4_bo_free(mid);
	s4_bo_free(dst);
}

TEST_F(job, job_runs_after_a_point_the_cpu_signalled)
{
	struct s4_sync in = { 0, 3 }, out = { 0, 0 };
	struct s4_job_status st = { .error = 1 };
	struct s4_bo *bo;
	void *map;

	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &bo, &map));
	*(volatile uint64_t *)map = 0;
	ASSERT_EQ(0, s4_syncobj_create(self->dev, &in.handle));
	ASSERT_EQ(0, s4_syncobj_create(self->dev, &out.handle));
	ASSERT_EQ(0, s4_syncobj_signal(self->dev, in));
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(bo, 0), 77));
	ASSERT_EQ(0, s4_submit(self->cb, 2, &in, 1, &out, 1, NULL));
	ASSERT_EQ(0, s4_wait(self->dev, out, s4_deadline_ns(S4T_WAIT_NS), &st));
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(77, *(volatile uint64_t *)map);
	s4_syncobj_destroy(self->dev, in.handle);
	s4_syncobj_destroy(self->dev, out.handle);
	s4_bo_free(bo);
}

/* In-syncs name fences that exist: a point nobody submitted or signalled is refused. */
TEST_F(job, in_sync_point_not_yet_submitted_is_einval)
{
	struct s4_sync in = { 0, 3 };

	ASSERT_EQ(0, s4_syncobj_create(self->dev, &in.handle));
	ASSERT_EQ(0, s4_cmdbuf_nop(self->cb));
	EXPECT_EQ(-EINVAL, s4_submit(self->cb, 2, &in, 1, NULL, 0, NULL));
	in.point = 0;
	EXPECT_EQ(-EINVAL, s4_submit(self->cb, 2, &in, 1, NULL, 0, NULL));
	s4_syncobj_destroy(self->dev, in.handle);
}

#define JOBS_PER_SS 8

TEST_F_TIMEOUT(job, all_four_subsystems_run_several_jobs_at_once, 120)
{
	struct {
		struct s4_bo *src, *dst, *fence;
		void *ms, *md, *mf;
		struct s4_cmdbuf *cb;
		uint64_t size;
	} j[4][JOBS_PER_SS];
	uint32_t tl[4];
	struct s4_job_status st;

	for (int ss = 0; ss < 4; ss++) {
		ASSERT_EQ(0, s4_syncobj_create(self->dev, &tl[ss]));
		for (int k = 0; k < JOBS_PER_SS; k++) {
			uint64_t size = (uint64_t)(ss * JOBS_PER_SS + k + 1) * 3001;

			j[ss][k].size = size;
			ASSERT_EQ(0, s4t_bo(self->dev, size, S4_PLACEMENT_HOST,
					    &j[ss][k].src, &j[ss][k].ms));
			ASSERT_EQ(0, s4t_bo(self->dev, size,
					    k % 2 ? S4_PLACEMENT_DEVICE : S4_PLACEMENT_HOST,
					    &j[ss][k].dst, &j[ss][k].md));
			ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST,
					    &j[ss][k].fence, &j[ss][k].mf));
			s4t_random_fill(j[ss][k].ms, size, (uint32_t)(ss * 100 + k + 1));
			memset(j[ss][k].md, 0, size);
			*(volatile uint64_t *)j[ss][k].mf = 0;
			ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &j[ss][k].cb));
			ASSERT_EQ(0, s4_cmdbuf_copy(j[ss][k].cb, s4_bo_addr(j[ss][k].dst, 0),
						    s4_bo_addr(j[ss][k].src, 0), size));
			ASSERT_EQ(0, s4_cmdbuf_fence_write(j[ss][k].cb,
							   s4_bo_addr(j[ss][k].fence, 0),
							   0xf00d0000u + ss * 16 + k));
		}
	}
	/* Submit everything first, round robin, then wait. */
	for (int k = 0; k < JOBS_PER_SS; k++) {
		for (int ss = 0; ss < 4; ss++) {
			struct s4_sync out = { tl[ss], (uint64_t)k + 1 };

			ASSERT_EQ(0, s4_submit(j[ss][k].cb, ss, NULL, 0, &out, 1, NULL));
		}
	}
	for (int ss = 0; ss < 4; ss++) {
		for (int k = 0; k < JOBS_PER_SS; k++) {
			struct s4_sync out = { tl[ss], (uint64_t)k + 1 };

			ASSERT_EQ(0, s4_wait(self->dev, out, s4_deadline_ns(S4T_WAIT_NS), &st));
			EXPECT_EQ(0, st.error) TH_LOG("ss %d job %d", ss, k);
		}
	}
	for (int ss = 0; ss < 4; ss++) {
		for (int k = 0; k < JOBS_PER_SS; k++) {
			EXPECT_EQ(0, memcmp(j[ss][k].md, j[ss][k].ms, j[ss][k].size))
				TH_LOG("ss %d job %d", ss, k);
			EXPECT_EQ(0xf00d0000u + ss * 16 + k, *(volatile uint64_t *)j[ss][k].mf);
			s4_cmdbuf_free(j[ss][k].cb);
			s4_bo_free(j[ss][k].src);
			s4_bo_free(j[ss][k].dst);
			s4_bo_free(j[ss][k].fence);
		}
		s4_syncobj_destroy(self->dev, tl[ss]);
	}
}

TEST_F(job, subsystem_any_runs_the_job)
{
	struct s4_bo *bo;
	void *map;

	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &bo, &map));
	ASSERT_EQ(0, s4_cmdbuf_fence_write(self->cb, s4_bo_addr(bo, 0), 5));
	RUN_OK(S4_SUBSYSTEM_ANY);
	EXPECT_EQ(5, *(volatile uint64_t *)map);
	s4_bo_free(bo);
}

TEST_F(job, seqno_counts_the_files_jobs_from_one)
{
	uint64_t seq[3];
	uint32_t h;

	ASSERT_EQ(0, s4_syncobj_create(self->dev, &h));
	ASSERT_EQ(0, s4_cmdbuf_nop(self->cb));
	for (int i = 0; i < 3; i++) {
		struct s4_sync out = { h, (uint64_t)i + 1 };

		ASSERT_EQ(0, s4_submit(self->cb, (uint32_t)i, NULL, 0, &out, 1, &seq[i]));
	}
	EXPECT_EQ(1, seq[0]);
	EXPECT_EQ(2, seq[1]);
	EXPECT_EQ(3, seq[2]);
	ASSERT_EQ(0, s4_syncobj_wait(self->dev, (struct s4_sync){ h, 3 },
				     s4_deadline_ns(S4T_WAIT_NS)));
	s4_syncobj_destroy(self->dev, h);
}

TEST_F(job, bo_wait_returns_once_the_job_writing_it_ended)
{
	const uint64_t size = 256 * PAGE;
	struct s4_bo *src, *dst;
	void *ms, *md;
	int job_error = 1;

	ASSERT_EQ(0, s4t_bo(self->dev, size, S4_PLACEMENT_DEVICE, &src, &ms));
	ASSERT_EQ(0, s4t_bo(self->dev, size, S4_PLACEMENT_HOST, &dst, &md));
	s4t_random_fill(ms, size, 5);
	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(dst, 0), s4_bo_addr(src, 0), size));
	ASSERT_EQ(0, s4_submit(self->cb, 1, NULL, 0, NULL, 0, NULL));
	ASSERT_EQ(0, s4_bo_wait(dst, s4_deadline_ns(S4T_WAIT_NS), &job_error));
	EXPECT_EQ(0, job_error);
	EXPECT_EQ(0, memcmp(md, ms, size));
	s4_bo_free(src);
	s4_bo_free(dst);
}

/* Jobs sharing a BO run in submission order even on different subsystems. */
TEST_F(job, jobs_sharing_a_bo_run_in_submission_order)
{
	struct s4_cmdbuf *cbs[8];
	struct s4_bo *bo;
	void *map;
	int job_error = 1;

	ASSERT_EQ(0, s4t_bo(self->dev, 64 * PAGE, S4_PLACEMENT_DEVICE, &bo, &map));
	for (int i = 0; i < 8; i++) {
		ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &cbs[i]));
		ASSERT_EQ(0, s4_cmdbuf_fill(cbs[i], s4_bo_addr(bo, 0), 64 * PAGE, (uint32_t)i + 1));
		ASSERT_EQ(0, s4_submit(cbs[i], (uint32_t)i % 4, NULL, 0, NULL, 0, NULL));
	}
	ASSERT_EQ(0, s4_bo_wait(bo, s4_deadline_ns(S4T_WAIT_NS), &job_error));
	EXPECT_EQ(0, job_error);
	EXPECT_EQ(-1, s4t_find_not32(map, 8, 64 * PAGE / 4));
	for (int i = 0; i < 8; i++)
		s4_cmdbuf_free(cbs[i]);
	s4_bo_free(bo);
}

TEST_HARNESS_MAIN
