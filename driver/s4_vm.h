/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: device address spaces and the page tables the card walks.
 */
#ifndef __S4_VM_H__
#define __S4_VM_H__

#include <linux/kref.h>
#include <linux/scatterlist.h>
#include <drm/drm_mm.h>

#include "s4_drv.h"

struct s4_pt;

/**
 * struct s4_vm - a device address space (one per open file)
 * @ref: held by the owning file and by every job running in it
 * @sdev: the card
 * @id: address space ID, reported by the card on faults
 * @lock: protects the page tables under @root and @va
 * @root: the top-level page table
 * @va: allocator of device virtual addresses
 * @faulted: set when a job in this space faulted; no more jobs run in it
 */
struct s4_vm {
	struct kref ref;
	struct s4_device *sdev;
	u32 id;
	struct mutex lock; /* protects page tables and va */
	struct s4_pt *root;
	struct drm_mm va;
	atomic_t faulted;
};

struct s4_vm *s4_vm_create(struct s4_device *sdev);
void s4_vm_put(struct s4_vm *vm);

static inline struct s4_vm *s4_vm_get(struct s4_vm *vm)
{
	kref_get(&vm->ref);
	return vm;
}

dma_addr_t s4_vm_root(const struct s4_vm *vm);

int s4_vm_map_sgt(struct s4_vm *vm, struct drm_mm_node *node,
		  struct sg_table *sgt, u64 size);
int s4_vm_map_devmem(struct s4_vm *vm, struct drm_mm_node *node,
		     u64 offset, u64 size);
void s4_vm_unmap(struct s4_vm *vm, struct drm_mm_node *node);

#endif /* __S4_VM_H__ */
