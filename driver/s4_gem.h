/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: buffer objects in device memory and in host memory.
 */
#ifndef __S4_GEM_H__
#define __S4_GEM_H__

#include <drm/drm_gem_shmem_helper.h>

#include "s4_drv.h"

struct s4_bo_map;
struct s4_vm;

/**
 * struct s4_bo - a buffer object
 * @base: the GEM object; host BOs use the shmem helper, device BOs only
 *	base.base
 * @placement: DRM_S4_BO_DEVICE or DRM_S4_BO_HOST
 * @dev_offset: device BOs: offset of the (contiguous) memory in device memory
 * @blocks: device BOs: the buddy allocator blocks backing it
 * @maps_lock: protects @maps
 * @maps: struct s4_bo_map, one per address space the BO is mapped in
 * @cpu_writable: device BOs: 1 once counted in s4_device.cpu_writable_bos
 */
struct s4_bo {
	struct drm_gem_shmem_object base;
	u32 placement;
	u64 dev_offset;
	struct list_head blocks;
	struct mutex maps_lock; /* protects maps */
	struct list_head maps;
	atomic_t cpu_writable;
};

static inline struct s4_bo *to_s4_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct s4_bo, base.base);
}

struct drm_gem_object *s4_gem_create_object(struct drm_device *drm, size_t size);
int s4_bo_va(struct s4_bo *bo, struct s4_vm *vm, u64 *va);
struct s4_bo_map *s4_bo_map_get(struct s4_bo *bo, struct s4_vm *vm);
void s4_bo_map_put(struct s4_bo_map *map);
u64 s4_bo_map_va(const struct s4_bo_map *map);
void s4_dev_bo_mark_cpu_writable(struct s4_bo *bo);
void s4_gem_show_fdinfo(struct drm_printer *p, struct drm_file *file);

int s4_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int s4_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* __S4_GEM_H__ */
