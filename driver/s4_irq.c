// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4: MSI-X vectors and the management interrupt.
 */
#include <linux/interrupt.h>

#include "s4_hw.h"
#include "s4_irq.h"

static irqreturn_t s4_irq_mgmt(int irq, void *arg)
{
	struct s4_device *sdev = arg;
	u32 status;

	status = s4_rd32(sdev, S4_REG_MGMT_IRQ_STATUS);
	if (!status)
		return IRQ_NONE;
	s4_wr32(sdev, S4_REG_MGMT_IRQ_STATUS, status);

	if (status & S4_MGMT_IRQ_SELFTEST)
		complete(&sdev->selftest_done);
	if (status & S4_MGMT_IRQ_ERROR)
		drm_err_ratelimited(&sdev->drm, "card error %#x (info %#x)\n",
				    s4_rd32(sdev, S4_REG_ERR_CODE),
				    s4_rd32(sdev, S4_REG_ERR_INFO));
	return IRQ_HANDLED;
}

int s4_irq_init(struct s4_device *sdev)
{
	struct pci_dev *pdev = sdev->pdev;
	unsigned int nvec = S4_MSIX_COUNT(sdev->queues_per_ss);
	int ret;

	init_completion(&sdev->selftest_done);

	/* Managed by pcim_enable_device(): freed on driver detach. */
	ret = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (ret < 0) {
		drm_err(&sdev->drm, "cannot allocate %u MSI-X vectors: %d\n",
			nvec, ret);
		return ret;
	}

	ret = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, S4_MSIX_MGMT),
			       s4_irq_mgmt, 0, S4_DRIVER_NAME, sdev);
	if (ret)
		drm_err(&sdev->drm, "cannot request the management interrupt: %d\n",
			ret);
	return ret;
}
