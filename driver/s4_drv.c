// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4 DRM accel driver: PCI probe, the DRM device and its ioctl table.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uaccess.h>
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/s4_accel.h>

#include "s4_drv.h"
#include "s4_hw.h"
#include "s4_irq.h"

static int s4_ioctl_get_param(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct s4_device *sdev = to_s4_device(drm);
	struct drm_s4_get_param *args = data;

	if (args->index) {
		drm_dbg(drm, "GET_PARAM: non-zero index %u\n", args->index);
		return -EINVAL;
	}

	switch (args->param) {
	case DRM_S4_PARAM_DEVICE_ID:
		args->value = sdev->pdev->device;
		break;
	case DRM_S4_PARAM_REVISION:
		args->value = sdev->revision;
		break;
	case DRM_S4_PARAM_NUM_SUBSYSTEMS:
		args->value = sdev->num_ss;
		break;
	case DRM_S4_PARAM_QUEUES_PER_SUBSYSTEM:
		args->value = sdev->queues_per_ss;
		break;
	case DRM_S4_PARAM_DEVICE_MEM_SIZE:
		args->value = sdev->mem_size;
		break;
	case DRM_S4_PARAM_IFACE_VERSION:
		args->value = S4_ID_IFACE_VERSION;
		break;
	case DRM_S4_PARAM_SELFTEST_IRQS:
		args->value = atomic64_read(&sdev->selftest_irqs);
		break;
	default:
		drm_dbg(drm, "GET_PARAM: unknown param %u\n", args->param);
		return -EINVAL;
	}
	return 0;
}

static const struct drm_ioctl_desc s4_drm_ioctls[] = {
	DRM_IOCTL_DEF_DRV(S4_GET_PARAM, s4_ioctl_get_param, 0),
};

/*
 * Size of the first version of each ioctl's argument struct: userspace may
 * pass anything from this size up to the driver's, and larger only with the
 * unknown tail zeroed.
 */
static const u16 s4_ioctl_v1_size[] = {
	[DRM_S4_GET_PARAM] = sizeof(struct drm_s4_get_param),
};

static_assert(ARRAY_SIZE(s4_ioctl_v1_size) == ARRAY_SIZE(s4_drm_ioctls));

static long s4_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct drm_file *file = filp->private_data;
	struct drm_device *drm = file->minor->dev;
	unsigned int nr = _IOC_NR(cmd), idx, ksize, usize = _IOC_SIZE(cmd);
	int ret;

	if (nr < DRM_COMMAND_BASE || nr >= DRM_COMMAND_BASE + ARRAY_SIZE(s4_drm_ioctls))
		return drm_ioctl(filp, cmd, arg);

	idx = nr - DRM_COMMAND_BASE;
	ksize = _IOC_SIZE(s4_drm_ioctls[idx].cmd);
	if (usize < s4_ioctl_v1_size[idx]) {
		drm_dbg(drm, "ioctl %#x: argument of %u bytes, need at least %u\n",
			cmd, usize, s4_ioctl_v1_size[idx]);
		return -EINVAL;
	}
	if (usize > ksize) {
		ret = check_zeroed_user((void __user *)arg + ksize, usize - ksize);
		if (ret <= 0) {
			drm_dbg(drm, "ioctl %#x: %u unknown trailing bytes are not zero\n",
				cmd, usize - ksize);
			return ret ? ret : -E2BIG;
		}
	}
	return drm_ioctl(filp, cmd, arg);
}

static const struct file_operations s4_accel_fops = {
	.owner = THIS_MODULE,
	DRM_ACCEL_FOPS,
	.unlocked_ioctl = s4_ioctl,
};

static const struct drm_driver s4_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL,
	.fops = &s4_accel_fops,
	.ioctls = s4_drm_ioctls,
	.num_ioctls = ARRAY_SIZE(s4_drm_ioctls),
	.name = S4_DRIVER_NAME,
	.desc = S4_DRIVER_DESC,
	.major = S4_DRIVER_MAJOR,
	.minor = S4_DRIVER_MINOR,
	.patchlevel = S4_DRIVER_PATCHLEVEL,
};

static int s4_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct s4_device *sdev;
	int ret;

	sdev = devm_drm_dev_alloc(&pdev->dev, &s4_drm_driver, struct s4_device,
				  drm);
	if (IS_ERR(sdev))
		return PTR_ERR(sdev);
	sdev->pdev = pdev;
	pci_set_drvdata(pdev, sdev);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);

	ret = s4_hw_init(sdev);
	if (ret)
		return ret;

	ret = s4_irq_init(sdev);
	if (ret)
		goto quiesce_card;

	ret = s4_hw_selftest(sdev);
	if (ret)
		goto quiesce_card;

	ret = drm_dev_register(&sdev->drm, 0);
	if (ret)
		goto quiesce_card;

	drm_info(&sdev->drm, "S4 rev %u.%u, %u subsystems x %u queues, %llu MiB device memory\n",
		 sdev->revision >> 8, sdev->revision & 0xff, sdev->num_ss,
		 sdev->queues_per_ss, sdev->mem_size >> 20);
	return 0;

quiesce_card:
	s4_hw_fini(sdev);
	return ret;
}

static void s4_remove(struct pci_dev *pdev)
{
	struct s4_device *sdev = pci_get_drvdata(pdev);

	drm_dev_unplug(&sdev->drm);
	s4_hw_fini(sdev);
}

static const struct pci_device_id s4_pci_ids[] = {
	{ PCI_DEVICE(S4_PCI_VENDOR_ID, S4_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, s4_pci_ids);

static struct pci_driver s4_pci_driver = {
	.name = S4_DRIVER_NAME,
	.id_table = s4_pci_ids,
	.probe = s4_probe,
	.remove = s4_remove,
};
module_pci_driver(s4_pci_driver);

MODULE_DESCRIPTION(S4_DRIVER_DESC);
MODULE_LICENSE("GPL");
