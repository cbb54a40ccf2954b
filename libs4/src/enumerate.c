// SPDX-License-Identifier: MIT
/* Finding the S4 cards bound to the s4 driver, through libudev. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libudev.h>

#include "s4_regs.h"
#include "internal.h"

static int s4_card_cmp(const void *a, const void *b)
{
	const struct s4_card_info *x = a, *y = b;

	return strcmp(x->pci_slot, y->pci_slot);
}

static unsigned int s4_sysattr_hex(struct udev_device *dev, const char *name)
{
	const char *v = udev_device_get_sysattr_value(dev, name);

	return v ? (unsigned int)strtoul(v, NULL, 16) : 0;
}

/* Fills @card from an accel device if it is an S4 bound to s4; else -ENODEV. */
static int s4_card_from_udev(struct udev_device *accel, struct s4_card_info *card)
{
	struct udev_device *pci;
	const char *node, *driver;

	pci = udev_device_get_parent_with_subsystem_devtype(accel, "pci", NULL);
	if (!pci)
		return -ENODEV;
	driver = udev_device_get_driver(pci);
	node = udev_device_get_devnode(accel);
	if (!driver || strcmp(driver, "s4") || !node)
		return -ENODEV;

	memset(card, 0, sizeof(*card));
	snprintf(card->pci_slot, sizeof(card->pci_slot), "%s",
		 udev_device_get_sysname(pci));
	snprintf(card->devnode, sizeof(card->devnode), "%s", node);
	card->vendor_id = s4_sysattr_hex(pci, "vendor");
	card->device_id = s4_sysattr_hex(pci, "device");
	return card->vendor_id == S4_PCI_VENDOR_ID ? 0 : -ENODEV;
}

/* Collects every S4 card into a freshly allocated, sorted array. */
static int s4_collect(struct udev *udev, struct s4_card_info **out)
{
	struct udev_enumerate *e;
	struct udev_list_entry *entry;
	struct s4_card_info *cards = NULL, *grown;
	int n = 0, ret;

	e = udev_enumerate_new(udev);
	if (!e)
		return -ENOMEM;
	ret = udev_enumerate_add_match_subsystem(e, "accel");
	if (ret >= 0)
		ret = udev_enumerate_scan_devices(e);
	if (ret < 0)
		goto unref_enumerate;

	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		struct udev_device *dev;
		struct s4_card_info card;

		dev = udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry));
		if (!dev)
			continue;
		ret = s4_card_from_udev(dev, &card);
		udev_device_unref(dev);
		if (ret)
			continue;
		grown = realloc(cards, (n + 1) * sizeof(*cards));
		if (!grown) {
			ret = -ENOMEM;
			goto free_cards;
		}
		cards = grown;
		cards[n++] = card;
	}
	qsort(cards, n, sizeof(*cards), s4_card_cmp);
	for (int i = 0; i < n; i++)
		cards[i].index = i;
	*out = cards;
	udev_enumerate_unref(e);
	return n;

free_cards:
	free(cards);
unref_enumerate:
	udev_enumerate_unref(e);
	return ret;
}

int s4_enumerate(struct s4_card_info *cards, unsigned int max)
{
	struct s4_card_info *all = NULL;
	struct udev *udev;
	int n;

	if (max && !cards)
		return -EINVAL;
	udev = udev_new();
	if (!udev)
		return -ENOMEM;
	n = s4_collect(udev, &all);
	udev_unref(udev);
	if (n < 0)
		return n;
	if (max)
		memcpy(cards, all, (size_t)(n < (int)max ? n : (int)max) * sizeof(*all));
	free(all);
	return n;
}
