/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4 DRM accel driver: the device structure shared by all files.
 */
#ifndef __S4_DRV_H__
#define __S4_DRV_H__

#include <linux/completion.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <drm/drm_device.h>
#include <drm/drm_print.h>

#define S4_DRIVER_NAME		"s4"
#define S4_DRIVER_DESC		"Moffett S4 sparse inference card"
#define S4_DRIVER_MAJOR		1
#define S4_DRIVER_MINOR		0
#define S4_DRIVER_PATCHLEVEL	0

/**
 * struct s4_device - one S4 card
 * @drm: the DRM device, embedded
 * @pdev: the PCI device
 * @regs: BAR0 register block
 * @mem_bar: physical address of BAR2, the device memory aperture
 * @mem_size: device memory size, as the card reports it
 * @revision: hardware revision, major << 8 | minor
 * @num_ss: number of subsystems
 * @queues_per_ss: hardware queues per subsystem
 * @nvec: MSI-X vectors in use
 * @selftest_done: completed by the management interrupt on a self-test
 * @selftest_irqs: self-test interrupt round trips completed since probe
 */
struct s4_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *regs;
	resource_size_t mem_bar;
	u64 mem_size;
	u32 revision;
	u32 num_ss;
	u32 queues_per_ss;
	unsigned int nvec;
	struct completion selftest_done;
	atomic64_t selftest_irqs;
};

static inline struct s4_device *to_s4_device(struct drm_device *drm)
{
	return container_of(drm, struct s4_device, drm);
}

#endif /* __S4_DRV_H__ */
