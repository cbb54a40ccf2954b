// SPDX-License-Identifier: MIT
/* Submitting a command buffer as a job, and waiting for a job's outcome. */
#include <errno.h>
#include <stdlib.h>

#include <drm/s4_accel.h>

#include "internal.h"

/* Copies @n libs4 syncs into the ABI's struct drm_s4_sync array @out. */
static void to_drm_syncs(const struct s4_sync *in, unsigned int n, struct drm_s4_sync *out)
{
	for (unsigned int i = 0; i < n; i++) {
		out[i].handle = in[i].handle;
		out[i].flags = 0;
		out[i].point = in[i].point;
	}
}

int s4_submit(struct s4_cmdbuf *cb, uint32_t subsystem,
	      const struct s4_sync *wait, unsigned int wait_count,
	      const struct s4_sync *signal, unsigned int signal_count,
	      uint64_t *seqno)
{
	struct drm_s4_sync stack[8], *syncs = stack;
	struct drm_s4_submit args = { .subsystem = subsystem };
	struct s4_cmdbuf_job job;
	/* The caller's syncs, then the command buffer's own out-sync. */
	size_t n = (size_t)wait_count + signal_count + 1;
	int ret;

	if (!cb || (wait_count && !wait) || (signal_count && !signal))
		return -EINVAL;
	ret = s4_cmdbuf_job(cb, &job);
	if (ret)
		return ret;
	if (n > sizeof(stack) / sizeof(stack[0])) {
		syncs = calloc(n, sizeof(*syncs));
		if (!syncs)
			return -ENOMEM;
	}
	to_drm_syncs(wait, wait_count, syncs);
	to_drm_syncs(signal, signal_count, syncs + wait_count);
	to_drm_syncs(&job.self_sync, 1, syncs + wait_count + signal_count);

	args.cmd_handle = job.cmd_handle;
	args.cmd_offset = 0;
	args.cmd_size = job.cmd_size;
	args.bo_handles = (uintptr_t)job.bo_handles;
	args.bo_count = job.bo_count;
	args.in_syncs = (uintptr_t)syncs;
	args.in_sync_count = wait_count;
	args.out_syncs = (uintptr_t)(syncs + wait_count);
	args.out_sync_count = signal_count + 1;
	ret = s4_ioctl(s4_cmdbuf_device(cb), DRM_IOCTL_S4_SUBMIT, &args);
	if (syncs != stack)
		free(syncs);
	if (ret)
		return ret;
	s4_cmdbuf_submitted(cb);
	if (seqno)
		*seqno = args.seqno;
	return 0;
}

int s4_wait(struct s4_device *dev, struct s4_sync sync, int64_t deadline_ns,
	    struct s4_job_status *status)
{
	struct drm_s4_wait args = {
		.type = DRM_S4_WAIT_SYNCOBJ,
		.handle = sync.handle,
		.point = sync.point,
		.timeout_ns = deadline_ns,
	};
	int ret;

	if (!dev)
		return -EINVAL;
	ret = s4_ioctl(dev, DRM_IOCTL_S4_WAIT, &args);
	if (ret == -EINVAL) {
		/*
		 * The driver only waits for fences that exist: -EINVAL is also
		 * its answer for a point not submitted yet. Wait for the
		 * submission (kept off the fast path), then ask again.
		 */
		int waited = s4_syncobj_wait_submitted(dev, sync, deadline_ns);

		if (!waited)
			ret = s4_ioctl(dev, DRM_IOCTL_S4_WAIT, &args);
		else if (waited == -ETIME)
			ret = waited;
	}
	if (!ret && status) {
		status->error = args.error;
		status->card_error = args.card_error;
		status->fault_addr = args.fault_addr;
		status->err_offset = args.err_offset;
	}
	return ret;
}
