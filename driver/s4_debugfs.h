/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: debugfs files under /sys/kernel/debug/accel/<minor>/.
 */
#ifndef __S4_DEBUGFS_H__
#define __S4_DEBUGFS_H__

#include "s4_drv.h"

void s4_debugfs_init(struct s4_device *sdev);

#endif /* __S4_DEBUGFS_H__ */
