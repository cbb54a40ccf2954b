/* SPDX-License-Identifier: MIT */
/*
 * Moffett S4 host interface: PCI identity, BAR layout, BAR0 register map and
 * MSI-X vector assignment. All registers are 32 bits wide, little endian, and
 * must be accessed with aligned 32-bit accesses. 64-bit values are split into
 * _LO/_HI pairs; the _LO half is read or written first.
 */
#ifndef S4_REGS_H
#define S4_REGS_H

#include "s4_types.h"

/* PCI identity. The S4's own device ID is not public: 0x5304 is ours. */
#define S4_PCI_VENDOR_ID	0x1f36	/* Moffett */
#define S4_PCI_DEVICE_ID	0x5304
#define S4_PCI_CLASS		0x1200	/* processing accelerator */
#define S4_PCI_REVISION		0x01

/* BARs. */
#define S4_BAR_REGS		0	/* 64 KiB register block */
#define S4_BAR_MEM		2	/* 64-bit prefetchable device memory */
#define S4_BAR_MSIX		4	/* MSI-X table and PBA */
#define S4_REGS_SIZE		0x10000

/* Card topology. */
#define S4_NUM_SUBSYSTEMS	4
#define S4_MAX_QUEUES_PER_SS	4

/*
 * MSI-X vectors: vector 0 is management (self-test, firmware, errors);
 * vector 1 + ss * queues_per_ss + q belongs to hardware queue q of subsystem ss.
 */
#define S4_MSIX_MGMT		0
#define S4_MSIX_QUEUE(ss, q, qps) (1 + (ss) * (qps) + (q))
#define S4_MSIX_COUNT(qps)	(1 + S4_NUM_SUBSYSTEMS * (qps))

/* Identity: "S4" in the top half, interface version in the bottom half. */
#define S4_REG_ID		0x0000	/* RO */
#define   S4_ID_MAGIC		0x5334u
#define   S4_ID_IFACE_VERSION	1u
#define   S4_ID_VALUE		((S4_ID_MAGIC << 16) | S4_ID_IFACE_VERSION)
#define S4_REG_REVISION		0x0004	/* RO: hardware revision, major << 8 | minor */
#define S4_REG_CAPS		0x0008	/* RO */
#define   S4_CAPS_SUBSYSTEMS(c)	((c) & 0xf)
#define   S4_CAPS_QUEUES(c)	(((c) >> 4) & 0xf)	/* queues per subsystem */
#define   S4_CAPS_MSIX(c)	(((c) >> 8) & 0xff)	/* MSI-X vectors */
#define S4_REG_STATUS		0x000c	/* RO */
#define   S4_STATUS_ALIVE	(1u << 0)	/* out of reset, registers usable */
#define   S4_STATUS_BOOTLOADER	(1u << 1)	/* waiting for a firmware image */
#define   S4_STATUS_FW_RUNNING	(1u << 2)	/* firmware booted, queues usable */
#define   S4_STATUS_HALTED	(1u << 3)	/* fatal error, needs a reset */
#define S4_REG_SCRATCH		0x0010	/* RW: no side effects */
#define S4_REG_RESET		0x0014	/* WO: write S4_RESET_MAGIC to reset */
#define   S4_RESET_MAGIC	0x52535434u	/* "RST4" */
#define S4_REG_MEM_SIZE_LO	0x0018	/* RO: device memory size in bytes */
#define S4_REG_MEM_SIZE_HI	0x001c	/* RO */

/* Management interrupt (vector S4_MSIX_MGMT). */
#define S4_REG_MGMT_IRQ_STATUS	0x0020	/* RW1C */
#define S4_REG_MGMT_IRQ_MASK	0x0024	/* RW: 1 = source enabled */
#define   S4_MGMT_IRQ_SELFTEST	(1u << 0)
#define   S4_MGMT_IRQ_FW	(1u << 1)
#define   S4_MGMT_IRQ_ERROR	(1u << 2)
#define   S4_MGMT_IRQ_ALL	0x7u

/*
 * Self-test doorbell: writing v makes the card store ~v in SELFTEST_ACK, set
 * S4_MGMT_IRQ_SELFTEST and raise the management vector.
 */
#define S4_REG_SELFTEST		0x0028	/* WO */
#define S4_REG_SELFTEST_ACK	0x002c	/* RO */

/* Last error the card reported (guest error or job error). */
#define S4_REG_ERR_CODE		0x0030	/* RO: enum s4_err */
#define S4_REG_ERR_INFO		0x0034	/* RO: offending register or packet */
#define S4_REG_ERR_ADDR_LO	0x0038	/* RO */
#define S4_REG_ERR_ADDR_HI	0x003c	/* RO */

/*
 * Activity counters since reset, 64 bits each as _LO/_HI pairs. Reading a
 * counter register does not count as an MMIO read.
 */
#define S4_REG_CNT_MMIO_READS	0x0040
#define S4_REG_CNT_MMIO_WRITES	0x0048
#define S4_REG_CNT_IRQS		0x0050
#define S4_REG_CNT_DOORBELLS	0x0058
#define S4_REG_CNT_JOBS		0x0060	/* jobs finished, with or without error */
/* GEMM and conv2d problems run on the SPU (a conv2d: one per group) */
#define S4_REG_CNT_SPU_PROBLEMS	0x0068
/* of those, conv2d problems that read their input in place of im2col rows */
#define S4_REG_CNT_CONV_IMPLICIT	0x0070
/* of those, problems that reused their weights' packing from an earlier job */
#define S4_REG_CNT_WEIGHTS_REUSED	0x0078
#define S4_REG_CNT_END		0x0080

/*
 * CPU writes to device memory: the host reports the bytes it wrote through
 * BAR2 (clearing a new buffer, say) by writing the offset, then the length,
 * which commits the report. The card then drops what it derived from those
 * bytes (weight packings). Writes by jobs need no report; writes by user
 * mappings of device memory are covered by S4_JOB_CPU_WRITES (s4_queue.h).
 */
#define S4_REG_MEM_WRITTEN_LO	0x0080	/* WO: offset in device memory */
#define S4_REG_MEM_WRITTEN_HI	0x0084	/* WO */
#define S4_REG_MEM_WRITTEN_LEN	0x0088	/* WO: bytes; writing it commits */

/* 0x0100-0x0fff: firmware boot and telemetry. */

/*
 * Hardware queues, S4_QUEUE_STRIDE bytes of registers each, queue
 * i = subsystem * queues_per_ss + q. A queue is a ring of struct s4_job_desc
 * and a struct s4_queue_shared control block, both in host memory (see
 * s4_queue.h). Program RING, RING_SIZE and SHARED while the queue is
 * disabled, then set S4_Q_CTRL_ENABLE.
 */
#define S4_REG_QUEUE_BASE	0x1000
#define S4_QUEUE_STRIDE		0x40
#define S4_REG_QUEUE(i, reg)	(S4_REG_QUEUE_BASE + (i) * S4_QUEUE_STRIDE + (reg))
#define S4_Q_RING_LO		0x00	/* RW: DMA address of the ring, 64-byte aligned */
#define S4_Q_RING_HI		0x04
#define S4_Q_RING_SIZE		0x08	/* RW: entries, power of two, 2..S4_RING_MAX */
#define S4_Q_SHARED_LO		0x0c	/* RW: DMA address of the control block, 64-byte aligned */
#define S4_Q_SHARED_HI		0x10
#define S4_Q_CTRL		0x14	/* RW */
#define   S4_Q_CTRL_ENABLE	(1u << 0)
#define S4_Q_DOORBELL		0x18	/* WO: new entries are in the ring; re-read the tail */
#define S4_Q_RESET		0x1c	/* WO: S4_RESET_MAGIC aborts the queue's jobs */
#define S4_Q_STATUS		0x20	/* RO */
#define   S4_Q_STATUS_ENABLED	(1u << 0)
#define   S4_Q_STATUS_BUSY	(1u << 1)	/* jobs fetched and not finished */
#define   S4_Q_STATUS_WAITING	(1u << 2)	/* current job waits on a fence */
#define S4_RING_MAX		4096

/* Card error codes, reported in S4_REG_ERR_CODE and in job completions. */
enum s4_err {
	S4_ERR_NONE = 0,
	S4_ERR_BAD_REG = 1,		/* write to an undefined or read-only register */
	S4_ERR_BAD_VALUE = 2,		/* register written with an invalid value */
	S4_ERR_BAD_PACKET = 3,		/* malformed command packet */
	S4_ERR_BAD_OPCODE = 4,		/* unknown command packet opcode */
	S4_ERR_BAD_ARG = 5,		/* packet field out of range */
	S4_ERR_MMU_FAULT = 6,		/* access outside the job's address space */
	S4_ERR_TIMEOUT = 7,		/* job exceeded its time budget */
	S4_ERR_RESET = 8,		/* job aborted by a reset */
	S4_ERR_BAD_DESC = 9,		/* malformed job descriptor */
};

#endif /* S4_REGS_H */
