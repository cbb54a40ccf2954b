// SPDX-License-Identifier: MIT
/*
 * Address-space isolation between processes: process B names a buffer of
 * process A by its device VA, which is not mapped in B. B's job faults
 * (-EFAULT at that address), B's file refuses further jobs (-EBADFD), and
 * A's jobs, running at the same time, all succeed with A's buffer intact.
 */
#include <stdint.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"

#define PAGE 4096u
#define A_JOBS 16

/* What process B saw, sent to A through a pipe. */
struct b_report {
	int step;		/* last step reached; 100 = all done */
	int ret;		/* libs4 result of the failing step */
	struct s4_job_status st;
	int resubmit;		/* s4_submit() after the fault */
	int reopen_error;	/* a job on a new open of the card */
};

static void process_b(int wfd, int go_fd, uint64_t victim_va, uint64_t victim_size)
{
	struct b_report r = { 0 };
	struct s4_device *dev = NULL, *dev2 = NULL;
	struct s4_cmdbuf *cb = NULL;
	char c;

	r.step = 1;
	if (read(go_fd, &c, 1) != 1)
		goto out;
	r.ret = s4_open_index(0, &dev);
	if (r.ret)
		goto out;
	r.step = 2;
	r.ret = s4_cmdbuf_create(dev, &cb);
	if (r.ret)
		goto out;
	r.step = 3;
	r.ret = s4_cmdbuf_fill(cb, s4_va_addr(victim_va), victim_size, 0xbadbadba);
	if (r.ret)
		goto out;
	r.step = 4;
	{
		struct s4_sync out = { 0, 0 };

		r.ret = s4_syncobj_create(dev, &out.handle);
		if (r.ret)
			goto out;
		r.ret = s4_submit(cb, 1, NULL, 0, &out, 1, NULL);
		if (r.ret)
			goto out;
		r.step = 5;
		r.ret = s4_wait(dev, out, s4_deadline_ns(S4T_WAIT_NS), &r.st);
		if (r.ret)
			goto out;
		r.step = 6;
		r.resubmit = s4_submit(cb, 1, NULL, 0, &out, 1, NULL);
	}
	r.step = 7;
	/* A new open is a new address space, usable again. */
	r.ret = s4_open_index(0, &dev2);
	if (r.ret)
		goto out;
	{
		struct s4_cmdbuf *cb2;
		struct s4_bo *bo;

		r.ret = s4_bo_create(dev2, PAGE, S4_PLACEMENT_HOST, &bo);
		if (r.ret)
			goto out;
		r.ret = s4_cmdbuf_create(dev2, &cb2);
		if (!r.ret)
			r.ret = s4_cmdbuf_fill(cb2, s4_bo_addr(bo, 0), PAGE, 1);
		if (!r.ret) {
			struct s4_job_status st = { .error = 1 };

			r.ret = s4t_run(dev2, cb2, 1, &st);
			r.reopen_error = st.error;
		}
		s4_cmdbuf_free(cb2);
		s4_bo_free(bo);
	}
	if (!r.ret)
		r.step = 100;
out:
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(2);
	s4_cmdbuf_free(cb);
	s4_close(dev);
	s4_close(dev2);
	_exit(0);
}

FIXTURE(procs) {
	int unused;
};

FIXTURE_SETUP(procs)
{
}

FIXTURE_TEARDOWN(procs)
{
}

TEST_F_TIMEOUT(procs, b_faults_on_a_va_of_a_while_a_keeps_working, 120)
{
	const uint64_t size = 64 * PAGE;
	struct s4_device *dev;
	struct s4_bo *filler, *victim, *src[A_JOBS], *dst[A_JOBS];
	void *vmap, *fmap, *smap[A_JOBS], *dmap[A_JOBS];
	struct s4_cmdbuf *cb[A_JOBS];
	uint32_t tl;
	int pipe_r[2], pipe_go[2], status;
	struct b_report r;
	pid_t pid;

	ASSERT_EQ(0, s4_open_index(0, &dev));
	/*
	 * The filler keeps the victim above the first VAs an allocator hands
	 * out, so B's own command buffer cannot land on the victim's VA.
	 */
	ASSERT_EQ(0, s4t_bo(dev, 1u << 20, S4_PLACEMENT_HOST, &filler, &fmap));
	ASSERT_EQ(0, s4t_bo(dev, size, S4_PLACEMENT_DEVICE, &victim, &vmap));
	memset(vmap, 0x3c, size);
	ASSERT_EQ(0, s4_syncobj_create(dev, &tl));
	for (int i = 0; i < A_JOBS; i++) {
		ASSERT_EQ(0, s4t_bo(dev, size, S4_PLACEMENT_HOST, &src[i], &smap[i]));
		ASSERT_EQ(0, s4t_bo(dev, size, i % 2 ? S4_PLACEMENT_DEVICE : S4_PLACEMENT_HOST,
				    &dst[i], &dmap[i]));
		s4t_random_fill(smap[i], size, (uint32_t)i + 10);
		memset(dmap[i], 0, size);
		ASSERT_EQ(0, s4_cmdbuf_create(dev, &cb[i]));
		ASSERT_EQ(0, s4_cmdbuf_copy(cb[i], s4_bo_addr(dst[i], 0), s4_bo_addr(src[i], 0), size));
		/* A's jobs also read the victim: they must see it unchanged. */
		ASSERT_EQ(0, s4_cmdbuf_copy(cb[i], s4_bo_addr(dst[i], 0),
					    s4_bo_addr(victim, 0), 64));
	}

	ASSERT_EQ(0, pipe(pipe_r));
	ASSERT_EQ(0, pipe(pipe_go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(pipe_r[0]);
		close(pipe_go[1]);
		process_b(pipe_r[1], pipe_go[0], s4_bo_va(victim), size);
	}
	close(pipe_r[1]);
	close(pipe_go[0]);

	/* Half of A's jobs before B starts, half while B runs. */
	for (int i = 0; i < A_JOBS; i++) {
		struct s4_sync out = { tl, (uint64_t)i + 1 };

		if (i == A_JOBS / 2)
			ASSERT_EQ(1, write(pipe_go[1], "g", 1));
		ASSERT_EQ(0, s4_submit(cb[i], (uint32_t)i % 4, NULL, 0, &out, 1, NULL));
	}
	ASSERT_EQ(sizeof(r), read(pipe_r[0], &r, sizeof(r)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	EXPECT_EQ(100, r.step) TH_LOG("B stopped at step %d: %s", r.step, s4_strerror(r.ret));
	EXPECT_EQ(-EFAULT, r.st.error);
	EXPECT_EQ(S4_ERR_MMU_FAULT, r.st.card_error);
	EXPECT_EQ(s4_bo_va(victim), r.st.fault_addr);
	EXPECT_EQ(0, r.st.err_offset);
	EXPECT_EQ(-EBADFD, r.resubmit);
	EXPECT_EQ(0, r.reopen_error);

	for (int i = 0; i < A_JOBS; i++) {
		struct s4_sync out = { tl, (uint64_t)i + 1 };
		struct s4_job_status st = { .error = 1 };

		ASSERT_EQ(0, s4_wait(dev, out, s4_deadline_ns(S4T_WAIT_NS), &st));
		EXPECT_EQ(0, st.error) TH_LOG("A's job %d", i);
		EXPECT_EQ(0, memcmp((uint8_t *)dmap[i] + 64, (uint8_t *)smap[i] + 64, size - 64));
		EXPECT_EQ(-1, s4t_find_not(dmap[i], 0x3c, 64));
	}
	EXPECT_EQ(-1, s4t_find_not(vmap, 0x3c, size));

	for (int i = 0; i < A_JOBS; i++) {
		s4_cmdbuf_free(cb[i]);
		s4_bo_free(src[i]);
		s4_bo_free(dst[i]);
	}
	s4_syncobj_destroy(dev, tl);
	s4_bo_free(victim);
	s4_bo_free(filler);
	s4_close(dev);
}

/* The same between two files of one process: a fault in one leaves the other alone. */
TEST(fault_in_one_file_leaves_another_file_of_the_process_working)
{
	struct s4_device *good, *bad;
	struct s4_cmdbuf *cb_good, *cb_bad;
	struct s4_bo *bo;
	struct s4_job_status st = { .error = 1 };
	void *map;

	ASSERT_EQ(0, s4_open_index(0, &good));
	ASSERT_EQ(0, s4_open_index(0, &bad));
	ASSERT_EQ(0, s4t_bo(good, 4u << 20, S4_PLACEMENT_HOST, &bo, &map));
	ASSERT_EQ(0, s4_cmdbuf_create(bad, &cb_bad));
	ASSERT_EQ(0, s4_cmdbuf_fence_write(cb_bad, s4_va_addr(s4_bo_va(bo) + (2u << 20)), 1));
	ASSERT_EQ(0, s4t_run(bad, cb_bad, 2, &st));
	EXPECT_EQ(-EFAULT, st.error);
	EXPECT_EQ(s4_bo_va(bo) + (2u << 20), st.fault_addr);
	EXPECT_EQ(-EBADFD, s4_submit(cb_bad, 2, NULL, 0, NULL, 0, NULL));

	ASSERT_EQ(0, s4_cmdbuf_create(good, &cb_good));
	ASSERT_EQ(0, s4_cmdbuf_fence_write(cb_good, s4_bo_addr(bo, 2u << 20), 42));
	ASSERT_EQ(0, s4t_run(good, cb_good, 2, &st));
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(42, *(volatile uint64_t *)((uint8_t *)map + (2u << 20)));

	s4_cmdbuf_free(cb_good);
	s4_cmdbuf_free(cb_bad);
	s4_bo_free(bo);
	s4_close(bad);
	s4_close(good);
}

TEST_HARNESS_MAIN
