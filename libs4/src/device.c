// SPDX-License-Identifier: MIT
/* Opening a card and asking it what it is. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <drm/s4_accel.h>

#include "internal.h"

int s4_ioctl(const struct s4_device *dev, unsigned long request, void *arg)
{
	return drmIoctl(dev->fd, request, arg) ? -errno : 0;
}

int s4_open(const char *devnode, struct s4_device **out)
{
	struct s4_device *dev;

	if (!devnode || !out)
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->fd = open(devnode, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		int err = -errno;

		free(dev);
		return err;
	}
	pthread_mutex_init(&dev->lock, NULL);
	dev->refs = 1;		/* the caller's, until s4_close() */
	*out = dev;
	return 0;
}

int s4_open_index(unsigned int index, struct s4_device **out)
{
	struct s4_card_info *cards;
	int n, ret;

	n = s4_enumerate(NULL, 0);
	if (n < 0)
		return n;
	if (index >= (unsigned int)n)
		return -ENODEV;
	cards = calloc(n, sizeof(*cards));
	if (!cards)
		return -ENOMEM;
	ret = s4_enumerate(cards, n);
	if (ret >= 0)
		ret = index < (unsigned int)ret ? s4_open(cards[index].devnode, out)
						: -ENODEV;
	free(cards);
	return ret;
}

void s4_device_get(struct s4_device *dev)
{
	pthread_mutex_lock(&dev->lock);
	dev->refs++;
	pthread_mutex_unlock(&dev->lock);
}

void s4_device_put(struct s4_device *dev)
{
	bool last;

	pthread_mutex_lock(&dev->lock);
	last = !--dev->refs;
	pthread_mutex_unlock(&dev->lock);
	if (!last)
		return;
	/* Nothing else refers to @dev now: no BO is left, nor a command buffer. */
	close(dev->fd);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

void s4_close(struct s4_device *dev)
{
	if (dev)
		s4_device_put(dev);
}

int s4_device_fd(const struct s4_device *dev)
{
	return dev->fd;
}

int s4_device_get_param(struct s4_device *dev, uint32_t param, uint64_t *value)
{
	struct drm_s4_get_param args = { .param = param };
	int ret;

	ret = s4_ioctl(dev, DRM_IOCTL_S4_GET_PARAM, &args);
	if (ret == 0)
		*value = args.value;
	return ret;
}

static int s4_driver_version(struct s4_device *dev, struct s4_device_info *info)
{
	drmVersionPtr v = drmGetVersion(dev->fd);

	if (!v)
		return errno ? -errno : -EIO;
	snprintf(info->driver_name, sizeof(info->driver_name), "%s", v->name);
	snprintf(info->driver_version, sizeof(info->driver_version), "%d.%d.%d",
		 v->version_major, v->version_minor, v->version_patchlevel);
	drmFreeVersion(v);
	return 0;
}

int s4_device_query(struct s4_device *dev, struct s4_device_info *info)
{
	static const struct {
		uint32_t param;
		size_t offset;
	} u32_params[] = {
		{ DRM_S4_PARAM_DEVICE_ID, offsetof(struct s4_device_info, device_id) },
		{ DRM_S4_PARAM_REVISION, offsetof(struct s4_device_info, revision) },
		{ DRM_S4_PARAM_IFACE_VERSION, offsetof(struct s4_device_info, iface_version) },
		{ DRM_S4_PARAM_NUM_SUBSYSTEMS, offsetof(struct s4_device_info, num_subsystems) },
		{ DRM_S4_PARAM_QUEUES_PER_SUBSYSTEM,
		  offsetof(struct s4_device_info, queues_per_subsystem) },
	};
	uint64_t v;
	size_t i;
	int ret;

	memset(info, 0, sizeof(*info));
	for (i = 0; i < sizeof(u32_params) / sizeof(u32_params[0]); i++) {
		ret = s4_device_get_param(dev, u32_params[i].param, &v);
		if (ret)
			return ret;
		*(uint32_t *)((char *)info + u32_params[i].offset) = (uint32_t)v;
	}
	ret = s4_device_get_param(dev, DRM_S4_PARAM_DEVICE_MEM_SIZE, &info->mem_size);
	if (ret)
		return ret;
	return s4_driver_version(dev, info);
}
