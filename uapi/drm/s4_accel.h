/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Moffett S4 accelerator: userspace interface of the s4 DRM accel driver.
 *
 * The ABI is append-only: new ioctls take new numbers, structs only grow at
 * the end. The driver accepts a struct smaller than its own if it is at least
 * as large as the first version of that struct (missing fields read as 0), and
 * a larger one if the extra bytes are all zero; otherwise the ioctl fails with
 * -EINVAL (too small) or -E2BIG (unknown non-zero fields).
 */
#ifndef __UAPI_S4_ACCEL_H__
#define __UAPI_S4_ACCEL_H__

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_S4_GET_PARAM		0x00

#define DRM_IOCTL_S4_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_S4_GET_PARAM, struct drm_s4_get_param)

/**
 * enum drm_s4_param - what DRM_IOCTL_S4_GET_PARAM reports
 *
 * @DRM_S4_PARAM_DEVICE_ID: PCI device ID of the card.
 * @DRM_S4_PARAM_REVISION: hardware revision, major << 8 | minor.
 * @DRM_S4_PARAM_NUM_SUBSYSTEMS: number of sparse processing subsystems.
 * @DRM_S4_PARAM_QUEUES_PER_SUBSYSTEM: hardware queues of each subsystem.
 * @DRM_S4_PARAM_DEVICE_MEM_SIZE: device memory (LPDDR) size in bytes.
 * @DRM_S4_PARAM_IFACE_VERSION: version of the host/card register interface.
 * @DRM_S4_PARAM_SELFTEST_IRQS: interrupt round trips the driver completed
 *	since probe (each one a doorbell the card answered with an MSI-X).
 */
enum drm_s4_param {
	DRM_S4_PARAM_DEVICE_ID = 0,
	DRM_S4_PARAM_REVISION = 1,
	DRM_S4_PARAM_NUM_SUBSYSTEMS = 2,
	DRM_S4_PARAM_QUEUES_PER_SUBSYSTEM = 3,
	DRM_S4_PARAM_DEVICE_MEM_SIZE = 4,
	DRM_S4_PARAM_IFACE_VERSION = 5,
	DRM_S4_PARAM_SELFTEST_IRQS = 6,
};

/**
 * struct drm_s4_get_param - query a device parameter
 *
 * @param: in, one of enum drm_s4_param; unknown values fail with -EINVAL.
 * @index: in, must be 0 (reserved for per-subsystem parameters).
 * @value: out, the parameter's value.
 */
struct drm_s4_get_param {
	__u32 param;
	__u32 index;
	__u64 value;
};

#if defined(__cplusplus)
}
#endif

#endif /* __UAPI_S4_ACCEL_H__ */
