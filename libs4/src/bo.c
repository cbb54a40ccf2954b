// SPDX-License-Identifier: MIT
/* Buffer objects: create, import/export, map, wait, free. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>
#include <drm/s4_accel.h>

#include "internal.h"

static void gem_close(struct s4_device *dev, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	s4_ioctl(dev, DRM_IOCTL_GEM_CLOSE, &args);
}

/*
 * Makes the s4_bo of the GEM @handle, which @dev has no s4_bo for yet, from
 * BO_INFO and links it into @dev's list; on failure closes @handle. The new
 * s4_bo holds a reference on @dev. Called with @dev->lock held.
 */
static int bo_adopt(struct s4_device *dev, uint32_t handle, struct s4_bo **out)
{
	struct drm_s4_bo_info info = { .handle = handle };
	struct s4_bo *bo;
	int ret;

	ret = s4_ioctl(dev, DRM_IOCTL_S4_BO_INFO, &info);
	bo = ret ? NULL : calloc(1, sizeof(*bo));
	if (!bo) {
		gem_close(dev, handle);
		return ret ? ret : -ENOMEM;
	}
	bo->dev = dev;
	bo->refs = 1;
	bo->handle = handle;
	bo->flags = info.flags;
	bo->size = info.size;
	bo->va = info.va;
	bo->mmap_offset = info.mmap_offset;
	bo->next = dev->bos;
	dev->bos = bo;
	dev->refs++;		/* dropped by the BO's last s4_bo_free() */
	*out = bo;
	return 0;
}

int s4_bo_create(struct s4_device *dev, uint64_t size, enum s4_placement placement,
		 struct s4_bo **out)
{
	struct drm_s4_bo_create args = { .size = size };
	int ret;

	if (!dev || !out || !size)
		return -EINVAL;
	switch (placement) {
	case S4_PLACEMENT_DEVICE:
		args.flags = DRM_S4_BO_DEVICE;
		break;
	case S4_PLACEMENT_HOST:
		args.flags = DRM_S4_BO_HOST;
		break;
	default:
		return -EINVAL;
	}
	ret = s4_ioctl(dev, DRM_IOCTL_S4_BO_CREATE, &args);
	if (ret)
		return ret;
	pthread_mutex_lock(&dev->lock);
	ret = bo_adopt(dev, args.handle, out);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int s4_bo_import(struct s4_device *dev, int fd, struct s4_bo **out)
{
	struct s4_bo *bo;
	uint32_t handle;
	int ret;

	if (!dev || !out || fd < 0)
		return -EINVAL;
	/* The lock spans the lookup so that two imports of one buffer agree. */
	pthread_mutex_lock(&dev->lock);
	if (drmPrimeFDToHandle(dev->fd, fd, &handle)) {
		ret = -errno;
		goto out;
	}
	for (bo = dev->bos; bo; bo = bo->next) {
		if (bo->handle == handle) {
			bo->refs++;
			*out = bo;
			ret = 0;
			goto out;
		}
	}
	ret = bo_adopt(dev, handle, out);
out:
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

void s4_bo_ref(struct s4_bo *const *bos, unsigned int n)
{
	struct s4_device *dev;

	if (!n)
		return;
	dev = bos[0]->dev;
	pthread_mutex_lock(&dev->lock);
	for (unsigned int i = 0; i < n; i++)
		bos[i]->refs++;
	pthread_mutex_unlock(&dev->lock);
}

/* Drops one reference: the caller's, or a command buffer's (cmdbuf.c). */
void s4_bo_free(struct s4_bo *bo)
{
	struct s4_device *dev;
	struct s4_bo **p;

	if (!bo)
		return;
	dev = bo->dev;
	pthread_mutex_lock(&dev->lock);
	if (--bo->refs) {
		pthread_mutex_unlock(&dev->lock);
		return;
	}
	for (p = &dev->bos; *p; p = &(*p)->next) {
		if (*p == bo) {
			*p = bo->next;
			break;
		}
	}
	/* Closed under the lock: an import racing with us must not be handed
	 * this handle and then see it closed. */
	gem_close(dev, bo->handle);
	pthread_mutex_unlock(&dev->lock);
	if (bo->map)
		munmap(bo->map, bo->size);
	free(bo);
	/* The BO's reference on its device, last: s4_close() may have come. */
	s4_device_put(dev);
}

uint64_t s4_bo_va(const struct s4_bo *bo)
{
	return bo->va;
}

uint64_t s4_bo_size(const struct s4_bo *bo)
{
	return bo->size;
}

enum s4_placement s4_bo_placement(const struct s4_bo *bo)
{
	return bo->flags & DRM_S4_BO_DEVICE ? S4_PLACEMENT_DEVICE : S4_PLACEMENT_HOST;
}

uint32_t s4_bo_handle(const struct s4_bo *bo)
{
	return bo->handle;
}

int s4_bo_map(struct s4_bo *bo, void **ptr)
{
	int ret = 0;

	if (!bo || !ptr)
		return -EINVAL;
	pthread_mutex_lock(&bo->dev->lock);
	if (!bo->map) {
		void *p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       bo->dev->fd, (off_t)bo->mmap_offset);

		if (p == MAP_FAILED)
			ret = -errno;
		else
			bo->map = p;
	}
	if (!ret)
		*ptr = bo->map;
	pthread_mutex_unlock(&bo->dev->lock);
	return ret;
}

int s4_bo_export(struct s4_bo *bo, int *fd)
{
	if (!bo || !fd)
		return -EINVAL;
	if (drmPrimeHandleToFD(bo->dev->fd, bo->handle, DRM_CLOEXEC | DRM_RDWR, fd))
		return -errno;
	return 0;
}

int s4_bo_wait(struct s4_bo *bo, int64_t deadline_ns, int *job_error)
{
	struct drm_s4_wait args = {
		.type = DRM_S4_WAIT_BO,
		.handle = bo ? bo->handle : 0,
		.timeout_ns = deadline_ns,
	};
	int ret;

	if (!bo)
		return -EINVAL;
	ret = s4_ioctl(bo->dev, DRM_IOCTL_S4_WAIT, &args);
	if (!ret && job_error)
		*job_error = args.error;
	return ret;
}
