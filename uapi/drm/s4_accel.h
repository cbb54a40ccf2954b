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
#define DRM_S4_BO_CREATE		0x01
#define DRM_S4_BO_INFO			0x02
#define DRM_S4_SUBMIT			0x03
#define DRM_S4_WAIT			0x04

#define DRM_IOCTL_S4_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_S4_GET_PARAM, struct drm_s4_get_param)
#define DRM_IOCTL_S4_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_S4_BO_CREATE, struct drm_s4_bo_create)
#define DRM_IOCTL_S4_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_S4_BO_INFO, struct drm_s4_bo_info)
#define DRM_IOCTL_S4_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_S4_SUBMIT, struct drm_s4_submit)
#define DRM_IOCTL_S4_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_S4_WAIT, struct drm_s4_wait)

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
 * @DRM_S4_PARAM_JOBS: jobs the card has finished, with or without error,
 *	since the driver reset it when binding to it (hang recovery resets
 *	queues, not these counts).
 * @DRM_S4_PARAM_SPU_PROBLEMS: GEMM and conv2d problems (a conv2d: one per
 *	group) those jobs ran on the sparse processing units.
 * @DRM_S4_PARAM_WEIGHTS_REUSED: of those problems, the ones that reused the
 *	card's packing of their weights from an earlier job, as the weights
 *	had not been written since.
 */
enum drm_s4_param {
	DRM_S4_PARAM_DEVICE_ID = 0,
	DRM_S4_PARAM_REVISION = 1,
	DRM_S4_PARAM_NUM_SUBSYSTEMS = 2,
	DRM_S4_PARAM_QUEUES_PER_SUBSYSTEM = 3,
	DRM_S4_PARAM_DEVICE_MEM_SIZE = 4,
	DRM_S4_PARAM_IFACE_VERSION = 5,
	DRM_S4_PARAM_SELFTEST_IRQS = 6,
	DRM_S4_PARAM_JOBS = 7,
	DRM_S4_PARAM_SPU_PROBLEMS = 8,
	DRM_S4_PARAM_WEIGHTS_REUSED = 9,
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

/**
 * DOC: buffer objects
 *
 * A buffer object (BO) lives in device memory (the card's LPDDR, reached by
 * the CPU through BAR2, write-combined) or in host memory (pages the card
 * reaches by DMA). Creating a BO, or importing one through PRIME, maps it
 * into the calling file's device address space; BO_INFO tells where. A BO is
 * freed with DRM_IOCTL_GEM_CLOSE once no job uses it.
 */

/* Placement: exactly one of these. */
#define DRM_S4_BO_DEVICE		(1u << 0)
#define DRM_S4_BO_HOST			(1u << 1)

/**
 * struct drm_s4_bo_create - create a buffer object
 *
 * @size: in, bytes (> 0); rounded up to the page size. Too large for the
 *	placement: -ENOSPC (device memory) or -ENOMEM (host memory).
 * @flags: in, DRM_S4_BO_DEVICE or DRM_S4_BO_HOST.
 * @handle: out, the GEM handle.
 * @va: out, device virtual address of the BO in this file's address space.
 */
struct drm_s4_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
	__u64 va;
};

/**
 * struct drm_s4_bo_info - where a buffer object is
 *
 * @handle: in, a GEM handle of this file.
 * @flags: out, its placement (DRM_S4_BO_DEVICE or DRM_S4_BO_HOST).
 * @size: out, bytes.
 * @va: out, device virtual address in this file's address space.
 * @mmap_offset: out, offset to pass to mmap() on the device file.
 */
struct drm_s4_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u64 va;
	__u64 mmap_offset;
};

/**
 * struct drm_s4_sync - a drm_syncobj and, for timeline syncobjs, a point
 *
 * @handle: syncobj handle.
 * @flags: must be 0.
 * @point: timeline point; 0 for a binary syncobj.
 */
struct drm_s4_sync {
	__u32 handle;
	__u32 flags;
	__u64 point;
};

/* drm_s4_submit.subsystem: let the driver pick the least busy queue. */
#define DRM_S4_SUBSYSTEM_ANY		0xffffffffu

/**
 * struct drm_s4_submit - run a command buffer on the card
 *
 * The job starts when every in-sync has signalled and every earlier job
 * writing a BO it uses has finished; it is done when its out-syncs signal.
 * Its result is read with DRM_IOCTL_S4_WAIT on an out-sync.
 *
 * @cmd_handle: in, the BO holding the command packets.
 * @subsystem: in, 0..3 or DRM_S4_SUBSYSTEM_ANY.
 * @cmd_offset: in, byte offset of the packets in the BO, a multiple of 8.
 * @cmd_size: in, bytes of packets, a multiple of 8, > 0.
 * @bo_handles: in, user pointer to an array of __u32 GEM handles the job
 *	reads or writes (besides the command BO); all are treated as written.
 * @bo_count: in, entries in @bo_handles.
 * @flags: in, must be 0.
 * @in_syncs: in, user pointer to an array of struct drm_s4_sync to wait for.
 * @out_syncs: in, user pointer to an array of struct drm_s4_sync to signal.
 * @in_sync_count: in, entries in @in_syncs.
 * @out_sync_count: in, entries in @out_syncs.
 * @seqno: out, the job's sequence number in this file (from 1).
 *
 * Errors: -EINVAL for malformed arguments, -ENOENT for unknown handles,
 * -EBADFD when an earlier job of this file faulted (the file's address
 * space is then unusable: open the device again).
 */
struct drm_s4_submit {
	__u32 cmd_handle;
	__u32 subsystem;
	__u64 cmd_offset;
	__u64 cmd_size;
	__u64 bo_handles;
	__u32 bo_count;
	__u32 flags;
	__u64 in_syncs;
	__u64 out_syncs;
	__u32 in_sync_count;
	__u32 out_sync_count;
	__u64 seqno;
};

/* drm_s4_wait.type */
#define DRM_S4_WAIT_SYNCOBJ		0
#define DRM_S4_WAIT_BO			1

/**
 * struct drm_s4_wait - wait for a job, a syncobj point or a BO's jobs
 *
 * @type: in, DRM_S4_WAIT_SYNCOBJ or DRM_S4_WAIT_BO.
 * @handle: in, the syncobj or GEM handle.
 * @point: in, timeline point for a syncobj (0 for binary); 0 for a BO.
 * @timeout_ns: in, absolute CLOCK_MONOTONIC deadline; -ETIME when it passes.
 * @error: out, 0 if the job (for a BO: every job using it) succeeded, else
 *	a negative errno: -EFAULT the job touched memory outside its address
 *	space, -EIO the card rejected a command packet, -ETIMEDOUT the job hung
 *	and was aborted, -ECANCELED the job was dropped because of an earlier
 *	fault in its file.
 * @card_error: out, for a syncobj: the card's enum s4_err for the job.
 * @fault_addr: out, for a syncobj: the faulting device VA on a fault.
 * @err_offset: out, for a syncobj: byte offset of the failing packet.
 * @pad: must be 0.
 */
struct drm_s4_wait {
	__u32 type;
	__u32 handle;
	__u64 point;
	__s64 timeout_ns;
	__s32 error;
	__u32 card_error;
	__u64 fault_addr;
	__u32 err_offset;
	__u32 pad;
};

#if defined(__cplusplus)
}
#endif

#endif /* __UAPI_S4_ACCEL_H__ */
