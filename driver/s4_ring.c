// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4: hardware queues.
 *
 * Each queue is a ring of job descriptors and a control block in coherent
 * host memory (protocol in s4_queue.h). Submission writes the descriptor and
 * the tail to memory and rings the doorbell only when the card asked for
 * one; completion reads the finished seqno from memory in the queue's MSI-X
 * handler. Neither path reads a register.
 */
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <drm/drm_drv.h>
#include <drm/drm_managed.h>

#include "s4_hw.h"
#include "s4_job.h"
#include "s4_ring.h"
#include "s4_vm.h"

static int s4_err_to_errno(u32 card_error)
{
	switch (card_error) {
	case S4_ERR_MMU_FAULT:
		return -EFAULT;
	case S4_ERR_TIMEOUT:
		return -ETIMEDOUT;
	case S4_ERR_RESET:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

/* Take the card's verdict on a finished job from its ring entry. */
static void s4_ring_take_status(struct s4_queue *q, struct s4_fence *f)
{
	const struct s4_job_desc *d = &q->ring[f->ring_idx];
	u32 status = READ_ONCE(d->status);

	if (status == S4_ERR_NONE)
		return;
	f->card_error = status;
	f->err_offset = READ_ONCE(d->err_offset);
	f->fault_addr = READ_ONCE(d->err_addr);
	dma_fence_set_error(&f->base, s4_err_to_errno(status));
	if (status == S4_ERR_MMU_FAULT) {
		atomic_set(&f->vm->faulted, 1);
		dev_info_ratelimited(q->sdev->drm.dev,
				     "%s: job faulted at %#llx in address space %u\n",
				     q->name, f->fault_addr, f->vm->id);
	}
}

/* The job behind @f left the card: signal and drop the in-flight reference. */
static void s4_ring_retire_locked(struct s4_fence *f)
{
	list_del(&f->link);
	dma_fence_signal_locked(&f->base);
	dma_fence_put(&f->base);
}

static void s4_ring_complete_locked(struct s4_queue *q)
{
	u64 done = READ_ONCE(q->shared->completed_seqno);
	struct s4_fence *f, *tmp;

	lockdep_assert_held(&q->lock);
	dma_rmb();	/* the ring entries are written before completed_seqno */
	list_for_each_entry_safe(f, tmp, &q->inflight, link) {
		if (f->base.seqno > done)
			break;
		s4_ring_take_status(q, f);
		s4_ring_retire_locked(f);
	}
}

static void s4_ring_fail_locked(struct s4_queue *q, int error)
{
	struct s4_fence *f, *tmp;

	lockdep_assert_held(&q->lock);
	list_for_each_entry_safe(f, tmp, &q->inflight, link) {
		dma_fence_set_error(&f->base, error);
		s4_ring_retire_locked(f);
	}
}

static irqreturn_t s4_ring_irq(int irq, void *arg)
{
	struct s4_queue *q = arg;

	spin_lock(&q->lock);
	s4_ring_complete_locked(q);
	spin_unlock(&q->lock);
	return IRQ_HANDLED;
}

/*
 * Put @job on the card with @f, its hardware fence: allocated, not yet
 * initialised. Called from the scheduler's run_job, in the fence signalling
 * path: nothing here may allocate memory.
 */
struct dma_fence *s4_queue_push(struct s4_queue *q, struct s4_job *job,
				struct s4_fence *f)
{
	struct s4_device *sdev = q->sdev;
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return s4_fence_signal_error(sdev, f, -ENODEV);

	spin_lock_irq(&q->lock);
	f->vm = job->vm;
	f->ring_idx = q->tail % S4_RING_ENTRIES;
	dma_fence_init(&f->base, &s4_fence_ops, &q->lock, q->fence_ctx, ++q->seqno);
	q->ring[f->ring_idx] = (struct s4_job_desc) {
		.seqno = q->seqno,
		.cmd_va = job->cmd_va,
		.cmd_size = job->cmd_size,
		.ctx_id = job->vm->id,
		.pt_root = s4_vm_root(job->vm),
		.flags = atomic_read(&sdev->cpu_writable_bos) ? S4_JOB_CPU_WRITES : 0,
	};
	list_add_tail(&f->link, &q->inflight);
	dma_fence_get(&f->base);	/* the in-flight list's reference */

	dma_wmb();	/* the descriptor before the tail that publishes it */
	WRITE_ONCE(q->shared->tail, ++q->tail);
	mb();		/* the tail store before the need_doorbell load */
	if (READ_ONCE(q->shared->need_doorbell)) {
		WRITE_ONCE(q->shared->need_doorbell, 0);
		s4_wr32(sdev, S4_REG_QUEUE(q->idx, S4_Q_DOORBELL), q->tail);
	}
	spin_unlock_irq(&q->lock);
	drm_dev_exit(idx);
	return &f->base;
}

/*
 * Abort everything on the queue: the card drops its jobs, and their fences
 * fail with -ECANCELED (the scheduler runs the innocent ones again).
 */
void s4_queue_reset(struct s4_queue *q)
{
	struct s4_device *sdev = q->sdev;
	int idx;

	spin_lock_irq(&q->lock);
	/* The ring memory goes with the device: only read it while it is here. */
	if (drm_dev_enter(&sdev->drm, &idx)) {
		s4_wr32(sdev, S4_REG_QUEUE(q->idx, S4_Q_RESET), S4_RESET_MAGIC);
		s4_ring_complete_locked(q);	/* jobs that ended before the reset */
		drm_dev_exit(idx);
	}
	s4_ring_fail_locked(q, -ECANCELED);
	spin_unlock_irq(&q->lock);
}

/* The card is gone or reset: nothing on it will finish. */
void s4_queues_quiesce(struct s4_device *sdev)
{
	unsigned int i;

	for (i = 0; i < s4_num_queues(sdev); i++) {
		struct s4_queue *q = sdev->queues[i];

		spin_lock_irq(&q->lock);
		s4_ring_fail_locked(q, -ENODEV);
		spin_unlock_irq(&q->lock);
	}
}

static void s4_ring_sched_fini(struct drm_device *drm, void *arg)
{
	struct s4_queue *q = arg;

	drm_sched_fini(&q->sched);
}

static void s4_ring_program(struct s4_queue *q)
{
	struct s4_device *sdev = q->sdev;

	s4_wr32(sdev, S4_REG_QUEUE(q->idx, S4_Q_RING_LO), lower_32_bits(q->ring_dma));
	s4_wr32(sdev, S4_REG_QUEUE(q->idx, S4_Q_RING_HI), upper_32_bits(q->ring_dma));
	s4_wr32(sdev, S4_REG_QUEUE(q->idx, S4_Q_RING_SIZE), S4_RING_ENTRIES);
	s4_wr32(sdev, S4_REG_QUEUE(q->idx, S4_Q_SHARED_LO), lower_32_bits(q->shared_dma));
	s4_wr32(sdev, S4_REG_QUEUE(q->idx, S4_Q_SHARED_HI), upper_32_bits(q->shared_dma));
	s4_wr32(sdev, S4_REG_QUEUE(q->idx, S4_Q_CTRL), S4_Q_CTRL_ENABLE);
}

static int s4_ring_init_one(struct s4_device *sdev, unsigned int idx)
{
	struct device *dev = &sdev->pdev->dev;
	struct drm_sched_init_args args = {
		.ops = &s4_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = S4_RING_ENTRIES,
		.timeout = msecs_to_jiffies(s4_job_timeout_ms),
		.dev = dev,
	};
	unsigned int ss = idx / sdev->queues_per_ss, qi = idx % sdev->queues_per_ss;
	struct s4_queue *q;
	int irq, ret;

	q = drmm_kzalloc(&sdev->drm, sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	q->ring = dmam_alloc_coherent(dev, S4_RING_ENTRIES * sizeof(*q->ring),
				      &q->ring_dma, GFP_KERNEL);
	q->shared = dmam_alloc_coherent(dev, sizeof(*q->shared), &q->shared_dma,
					GFP_KERNEL);
	if (!q->ring || !q->shared)
		return -ENOMEM;
	q->sdev = sdev;
	q->idx = idx;
	snprintf(q->name, sizeof(q->name), "ss%uq%u", ss, qi);
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->inflight);
	q->fence_ctx = dma_fence_context_alloc(1);

	args.name = q->name;
	ret = drm_sched_init(&q->sched, &args);
	if (ret)
		return ret;
	ret = drmm_add_action_or_reset(&sdev->drm, s4_ring_sched_fini, q);
	if (ret)
		return ret;

	irq = pci_irq_vector(sdev->pdev, S4_MSIX_QUEUE(ss, qi, sdev->queues_per_ss));
	ret = devm_request_irq(dev, irq, s4_ring_irq, 0, S4_DRIVER_NAME, q);
	if (ret)
		return ret;

	s4_ring_program(q);
	sdev->queues[idx] = q;
	sdev->all_scheds[idx] = &q->sched;
	return 0;
}

int s4_queues_init(struct s4_device *sdev)
{
	unsigned int i;
	int ret;

	sdev->error_fence_ctx = dma_fence_context_alloc(1);
	for (i = 0; i < s4_num_queues(sdev); i++) {
		ret = s4_ring_init_one(sdev, i);
		if (ret) {
			drm_err(&sdev->drm, "cannot set up queue %u: %d\n", i, ret);
			return ret;
		}
	}
	return 0;
}
