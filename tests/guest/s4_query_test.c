// SPDX-License-Identifier: MIT
/*
 * The query ioctl on every card, and how the driver answers malformed ioctls.
 */
#include <stdint.h>
#include <sys/ioctl.h>

#include <xf86drm.h>
#include <drm/s4_accel.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"

#define GET_PARAM_NR	(DRM_COMMAND_BASE + DRM_S4_GET_PARAM)
#define GET_PARAM_SIZED(size) \
	_IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE, GET_PARAM_NR, size)

FIXTURE(card) {
	struct s4_device *dev;
	int fd;
};

FIXTURE_SETUP(card)
{
	ASSERT_EQ(0, s4_open_index(0, &self->dev));
	self->fd = s4_device_fd(self->dev);
}

FIXTURE_TEARDOWN(card)
{
	s4_close(self->dev);
}

TEST(query_matches_the_pci_device_on_every_card)
{
	struct s4_card_info cards[8];
	int n = s4_enumerate(cards, 8);
	char module_version[32];

	ASSERT_GT(n, 0);
	ASSERT_LT(0, s4t_read_file("/sys/module/s4/version", module_version,
				   sizeof(module_version)));
	module_version[strcspn(module_version, "\n")] = '\0';
	for (int i = 0; i < n && i < 8; i++) {
		struct s4_device_info info;
		struct s4_device *dev;

		ASSERT_EQ(0, s4_open(cards[i].devnode, &dev));
		ASSERT_EQ(0, s4_device_query(dev, &info));
		s4_close(dev);
		EXPECT_EQ(s4t_sysfs_hex(cards[i].pci_slot, "device"), info.device_id);
		EXPECT_EQ(S4_PCI_DEVICE_ID, info.device_id);
		EXPECT_EQ(S4_PCI_REVISION,
			  s4t_sysfs_hex(cards[i].pci_slot, "revision"));
		EXPECT_EQ(4, info.num_subsystems);
		EXPECT_GE(info.queues_per_subsystem, 1);
		EXPECT_EQ(S4_ID_IFACE_VERSION, info.iface_version);
		/* The card's memory is exactly what BAR2 exposes. */
		EXPECT_EQ(s4t_bar_size(cards[i].pci_slot, S4_BAR_MEM), info.mem_size);
		EXPECT_STREQ("s4", info.driver_name);
		EXPECT_STREQ(module_version, info.driver_version);
	}
}

TEST_F(card, probe_proved_an_interrupt_round_trip)
{
	uint64_t irqs = 0;

	ASSERT_EQ(0, s4_device_get_param(self->dev, DRM_S4_PARAM_SELFTEST_IRQS, &irqs));
	EXPECT_GE(irqs, 1);
}

/* The card counts the jobs it finishes; a null job is one more, and no SPU problem. */
TEST_F(card, jobs_param_counts_finished_jobs)
{
	uint64_t jobs[2], problems[2];
	struct s4_job_status st;
	struct s4_cmdbuf *cb;

	ASSERT_EQ(0, s4_cmdbuf_create(self->dev, &cb));
	ASSERT_EQ(0, s4_cmdbuf_nop(cb));
	ASSERT_EQ(0, s4_device_get_param(self->dev, DRM_S4_PARAM_JOBS, &jobs[0]));
	ASSERT_EQ(0, s4_device_get_param(self->dev, DRM_S4_PARAM_SPU_PROBLEMS, &problems[0]));
	ASSERT_EQ(0, s4t_run(self->dev, cb, 0, &st));
	ASSERT_EQ(0, st.error);
	ASSERT_EQ(0, s4_device_get_param(self->dev, DRM_S4_PARAM_JOBS, &jobs[1]));
	ASSERT_EQ(0, s4_device_get_param(self->dev, DRM_S4_PARAM_SPU_PROBLEMS, &problems[1]));
	EXPECT_EQ(1, jobs[1] - jobs[0]);
	EXPECT_EQ(problems[0], problems[1]);
	s4_cmdbuf_free(cb);
}

TEST_F(card, unknown_param_is_einval)
{
	uint64_t v;

	EXPECT_EQ(-EINVAL, s4_device_get_param(self->dev, 0xffff, &v));
	EXPECT_EQ(-EINVAL, s4_device_get_param(self->dev,
					       DRM_S4_PARAM_WEIGHTS_REUSED + 1, &v));
}

TEST_F(card, nonzero_index_is_einval)
{
	struct drm_s4_get_param args = {
		.param = DRM_S4_PARAM_DEVICE_ID, .index = 1,
	};

	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_S4_GET_PARAM, &args));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(card, short_struct_is_einval)
{
	uint32_t args[2] = { DRM_S4_PARAM_DEVICE_ID, 0 };

	EXPECT_EQ(-1, ioctl(self->fd, GET_PARAM_SIZED(sizeof(args)), args));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(card, oversized_struct_with_nonzero_tail_is_e2big)
{
	struct {
		struct drm_s4_get_param p;
		uint64_t future;
	} args = { .p.param = DRM_S4_PARAM_DEVICE_ID, .future = 1 };

	EXPECT_EQ(-1, ioctl(self->fd, GET_PARAM_SIZED(sizeof(args)), &args));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(card, oversized_struct_with_zero_tail_works)
{
	struct {
		struct drm_s4_get_param p;
		uint64_t future;
	} args = { .p.param = DRM_S4_PARAM_DEVICE_ID };

	ASSERT_EQ(0, ioctl(self->fd, GET_PARAM_SIZED(sizeof(args)), &args));
	EXPECT_EQ(S4_PCI_DEVICE_ID, args.p.value);
	EXPECT_EQ(0, args.future);
}

TEST_F(card, unknown_ioctl_is_einval)
{
	uint64_t buf[4] = { 0 };

	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOWR(DRM_COMMAND_BASE + 0x3f, buf), buf));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(card, driver_version_is_reported_by_drm)
{
	drmVersionPtr v = drmGetVersion(self->fd);

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("s4", v->name);
	EXPECT_EQ(1, v->version_major);
	drmFreeVersion(v);
}

TEST_HARNESS_MAIN
