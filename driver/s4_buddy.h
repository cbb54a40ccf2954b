/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: the buddy allocator for device memory. Newer kernels, and
 * Debian's 6.12, carry it as gpu_buddy (linux/gpu_buddy.h); plain 6.12 as
 * drm_buddy. Kbuild defines S4_HAVE_GPU_BUDDY for the first; this header
 * names whichever is there s4_buddy.
 */
#ifndef __S4_BUDDY_H__
#define __S4_BUDDY_H__

#ifdef S4_HAVE_GPU_BUDDY
#include <linux/gpu_buddy.h>
#define s4_buddy			gpu_buddy
#define s4_buddy_block			gpu_buddy_block
#define s4_buddy_init			gpu_buddy_init
#define s4_buddy_fini			gpu_buddy_fini
#define s4_buddy_alloc_blocks		gpu_buddy_alloc_blocks
#define s4_buddy_free_list		gpu_buddy_free_list
#define s4_buddy_block_offset		gpu_buddy_block_offset
#define S4_BUDDY_CONTIGUOUS		GPU_BUDDY_CONTIGUOUS_ALLOCATION
#else
#include <drm/drm_buddy.h>
#define s4_buddy			drm_buddy
#define s4_buddy_block			drm_buddy_block
#define s4_buddy_init			drm_buddy_init
#define s4_buddy_fini			drm_buddy_fini
#define s4_buddy_alloc_blocks		drm_buddy_alloc_blocks
#define s4_buddy_free_list		drm_buddy_free_list
#define s4_buddy_block_offset		drm_buddy_block_offset
#define S4_BUDDY_CONTIGUOUS		DRM_BUDDY_CONTIGUOUS_ALLOCATION
#endif

#endif /* __S4_BUDDY_H__ */
