/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: hardware queues: the job ring, doorbells and completions.
 */
#ifndef __S4_RING_H__
#define __S4_RING_H__

#include <linux/spinlock.h>
#include <drm/gpu_scheduler.h>

#include "s4_drv.h"
#include "s4_queue.h"

#define S4_RING_ENTRIES		256

struct s4_fence;
struct s4_job;

/**
 * struct s4_queue - one hardware queue and its scheduler
 * @sdev: the card
 * @idx: queue index on the card
 * @name: "ss<subsystem>q<queue>"
 * @sched: the scheduler feeding it
 * @ring: the job descriptors the card fetches
 * @ring_dma: bus address of @ring
 * @shared: the control block shared with the card
 * @shared_dma: bus address of @shared
 * @lock: protects @tail, @seqno and @inflight; the lock of its fences
 * @tail: ring entries submitted so far (free running)
 * @seqno: seqno of the last job pushed
 * @fence_ctx: fence context of the queue
 * @inflight: fences of the jobs on the card, oldest first
 */
struct s4_queue {
	struct s4_device *sdev;
	unsigned int idx;
	char name[16];
	struct drm_gpu_scheduler sched;
	struct s4_job_desc *ring;
	dma_addr_t ring_dma;
	struct s4_queue_shared *shared;
	dma_addr_t shared_dma;
	spinlock_t lock; /* protects tail, seqno, inflight */
	u32 tail;
	u64 seqno;
	u64 fence_ctx;
	struct list_head inflight;
};

int s4_queues_init(struct s4_device *sdev);
void s4_queues_quiesce(struct s4_device *sdev);
struct dma_fence *s4_queue_push(struct s4_queue *q, struct s4_job *job,
				struct s4_fence *f);
void s4_queue_reset(struct s4_queue *q);

#endif /* __S4_RING_H__ */
