// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4: buffer objects.
 *
 * Host BOs are shmem objects whose pages are DMA-mapped for the card; device
 * BOs are contiguous ranges of the card's memory from the buddy allocator,
 * CPU-mapped write-combined through BAR2. Every handle a file holds on a BO
 * maps the BO into that file's device address space (GEM open/close).
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <drm/drm_drv.h>
#include <drm/drm_prime.h>
#include <drm/drm_vma_manager.h>
#include <drm/s4_accel.h>

#include "s4_gem.h"
#include "s4_hw.h"
#include "s4_prime.h"
#include "s4_vm.h"

/**
 * struct s4_bo_map - a BO's mapping in one address space
 * @ref: one per handle the address space's file holds, one per job using it
 * @link: in s4_bo.maps
 * @bo: the BO
 * @vm: the address space, referenced
 * @node: the VA range (the BO plus a guard page)
 */
struct s4_bo_map {
	struct kref ref;
	struct list_head link;
	struct s4_bo *bo;
	struct s4_vm *vm;
	struct drm_mm_node node;
};

static struct s4_bo_map *s4_bo_find_map(struct s4_bo *bo, struct s4_vm *vm)
{
	struct s4_bo_map *map;

	lockdep_assert_held(&bo->maps_lock);
	list_for_each_entry(map, &bo->maps, link)
		if (map->vm == vm)
			return map;
	return NULL;
}

struct s4_bo_map *s4_bo_map_get(struct s4_bo *bo, struct s4_vm *vm)
{
	struct s4_bo_map *map;

	mutex_lock(&bo->maps_lock);
	map = s4_bo_find_map(bo, vm);
	if (map)
		kref_get(&map->ref);
	mutex_unlock(&bo->maps_lock);
	return map;
}

u64 s4_bo_map_va(const struct s4_bo_map *map)
{
	return map->node.start;
}

static void s4_bo_map_release(struct kref *ref)
	__releases(&map->bo->maps_lock)
{
	struct s4_bo_map *map = container_of(ref, struct s4_bo_map, ref);

	list_del(&map->link);
	mutex_unlock(&map->bo->maps_lock);
	s4_vm_unmap(map->vm, &map->node);
	s4_vm_put(map->vm);
	kfree(map);
}

/* The last user of the mapping gone, the BO leaves the address space. */
void s4_bo_map_put(struct s4_bo_map *map)
{
	kref_put_mutex(&map->ref, s4_bo_map_release, &map->bo->maps_lock);
}

int s4_bo_va(struct s4_bo *bo, struct s4_vm *vm, u64 *va)
{
	struct s4_bo_map *map;

	mutex_lock(&bo->maps_lock);
	map = s4_bo_find_map(bo, vm);
	if (map)
		*va = map->node.start;
	mutex_unlock(&bo->maps_lock);
	return map ? 0 : -ENOENT;
}

static int s4_bo_map_into(struct s4_bo *bo, struct s4_vm *vm)
{
	struct s4_bo_map *map;
	struct sg_table *sgt;
	int ret;

	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	if (bo->placement == DRM_S4_BO_DEVICE) {
		ret = s4_vm_map_devmem(vm, &map->node, bo->dev_offset,
				       bo->base.base.size);
	} else {
		sgt = drm_gem_shmem_get_pages_sgt(&bo->base);
		ret = IS_ERR(sgt) ? PTR_ERR(sgt) :
		      s4_vm_map_sgt(vm, &map->node, sgt, bo->base.base.size);
	}
	if (ret) {
		kfree(map);
		return ret;
	}
	kref_init(&map->ref);
	map->bo = bo;
	map->vm = s4_vm_get(vm);
	list_add_tail(&map->link, &bo->maps);
	return 0;
}

/* A handle of a file on the BO: the BO is in the file's address space. */
static int s4_bo_open(struct drm_gem_object *obj, struct drm_file *file)
{
	struct s4_file_priv *fpriv = file->driver_priv;
	struct s4_bo *bo = to_s4_bo(obj);
	struct s4_bo_map *map;
	int ret = 0;

	mutex_lock(&bo->maps_lock);
	map = s4_bo_find_map(bo, fpriv->vm);
	if (map)
		kref_get(&map->ref);
	else
		ret = s4_bo_map_into(bo, fpriv->vm);
	mutex_unlock(&bo->maps_lock);
	if (ret)
		drm_dbg(obj->dev, "cannot map BO of %zu bytes: %d\n", obj->size, ret);
	return ret;
}

/* Jobs still running with the BO keep the mapping until they end. */
static void s4_bo_close(struct drm_gem_object *obj, struct drm_file *file)
{
	struct s4_file_priv *fpriv = file->driver_priv;
	struct s4_bo_map *map;

	map = s4_bo_map_get(to_s4_bo(obj), fpriv->vm);
	if (WARN_ON(!map))
		return;
	s4_bo_map_put(map);	/* the reference taken just now */
	s4_bo_map_put(map);	/* the handle's */
}

static void s4_bo_init(struct s4_bo *bo, u32 placement)
{
	bo->placement = placement;
	INIT_LIST_HEAD(&bo->blocks);
	INIT_LIST_HEAD(&bo->maps);
	mutex_init(&bo->maps_lock);
}

/* ---- host memory ---------------------------------------------------------- */

static void s4_host_bo_free(struct drm_gem_object *obj)
{
	struct s4_bo *bo = to_s4_bo(obj);

	mutex_destroy(&bo->maps_lock);
	drm_gem_shmem_free(&bo->base);	/* frees bo: base is its first member */
}

static const struct drm_gem_object_funcs s4_host_bo_funcs = {
	.free = s4_host_bo_free,
	.open = s4_bo_open,
	.close = s4_bo_close,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

static_assert(offsetof(struct s4_bo, base) == 0);

/* drm_driver.gem_create_object: every shmem object (created or imported). */
struct drm_gem_object *s4_gem_create_object(struct drm_device *drm, size_t size)
{
	struct s4_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL);

	if (!bo)
		return ERR_PTR(-ENOMEM);
	s4_bo_init(bo, DRM_S4_BO_HOST);
	bo->base.base.funcs = &s4_host_bo_funcs;
	bo->base.map_wc = false;
	return &bo->base.base;
}

static struct drm_gem_object *s4_host_bo_create(struct s4_device *sdev, u64 size)
{
	struct drm_gem_shmem_object *shmem;

	/* Pages are pinned while mapped: never let one BO take most of RAM. */
	if (size > (u64)(totalram_pages() / 2) << PAGE_SHIFT)
		return ERR_PTR(-ENOMEM);
	shmem = drm_gem_shmem_create(&sdev->drm, size);
	return IS_ERR(shmem) ? ERR_CAST(shmem) : &shmem->base;
}

/* ---- device memory -------------------------------------------------------- */

static void s4_dev_bo_free(struct drm_gem_object *obj)
{
	struct s4_device *sdev = to_s4_device(obj->dev);
	struct s4_bo *bo = to_s4_bo(obj);

	mutex_lock(&sdev->mem_lock);
	s4_buddy_free_list(&sdev->mem, &bo->blocks, 0);
	sdev->mem_used -= obj->size;
	mutex_unlock(&sdev->mem_lock);
	if (atomic_read(&bo->cpu_writable))
		atomic_dec(&sdev->cpu_writable_bos);
	drm_gem_object_release(obj);
	mutex_destroy(&bo->maps_lock);
	kfree(bo);
}

/**
 * s4_dev_bo_mark_cpu_writable - user space may write @bo through BAR2
 * @bo: a device BO, mapped writable or exported
 *
 * The card cannot see such writes: from now until @bo is freed, every job
 * asks it to look for them (S4_JOB_CPU_WRITES).
 */
void s4_dev_bo_mark_cpu_writable(struct s4_bo *bo)
{
	if (!atomic_cmpxchg(&bo->cpu_writable, 0, 1))
		atomic_inc(&to_s4_device(bo->base.base.dev)->cpu_writable_bos);
}

static int s4_dev_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct s4_device *sdev = to_s4_device(obj->dev);
	struct s4_bo *bo = to_s4_bo(obj);
	unsigned long pfn;

	if (vma->vm_flags & VM_WRITE)
		s4_dev_bo_mark_cpu_writable(bo);
	else
		vm_flags_clear(vma, VM_MAYWRITE);	/* it stays read-only */
	vma->vm_pgoff -= drm_vma_node_start(&obj->vma_node);
	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_writecombine(vm_get_page_prot(vma->vm_flags));
	pfn = ((sdev->mem_bar + bo->dev_offset) >> PAGE_SHIFT) + vma->vm_pgoff;
	return io_remap_pfn_range(vma, vma->vm_start, pfn,
				  vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static const struct vm_operations_struct s4_dev_bo_vm_ops = {
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static const struct drm_gem_object_funcs s4_dev_bo_funcs = {
	.free = s4_dev_bo_free,
	.open = s4_bo_open,
	.close = s4_bo_close,
	.export = s4_dev_bo_export,
	.mmap = s4_dev_bo_mmap,
	.vm_ops = &s4_dev_bo_vm_ops,
};

/* Tell the card that the CPU wrote [@offset, @offset + @len) of its memory. */
static void s4_dev_mem_written(struct s4_device *sdev, u64 offset, u32 len)
{
	wmb();	/* the write-combined stores before the report */
	mutex_lock(&sdev->mem_lock);
	s4_wr32(sdev, S4_REG_MEM_WRITTEN_LO, lower_32_bits(offset));
	s4_wr32(sdev, S4_REG_MEM_WRITTEN_HI, upper_32_bits(offset));
	s4_wr32(sdev, S4_REG_MEM_WRITTEN_LEN, len);
	mutex_unlock(&sdev->mem_lock);
}

/* New device memory holds what its last owner left: clear it. */
static int s4_dev_bo_clear(struct s4_device *sdev, u64 offset, u64 size)
{
	void __iomem *p;
	u64 done, chunk;
	int idx, ret = 0;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	for (done = 0; done < size; done += chunk) {
		chunk = min_t(u64, size - done, SZ_64M);
		p = ioremap_wc(sdev->mem_bar + offset + done, chunk);
		if (!p) {
			ret = -ENOMEM;
			break;
		}
		memset_io(p, 0, chunk);
		iounmap(p);
		s4_dev_mem_written(sdev, offset + done, chunk);
		cond_resched();
	}
	drm_dev_exit(idx);
	return ret;
}

static struct drm_gem_object *s4_dev_bo_create(struct s4_device *sdev, u64 size)
{
	struct s4_buddy_block *first;
	struct s4_bo *bo;
	int ret;

	if (size > sdev->mem_size)
		return ERR_PTR(-ENOSPC);
	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	s4_bo_init(bo, DRM_S4_BO_DEVICE);
	bo->base.base.funcs = &s4_dev_bo_funcs;
	drm_gem_private_object_init(&sdev->drm, &bo->base.base, size);

	mutex_lock(&sdev->mem_lock);
	ret = s4_buddy_alloc_blocks(&sdev->mem, 0, sdev->mem_size, size,
				    PAGE_SIZE, &bo->blocks, S4_BUDDY_CONTIGUOUS);
	if (!ret)
		sdev->mem_used += size;
	mutex_unlock(&sdev->mem_lock);
	if (ret) {
		drm_gem_object_release(&bo->base.base);
		mutex_destroy(&bo->maps_lock);
		kfree(bo);
		return ERR_PTR(ret == -ENOMEM ? -ENOSPC : ret);
	}
	first = list_first_entry(&bo->blocks, struct s4_buddy_block, link);
	bo->dev_offset = s4_buddy_block_offset(first);
	ret = s4_dev_bo_clear(sdev, bo->dev_offset, size);
	if (!ret)
		ret = drm_gem_create_mmap_offset(&bo->base.base);
	if (ret) {
		drm_gem_object_put(&bo->base.base);
		return ERR_PTR(ret);
	}
	return &bo->base.base;
}

/* ---- ioctls and fdinfo ------------------------------------------------------ */

int s4_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct s4_file_priv *fpriv = file->driver_priv;
	struct s4_device *sdev = to_s4_device(drm);
	struct drm_s4_bo_create *args = data;
	struct drm_gem_object *obj;
	u64 size;
	int ret;

	if (args->flags != DRM_S4_BO_DEVICE && args->flags != DRM_S4_BO_HOST) {
		drm_dbg(drm, "BO_CREATE: bad flags %#x\n", args->flags);
		return -EINVAL;
	}
	if (!args->size || args->size > U64_MAX - PAGE_SIZE) {
		drm_dbg(drm, "BO_CREATE: bad size %llu\n", args->size);
		return -EINVAL;
	}
	size = PAGE_ALIGN(args->size);

	obj = args->flags == DRM_S4_BO_DEVICE ? s4_dev_bo_create(sdev, size) :
						 s4_host_bo_create(sdev, size);
	if (IS_ERR(obj)) {
		drm_dbg(drm, "BO_CREATE: no memory for %llu bytes: %ld\n", size,
			PTR_ERR(obj));
		return PTR_ERR(obj);
	}
	ret = drm_gem_handle_create(file, obj, &args->handle);
	if (!ret)
		ret = s4_bo_va(to_s4_bo(obj), fpriv->vm, &args->va);
	drm_gem_object_put(obj);	/* the handle holds the BO now */
	return ret;
}

int s4_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct s4_file_priv *fpriv = file->driver_priv;
	struct drm_s4_bo_info *args = data;
	struct drm_gem_object *obj;
	struct s4_bo *bo;
	int ret;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj) {
		drm_dbg(drm, "BO_INFO: no BO with handle %u\n", args->handle);
		return -ENOENT;
	}
	bo = to_s4_bo(obj);
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		ret = s4_bo_va(bo, fpriv->vm, &args->va);
	if (!ret) {
		args->flags = bo->placement;
		args->size = obj->size;
		args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
	}
	drm_gem_object_put(obj);
	return ret;
}

void s4_gem_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct drm_memory_stats dev = {}, host = {};
	struct drm_gem_object *obj;
	int id;

	spin_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id) {
		struct drm_memory_stats *s =
			to_s4_bo(obj)->placement == DRM_S4_BO_DEVICE ? &dev : &host;

		if (obj->handle_count > 1)
			s->shared += obj->size;
		else
			s->private += obj->size;
	}
	spin_unlock(&file->table_lock);
	drm_print_memory_stats(p, &dev, 0, "device");
	drm_print_memory_stats(p, &host, 0, "host");
}
