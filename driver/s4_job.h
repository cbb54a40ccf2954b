/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: jobs, their fences, and the SUBMIT and WAIT ioctls.
 */
#ifndef __S4_JOB_H__
#define __S4_JOB_H__

#include <linux/dma-fence.h>
#include <drm/gpu_scheduler.h>

#include "s4_drv.h"

struct s4_fence;
struct s4_vm;

/**
 * struct s4_job - one command buffer to run
 * @base: the scheduler job
 * @vm: the address space it runs in, referenced
 * @bos: the BOs it uses, referenced; bos[0] holds the command buffer
 * @maps: their mappings in @vm, referenced so that they outlive the job
 * @bo_count: entries in @bos and @maps
 * @cmd_written: the command BO is also among the BOs the job writes
 * @cmd_va: device VA of the command buffer
 * @cmd_size: bytes of command packets
 * @timed_out: the job hung and was aborted; it must not run again
 * @hw_fence: the hardware fence for the job's first run, allocated by SUBMIT
 *	and not initialised; s4_job_run() takes it (and leaves NULL)
 */
struct s4_job {
	struct drm_sched_job base;
	struct s4_vm *vm;
	struct drm_gem_object **bos;
	struct s4_bo_map **maps;
	u32 bo_count;
	bool cmd_written;
	u64 cmd_va;
	u32 cmd_size;
	bool timed_out;
	struct s4_fence *hw_fence;
};

static inline struct s4_job *to_s4_job(struct drm_sched_job *job)
{
	return container_of(job, struct s4_job, base);
}

/**
 * struct s4_fence - the hardware fence of a job on a queue
 * @base: the fence; its lock is the queue's lock, or for a job that ended
 *	without reaching the card the error fences' lock (s4_fence_signal_error())
 * @link: in the queue's list of jobs on the card
 * @vm: the job's address space (the job keeps it alive until this signals)
 * @ring_idx: the job's ring entry
 * @card_error: the card's enum s4_err for the job
 * @err_offset: byte offset of the failing packet
 * @fault_addr: the faulting device VA on an MMU fault
 */
struct s4_fence {
	struct dma_fence base;
	struct list_head link;
	struct s4_vm *vm;
	u32 ring_idx;
	u32 card_error;
	u32 err_offset;
	u64 fault_addr;
};

extern const struct dma_fence_ops s4_fence_ops;
struct s4_fence *to_s4_fence(struct dma_fence *f);
struct dma_fence *s4_fence_signal_error(struct s4_device *sdev, struct s4_fence *f,
					int error);
extern const struct drm_sched_backend_ops s4_sched_ops;

int s4_job_file_init(struct s4_file_priv *fpriv);
void s4_job_file_fini(struct s4_file_priv *fpriv);

int s4_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file);
int s4_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* __S4_JOB_H__ */
