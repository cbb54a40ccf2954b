/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: register access and card-level hardware operations.
 */
#ifndef __S4_HW_H__
#define __S4_HW_H__

#include "s4_drv.h"
#include "s4_regs.h"

static inline u32 s4_rd32(struct s4_device *sdev, u32 reg)
{
	return readl(sdev->regs + reg);
}

static inline void s4_wr32(struct s4_device *sdev, u32 reg, u32 val)
{
	writel(val, sdev->regs + reg);
}

static inline u64 s4_rd64(struct s4_device *sdev, u32 reg)
{
	u64 lo = s4_rd32(sdev, reg);

	return lo | (u64)s4_rd32(sdev, reg + 4) << 32;
}

int s4_hw_init(struct s4_device *sdev);
void s4_hw_fini(struct s4_device *sdev);
int s4_hw_selftest(struct s4_device *sdev);

#endif /* __S4_HW_H__ */
