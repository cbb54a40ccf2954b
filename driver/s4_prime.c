// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4: sharing device-memory BOs through dma-buf.
 *
 * Host BOs use the shmem helpers' PRIME support. A device BO lives behind
 * BAR2 and has no struct pages: its dma-buf hands importers the BAR range
 * itself, mapped for the importing device with dma_map_resource(), so that
 * another card reaches it peer to peer. Importing a dma-buf of this card
 * gives back the BO itself.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <drm/drm_drv.h>
#include <drm/drm_prime.h>

#include "s4_gem.h"
#include "s4_prime.h"

static struct sg_table *s4_dmabuf_map(struct dma_buf_attachment *attach,
				      enum dma_data_direction dir)
{
	struct drm_gem_object *obj = attach->dmabuf->priv;
	struct s4_device *sdev = to_s4_device(obj->dev);
	struct sg_table *sgt;
	dma_addr_t addr;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
	if (ret)
		goto free_sgt;
	addr = dma_map_resource(attach->dev, sdev->mem_bar + to_s4_bo(obj)->dev_offset,
				obj->size, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(attach->dev, addr)) {
		ret = -EIO;
		goto free_table;
	}
	sg_set_page(sgt->sgl, NULL, obj->size, 0);
	sg_dma_address(sgt->sgl) = addr;
	sg_dma_len(sgt->sgl) = obj->size;
	return sgt;

free_table:
	sg_free_table(sgt);
free_sgt:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void s4_dmabuf_unmap(struct dma_buf_attachment *attach,
			    struct sg_table *sgt, enum dma_data_direction dir)
{
	dma_unmap_resource(attach->dev, sg_dma_address(sgt->sgl),
			   sg_dma_len(sgt->sgl), dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
}

static const struct dma_buf_ops s4_dmabuf_ops = {
	.map_dma_buf = s4_dmabuf_map,
	.unmap_dma_buf = s4_dmabuf_unmap,
	.release = drm_gem_dmabuf_release,
	.mmap = drm_gem_dmabuf_mmap,
};

/* drm_gem_object_funcs.export of device BOs. */
struct dma_buf *s4_dev_bo_export(struct drm_gem_object *obj, int flags)
{
	struct dma_buf_export_info exp_info = {
		.exp_name = KBUILD_MODNAME,
		.owner = obj->dev->driver->fops->owner,
		.ops = &s4_dmabuf_ops,
		.size = obj->size,
		.flags = flags,
		.priv = obj,
		.resv = obj->resv,
	};

	/* Importers may write it, from the CPU or by peer DMA. */
	s4_dev_bo_mark_cpu_writable(to_s4_bo(obj));
	return drm_gem_dmabuf_export(obj->dev, &exp_info);
}

/* drm_driver.gem_prime_import: our own device BOs come back as themselves. */
struct drm_gem_object *s4_gem_prime_import(struct drm_device *drm,
					   struct dma_buf *dma_buf)
{
	struct drm_gem_object *obj = dma_buf->priv;

	if (dma_buf->ops == &s4_dmabuf_ops && obj->dev == drm) {
		drm_gem_object_get(obj);
		return obj;
	}
	return drm_gem_prime_import(drm, dma_buf);
}
