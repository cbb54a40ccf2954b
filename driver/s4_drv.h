/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4 DRM accel driver: the device and file structures shared by all
 * files.
 */
#ifndef __S4_DRV_H__
#define __S4_DRV_H__

#include <linux/completion.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>
#include <drm/gpu_scheduler.h>

#include "s4_buddy.h"
#include "s4_regs.h"

#define S4_DRIVER_NAME		"s4"
#define S4_DRIVER_DESC		"Moffett S4 sparse inference card"
#define S4_DRIVER_MAJOR		1
/* 1.2: GET_PARAM reports jobs, SPU problems and weight packings reused. */
#define S4_DRIVER_MINOR		2
#define S4_DRIVER_PATCHLEVEL	0

#define S4_MAX_QUEUES		(S4_NUM_SUBSYSTEMS * S4_MAX_QUEUES_PER_SS)

struct s4_queue;
struct s4_vm;

extern unsigned int s4_job_timeout_ms;

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
 * @selftest_done: completed by the management interrupt on a self-test
 * @selftest_irqs: self-test interrupt round trips completed since probe
 * @mem: device memory allocator
 * @mem_lock: protects @mem and @mem_used
 * @mem_used: bytes of device memory allocated to buffer objects
 * @ctx_ids: allocator of address space IDs
 * @queues: hardware queues, subsystem-major
 * @all_scheds: every queue's scheduler, subsystem-major: a subsystem's
 *	queues are a slice of it
 * @error_fence_ctx: fence context of the hardware fences of jobs that end
 *	without reaching the card (s4_fence_signal_error())
 * @error_fence_seqno: seqno of the last of those fences; protected by their
 *	lock, s4_fence_error_lock in s4_job.c
 * @cpu_writable_bos: device BOs that user space may write through BAR2
 *	without the driver knowing (mapped writable, or exported): while there
 *	are any, every job is flagged S4_JOB_CPU_WRITES
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
	struct completion selftest_done;
	atomic64_t selftest_irqs;

	struct s4_buddy mem;
	struct mutex mem_lock; /* protects mem, mem_used, S4_REG_MEM_WRITTEN_* */
	u64 mem_used;
	atomic_t cpu_writable_bos;
	struct ida ctx_ids;

	struct s4_queue *queues[S4_MAX_QUEUES];
	struct drm_gpu_scheduler *all_scheds[S4_MAX_QUEUES];
	u64 error_fence_ctx;
	u64 error_fence_seqno;
};

/**
 * struct s4_file_priv - one open file: an address space and its queues
 * @sdev: the card
 * @vm: the file's device address space
 * @entities: scheduler entities, one per subsystem and one for "any"
 * @submit_lock: orders job arming and pushing on the entities
 * @seqno: sequence number of the file's last submitted job
 */
struct s4_file_priv {
	struct s4_device *sdev;
	struct s4_vm *vm;
	struct drm_sched_entity entities[S4_NUM_SUBSYSTEMS + 1];
	struct mutex submit_lock; /* protects seqno, arming and pushing */
	u64 seqno;
};

static inline struct s4_device *to_s4_device(struct drm_device *drm)
{
	return container_of(drm, struct s4_device, drm);
}

static inline unsigned int s4_num_queues(const struct s4_device *sdev)
{
	return sdev->num_ss * sdev->queues_per_ss;
}

#endif /* __S4_DRV_H__ */
