// SPDX-License-Identifier: MIT
/*
 * S4 device MMU: walks a job's page tables (s4_mmu.h) in host memory and
 * accesses VA ranges page by page, in device memory or in host memory. A
 * leaf table is read whole and reused for the rest of one access; nothing
 * is cached across accesses, as the tables may change between them.
 */
#include <string.h>

#include "s4_card_priv.h"

/* A physically contiguous piece of a VA range. */
struct s4_phys {
	uint8_t *mem;		/* in device memory, or NULL: in host memory */
	uint64_t bus_addr;	/* host memory bus address when !mem */
	uint64_t len;
};

static int s4_mmu_fault(struct s4_mmu *mmu, uint64_t va)
{
	mmu->fault_va = va;
	return -S4_ERR_MMU_FAULT;
}

/* The leaf entry that maps @va. */
static int s4_mmu_walk(struct s4_mmu *mmu, uint64_t va, uint64_t *pte)
{
	uint64_t leaf_va = va & ~((1ull << S4_MMU_LEVEL_SHIFT(1)) - 1);
	uint64_t table = mmu->pt_root;
	uint64_t entry = 0;
	int level;

	if (va >= S4_MMU_VA_SIZE)
		return s4_mmu_fault(mmu, va);
	if (!mmu->leaf_valid || mmu->leaf_va != leaf_va) {
		for (level = S4_MMU_LEVELS - 1; level > 0; level--) {
			if (s4_card_dma_read(mmu->card,
					     table + S4_MMU_INDEX(va, level) * sizeof(entry),
					     &entry, sizeof(entry)) ||
			    !(entry & S4_PTE_VALID))
				return s4_mmu_fault(mmu, va);
			table = entry & S4_PTE_ADDR_MASK;
		}
		mmu->leaf_valid = false;
		if (s4_card_dma_read(mmu->card, table, mmu->leaf, sizeof(mmu->leaf)))
			return s4_mmu_fault(mmu, va);
		mmu->leaf_valid = true;
		mmu->leaf_va = leaf_va;
	}
	entry = mmu->leaf[S4_MMU_INDEX(va, 0)];
	if (!(entry & S4_PTE_VALID))
		return s4_mmu_fault(mmu, va);
	*pte = entry;
	return 0;
}

/*
 * Translate the start of [va, va + len): @phys gets the piece up to the end
 * of va's page.
 */
static int s4_mmu_translate(struct s4_mmu *mmu, uint64_t va, uint64_t len,
			    bool write, struct s4_phys *phys)
{
	uint64_t in_page = va & (S4_MMU_PAGE_SIZE - 1);
	uint64_t mem_size = mmu->card->cfg.mem_size;
	uint64_t pte, page;

	if (s4_mmu_walk(mmu, va, &pte))
		return -S4_ERR_MMU_FAULT;
	if (write && !(pte & S4_PTE_WRITE))
		return s4_mmu_fault(mmu, va);
	page = pte & S4_PTE_ADDR_MASK;
	phys->len = S4_MMU_PAGE_SIZE - in_page;
	if (phys->len > len)
		phys->len = len;
	if (!(pte & S4_PTE_DEVMEM)) {
		phys->mem = NULL;
		phys->bus_addr = page + in_page;
		return 0;
	}
	if (page > mem_size - S4_MMU_PAGE_SIZE)
		return s4_mmu_fault(mmu, va);
	phys->mem = mmu->card->cfg.mem + page + in_page;
	return 0;
}

int s4_mmu_read(struct s4_mmu *mmu, uint64_t va, void *buf, uint64_t len)
{
	struct s4_phys phys;
	uint8_t *dst = buf;
	int ret;

	mmu->leaf_valid = false;
	while (len) {
		ret = s4_mmu_translate(mmu, va, len, false, &phys);
		if (ret)
			return ret;
		if (phys.mem)
			memcpy(dst, phys.mem, phys.len);
		else if (s4_card_dma_read(mmu->card, phys.bus_addr, dst, phys.len))
			return s4_mmu_fault(mmu, va);
		va += phys.len;
		dst += phys.len;
		len -= phys.len;
	}
	return 0;
}

int s4_mmu_write(struct s4_mmu *mmu, uint64_t va, const void *buf, uint64_t len)
{
	const uint8_t *src = buf;
	struct s4_phys phys;
	int ret;

	mmu->leaf_valid = false;
	while (len) {
		ret = s4_mmu_translate(mmu, va, len, true, &phys);
		if (ret)
			return ret;
		if (phys.mem) {
			memcpy(phys.mem, src, phys.len);
			s4_card_mem_written(mmu->card, (uint64_t)(phys.mem - mmu->card->cfg.mem),
					    phys.len);
		} else if (s4_card_dma_write(mmu->card, phys.bus_addr, src, phys.len))
			return s4_mmu_fault(mmu, va);
		va += phys.len;
		src += phys.len;
		len -= phys.len;
	}
	return 0;
}

/*
 * For engines that work on whole tensors in place: [va, va + len) must be
 * device memory, contiguous in the card's memory.
 */
int s4_mmu_map(struct s4_mmu *mmu, uint64_t va, uint64_t len, bool write,
	       void **host)
{
	uint8_t *mem = mmu->card->cfg.mem;
	struct s4_phys phys;
	uint64_t start = 0;
	uint64_t done = 0;
	int ret;

	if (!len || len > mmu->card->cfg.mem_size)
		return s4_mmu_fault(mmu, va);
	mmu->leaf_valid = false;
	while (done < len) {
		ret = s4_mmu_translate(mmu, va + done, len - done, write, &phys);
		if (ret)
			return ret;
		if (!phys.mem)
			return s4_mmu_fault(mmu, va + done);
		if (!done)
			start = (uint64_t)(phys.mem - mem);
		else if ((uint64_t)(phys.mem - mem) != start + done)
			return s4_mmu_fault(mmu, va + done);
		done += phys.len;
	}
	*host = mem + start;
	return 0;
}
