// SPDX-License-Identifier: MIT
/*
 * Object lifetimes in libs4: a command buffer keeps the BOs it names alive
 * (GEM handle, device VA and memory), so resubmitting it after s4_bo_free()
 * reaches the original buffer, never a new BO that would otherwise get the
 * same handle and VA; and the device is reference counted, so s4_close()
 * with live BOs and command buffers leaves them usable, and the fd closes
 * when the last of them goes.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm/s4_accel.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"

#define PAGE 4096u
#define SIZE (16 * PAGE)

/* Entries of /proc/self/fd (the directory's own fd included), or -errno. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Whether @fd is an open file descriptor of this process. */
static int fd_is_open(int fd)
{
	errno = 0;
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

/* BO_INFO of GEM @handle on @fd: 0 and its VA in *@va, or -errno. */
static int bo_info(int fd, uint32_t handle, uint64_t *va)
{
	struct drm_s4_bo_info info = { .handle = handle };

	if (ioctl(fd, DRM_IOCTL_S4_BO_INFO, &info))
		return -errno;
	if (va)
		*va = info.va;
	return 0;
}

FIXTURE(lt) {
	struct s4_device *dev;
	struct s4_cmdbuf *cb;
	int fd;
};

FIXTURE_VARIANT(lt) {
	enum s4_placement placement;
};

FIXTURE_VARIANT_ADD(lt, device) {
	.placement = S4_PLACEMENT_DEVICE,
};

FIXTURE_VARIANT_ADD(lt, host) {
	.placement = S4_PLACEMENT_HOST,
};

FIXTURE_SETUP(lt)
{
	ASSERT_EQ(0, s4_open_index(0, &self->dev));
	ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &self->cb));
	self->fd = s4_device_fd(self->dev);
}

FIXTURE_TEARDOWN(lt)
{
	s4_cmdbuf_free(self->cb);
	s4_close(self->dev);
}

#define RUN_OK() do { \
	struct s4_job_status st_ = { .error = 1 }; \
	ASSERT_EQ(0, s4t_run(self->dev, self->cb, 0, &st_)); \
	ASSERT_EQ(0, st_.error); \
} while (0)

/*
 * A job fills BO A; A is freed and B of the same size and placement created
 * (without the command buffer's reference B would get A's handle and VA).
 * Resubmitting the job fills A again, which the command buffer still holds:
 * B keeps its own contents and its range is not A's.
 */
TEST_F(lt, resubmit_after_free_leaves_a_new_bo_alone)
{
	struct s4_bo *a, *b;
	uint64_t va_a, va_b;
	uint32_t h_a;
	void *ma, *mb;

	ASSERT_EQ(0, s4t_bo(self->dev, SIZE, variant->placement, &a, &ma));
	memset(ma, 0, SIZE);
	ASSERT_EQ(0, s4_cmdbuf_fill(self->cb, s4_bo_addr(a, 0), SIZE, 0x11223344));
	RUN_OK();
	ASSERT_EQ(-1, s4t_find_not32(ma, 0x11223344, SIZE / 4));
	h_a = s4_bo_handle(a);
	va_a = s4_bo_va(a);
	s4_bo_free(a);

	ASSERT_EQ(0, s4t_bo(self->dev, SIZE, variant->placement, &b, &mb));
	va_b = s4_bo_va(b);
	EXPECT_NE(h_a, s4_bo_handle(b));
	EXPECT_NE(va_a, va_b);
	EXPECT_TRUE(va_b + SIZE <= va_a || va_a + SIZE <= va_b)
		TH_LOG("B [%#llx, +%#x) overlaps A [%#llx, +%#x)", (unsigned long long)va_b,
		       SIZE, (unsigned long long)va_a, SIZE);
	memset(mb, 0x5a, SIZE);
	RUN_OK();
	EXPECT_EQ(-1, s4t_find_not(mb, 0x5a, SIZE));
	s4_bo_free(b);
}

/*
 * A job copies BO A to C; A is freed and B of A's size is created with other
 * contents. Resubmitting the job copies A's contents again, not B's.
 */
TEST_F(lt, resubmit_after_free_still_reads_the_freed_bo)
{
	struct s4_bo *a, *b, *c;
	void *ma, *mb, *mc;
	uint8_t *ref;
	uint32_t h_a;

	ref = malloc(SIZE);
	ASSERT_NE(NULL, ref);
	s4t_random_fill(ref, SIZE, 1234);
	ASSERT_EQ(0, s4t_bo(self->dev, SIZE, variant->placement, &a, &ma));
	ASSERT_EQ(0, s4t_bo(self->dev, SIZE, S4_PLACEMENT_HOST, &c, &mc));
	memcpy(ma, ref, SIZE);
	memset(mc, 0, SIZE);
	ASSERT_EQ(0, s4_cmdbuf_copy(self->cb, s4_bo_addr(c, 0), s4_bo_addr(a, 0), SIZE));
	RUN_OK();
	ASSERT_EQ(0, memcmp(mc, ref, SIZE));
	h_a = s4_bo_handle(a);
	s4_bo_free(a);

	ASSERT_EQ(0, s4t_bo(self->dev, SIZE, variant->placement, &b, &mb));
	EXPECT_NE(h_a, s4_bo_handle(b));
	memset(mb, 0xb0, SIZE);
	memset(mc, 0, SIZE);
	RUN_OK();
	EXPECT_EQ(0, memcmp(mc, ref, SIZE));
	EXPECT_EQ(-1, s4t_find_not(mb, 0xb0, SIZE));
	s4_bo_free(b);
	s4_bo_free(c);
	free(ref);
}

/* A BO listed with s4_cmdbuf_use_bo() keeps its GEM handle until the reset. */
TEST_F(lt, freed_bo_keeps_its_handle_and_va_until_reset)
{
	struct s4_bo *a;
	uint64_t va_a, va = 0;
	uint32_t h_a;

	ASSERT_EQ(0, s4_bo_create(self->dev, SIZE, variant->placement, &a));
	h_a = s4_bo_handle(a);
	va_a = s4_bo_va(a);
	ASSERT_EQ(0, s4_cmdbuf_use_bo(self->cb, a));
	ASSERT_EQ(0, s4_cmdbuf_nop(self->cb));
	s4_bo_free(a);
	ASSERT_EQ(0, bo_info(self->fd, h_a, &va));
	EXPECT_EQ(va_a, va);
	EXPECT_EQ(1, s4_cmdbuf_bo_count(self->cb));
	RUN_OK();
	ASSERT_EQ(0, s4_cmdbuf_reset(self->cb));
	EXPECT_EQ(0, s4_cmdbuf_bo_count(self->cb));
	EXPECT_EQ(-ENOENT, bo_info(self->fd, h_a, NULL));
}

/* A BO named by a packet keeps its GEM handle until the command buffer goes. */
TEST_F(lt, freed_bo_keeps_its_handle_until_cmdbuf_free)
{
	struct s4_bo *a;
	uint32_t h_a;

	ASSERT_EQ(0, s4_bo_create(self->dev, SIZE, variant->placement, &a));
	h_a = s4_bo_handle(a);
	ASSERT_EQ(0, s4_cmdbuf_fill(self->cb, s4_bo_addr(a, PAGE), PAGE, 7));
	s4_bo_free(a);
	EXPECT_EQ(0, bo_info(self->fd, h_a, NULL));
	RUN_OK();
	EXPECT_EQ(0, bo_info(self->fd, h_a, NULL));
	s4_cmdbuf_free(self->cb);
	self->cb = NULL;
	EXPECT_EQ(-ENOENT, bo_info(self->fd, h_a, NULL));
}

/*
 * Two references of the caller (create and import of its own export) and
 * the command buffer's: the handle closes only once all three are gone.
 */
TEST_F(lt, caller_and_cmdbuf_references_add_up)
{
	struct s4_bo *a, *imp;
	uint32_t h_a;
	int dmabuf;

	ASSERT_EQ(0, s4_bo_create(self->dev, SIZE, variant->placement, &a));
	h_a = s4_bo_handle(a);
	ASSERT_EQ(0, s4_bo_export(a, &dmabuf));
	ASSERT_EQ(0, s4_bo_import(self->dev, dmabuf, &imp));
	close(dmabuf);
	ASSERT_EQ(a, imp);
	ASSERT_EQ(0, s4_cmdbuf_fill(self->cb, s4_bo_addr(a, 0), PAGE, 7));
	s4_bo_free(a);
	EXPECT_EQ(0, bo_info(self->fd, h_a, NULL));
	s4_bo_free(imp);
	EXPECT_EQ(0, bo_info(self->fd, h_a, NULL));
	RUN_OK();
	ASSERT_EQ(0, s4_cmdbuf_reset(self->cb));
	EXPECT_EQ(-ENOENT, bo_info(self->fd, h_a, NULL));
}

/*
 * s4_close() with a BO and a command buffer alive: the command buffer still
 * submits (the job runs and is waited for through the BO), a BO is mapped
 * for the first time, and both are freed afterwards, in either order.
 */
TEST(close_with_live_objects_then_submit_map_and_free)
{
	for (int order = 0; order < 2; order++) {
		struct s4_device *dev;
		struct s4_cmdbuf *cb;
		struct s4_bo *dst, *src;
		void *md, *ms;
		int job_error = 1;

		ASSERT_EQ(0, s4_open_index(0, &dev));
		ASSERT_EQ(0, s4t_bo(dev, SIZE, S4_PLACEMENT_HOST, &dst, &md));
		ASSERT_EQ(0, s4_bo_create(dev, SIZE, S4_PLACEMENT_DEVICE, &src));
		ASSERT_EQ(0, s4_cmdbuf_create(dev, &cb));
		ASSERT_EQ(0, s4_cmdbuf_fill(cb, s4_bo_addr(src, 0), SIZE, 0xc0ffee00u + order));
		ASSERT_EQ(0, s4_cmdbuf_copy(cb, s4_bo_addr(dst, 0), s4_bo_addr(src, 0), SIZE));
		memset(md, 0, SIZE);
		s4_close(dev);

		ASSERT_EQ(0, s4_submit(cb, S4_SUBSYSTEM_ANY, NULL, 0, NULL, 0, NULL));
		ASSERT_EQ(0, s4_bo_wait(dst, s4_deadline_ns(S4T_WAIT_NS), &job_error));
		EXPECT_EQ(0, job_error);
		EXPECT_EQ(-1, s4t_find_not32(md, 0xc0ffee00u + order, SIZE / 4));
		ASSERT_EQ(0, s4_bo_map(src, &ms));
		EXPECT_EQ(-1, s4t_find_not32(ms, 0xc0ffee00u + order, SIZE / 4));
		if (order) {
			s4_bo_free(src);
			s4_bo_free(dst);
			s4_cmdbuf_free(cb);
		} else {
			s4_cmdbuf_free(cb);
			s4_bo_free(dst);
			s4_bo_free(src);
		}
	}
}

/*
 * The device's fd stays open after s4_close() while a BO or a command
 * buffer lives, and closes with the last of them (whichever it is).
 */
TEST(fd_closes_when_the_last_object_goes)
{
	for (int order = 0; order < 2; order++) {
		struct s4_device *dev;
		struct s4_cmdbuf *cb;
		struct s4_bo *bo;
		int fd, n0;
		void *m;

		n0 = count_fds();
		ASSERT_LT(0, n0);
		ASSERT_EQ(0, s4_open_index(0, &dev));
		fd = s4_device_fd(dev);
		ASSERT_EQ(n0 + 1, count_fds());
		ASSERT_EQ(0, s4t_bo(dev, SIZE, S4_PLACEMENT_HOST, &bo, &m));
		ASSERT_EQ(0, s4_cmdbuf_create(dev, &cb));
		ASSERT_EQ(0, s4_cmdbuf_use_bo(cb, bo));
		s4_close(dev);
		EXPECT_TRUE(fd_is_open(fd)) TH_LOG("order %d: closed by s4_close()", order);
		if (order) {
			s4_bo_free(bo);
			EXPECT_TRUE(fd_is_open(fd)) TH_LOG("closed by s4_bo_free()");
			s4_cmdbuf_free(cb);
		} else {
			s4_cmdbuf_free(cb);
			EXPECT_TRUE(fd_is_open(fd)) TH_LOG("closed by s4_cmdbuf_free()");
			s4_bo_free(bo);
		}
		EXPECT_EQ(-1, fcntl(fd, F_GETFD)) TH_LOG("order %d: fd left open", order);
		EXPECT_EQ(EBADF, errno);
		EXPECT_EQ(n0, count_fds());
	}
}

/* With nothing of it left, s4_close() closes the fd at once. */
TEST(close_without_objects_closes_the_fd_at_once)
{
	struct s4_device *dev;
	struct s4_cmdbuf *cb;
	struct s4_bo *bo;
	int fd, n0;

	n0 = count_fds();
	ASSERT_EQ(0, s4_open_index(0, &dev));
	fd = s4_device_fd(dev);
	ASSERT_EQ(0, s4_bo_create(dev, PAGE, S4_PLACEMENT_HOST, &bo));
	ASSERT_EQ(0, s4_cmdbuf_create(dev, &cb));
	s4_cmdbuf_free(cb);
	s4_bo_free(bo);
	EXPECT_TRUE(fd_is_open(fd));
	s4_close(dev);
	EXPECT_FALSE(fd_is_open(fd));
	EXPECT_EQ(n0, count_fds());
}

TEST_HARNESS_MAIN
