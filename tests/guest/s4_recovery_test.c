// SPDX-License-Identifier: MIT
/*
 * Recovery: a job that never finishes is aborted by the driver's job timeout
 * while jobs elsewhere complete; closing a file with jobs in flight (a
 * stalled one among them) exits cleanly and leaves the card working.
 */
#include <stdint.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"

#define PAGE 4096u

FIXTURE(rec) {
	struct s4_device *dev;
	unsigned int timeout_ms;
};

FIXTURE_SETUP(rec)
{
	ASSERT_EQ(0, s4_open_index(0, &self->dev));
	self->timeout_ms = s4t_job_timeout_ms(10000);
}

FIXTURE_TEARDOWN(rec)
{
	s4_close(self->dev);
}


/* Runs a copy on @ss through @dev and checks it; returns the job's error. */
static int copy_job(struct __test_metadata *_metadata, struct s4_device *dev, uint32_t ss)
{
	const uint64_t size = 8 * PAGE + 8;
	struct s4_bo *src, *dst;
	struct s4_cmdbuf *cb;
	struct s4_job_status st = { .error = 1 };
	void *ms, *md;

	ASSERT_EQ(0, s4t_bo(dev, size, S4_PLACEMENT_HOST, &src, &ms));
	ASSERT_EQ(0, s4t_bo(dev, size, S4_PLACEMENT_DEVICE, &dst, &md));
	ASSERT_EQ(0, s4_cmdbuf_create(dev, &cb));
	s4t_random_fill(ms, size, ss + 1);
	memset(md, 0, size);
	ASSERT_EQ(0, s4_cmdbuf_copy(cb, s4_bo_addr(dst, 0), s4_bo_addr(src, 0), size));
	ASSERT_EQ(0, s4t_run(dev, cb, ss, &st));
	if (!st.error) {
		EXPECT_EQ(0, memcmp(md, ms, size));
	}
	s4_cmdbuf_free(cb);
	s4_bo_free(src);
	s4_bo_free(dst);
	return st.error;
}

TEST_F_TIMEOUT(rec, stalled_job_times_out_while_a_job_on_another_subsystem_completes, 120)
{
	struct s4_sync stall = { 0, 0 };
	struct s4_job_status st = { .error = 0 };
	struct s4_cmdbuf *cb;
	struct s4_bo *word;
	void *map;
	int64_t t0, t1;

	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &word, &map));
	*(volatile uint64_t *)map = 0;
	ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &cb));
	ASSERT_EQ(0, s4_cmdbuf_fence_wait(cb, s4_bo_addr(word, 0), 1));
	ASSERT_EQ(0, s4_syncobj_create(self->dev, &stall.handle));
	t0 = s4_deadline_ns(0);
	ASSERT_EQ(0, s4_submit(cb, 0, NULL, 0, &stall, 1, NULL));

	/* Another subsystem finishes its work while the stalled job waits. */
	EXPECT_EQ(0, copy_job(_metadata, self->dev, 2));
	EXPECT_EQ(-ETIME, s4_wait(self->dev, stall, s4_deadline_ns(0), &st));

	ASSERT_EQ(0, s4_wait(self->dev, stall, s4_deadline_ns(S4T_WAIT_NS + 4ll *
				self->timeout_ms * 1000000), &st));
	t1 = s4_deadline_ns(0);
	EXPECT_EQ(-ETIMEDOUT, st.error) TH_LOG("%s", s4_strerror(st.error));
	/* Not before the timeout. */
	EXPECT_GE(t1 - t0, (int64_t)self->timeout_ms * 1000000 * 9 / 10);
	s4_syncobj_destroy(self->dev, stall.handle);
	s4_cmdbuf_free(cb);
	s4_bo_free(word);
}

TEST_F_TIMEOUT(rec, subsystem_runs_jobs_again_after_a_timeout, 120)
{
	struct s4_job_status st = { .error = 0 };
	struct s4_cmdbuf *cb;
	struct s4_bo *word;
	void *map;

	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &word, &map));
	*(volatile uint64_t *)map = 0;
	ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &cb));
	ASSERT_EQ(0, s4_cmdbuf_fence_wait(cb, s4_bo_addr(word, 0), 1));
	ASSERT_EQ(0, s4t_run(self->dev, cb, 1, &st));
	EXPECT_EQ(-ETIMEDOUT, st.error);
	/* A timeout is not a fault: the same file and subsystem work on. */
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(0, copy_job(_metadata, self->dev, 1));
	}
	s4_cmdbuf_free(cb);
	s4_bo_free(word);
}

/*
 * Jobs queued behind a stalled job on its queue (a file's jobs on a subsystem
 * stay on one queue while the earlier ones run) are cancelled by the queue
 * reset and run again afterwards: they succeed, and only the stalled job times
 * out.
 */
TEST_F_TIMEOUT(rec, jobs_behind_a_stalled_job_run_again_after_its_timeout, 120)
{
	enum { JOBS = 4 };
	const uint64_t size = 8 * PAGE + 8;
	struct s4_sync stall = { 0, 0 }, out[JOBS];
	struct s4_job_status st = { .error = 0 };
	struct s4_bo *word, *src[JOBS], *dst[JOBS];
	struct s4_cmdbuf *cb, *copy[JOBS];
	void *map, *ms[JOBS], *md[JOBS];

	ASSERT_EQ(0, s4t_bo(self->dev, PAGE, S4_PLACEMENT_HOST, &word, &map));
	*(volatile uint64_t *)map = 0;
	ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &cb));
	ASSERT_EQ(0, s4_cmdbuf_fence_wait(cb, s4_bo_addr(word, 0), 1));
	ASSERT_EQ(0, s4_syncobj_create(self->dev, &stall.handle));
	for (int i = 0; i < JOBS; i++) {
		out[i] = (struct s4_sync){ 0, 0 };
		ASSERT_EQ(0, s4t_bo(self->dev, size, S4_PLACEMENT_HOST, &src[i], &ms[i]));
		ASSERT_EQ(0, s4t_bo(self->dev, size, S4_PLACEMENT_DEVICE, &dst[i], &md[i]));
		ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &copy[i]));
		s4t_random_fill(ms[i], size, 100 + i);
		memset(md[i], 0, size);
		ASSERT_EQ(0, s4_cmdbuf_copy(copy[i], s4_bo_addr(dst[i], 0),
					    s4_bo_addr(src[i], 0), size));
		ASSERT_EQ(0, s4_syncobj_create(self->dev, &out[i].handle));
	}

	ASSERT_EQ(0, s4_submit(cb, 1, NULL, 0, &stall, 1, NULL));
	for (int i = 0; i < JOBS; i++)
		ASSERT_EQ(0, s4_submit(copy[i], 1, NULL, 0, &out[i], 1, NULL));

	ASSERT_EQ(0, s4_wait(self->dev, stall, s4_deadline_ns(S4T_WAIT_NS + 4ll *
				self->timeout_ms * 1000000), &st));
	EXPECT_EQ(-ETIMEDOUT, st.error) TH_LOG("%s", s4_strerror(st.error));
	for (int i = 0; i < JOBS; i++) {
		st.error = 1;
		ASSERT_EQ(0, s4_wait(self->dev, out[i], s4_deadline_ns(S4T_WAIT_NS), &st));
		EXPECT_EQ(0, st.error) TH_LOG("job %d: %s", i, s4_strerror(st.error));
		EXPECT_EQ(0, memcmp(md[i], ms[i], size)) TH_LOG("job %d", i);
	}
	/* The subsystem works on. */
	EXPECT_EQ(0, copy_job(_metadata, self->dev, 1));

	for (int i = 0; i < JOBS; i++) {
		s4_syncobj_destroy(self->dev, out[i].handle);
		s4_cmdbuf_free(copy[i]);
		s4_bo_free(src[i]);
		s4_bo_free(dst[i]);
	}
	s4_syncobj_destroy(self->dev, stall.handle);
	s4_cmdbuf_free(cb);
	s4_bo_free(word);
}

/*
 * A child submits a stalled job and busy jobs on every subsystem, then exits
 * (its fds close with jobs in flight). It must exit promptly and cleanly, and
 * the card must run jobs for a new open on every subsystem.
 */
TEST_F_TIMEOUT(rec, exit_with_jobs_in_flight_is_clean_and_card_keeps_working, 120)
{
	int64_t t0;
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct s4_device *dev;
		struct s4_cmdbuf *stall, *busy;
		struct s4_bo *word, *big;
		void *map;

		if (s4_open_index(0, &dev) ||
		    s4t_bo(dev, PAGE, S4_PLACEMENT_HOST, &word, &map) ||
		    s4_bo_create(dev, 8u << 20, S4_PLACEMENT_DEVICE, &big) ||
		    s4_cmdbuf_create(dev, &stall) || s4_cmdbuf_create(dev, &busy))
			_exit(10);
		*(volatile uint64_t *)map = 0;
		if (s4_cmdbuf_fence_wait(stall, s4_bo_addr(word, 0), 1) ||
		    s4_cmdbuf_fill(busy, s4_bo_addr(big, 0), 8u << 20, 7))
			_exit(11);
		if (s4_submit(stall, 0, NULL, 0, NULL, 0, NULL))
			_exit(12);
		for (uint32_t i = 0; i < 16; i++) {
			if (s4_submit(busy, i % 4, NULL, 0, NULL, 0, NULL))
				_exit(13);
		}
		_exit(0);	/* no waits, no frees: the kernel cleans up */
	}
	t0 = s4_deadline_ns(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Exit does not wait for the stalled job longer than its timeout. */
	EXPECT_LT(s4_deadline_ns(0) - t0, 2ll * self->timeout_ms * 1000000 + 5000000000ll);

	for (uint32_t ss = 0; ss < 4; ss++) {
		struct s4_device *dev;

		ASSERT_EQ(0, s4_open_index(0, &dev));
		EXPECT_EQ(0, copy_job(_metadata, dev, ss)) TH_LOG("subsystem %u", ss);
		s4_close(dev);
	}
}

TEST_F_TIMEOUT(rec, close_with_a_stalled_job_leaves_other_files_working, 120)
{
	struct s4_device *dev2;
	struct s4_cmdbuf *cb;
	struct s4_bo *word;
	void *map;

	ASSERT_EQ(0, s4_open_index(0, &dev2));
	ASSERT_EQ(0, s4t_bo(dev2, PAGE, S4_PLACEMENT_HOST, &word, &map));
	*(volatile uint64_t *)map = 0;
	ASSERT_EQ(0, s4_cmdbuf_create(dev2, &cb));
	ASSERT_EQ(0, s4_cmdbuf_fence_wait(cb, s4_bo_addr(word, 0), 1));
	ASSERT_EQ(0, s4_submit(cb, 3, NULL, 0, NULL, 0, NULL));
	s4_cmdbuf_free(cb);
	s4_bo_free(word);
	s4_close(dev2);
	/* The fixture's file runs jobs on the stalled job's subsystem and others. */
	EXPECT_EQ(0, copy_job(_metadata, self->dev, 3));
	EXPECT_EQ(0, copy_job(_metadata, self->dev, 0));
}

TEST_HARNESS_MAIN
