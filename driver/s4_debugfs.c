// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moffett S4: debugfs. "counters" shows the card's activity counters (MMIO
 * accesses, interrupts, doorbells, jobs, SPU problems and how many of them
 * reused packed weights), "queues" the state of each queue.
 */
#include <linux/seq_file.h>
#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>

#include "s4_debugfs.h"
#include "s4_hw.h"
#include "s4_ring.h"

static int s4_debugfs_counters(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct s4_device *sdev = to_s4_device(entry->dev);
	static const struct {
		const char *name;
		u32 reg;
	} counters[] = {
		{ "mmio_reads", S4_REG_CNT_MMIO_READS },
		{ "mmio_writes", S4_REG_CNT_MMIO_WRITES },
		{ "irqs", S4_REG_CNT_IRQS },
		{ "doorbells", S4_REG_CNT_DOORBELLS },
		{ "jobs", S4_REG_CNT_JOBS },
		{ "spu_problems", S4_REG_CNT_SPU_PROBLEMS },
		{ "conv_implicit", S4_REG_CNT_CONV_IMPLICIT },
		{ "weights_reused", S4_REG_CNT_WEIGHTS_REUSED },
	};
	unsigned int i;
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		seq_printf(m, "%s %llu\n", counters[i].name,
			   s4_rd64(sdev, counters[i].reg));
	drm_dev_exit(idx);
	return 0;
}

static int s4_debugfs_queues(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct s4_device *sdev = to_s4_device(entry->dev);
	unsigned int i;
	int idx;

	/* The control blocks go away with the device. */
	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	for (i = 0; i < s4_num_queues(sdev); i++) {
		struct s4_queue *q = sdev->queues[i];

		spin_lock_irq(&q->lock);
		seq_printf(m, "%s tail %u head %u seqno %llu completed %llu need_doorbell %u\n",
			   q->name, q->tail, READ_ONCE(q->shared->head), q->seqno,
			   READ_ONCE(q->shared->completed_seqno),
			   READ_ONCE(q->shared->need_doorbell));
		spin_unlock_irq(&q->lock);
	}
	drm_dev_exit(idx);
	return 0;
}

void s4_debugfs_init(struct s4_device *sdev)
{
	drm_debugfs_add_file(&sdev->drm, "counters", s4_debugfs_counters, NULL);
	drm_debugfs_add_file(&sdev->drm, "queues", s4_debugfs_queues, NULL);
}
