// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4: card discovery, reset and the interrupt self-test.
 */
#include <linux/delay.h>
#include <linux/iopoll.h>

#include "s4_hw.h"

#define S4_RESET_TIMEOUT_US	100000
#define S4_SELFTEST_TIMEOUT_MS	1000
#define S4_SELFTEST_PATTERN	0x5a5a0f0fu

static int s4_hw_reset(struct s4_device *sdev)
{
	u32 status;
	int ret;

	s4_wr32(sdev, S4_REG_RESET, S4_RESET_MAGIC);
	ret = readl_poll_timeout(sdev->regs + S4_REG_STATUS, status,
				 status & S4_STATUS_ALIVE, 10, S4_RESET_TIMEOUT_US);
	if (ret)
		drm_err(&sdev->drm, "card did not come out of reset (status %#x)\n",
			status);
	return ret;
}

int s4_hw_init(struct s4_device *sdev)
{
	struct pci_dev *pdev = sdev->pdev;
	u32 id, caps;
	int ret;

	sdev->regs = pcim_iomap_region(pdev, S4_BAR_REGS, S4_DRIVER_NAME);
	if (IS_ERR(sdev->regs))
		return PTR_ERR(sdev->regs);

	id = s4_rd32(sdev, S4_REG_ID);
	if (id >> 16 != S4_ID_MAGIC || (id & 0xffff) != S4_ID_IFACE_VERSION) {
		drm_err(&sdev->drm, "unsupported card interface (id %#x)\n", id);
		return -ENODEV;
	}

	ret = s4_hw_reset(sdev);
	if (ret)
		return ret;

	caps = s4_rd32(sdev, S4_REG_CAPS);
	sdev->revision = s4_rd32(sdev, S4_REG_REVISION);
	sdev->num_ss = S4_CAPS_SUBSYSTEMS(caps);
	sdev->queues_per_ss = S4_CAPS_QUEUES(caps);
	sdev->mem_size = s4_rd64(sdev, S4_REG_MEM_SIZE_LO);
	if (sdev->num_ss != S4_NUM_SUBSYSTEMS || !sdev->queues_per_ss ||
	    sdev->queues_per_ss > S4_MAX_QUEUES_PER_SS ||
	    S4_CAPS_MSIX(caps) != S4_MSIX_COUNT(sdev->queues_per_ss)) {
		drm_err(&sdev->drm, "inconsistent card capabilities %#x\n", caps);
		return -ENODEV;
	}

	sdev->mem_bar = pci_resource_start(pdev, S4_BAR_MEM);
	if (!sdev->mem_size ||
	    pci_resource_len(pdev, S4_BAR_MEM) != sdev->mem_size) {
		drm_err(&sdev->drm, "device memory BAR (%pa, %llu bytes) does not match card memory (%llu bytes)\n",
			&sdev->mem_bar,
			(u64)pci_resource_len(pdev, S4_BAR_MEM), sdev->mem_size);
		return -ENODEV;
	}
	return 0;
}

/* Quiesce the card before its interrupts and mappings go away. */
void s4_hw_fini(struct s4_device *sdev)
{
	s4_wr32(sdev, S4_REG_MGMT_IRQ_MASK, 0);
	s4_wr32(sdev, S4_REG_RESET, S4_RESET_MAGIC);
}

/*
 * Prove the interrupt path end to end: ring the self-test doorbell and wait
 * for the card's answer on the management MSI-X vector.
 */
int s4_hw_selftest(struct s4_device *sdev)
{
	u32 ack;

	reinit_completion(&sdev->selftest_done);
	s4_wr32(sdev, S4_REG_MGMT_IRQ_MASK, S4_MGMT_IRQ_ALL);
	s4_wr32(sdev, S4_REG_SELFTEST, S4_SELFTEST_PATTERN);
	if (!wait_for_completion_timeout(&sdev->selftest_done,
					 msecs_to_jiffies(S4_SELFTEST_TIMEOUT_MS))) {
		drm_err(&sdev->drm, "no self-test interrupt from the card\n");
		return -ETIMEDOUT;
	}
	ack = s4_rd32(sdev, S4_REG_SELFTEST_ACK);
	if (ack != ~S4_SELFTEST_PATTERN) {
		drm_err(&sdev->drm, "bad self-test answer %#x\n", ack);
		return -EIO;
	}
	atomic64_inc(&sdev->selftest_irqs);
	return 0;
}
