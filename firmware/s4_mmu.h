/* SPDX-License-Identifier: MIT */
/*
 * Moffett S4 device MMU: the page tables through which every job reaches
 * memory. Each address space (context) has its own tables, written by the
 * host driver in host memory and walked by the card for every job.
 *
 * 3 levels, 4 KiB pages, 39-bit device virtual addresses (512 GiB per
 * context). A table is 512 little-endian 64-bit entries in one 4 KiB-aligned
 * host page. VA bits 38..30 index the top (L2) table, 29..21 the L1 table,
 * 20..12 the L0 table whose entries map pages. The card does not cache
 * translations across jobs, so changing tables needs no invalidation as long
 * as no job using the range runs.
 */
#ifndef S4_MMU_H
#define S4_MMU_H

#include "s4_types.h"

#define S4_MMU_PAGE_SHIFT	12
#define S4_MMU_PAGE_SIZE	(1ull << S4_MMU_PAGE_SHIFT)
#define S4_MMU_VA_BITS		39
#define S4_MMU_VA_SIZE		(1ull << S4_MMU_VA_BITS)
#define S4_MMU_LEVELS		3
#define S4_MMU_ENTRIES		512
#define S4_MMU_LEVEL_SHIFT(l)	(S4_MMU_PAGE_SHIFT + 9 * (l))	/* l = 0..2 */
#define S4_MMU_INDEX(va, l)	(((va) >> S4_MMU_LEVEL_SHIFT(l)) & (S4_MMU_ENTRIES - 1))

/* Entry bits. Non-leaf entries (L2, L1) use VALID and ADDR only. */
#define S4_PTE_VALID		(1ull << 0)
#define S4_PTE_WRITE		(1ull << 1)	/* leaf: page is writable */
#define S4_PTE_DEVMEM		(1ull << 2)	/* leaf: ADDR is a device memory offset, else a host DMA address */
#define S4_PTE_ADDR_MASK	0x000ffffffffff000ull

#endif /* S4_MMU_H */
