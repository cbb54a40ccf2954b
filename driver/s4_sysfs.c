// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4: sysfs. Device memory accounting for operators, in bytes:
 * mem_total_bytes and mem_used_bytes (allocated to buffer objects).
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "s4_drv.h"
#include "s4_sysfs.h"

static struct s4_device *s4_sysfs_sdev(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

static ssize_t mem_total_bytes_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", s4_sysfs_sdev(dev)->mem_size);
}
static DEVICE_ATTR_RO(mem_total_bytes);

static ssize_t mem_used_bytes_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct s4_device *sdev = s4_sysfs_sdev(dev);
	u64 used;

	mutex_lock(&sdev->mem_lock);
	used = sdev->mem_used;
	mutex_unlock(&sdev->mem_lock);
	return sysfs_emit(buf, "%llu\n", used);
}
static DEVICE_ATTR_RO(mem_used_bytes);

static struct attribute *s4_sysfs_attrs[] = {
	&dev_attr_mem_total_bytes.attr,
	&dev_attr_mem_used_bytes.attr,
	NULL,
};

static const struct attribute_group s4_sysfs_group = {
	.attrs = s4_sysfs_attrs,
};

const struct attribute_group *s4_sysfs_groups[] = {
	&s4_sysfs_group,
	NULL,
};
