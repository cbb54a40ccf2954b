// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4: jobs. SUBMIT turns a command buffer into a scheduler job on
 * one of the file's entities (a subsystem, or any queue); the scheduler of
 * the chosen hardware queue runs it when its dependencies (in-syncs and
 * earlier jobs on the same BOs) are met. A job that outlives the timeout is
 * aborted by resetting its queue; the other jobs of the queue run again.
 */
#include <linux/dma-fence-chain.h>
#include <linux/dma-resv.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>
#include <drm/s4_accel.h>

#include "s4_cmd.h"
#include "s4_gem.h"
#include "s4_job.h"
#include "s4_ring.h"
#include "s4_vm.h"

#define S4_MAX_JOB_BOS		1024
#define S4_MAX_JOB_SYNCS	64

unsigned int s4_job_timeout_ms = 5000;
module_param_named(job_timeout_ms, s4_job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms, "time a job may run before its queue is reset (ms)");

/* ---- fences ------------------------------------------------------------------ */

static const char *s4_fence_driver_name(struct dma_fence *f)
{
	return S4_DRIVER_NAME;
}

static const char *s4_fence_timeline_name(struct dma_fence *f)
{
	return "s4-queue";
}

const struct dma_fence_ops s4_fence_ops = {
	.get_driver_name = s4_fence_driver_name,
	.get_timeline_name = s4_fence_timeline_name,
};

struct s4_fence *to_s4_fence(struct dma_fence *f)
{
	return f && f->ops == &s4_fence_ops ? container_of(f, struct s4_fence, base) : NULL;
}

/*
 * The lock of the error fences and of their seqnos. It is not the device's:
 * a fence can outlive the device it came from.
 */
static DEFINE_SPINLOCK(s4_fence_error_lock);

/*
 * Make @f, a job's hardware fence (allocated, not yet initialised), a fence
 * already signalled with @error, for a job that must not reach the card. The
 * fences are on the device's error timeline, signalled in seqno order.
 * Called from run_job: it allocates nothing.
 */
struct dma_fence *s4_fence_signal_error(struct s4_device *sdev, struct s4_fence *f,
					int error)
{
	unsigned long flags;

	spin_lock_irqsave(&s4_fence_error_lock, flags);
	dma_fence_init(&f->base, &s4_fence_ops, &s4_fence_error_lock,
		       sdev->error_fence_ctx, ++sdev->error_fence_seqno);
	dma_fence_set_error(&f->base, error);
	dma_fence_signal_locked(&f->base);
	spin_unlock_irqrestore(&s4_fence_error_lock, flags);
	return &f->base;
}

/* ---- scheduler backend -------------------------------------------------------- */

static struct s4_queue *s4_job_queue(struct drm_sched_job *sched_job)
{
	return container_of(sched_job->sched, struct s4_queue, sched);
}

/*
 * The hardware fence for this run of @job. run_job is in the fence signalling
 * path, where allocating memory that may wait for reclaim can deadlock: the
 * first run takes the fence SUBMIT allocated, and from then on the fence is
 * only reference counted (the job frees it only if it never ran).
 *
 * A job runs again only when s4_job_timedout() resubmits it after a queue
 * reset. The fence of its last run cannot be reused: the reset signalled it
 * and others may still hold it. Nor can a fresh one be allocated beforehand:
 * the timeout handler is in the signalling path too, and a job can be
 * resubmitted any number of times. So a rerun allocates its fence without
 * blocking. If that fails, run_job returns an error pointer and the scheduler
 * ends the job with -ECANCELED, as if the reset had cancelled it for good (a
 * timed out job then reports that instead of -ETIMEDOUT).
 */
static struct s4_fence *s4_job_take_fence(struct s4_job *job)
{
	struct s4_fence *f = job->hw_fence;

	if (f) {
		job->hw_fence = NULL;
		return f;
	}
	return kzalloc(sizeof(*f), GFP_NOWAIT | __GFP_NOWARN);
}

static struct dma_fence *s4_job_run(struct drm_sched_job *sched_job)
{
	struct s4_queue *q = s4_job_queue(sched_job);
	struct s4_job *job = to_s4_job(sched_job);
	struct s4_fence *f = s4_job_take_fence(job);

	if (!f)
		return ERR_PTR(-ENOMEM);
	if (job->timed_out)
		return s4_fence_signal_error(q->sdev, f, -ETIMEDOUT);
	if (atomic_read(&job->vm->faulted))
		return s4_fence_signal_error(q->sdev, f, -ECANCELED);
	return s4_queue_push(q, job, f);
}

static enum drm_gpu_sched_stat s4_job_timedout(struct drm_sched_job *sched_job)
{
	struct s4_queue *q = s4_job_queue(sched_job);
	struct s4_job *job = to_s4_job(sched_job);

	if (drm_dev_is_unplugged(&q->sdev->drm))
		return DRM_GPU_SCHED_STAT_ENODEV;

	dev_info_ratelimited(q->sdev->drm.dev,
			     "%s: job in address space %u ran over %u ms, resetting the queue\n",
			     q->name, job->vm->id, s4_job_timeout_ms);
	drm_sched_stop(&q->sched, sched_job);
	job->timed_out = true;
	s4_queue_reset(q);
	drm_sched_resubmit_jobs(&q->sched);
	drm_sched_start(&q->sched);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void s4_job_put(struct s4_job *job)
{
	u32 i;

	for (i = 0; i < job->bo_count; i++) {
		s4_bo_map_put(job->maps[i]);
		drm_gem_object_put(job->bos[i]);
	}
	kvfree(job->maps);
	kvfree(job->bos);
	s4_vm_put(job->vm);
	/* Still here only if the job never ran: not a dma_fence yet. */
	kfree(job->hw_fence);
	kfree(job);
}

static void s4_job_free(struct drm_sched_job *sched_job)
{
	drm_sched_job_cleanup(sched_job);
	s4_job_put(to_s4_job(sched_job));
}

const struct drm_sched_backend_ops s4_sched_ops = {
	.run_job = s4_job_run,
	.timedout_job = s4_job_timedout,
	.free_job = s4_job_free,
};

/* ---- per-file entities --------------------------------------------------------- */

int s4_job_file_init(struct s4_file_priv *fpriv)
{
	struct s4_device *sdev = fpriv->sdev;
	unsigned int ss;
	int ret;

	mutex_init(&fpriv->submit_lock);
	for (ss = 0; ss <= sdev->num_ss; ss++) {
		bool any = ss == sdev->num_ss;

		ret = drm_sched_entity_init(&fpriv->entities[ss],
					    DRM_SCHED_PRIORITY_NORMAL,
					    any ? sdev->all_scheds :
					    &sdev->all_scheds[ss * sdev->queues_per_ss],
					    any ? s4_num_queues(sdev) : sdev->queues_per_ss,
					    NULL);
		if (ret)
			goto destroy_entities;
	}
	return 0;

destroy_entities:
	while (ss--)
		drm_sched_entity_destroy(&fpriv->entities[ss]);
	mutex_destroy(&fpriv->submit_lock);
	return ret;
}

void s4_job_file_fini(struct s4_file_priv *fpriv)
{
	unsigned int ss;

	for (ss = 0; ss <= fpriv->sdev->num_ss; ss++)
		drm_sched_entity_destroy(&fpriv->entities[ss]);
	mutex_destroy(&fpriv->submit_lock);
}

/* ---- SUBMIT ----------------------------------------------------------------- */

static int s4_submit_check(struct s4_device *sdev, const struct drm_s4_submit *args)
{
	struct drm_device *drm = &sdev->drm;
	u64 end;

	if (args->flags) {
		drm_dbg(drm, "SUBMIT: unknown flags %#x\n", args->flags);
		return -EINVAL;
	}
	if (args->subsystem >= sdev->num_ss && args->subsystem != DRM_S4_SUBSYSTEM_ANY) {
		drm_dbg(drm, "SUBMIT: no subsystem %u\n", args->subsystem);
		return -EINVAL;
	}
	if (!args->cmd_size || args->cmd_size > S4_CMD_MAX_BYTES ||
	    !IS_ALIGNED(args->cmd_size, S4_PKT_ALIGN) ||
	    !IS_ALIGNED(args->cmd_offset, S4_PKT_ALIGN) ||
	    check_add_overflow(args->cmd_offset, args->cmd_size, &end)) {
		drm_dbg(drm, "SUBMIT: bad command buffer range %llu+%llu\n",
			args->cmd_offset, args->cmd_size);
		return -EINVAL;
	}
	if (args->bo_count > S4_MAX_JOB_BOS ||
	    args->in_sync_count > S4_MAX_JOB_SYNCS ||
	    args->out_sync_count > S4_MAX_JOB_SYNCS) {
		drm_dbg(drm, "SUBMIT: too many BOs (%u) or syncs (%u in, %u out)\n",
			args->bo_count, args->in_sync_count, args->out_sync_count);
		return -EINVAL;
	}
	return 0;
}

/* Adds @obj (referenced) and its mapping in the job's space to the job. */
static int s4_job_add_bo(struct s4_job *job, struct drm_gem_object *obj)
{
	struct s4_bo_map *map = s4_bo_map_get(to_s4_bo(obj), job->vm);

	if (!map) {
		drm_gem_object_put(obj);
		return -ENOENT;
	}
	job->bos[job->bo_count] = obj;
	job->maps[job->bo_count++] = map;
	return 0;
}

static bool s4_job_has_bo(const struct s4_job *job, const struct drm_gem_object *obj)
{
	u32 i;

	for (i = 0; i < job->bo_count; i++)
		if (job->bos[i] == obj)
			return true;
	return false;
}

/*
 * Looks up the command BO (as bos[0]) and the BOs the job names; a BO named
 * twice counts once.
 */
static int s4_submit_lookup_bos(struct s4_job *job, struct drm_file *file,
				const struct drm_s4_submit *args)
{
	struct drm_device *drm = file->minor->dev;
	struct drm_gem_object *obj;
	u32 *handles;
	int ret;
	u32 i;

	job->bos = kvcalloc(args->bo_count + 1, sizeof(*job->bos), GFP_KERNEL);
	job->maps = kvcalloc(args->bo_count + 1, sizeof(*job->maps), GFP_KERNEL);
	if (!job->bos || !job->maps)
		return -ENOMEM;

	obj = drm_gem_object_lookup(file, args->cmd_handle);
	if (!obj) {
		drm_dbg(drm, "SUBMIT: no command BO %u\n", args->cmd_handle);
		return -ENOENT;
	}
	if (args->cmd_offset + args->cmd_size > obj->size) {
		drm_dbg(drm, "SUBMIT: commands %llu+%llu past the end of BO %u\n",
			args->cmd_offset, args->cmd_size, args->cmd_handle);
		drm_gem_object_put(obj);
		return -EINVAL;
	}
	ret = s4_job_add_bo(job, obj);
	if (ret)
		return ret;
	job->cmd_va = s4_bo_map_va(job->maps[0]) + args->cmd_offset;
	job->cmd_size = args->cmd_size;

	if (!args->bo_count)
		return 0;
	handles = memdup_array_user(u64_to_user_ptr(args->bo_handles),
				    args->bo_count, sizeof(*handles));
	if (IS_ERR(handles))
		return PTR_ERR(handles);
	for (i = 0; i < args->bo_count && !ret; i++) {
		obj = drm_gem_object_lookup(file, handles[i]);
		if (!obj) {
			drm_dbg(drm, "SUBMIT: no BO %u\n", handles[i]);
			ret = -ENOENT;
		} else if (s4_job_has_bo(job, obj)) {
			job->cmd_written |= obj == job->bos[0];
			drm_gem_object_put(obj);
		} else {
			ret = s4_job_add_bo(job, obj);
		}
	}
	kvfree(handles);
	return ret;
}

static struct drm_s4_sync *s4_submit_copy_syncs(struct drm_device *drm, u64 ptr,
						u32 count)
{
	struct drm_s4_sync *syncs;
	u32 i;

	if (!count)
		return NULL;
	syncs = memdup_array_user(u64_to_user_ptr(ptr), count, sizeof(*syncs));
	if (IS_ERR(syncs))
		return syncs;
	for (i = 0; i < count; i++) {
		if (syncs[i].flags) {
			drm_dbg(drm, "SUBMIT: sync %u has flags %#x\n", i, syncs[i].flags);
			kvfree(syncs);
			return ERR_PTR(-EINVAL);
		}
	}
	return syncs;
}

/**
 * struct s4_out_sync - a syncobj point the job will signal
 * @syncobj: the syncobj, referenced
 * @chain: for a timeline point, its preallocated chain node
 * @point: the timeline point, or 0
 */
struct s4_out_sync {
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;
	u64 point;
};

static void s4_out_syncs_free(struct s4_out_sync *outs, u32 count)
{
	u32 i;

	for (i = 0; outs && i < count; i++) {
		if (outs[i].syncobj)
			drm_syncobj_put(outs[i].syncobj);
		dma_fence_chain_free(outs[i].chain);
	}
	kvfree(outs);
}

static struct s4_out_sync *s4_out_syncs_get(struct drm_file *file,
					    const struct drm_s4_sync *syncs, u32 count)
{
	struct s4_out_sync *outs;
	u32 i;

	outs = kvcalloc(count, sizeof(*outs), GFP_KERNEL);
	if (!outs)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < count; i++) {
		outs[i].syncobj = drm_syncobj_find(file, syncs[i].handle);
		outs[i].point = syncs[i].point;
		if (!outs[i].syncobj) {
			drm_dbg(file->minor->dev, "SUBMIT: no syncobj %u\n",
				syncs[i].handle);
			s4_out_syncs_free(outs, count);
			return ERR_PTR(-ENOENT);
		}
		if (outs[i].point) {
			outs[i].chain = dma_fence_chain_alloc();
			if (!outs[i].chain) {
				s4_out_syncs_free(outs, count);
				return ERR_PTR(-ENOMEM);
			}
		}
	}
	return outs;
}

static void s4_out_syncs_signal(struct s4_out_sync *outs, u32 count,
				struct dma_fence *done)
{
	u32 i;

	for (i = 0; i < count; i++) {
		if (outs[i].chain) {
			drm_syncobj_add_point(outs[i].syncobj, outs[i].chain,
					      done, outs[i].point);
			outs[i].chain = NULL;
		} else {
			drm_syncobj_replace_fence(outs[i].syncobj, done);
		}
	}
}

/* The job only reads its command BO, unless it also names it as a BO. */
static bool s4_job_writes(const struct s4_job *job, u32 i)
{
	return i > 0 || job->cmd_written;
}

/* Wait for the in-syncs and for earlier jobs using the same BOs. */
static int s4_submit_add_deps(struct s4_job *job, struct drm_file *file,
			      const struct drm_s4_sync *in, u32 in_count)
{
	u32 i;
	int ret;

	for (i = 0; i < in_count; i++) {
		ret = drm_sched_job_add_syncobj_dependency(&job->base, file,
							   in[i].handle, in[i].point);
		if (ret) {
			drm_dbg(file->minor->dev, "SUBMIT: in-sync %u (point %llu): %d\n",
				in[i].handle, in[i].point, ret);
			return ret;
		}
	}
	for (i = 0; i < job->bo_count; i++) {
		ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
		if (!ret)
			ret = drm_sched_job_add_implicit_dependencies(&job->base,
								      job->bos[i],
								      s4_job_writes(job, i));
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Arm the job, publish its fence on its BOs and out-syncs, and queue it; from
 * here on nothing can fail. The BOs are unlocked before the push, after which
 * the job may run and be freed at any time.
 */
static void s4_submit_push(struct s4_file_priv *fpriv, struct s4_job *job,
			   struct ww_acquire_ctx *ticket, struct s4_out_sync *outs,
			   u32 out_count, u64 *seqno)
{
	struct dma_fence *done;
	u32 i;

	mutex_lock(&fpriv->submit_lock);
	drm_sched_job_arm(&job->base);
	done = &job->base.s_fence->finished;
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, done,
				   s4_job_writes(job, i) ? DMA_RESV_USAGE_WRITE :
							   DMA_RESV_USAGE_READ);
	drm_gem_unlock_reservations(job->bos, job->bo_count, ticket);
	s4_out_syncs_signal(outs, out_count, done);
	*seqno = ++fpriv->seqno;
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&fpriv->submit_lock);
}

int s4_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct s4_file_priv *fpriv = file->driver_priv;
	struct s4_device *sdev = to_s4_device(drm);
	struct drm_s4_submit *args = data;
	struct drm_s4_sync *in = NULL, *out = NULL;
	struct s4_out_sync *outs = NULL;
	struct drm_sched_entity *entity;
	struct ww_acquire_ctx ticket;
	struct s4_job *job;
	int ret;

	ret = s4_submit_check(sdev, args);
	if (ret)
		return ret;
	if (atomic_read(&fpriv->vm->faulted)) {
		drm_dbg(drm, "SUBMIT: address space %u faulted earlier\n", fpriv->vm->id);
		return -EBADFD;
	}
	entity = &fpriv->entities[args->subsystem == DRM_S4_SUBSYSTEM_ANY ?
				  sdev->num_ss : args->subsystem];

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	job->vm = s4_vm_get(fpriv->vm);
	/* run_job must not allocate it: see s4_job_take_fence(). */
	job->hw_fence = kzalloc(sizeof(*job->hw_fence), GFP_KERNEL);
	if (!job->hw_fence) {
		ret = -ENOMEM;
		goto put_job;
	}

	ret = s4_submit_lookup_bos(job, file, args);
	if (ret)
		goto put_job;
	in = s4_submit_copy_syncs(drm, args->in_syncs, args->in_sync_count);
	out = s4_submit_copy_syncs(drm, args->out_syncs, args->out_sync_count);
	if (IS_ERR(in) || IS_ERR(out)) {
		ret = IS_ERR(in) ? PTR_ERR(in) : PTR_ERR(out);
		goto free_syncs;
	}
	if (args->out_sync_count) {
		outs = s4_out_syncs_get(file, out, args->out_sync_count);
		if (IS_ERR(outs)) {
			ret = PTR_ERR(outs);
			outs = NULL;
			goto free_syncs;
		}
	}

	ret = drm_sched_job_init(&job->base, entity, 1, fpriv, file->client_id);
	if (ret)
		goto free_syncs;

	ret = drm_gem_lock_reservations(job->bos, job->bo_count, &ticket);
	if (ret)
		goto cleanup_job;
	ret = s4_submit_add_deps(job, file, in, args->in_sync_count);
	if (ret)
		goto unlock_bos;

	s4_submit_push(fpriv, job, &ticket, outs, args->out_sync_count, &args->seqno);
	job = NULL;	/* the scheduler owns it now */
	ret = 0;
	goto free_syncs;

unlock_bos:
	drm_gem_unlock_reservations(job->bos, job->bo_count, &ticket);
cleanup_job:
	drm_sched_job_cleanup(&job->base);
free_syncs:
	s4_out_syncs_free(outs, args->out_sync_count);
	if (!IS_ERR(in))
		kvfree(in);
	if (!IS_ERR(out))
		kvfree(out);
put_job:
	if (job)
		s4_job_put(job);
	return ret;
}

/* ---- WAIT ------------------------------------------------------------------- */

/* The card's details about the job behind a syncobj's fence, if any. */
static void s4_wait_job_details(struct dma_fence *fence, struct drm_s4_wait *args)
{
	struct drm_sched_fence *s_fence;
	struct s4_fence *hw;

	/*
	 * The finished fence has signalled, so its parent (the hardware fence)
	 * has too. A queue reset drops only parents whose callback it can still
	 * remove, unsignalled ones: this one lives as long as our reference to
	 * the finished fence.
	 */
	s_fence = to_drm_sched_fence(dma_fence_chain_contained(fence));
	hw = s_fence ? to_s4_fence(READ_ONCE(s_fence->parent)) : NULL;
	if (!hw)
		return;
	args->card_error = hw->card_error;
	args->fault_addr = hw->fault_addr;
	args->err_offset = hw->err_offset;
}

static int s4_wait_syncobj(struct drm_file *file, struct drm_s4_wait *args,
			   long timeout)
{
	struct dma_fence *fence;
	long ret;

	ret = drm_syncobj_find_fence(file, args->handle, args->point, 0, &fence);
	if (ret) {
		drm_dbg(file->minor->dev, "WAIT: syncobj %u point %llu: %ld\n",
			args->handle, args->point, ret);
		return ret;
	}
	ret = dma_fence_wait_timeout(fence, true, timeout);
	if (ret > 0) {
		args->error = min(dma_fence_get_status(fence), 0);
		s4_wait_job_details(fence, args);
	}
	dma_fence_put(fence);
	return ret > 0 ? 0 : ret ? ret : -ETIME;
}

static int s4_wait_bo(struct drm_file *file, struct drm_s4_wait *args,
		      long timeout)
{
	struct dma_resv_iter cursor;
	struct drm_gem_object *obj;
	struct dma_fence *fence;
	long ret;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj) {
		drm_dbg(file->minor->dev, "WAIT: no BO %u\n", args->handle);
		return -ENOENT;
	}
	ret = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_BOOKKEEP, true,
				    timeout);
	if (ret > 0) {
		dma_resv_iter_begin(&cursor, obj->resv, DMA_RESV_USAGE_BOOKKEEP);
		dma_resv_for_each_fence_unlocked(&cursor, fence)
			if (fence->error && !args->error)
				args->error = fence->error;
		dma_resv_iter_end(&cursor);
	}
	drm_gem_object_put(obj);
	return ret > 0 ? 0 : ret ? ret : -ETIME;
}

int s4_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_s4_wait *args = data;
	long timeout;

	if (args->pad || (args->type == DRM_S4_WAIT_BO && args->point)) {
		drm_dbg(drm, "WAIT: non-zero reserved field\n");
		return -EINVAL;
	}
	args->error = 0;
	args->card_error = 0;
	args->fault_addr = 0;
	args->err_offset = 0;
	timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);

	switch (args->type) {
	case DRM_S4_WAIT_SYNCOBJ:
		return s4_wait_syncobj(file, args, timeout);
	case DRM_S4_WAIT_BO:
		return s4_wait_bo(file, args, timeout);
	default:
		drm_dbg(drm, "WAIT: unknown type %u\n", args->type);
		return -EINVAL;
	}
}
