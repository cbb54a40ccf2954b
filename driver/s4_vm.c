// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4: device address spaces. Each open file gets one: a drm_mm of
 * virtual addresses and 3-level page tables in DMA-coherent host memory that
 * the card walks for every access a job makes (layout in s4_mmu.h).
 */
#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "s4_mmu.h"
#include "s4_vm.h"

/* VAs below this stay unmapped, so that small bogus addresses fault. */
#define S4_VM_START		SZ_1M
/* An unmapped page after every mapping, so that overruns fault. */
#define S4_VM_GUARD		S4_MMU_PAGE_SIZE

static_assert(PAGE_SIZE == S4_MMU_PAGE_SIZE);

/**
 * struct s4_pt - one page table
 * @entries: the S4_MMU_ENTRIES entries the card reads
 * @dma: bus address of @entries
 * @children: for upper levels, the next-level tables by index
 */
struct s4_pt {
	u64 *entries;
	dma_addr_t dma;
	struct s4_pt **children;
};

static void s4_pt_free(struct s4_device *sdev, struct s4_pt *pt, int level)
{
	int i;

	if (!pt)
		return;
	if (level > 0 && pt->children) {
		for (i = 0; i < S4_MMU_ENTRIES; i++)
			s4_pt_free(sdev, pt->children[i], level - 1);
		kfree(pt->children);
	}
	if (pt->entries)
		dma_free_coherent(&sdev->pdev->dev, S4_MMU_PAGE_SIZE,
				  pt->entries, pt->dma);
	kfree(pt);
}

static struct s4_pt *s4_pt_alloc(struct s4_device *sdev, int level)
{
	struct s4_pt *pt = kzalloc(sizeof(*pt), GFP_KERNEL);

	if (!pt)
		return NULL;
	pt->entries = dma_alloc_coherent(&sdev->pdev->dev, S4_MMU_PAGE_SIZE,
					 &pt->dma, GFP_KERNEL);
	if (level > 0)
		pt->children = kcalloc(S4_MMU_ENTRIES, sizeof(*pt->children),
				       GFP_KERNEL);
	if (!pt->entries || (level > 0 && !pt->children)) {
		s4_pt_free(sdev, pt, level);
		return NULL;
	}
	return pt;
}

struct s4_vm *s4_vm_create(struct s4_device *sdev)
{
	struct s4_vm *vm;
	int id;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	id = ida_alloc_range(&sdev->ctx_ids, 1, 0xffff, GFP_KERNEL);
	if (id < 0) {
		kfree(vm);
		return ERR_PTR(id);
	}
	vm->root = s4_pt_alloc(sdev, S4_MMU_LEVELS - 1);
	if (!vm->root) {
		ida_free(&sdev->ctx_ids, id);
		kfree(vm);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&vm->ref);
	vm->sdev = sdev;
	vm->id = id;
	mutex_init(&vm->lock);
	drm_mm_init(&vm->va, S4_VM_START, S4_MMU_VA_SIZE - S4_VM_START);
	return vm;
}

static void s4_vm_release(struct kref *ref)
{
	struct s4_vm *vm = container_of(ref, struct s4_vm, ref);
	struct s4_device *sdev = vm->sdev;

	drm_mm_takedown(&vm->va);
	s4_pt_free(sdev, vm->root, S4_MMU_LEVELS - 1);
	ida_free(&sdev->ctx_ids, vm->id);
	mutex_destroy(&vm->lock);
	kfree(vm);
}

void s4_vm_put(struct s4_vm *vm)
{
	if (vm)
		kref_put(&vm->ref, s4_vm_release);
}

dma_addr_t s4_vm_root(const struct s4_vm *vm)
{
	return vm->root->dma;
}

/* The leaf entry for @va; with @alloc, creating the tables on the way. */
static u64 *s4_vm_pte(struct s4_vm *vm, u64 va, bool alloc)
{
	struct s4_pt *pt = vm->root, *child;
	int level;

	for (level = S4_MMU_LEVELS - 1; level > 0; level--) {
		unsigned int idx = S4_MMU_INDEX(va, level);

		child = pt->children[idx];
		if (!child && !alloc)
			return NULL;
		if (!child) {
			child = s4_pt_alloc(vm->sdev, level - 1);
			if (!child)
				return NULL;
			pt->children[idx] = child;
			WRITE_ONCE(pt->entries[idx], child->dma | S4_PTE_VALID);
		}
		pt = child;
	}
	return &pt->entries[S4_MMU_INDEX(va, 0)];
}

/* Clear the entries of [va, va + size); the tables stay for reuse. */
static void s4_vm_clear(struct s4_vm *vm, u64 va, u64 size)
{
	u64 end = va + size;
	u64 *pte;

	for (; va < end; va += S4_MMU_PAGE_SIZE) {
		pte = s4_vm_pte(vm, va, false);
		if (pte)
			WRITE_ONCE(*pte, 0);
	}
}

static int s4_vm_insert(struct s4_vm *vm, struct drm_mm_node *node, u64 size)
{
	return drm_mm_insert_node_generic(&vm->va, node, size + S4_VM_GUARD,
					  S4_MMU_PAGE_SIZE, 0, DRM_MM_INSERT_BEST);
}

/* Gives the leaf entry of page @i of a new mapping, or 0 past its end. */
typedef u64 (*s4_vm_pte_fn)(void *src, u64 i);

/* Map @size bytes at a new VA, page by page as @pte_of says. */
static int s4_vm_map(struct s4_vm *vm, struct drm_mm_node *node, u64 size,
		     s4_vm_pte_fn pte_of, void *src)
{
	u64 i, entry;
	u64 *pte;
	int ret;

	mutex_lock(&vm->lock);
	ret = s4_vm_insert(vm, node, size);
	if (ret)
		goto unlock;
	for (i = 0; i < size; i += S4_MMU_PAGE_SIZE) {
		entry = pte_of(src, i / S4_MMU_PAGE_SIZE);
		pte = entry ? s4_vm_pte(vm, node->start + i, true) : NULL;
		if (!pte) {
			ret = entry ? -ENOMEM : -EINVAL;
			s4_vm_clear(vm, node->start, i);
			drm_mm_remove_node(node);
			goto unlock;
		}
		WRITE_ONCE(*pte, entry);
	}
unlock:
	mutex_unlock(&vm->lock);
	return ret;
}

static u64 s4_vm_sgt_pte(void *src, u64 i)
{
	struct sg_dma_page_iter *iter = src;

	if (!__sg_page_iter_dma_next(iter))
		return 0;
	return (sg_page_iter_dma_address(iter) & S4_PTE_ADDR_MASK) |
	       S4_PTE_WRITE | S4_PTE_VALID;
}

/* Map host pages (already DMA-mapped for the card) at a new VA. */
int s4_vm_map_sgt(struct s4_vm *vm, struct drm_mm_node *node,
		  struct sg_table *sgt, u64 size)
{
	struct sg_dma_page_iter iter;

	__sg_page_iter_start(&iter.base, sgt->sgl, sgt->nents, 0);
	return s4_vm_map(vm, node, size, s4_vm_sgt_pte, &iter);
}

static u64 s4_vm_devmem_pte(void *src, u64 i)
{
	u64 offset = *(u64 *)src + i * S4_MMU_PAGE_SIZE;

	return (offset & S4_PTE_ADDR_MASK) | S4_PTE_DEVMEM | S4_PTE_WRITE |
	       S4_PTE_VALID;
}

/* Map [offset, offset + size) of device memory at a new VA. */
int s4_vm_map_devmem(struct s4_vm *vm, struct drm_mm_node *node,
		     u64 offset, u64 size)
{
	return s4_vm_map(vm, node, size, s4_vm_devmem_pte, &offset);
}

void s4_vm_unmap(struct s4_vm *vm, struct drm_mm_node *node)
{
	mutex_lock(&vm->lock);
	s4_vm_clear(vm, node->start, node->size);
	drm_mm_remove_node(node);
	mutex_unlock(&vm->lock);
}
