// SPDX-License-Identifier: MIT
/*
 * Buffer objects through libs4 and the raw ioctls: creation in both
 * placements, sizes, CPU mappings, BO_INFO, and bad arguments.
 */
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <xf86drm.h>
#include <drm/s4_accel.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"

#define PAGE 4096u

FIXTURE(bo) {
	struct s4_device *dev;
	struct s4_device_info info;
};

FIXTURE_VARIANT(bo) {
	enum s4_placement placement;
	uint32_t drm_flags;
};

FIXTURE_VARIANT_ADD(bo, device) {
	.placement = S4_PLACEMENT_DEVICE,
	.drm_flags = DRM_S4_BO_DEVICE,
};

FIXTURE_VARIANT_ADD(bo, host) {
	.placement = S4_PLACEMENT_HOST,
	.drm_flags = DRM_S4_BO_HOST,
};

FIXTURE_SETUP(bo)
{
	ASSERT_EQ(0, s4_open_index(0, &self->dev));
	ASSERT_EQ(0, s4_device_query(self->dev, &self->info));
}

FIXTURE_TEARDOWN(bo)
{
	s4_close(self->dev);
}

TEST_F(bo, size_is_rounded_up_to_the_page_size)
{
	static const uint64_t sizes[][2] = {
		{ 1, PAGE }, { PAGE - 1, PAGE }, { PAGE, PAGE },
		{ PAGE + 1, 2 * PAGE }, { 3 * PAGE + 5, 4 * PAGE },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct s4_bo *bo;

		ASSERT_EQ(0, s4_bo_create(self->dev, sizes[i][0], variant->placement, &bo));
		EXPECT_EQ(sizes[i][1], s4_bo_size(bo));
		EXPECT_EQ(variant->placement, s4_bo_placement(bo));
		EXPECT_NE(0, s4_bo_va(bo));
		EXPECT_EQ(0, s4_bo_va(bo) % PAGE);
		s4_bo_free(bo);
	}
}

TEST_F(bo, zero_size_is_einval)
{
	struct drm_s4_bo_create args = { .size = 0, .flags = variant->drm_flags };
	struct s4_bo *bo;

	EXPECT_EQ(-EINVAL, s4_bo_create(self->dev, 0, variant->placement, &bo));
	/* The library checks too early to prove the driver does: ask it. */
	EXPECT_EQ(-1, ioctl(s4_device_fd(self->dev), DRM_IOCTL_S4_BO_CREATE, &args));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(bo, too_large_is_enospc_on_device_and_enomem_on_host)
{
	struct s4_bo *bo = NULL;
	/* More than the card has, and more than this 2 GiB guest has. */
	uint64_t size = variant->placement == S4_PLACEMENT_DEVICE ?
		self->info.mem_size + PAGE : 1ull << 40;
	int expect = variant->placement == S4_PLACEMENT_DEVICE ? -ENOSPC : -ENOMEM;

	EXPECT_EQ(expect, s4_bo_create(self->dev, size, variant->placement, &bo));
	EXPECT_EQ(expect, s4_bo_create(self->dev, 1ull << 62, variant->placement, &bo));
	/* The failures did not leak anything that stops a normal BO. */
	ASSERT_EQ(0, s4_bo_create(self->dev, PAGE, variant->placement, &bo));
	s4_bo_free(bo);
}

TEST_F(bo, cpu_writes_read_back_through_the_mapping)
{
	const size_t size = 5 * PAGE + 123;
	uint8_t *expect = malloc(size);
	struct s4_bo *bo;
	void *map, *again;

	ASSERT_NE(NULL, expect);
	ASSERT_EQ(0, s4_bo_create(self->dev, size, variant->placement, &bo));
	ASSERT_EQ(0, s4_bo_map(bo, &map));
	ASSERT_EQ(0, s4_bo_map(bo, &again));
	EXPECT_EQ(map, again);
	s4t_random_fill(expect, size, 42);
	memcpy(map, expect, size);
	EXPECT_EQ(0, memcmp(map, expect, size));
	/* The last byte of the rounded-up size is usable too. */
	((volatile uint8_t *)map)[s4_bo_size(bo) - 1] = 0x5a;
	EXPECT_EQ(0x5a, ((volatile uint8_t *)map)[s4_bo_size(bo) - 1]);
	s4_bo_free(bo);
	free(expect);
}

TEST_F(bo, second_mapping_sees_writes_through_the_first)
{
	struct drm_s4_bo_info info = { 0 };
	struct s4_bo *bo;
	uint8_t *a, *b;
	void *map;
	int fd = s4_device_fd(self->dev);

	ASSERT_EQ(0, s4_bo_create(self->dev, 2 * PAGE, variant->placement, &bo));
	ASSERT_EQ(0, s4_bo_map(bo, &map));
	a = map;
	info.handle = s4_bo_handle(bo);
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_S4_BO_INFO, &info));
	b = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.mmap_offset);
	ASSERT_NE(MAP_FAILED, b);
	a[PAGE + 7] = 0xa5;
	EXPECT_EQ(0xa5, ((volatile uint8_t *)b)[PAGE + 7]);
	munmap(b, 2 * PAGE);
	s4_bo_free(bo);
}

/* A new BO must not show what an earlier (freed) BO held. */
TEST_F(bo, new_bo_reads_as_zero_after_a_dirty_one_was_freed)
{
	const size_t size = 16 * PAGE;
	struct s4_bo *bo;
	void *map;

	ASSERT_EQ(0, s4t_bo(self->dev, size, variant->placement, &bo, &map));
	memset(map, 0xee, size);
	s4_bo_free(bo);
	ASSERT_EQ(0, s4t_bo(self->dev, size, variant->placement, &bo, &map));
	EXPECT_EQ(-1, s4t_find_not(map, 0, size));
	s4_bo_free(bo);
}

TEST_F(bo, bo_info_reports_what_create_returned)
{
	struct drm_s4_bo_create c = { .size = 3 * PAGE, .flags = variant->drm_flags };
	struct drm_s4_bo_info info = { 0 };
	struct drm_gem_close cl = { 0 };
	int fd = s4_device_fd(self->dev);

	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_S4_BO_CREATE, &c));
	info.handle = c.handle;
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_S4_BO_INFO, &info));
	EXPECT_EQ(variant->drm_flags, info.flags);
	EXPECT_EQ(3 * PAGE, info.size);
	EXPECT_EQ(c.va, info.va);
	EXPECT_EQ(0, info.mmap_offset % PAGE);
	cl.handle = c.handle;
	EXPECT_EQ(0, ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl));
	EXPECT_EQ(-1, ioctl(fd, DRM_IOCTL_S4_BO_INFO, &info));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(bo, live_bos_do_not_overlap_in_the_address_space)
{
	struct s4_bo *bos[8];

	for (int i = 0; i < 8; i++) {
		ASSERT_EQ(0, s4_bo_create(self->dev, (i + 1) * PAGE + 1,
					  variant->placement, &bos[i]));
	}
	for (int i = 0; i < 8; i++) {
		for (int j = i + 1; j < 8; j++) {
			uint64_t a = s4_bo_va(bos[i]), b = s4_bo_va(bos[j]);

			EXPECT_TRUE(a + s4_bo_size(bos[i]) <= b || b + s4_bo_size(bos[j]) <= a);
		}
	}
	for (int i = 0; i < 8; i++)
		s4_bo_free(bos[i]);
}

TEST_F(bo, free_unmaps_the_cpu_mapping)
{
	struct s4_bo *bo;
	void *map;

	ASSERT_EQ(0, s4_bo_create(self->dev, 4 * PAGE, variant->placement, &bo));
	ASSERT_EQ(0, s4_bo_map(bo, &map));
	ASSERT_EQ(0, msync(map, 4 * PAGE, MS_ASYNC));
	s4_bo_free(bo);
	EXPECT_EQ(-1, msync(map, 4 * PAGE, MS_ASYNC));
	EXPECT_EQ(ENOMEM, errno);
}

TEST_F(bo, wait_on_an_idle_bo_returns_at_once_without_error)
{
	struct s4_bo *bo;
	int job_error = 1;

	ASSERT_EQ(0, s4_bo_create(self->dev, PAGE, variant->placement, &bo));
	EXPECT_EQ(0, s4_bo_wait(bo, 0, &job_error));
	EXPECT_EQ(0, job_error);
	s4_bo_free(bo);
}

FIXTURE(raw) {
	int fd;
	struct s4_device *dev;
};

FIXTURE_SETUP(raw)
{
	ASSERT_EQ(0, s4_open_index(0, &self->dev));
	self->fd = s4_device_fd(self->dev);
}

FIXTURE_TEARDOWN(raw)
{
	s4_close(self->dev);
}

static int create_flags(int fd, uint32_t flags)
{
	struct drm_s4_bo_create c = { .size = PAGE, .flags = flags };

	return ioctl(fd, DRM_IOCTL_S4_BO_CREATE, &c) ? errno : 0;
}

TEST_F(raw, create_without_placement_is_einval)
{
	EXPECT_EQ(EINVAL, create_flags(self->fd, 0));
}

TEST_F(raw, create_with_both_placements_is_einval)
{
	EXPECT_EQ(EINVAL, create_flags(self->fd, DRM_S4_BO_DEVICE | DRM_S4_BO_HOST));
}

TEST_F(raw, create_with_unknown_flag_is_einval)
{
	EXPECT_EQ(EINVAL, create_flags(self->fd, DRM_S4_BO_HOST | (1u << 7)));
	EXPECT_EQ(EINVAL, create_flags(self->fd, DRM_S4_BO_DEVICE | (1u << 31)));
}

TEST_F(raw, size_that_cannot_be_page_rounded_is_einval)
{
	struct drm_s4_bo_create c = { .size = UINT64_MAX - 2, .flags = DRM_S4_BO_HOST };

	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_S4_BO_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(raw, info_of_unknown_handle_is_enoent)
{
	struct drm_s4_bo_info info = { .handle = 0x7fffffff };

	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_S4_BO_INFO, &info));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(raw, mmap_at_an_unknown_offset_fails)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, 1ull << 40);

	EXPECT_EQ(MAP_FAILED, p);
}

TEST_F(raw, mmap_larger_than_the_bo_fails)
{
	struct s4_bo *bo;
	struct drm_s4_bo_info info = { 0 };
	void *p;

	ASSERT_EQ(0, s4_bo_create(self->dev, PAGE, S4_PLACEMENT_HOST, &bo));
	info.handle = s4_bo_handle(bo);
	ASSERT_EQ(0, ioctl(self->fd, DRM_IOCTL_S4_BO_INFO, &info));
	p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, self->fd, info.mmap_offset);
	EXPECT_EQ(MAP_FAILED, p);
	s4_bo_free(bo);
}

TEST_HARNESS_MAIN
