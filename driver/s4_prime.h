/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: sharing device-memory BOs through dma-buf.
 */
#ifndef __S4_PRIME_H__
#define __S4_PRIME_H__

#include <linux/dma-buf.h>
#include <drm/drm_gem.h>

struct dma_buf *s4_dev_bo_export(struct drm_gem_object *obj, int flags);
struct drm_gem_object *s4_gem_prime_import(struct drm_device *drm,
					   struct dma_buf *dma_buf);

#endif /* __S4_PRIME_H__ */
