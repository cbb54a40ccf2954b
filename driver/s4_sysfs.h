/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: sysfs attributes of the card's PCI device.
 */
#ifndef __S4_SYSFS_H__
#define __S4_SYSFS_H__

#include <linux/sysfs.h>

extern const struct attribute_group *s4_sysfs_groups[];

#endif /* __S4_SYSFS_H__ */
