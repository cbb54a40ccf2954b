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
#include <drm/drm_managed.h>
#include <drm/drm_prime.h>
#include <drm/s4_accel.h>

#include "s4_debugfs.h"
#include "s4_drv.h"
#include "s4_gem.h"
#include "s4_hw.h"
#include "s4_irq.h"
#include "s4_prime.h"
#include "s4_job.h"
#include "s4_ring.h"
#include "s4_sysfs.h"
#include "s4_vm.h"

/* The card's 64-bit counter register @reg; -ENODEV once the card is gone. */
static int s4_param_counter(struct s4_device *sdev, u32 reg, u64 *value)
{
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	*value = s4_rd64(sdev, reg);
	drm_dev_exit(idx);
	return 0;
}

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
	case DRM_S4_PARAM_JOBS:
		return s4_param_counter(sdev, S4_REG_CNT_JOBS, &args->value);
	case DRM_S4_PARAM_SPU_PROBLEMS:
		return s4_param_counter(sdev, S4_REG_CNT_SPU_PROBLEMS, &args->value);
	case DRM_S4_PARAM_WEIGHTS_REUSED:
		return s4_param_counter(sdev, S4_REG_CNT_WEIGHTS_REUSED, &args->value);
	default:
		drm_dbg(drm, "GET_PARAM: unknown param %u\n", args->param);
		return -EINVAL;
	}
	return 0;
}

static const struct drm_ioctl_desc s4_drm_ioctls[] = {
	DRM_IOCTL_DEF_DRV(S4_GET_PARAM, s4_ioctl_get_param, 0),
	DRM_IOCTL_DEF_DRV(S4_BO_CREATE, s4_ioctl_bo_create, 0),
	DRM_IOCTL_DEF_DRV(S4_BO_INFO, s4_ioctl_bo_info, 0),
	DRM_IOCTL_DEF_DRV(S4_SUBMIT, s4_ioctl_submit, 0),
	DRM_IOCTL_DEF_DRV(S4_WAIT, s4_ioctl_wait, 0),
};

/*
 * Size of the first version of each ioctl's argument struct: userspace may
 * pass anything from this size up to the driver's, and larger only with the
 * unknown tail zeroed.
 */
static const u16 s4_ioctl_v1_size[] = {
	[DRM_S4_GET_PARAM] = sizeof(struct drm_s4_get_param),
	[DRM_S4_BO_CREATE] = sizeof(struct drm_s4_bo_create),
	[DRM_S4_BO_INFO] = sizeof(struct drm_s4_bo_info),
	[DRM_S4_SUBMIT] = sizeof(struct drm_s4_submit),
	[DRM_S4_WAIT] = sizeof(struct drm_s4_wait),
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
	.show_fdinfo = drm_show_fdinfo,
};

static int s4_open(struct drm_device *drm, struct drm_file *file)
{
	struct s4_file_priv *fpriv;
	int ret;

	fpriv = kzalloc(sizeof(*fpriv), GFP_KERNEL);
	if (!fpriv)
		return -ENOMEM;
	fpriv->sdev = to_s4_device(drm);
	fpriv->vm = s4_vm_create(fpriv->sdev);
	if (IS_ERR(fpriv->vm)) {
		ret = PTR_ERR(fpriv->vm);
		goto free_fpriv;
	}
	ret = s4_job_file_init(fpriv);
	if (ret)
		goto put_vm;
	file->driver_priv = fpriv;
	return 0;

put_vm:
	s4_vm_put(fpriv->vm);
free_fpriv:
	kfree(fpriv);
	return ret;
}

/* After the file's handles are gone: its BOs are unmapped. */
static void s4_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct s4_file_priv *fpriv = file->driver_priv;

	s4_job_file_fini(fpriv);
	s4_vm_put(fpriv->vm);
	kfree(fpriv);
}

static void s4_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	s4_gem_show_fdinfo(p, file);
}

static const struct drm_driver s4_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = s4_open,
	.postclose = s4_postclose,
	.show_fdinfo = s4_show_fdinfo,
	.gem_create_object = s4_gem_create_object,
	.gem_prime_import = s4_gem_prime_import,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	.fops = &s4_accel_fops,
	.ioctls = s4_drm_ioctls,
	.num_ioctls = ARRAY_SIZE(s4_drm_ioctls),
	.name = S4_DRIVER_NAME,
	.desc = S4_DRIVER_DESC,
	.major = S4_DRIVER_MAJOR,
	.minor = S4_DRIVER_MINOR,
	.patchlevel = S4_DRIVER_PATCHLEVEL,
};

static void s4_mem_fini(struct drm_device *drm, void *arg)
{
	struct s4_device *sdev = to_s4_device(drm);

	s4_buddy_fini(&sdev->mem);
	ida_destroy(&sdev->ctx_ids);
}

static int s4_mem_init(struct s4_device *sdev)
{
	int ret;

	ret = drmm_mutex_init(&sdev->drm, &sdev->mem_lock);
	if (ret)
		return ret;
	ida_init(&sdev->ctx_ids);
	ret = s4_buddy_init(&sdev->mem, sdev->mem_size, PAGE_SIZE);
	if (ret)
		return ret;
	return drmm_add_action_or_reset(&sdev->drm, s4_mem_fini, NULL);
}

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
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(48));
	if (ret)
		return ret;

	ret = s4_hw_init(sdev);
	if (ret)
		return ret;

	ret = s4_mem_init(sdev);
	if (ret)
		return ret;

	ret = s4_irq_init(sdev);
	if (ret)
		goto quiesce_card;

	ret = s4_hw_selftest(sdev);
	if (ret)
		goto quiesce_card;

	ret = s4_queues_init(sdev);
	if (ret)
		goto quiesce_card;

	s4_debugfs_init(sdev);
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
	s4_queues_quiesce(sdev);
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
	.dev_groups = s4_sysfs_groups,
};
module_pci_driver(s4_pci_driver);

MODULE_DESCRIPTION(S4_DRIVER_DESC);
MODULE_VERSION(__stringify(S4_DRIVER_MAJOR.S4_DRIVER_MINOR.S4_DRIVER_PATCHLEVEL));
MODULE_LICENSE("GPL");
