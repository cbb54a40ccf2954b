// SPDX-License-Identifier: MIT
/* Sync objects (DRM syncobjs through libdrm) and deadlines. */
#include <errno.h>
#include <time.h>

#include <xf86drm.h>

#include "internal.h"

int64_t s4_deadline_ns(int64_t timeout_ns)
{
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (timeout_ns <= 0)
		return now;
	return timeout_ns > S4_DEADLINE_NEVER - now ? S4_DEADLINE_NEVER : now + timeout_ns;
}

/* libdrm returns -1 with errno, or a negative errno, depending on the call. */
static int drm_ret(int ret)
{
	if (ret == 0)
		return 0;
	return ret == -1 ? -errno : ret;
}

int s4_syncobj_create(struct s4_device *dev, uint32_t *handle)
{
	if (!dev || !handle)
		return -EINVAL;
	return drm_ret(drmSyncobjCreate(dev->fd, 0, handle));
}

int s4_syncobj_destroy(struct s4_device *dev, uint32_t handle)
{
	if (!dev)
		return -EINVAL;
	return drm_ret(drmSyncobjDestroy(dev->fd, handle));
}

int s4_syncobj_signal(struct s4_device *dev, struct s4_sync sync)
{
	if (!dev)
		return -EINVAL;
	if (!sync.point)
		return drm_ret(drmSyncobjSignal(dev->fd, &sync.handle, 1));
	return drm_ret(drmSyncobjTimelineSignal(dev->fd, &sync.handle, &sync.point, 1));
}

static int s4_syncobj_wait_flags(struct s4_device *dev, struct s4_sync sync,
				 int64_t deadline_ns, uint32_t flags)
{
	if (!dev)
		return -EINVAL;
	if (!sync.point)
		return drm_ret(drmSyncobjWait(dev->fd, &sync.handle, 1, deadline_ns,
					      flags, NULL));
	return drm_ret(drmSyncobjTimelineWait(dev->fd, &sync.handle, &sync.point, 1,
					      deadline_ns, flags, NULL));
}

int s4_syncobj_wait(struct s4_device *dev, struct s4_sync sync, int64_t deadline_ns)
{
	return s4_syncobj_wait_flags(dev, sync, deadline_ns,
				     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT);
}

int s4_syncobj_query(struct s4_device *dev, uint32_t handle, uint64_t *point)
{
	if (!dev || !point)
		return -EINVAL;
	return drm_ret(drmSyncobjQuery(dev->fd, &handle, point, 1));
}

int s4_syncobj_wait_submitted(struct s4_device *dev, struct s4_sync sync, int64_t deadline_ns)
{
	return s4_syncobj_wait_flags(dev, sync, deadline_ns,
				     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE);
}
