// SPDX-License-Identifier: MIT
/*
 * Memory accounting: per card in sysfs (mem_used_bytes, mem_total_bytes) and
 * per open file in fdinfo (drm-total-device, drm-total-host).
 */
#include <inttypes.h>
#include <stdint.h>

#include <xf86drm.h>
#include <drm/s4_accel.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"

static unsigned long long sysfs_u64(const char *slot, const char *attr)
{
	return s4t_sysfs_num(slot, attr, 10, ~0ull);
}

/* Bytes of fdinfo key @key ("drm-total-device") of @fd, or -1 if absent. */
static long long fdinfo_bytes(int fd, const char *key)
{
	char path[64], buf[4096], unit[8] = "";
	unsigned long long v;
	const char *p;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (s4t_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) || p[klen] != ':')
			continue;
		if (sscanf(p + klen + 1, "%llu %7s", &v, unit) < 1)
			return -1;
		if (!strcmp(unit, "KiB"))
			v <<= 10;
		else if (!strcmp(unit, "MiB"))
			v <<= 20;
		return (long long)v;
	}
	return -1;
}

static int bo_create(int fd, uint64_t size, uint32_t flags, uint32_t *handle)
{
	struct drm_s4_bo_create args = { .size = size, .flags = flags };
	int ret = drmIoctl(fd, DRM_IOCTL_S4_BO_CREATE, &args);

	*handle = args.handle;
	return ret ? -errno : 0;
}

static int bo_close(int fd, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	return drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &args) ? -errno : 0;
}

FIXTURE(acct) {
	struct s4_card_info card;
	struct s4_device *dev;
	int fd;
};

FIXTURE_SETUP(acct)
{
	ASSERT_LT(0, s4_enumerate(&self->card, 1));
	ASSERT_EQ(0, s4_open(self->card.devnode, &self->dev));
	self->fd = s4_device_fd(self->dev);
}

FIXTURE_TEARDOWN(acct)
{
	s4_close(self->dev);
}

TEST_F(acct, sysfs_total_is_the_card_memory)
{
	struct s4_device_info info;

	ASSERT_EQ(0, s4_device_query(self->dev, &info));
	EXPECT_EQ(info.mem_size, sysfs_u64(self->card.pci_slot, "mem_total_bytes"));
}

TEST_F(acct, device_bo_is_counted_in_sysfs_until_freed)
{
	unsigned long long before = sysfs_u64(self->card.pci_slot, "mem_used_bytes");
	uint32_t handle;

	ASSERT_NE(~0ull, before);
	ASSERT_EQ(0, bo_create(self->fd, 3 << 20, DRM_S4_BO_DEVICE, &handle));
	EXPECT_EQ(before + (3 << 20), sysfs_u64(self->card.pci_slot, "mem_used_bytes"));
	ASSERT_EQ(0, bo_close(self->fd, handle));
	EXPECT_EQ(before, sysfs_u64(self->card.pci_slot, "mem_used_bytes"));
}

TEST_F(acct, host_bo_uses_no_device_memory)
{
	unsigned long long before = sysfs_u64(self->card.pci_slot, "mem_used_bytes");
	uint32_t handle;

	ASSERT_NE(~0ull, before);
	ASSERT_EQ(0, bo_create(self->fd, 1 << 20, DRM_S4_BO_HOST, &handle));
	EXPECT_EQ(before, sysfs_u64(self->card.pci_slot, "mem_used_bytes"));
	EXPECT_EQ(0, bo_close(self->fd, handle));
}

TEST_F(acct, fdinfo_counts_each_placement)
{
	uint32_t dev_bo, host_bo;

	EXPECT_EQ(0, fdinfo_bytes(self->fd, "drm-total-device"));
	EXPECT_EQ(0, fdinfo_bytes(self->fd, "drm-total-host"));
	ASSERT_EQ(0, bo_create(self->fd, 2 << 20, DRM_S4_BO_DEVICE, &dev_bo));
	ASSERT_EQ(0, bo_create(self->fd, 5000, DRM_S4_BO_HOST, &host_bo));
	EXPECT_EQ(2 << 20, fdinfo_bytes(self->fd, "drm-total-device"));
	EXPECT_EQ(8192, fdinfo_bytes(self->fd, "drm-total-host"));
	ASSERT_EQ(0, bo_close(self->fd, dev_bo));
	EXPECT_EQ(0, fdinfo_bytes(self->fd, "drm-total-device"));
	EXPECT_EQ(8192, fdinfo_bytes(self->fd, "drm-total-host"));
	ASSERT_EQ(0, bo_close(self->fd, host_bo));
}

TEST_F(acct, fdinfo_is_per_file)
{
	struct s4_device *other;
	uint32_t handle;

	ASSERT_EQ(0, s4_open(self->card.devnode, &other));
	ASSERT_EQ(0, bo_create(s4_device_fd(other), 1 << 20, DRM_S4_BO_DEVICE, &handle));
	EXPECT_EQ(1 << 20, fdinfo_bytes(s4_device_fd(other), "drm-total-device"));
	EXPECT_EQ(0, fdinfo_bytes(self->fd, "drm-total-device"));
	s4_close(other);
}

TEST_F(acct, exhausting_device_memory_is_enospc_and_recovers)
{
	unsigned long long total = sysfs_u64(self->card.pci_slot, "mem_total_bytes");
	unsigned long long before = sysfs_u64(self->card.pci_slot, "mem_used_bytes");
	uint32_t big, more;

	ASSERT_NE(~0ull, total);
	ASSERT_NE(~0ull, before);

	/* Half the card, then more than what is left. */
	ASSERT_EQ(0, bo_create(self->fd, total / 2, DRM_S4_BO_DEVICE, &big));
	EXPECT_EQ(-ENOSPC, bo_create(self->fd, total / 2 + (1 << 20),
				     DRM_S4_BO_DEVICE, &more));
	EXPECT_EQ(-ENOSPC, bo_create(self->fd, total + 4096, DRM_S4_BO_DEVICE, &more));
	ASSERT_EQ(0, bo_close(self->fd, big));
	EXPECT_EQ(before, sysfs_u64(self->card.pci_slot, "mem_used_bytes"));
	ASSERT_EQ(0, bo_create(self->fd, total / 2, DRM_S4_BO_DEVICE, &big));
	EXPECT_EQ(0, bo_close(self->fd, big));
}

TEST_HARNESS_MAIN
