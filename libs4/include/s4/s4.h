/* SPDX-License-Identifier: MIT */
/*
 * libs4: the lowest layer of the Moffett S4 runtime.
 *
 * Read this header top to bottom: find cards, open one, ask it what it is.
 *
 * Conventions: every function returning int returns 0 (or a count) on success
 * and a negative errno on failure; s4_strerror() turns that into text. The
 * library never prints and never exits. Objects are opaque; each has a
 * create/open and a matching free/close, and closing NULL is a no-op.
 */
#ifndef S4_S4_H
#define S4_S4_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define S4_VERSION_MAJOR 0
#define S4_VERSION_MINOR 1
#define S4_VERSION_PATCH 0

/* ---- errors ------------------------------------------------------------ */

/* Text for a negative errno returned by libs4 (never NULL). */
const char *s4_strerror(int err);

/* ---- finding cards ------------------------------------------------------ */

/**
 * struct s4_card_info - a card found on this machine
 * @index: position in s4_enumerate()'s list, ordered by PCI address
 * @pci_slot: PCI address, "dddd:bb:dd.f"
 * @devnode: the accel device node, e.g. "/dev/accel/accel0"
 * @vendor_id: PCI vendor ID
 * @device_id: PCI device ID
 */
struct s4_card_info {
	unsigned int index;
	char pci_slot[16];
	char devnode[64];
	uint16_t vendor_id;
	uint16_t device_id;
};

/*
 * Lists the S4 cards bound to the s4 driver, ordered by PCI address. Fills at
 * most @max entries of @cards and returns how many cards there are (which may
 * be more than @max), or a negative errno.
 */
int s4_enumerate(struct s4_card_info *cards, unsigned int max);

/* ---- a device ----------------------------------------------------------- */

struct s4_device;

/* Opens the card at @devnode ("/dev/accel/accelN"). */
int s4_open(const char *devnode, struct s4_device **dev);

/* Opens the @index-th card of s4_enumerate(). -ENODEV if there is none. */
int s4_open_index(unsigned int index, struct s4_device **dev);

void s4_close(struct s4_device *dev);

/* The device's file descriptor, for poll() or for passing to other APIs. */
int s4_device_fd(const struct s4_device *dev);

/**
 * struct s4_device_info - what a card is
 * @device_id: PCI device ID
 * @revision: hardware revision, major << 8 | minor
 * @iface_version: host/card interface version
 * @num_subsystems: sparse processing subsystems
 * @queues_per_subsystem: hardware queues of each subsystem
 * @mem_size: device memory in bytes
 * @driver_name: kernel driver name ("s4")
 * @driver_version: kernel driver version, "major.minor.patch"
 */
struct s4_device_info {
	uint32_t device_id;
	uint32_t revision;
	uint32_t iface_version;
	uint32_t num_subsystems;
	uint32_t queues_per_subsystem;
	uint64_t mem_size;
	char driver_name[16];
	char driver_version[16];
};

int s4_device_query(struct s4_device *dev, struct s4_device_info *info);

/*
 * One raw parameter (enum drm_s4_param in <drm/s4_accel.h>); -EINVAL if the
 * driver does not know it.
 */
int s4_device_get_param(struct s4_device *dev, uint32_t param, uint64_t *value);

#ifdef __cplusplus
}
#endif

#endif /* S4_S4_H */
