/* SPDX-License-Identifier: MIT */
/*
 * libs4: the lowest layer of the Moffett S4 runtime.
 *
 * Read this header top to bottom: find cards, open one, ask it what it is,
 * give it memory (buffer objects), build command buffers, submit them as jobs
 * and wait for them.
 *
 * Conventions: every function returning int returns 0 (or a count) on success
 * and a negative errno on failure; s4_strerror() turns that into text. The
 * library never prints and never exits. Objects are opaque; each has a
 * create/open and a matching free/close, and closing NULL is a no-op.
 *
 * Lifetimes are reference counted, so objects may be freed in any order:
 * every BO and command buffer keeps its device alive, and a command buffer
 * keeps alive the BOs it names (see s4_close(), s4_bo_free(),
 * s4_cmdbuf_use_bo() and s4_cmdbuf_free()).
 */
#ifndef S4_S4_H
#define S4_S4_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define S4_VERSION_MAJOR 0
#define S4_VERSION_MINOR 1
#define S4_VERSION_PATCH 0

/* ---- errors ------------------------------------------------------------ */

/* Text for a negative errno returned by libs4 (never NULL). */
const char *s4_strerror(int err);

/* ---- finding cards ------------------------------------------------------ */

/**
 * struct s4_card_info - a card found on this machine
 * @index: position in s4_enumerate()'s list, ordered by PCI address
 * @pci_slot: PCI address, "dddd:bb:dd.f"
 * @devnode: the accel device node, e.g. "/dev/accel/accel0"
 * @vendor_id: PCI vendor ID
 * @device_id: PCI device ID
 */
struct s4_card_info {
	unsigned int index;
	char pci_slot[16];
	char devnode[64];
	uint16_t vendor_id;
	uint16_t device_id;
};

/*
 * Lists the S4 cards bound to the s4 driver, ordered by PCI address. Fills at
 * most @max entries of @cards and returns how many cards there are (which may
 * be more than @max), or a negative errno.
 */
int s4_enumerate(struct s4_card_info *cards, unsigned int max);

/* ---- a device ----------------------------------------------------------- */

struct s4_device;

/* Opens the card at @devnode ("/dev/accel/accelN"). */
int s4_open(const char *devnode, struct s4_device **dev);

/* Opens the @index-th card of s4_enumerate(). -ENODEV if there is none. */
int s4_open_index(unsigned int index, struct s4_device **dev);

/*
 * Drops the caller's reference on @dev; the caller must not use @dev
 * afterwards. Every live struct s4_bo and struct s4_cmdbuf created on (or
 * imported into) @dev holds a reference of its own, so they stay fully
 * usable (mapping, submitting, waiting with s4_bo_wait(), freeing) after
 * s4_close(). s4_device_fd() is closed and @dev's memory freed when the last
 * reference goes: at once if nothing of @dev is left, else in the
 * s4_bo_free() or s4_cmdbuf_free() that releases the last of them. Syncobjs
 * are part of the fd and go with it. NULL is a no-op.
 */
void s4_close(struct s4_device *dev);

/*
 * The device's file descriptor, for poll() or for passing to other APIs. It
 * belongs to @dev (do not close it) and stays open as long as @dev lives
 * (see s4_close()).
 */
int s4_device_fd(const struct s4_device *dev);

/**
 * struct s4_device_info - what a card is
 * @device_id: PCI device ID
 * @revision: hardware revision, major << 8 | minor
 * @iface_version: host/card interface version
 * @num_subsystems: sparse processing subsystems
 * @queues_per_subsystem: hardware queues of each subsystem
 * @mem_size: device memory in bytes
 * @driver_name: kernel driver name ("s4")
 * @driver_version: kernel driver version, "major.minor.patch"
 */
struct s4_device_info {
	uint32_t device_id;
	uint32_t revision;
	uint32_t iface_version;
	uint32_t num_subsystems;
	uint32_t queues_per_subsystem;
	uint64_t mem_size;
	char driver_name[16];
	char driver_version[16];
};

int s4_device_query(struct s4_device *dev, struct s4_device_info *info);

/*
 * One raw parameter (enum drm_s4_param in <drm/s4_accel.h>); -EINVAL if the
 * driver does not know it.
 */
int s4_device_get_param(struct s4_device *dev, uint32_t param, uint64_t *value);

/* ---- time ------------------------------------------------------------------ */

/*
 * Every wait in libs4 takes an absolute CLOCK_MONOTONIC deadline in
 * nanoseconds, so that a loop of waits shares one time budget.
 * S4_DEADLINE_NEVER waits forever; a deadline in the past only polls.
 */
#define S4_DEADLINE_NEVER INT64_MAX

/* CLOCK_MONOTONIC now plus @timeout_ns (saturating at S4_DEADLINE_NEVER). */
int64_t s4_deadline_ns(int64_t timeout_ns);

/* ---- buffer objects --------------------------------------------------------- */

/*
 * A buffer object (BO) is memory the card's jobs read and write. It lives in
 * device memory (the card's LPDDR, fastest for the card; the CPU reaches it
 * through a write-combined PCI BAR, so write it sequentially and avoid
 * reading it back in hot loops) or in host memory (ordinary pages the card
 * reaches by DMA; cheap for the CPU to read). Creating a BO maps it into the
 * device's address space at s4_bo_va(); command packets name memory by such
 * device virtual addresses (see struct s4_addr below).
 *
 * A BO belongs to the struct s4_device it was created on (or imported into)
 * and keeps that device alive (see s4_close()). A BO is reference counted:
 * the caller holds one reference per s4_bo_create() or s4_bo_import(), and
 * every command buffer whose BO list names it holds one (see
 * s4_cmdbuf_use_bo()). While any reference lives the BO keeps its memory,
 * its GEM handle and its device VA, so no other BO can get them. Releasing a
 * BO does not affect jobs already submitted with it: the driver keeps what
 * they use until they end.
 */
enum s4_placement {
	S4_PLACEMENT_DEVICE = 1,	/* card memory (DRM_S4_BO_DEVICE) */
	S4_PLACEMENT_HOST = 2,		/* host memory (DRM_S4_BO_HOST) */
};

struct s4_bo;

/*
 * Creates a BO of at least @size bytes (rounded up to the page size; see
 * s4_bo_size()) in @placement. -EINVAL for @size 0 or an unknown placement;
 * -ENOSPC when device memory cannot hold it, -ENOMEM when host memory cannot.
 */
int s4_bo_create(struct s4_device *dev, uint64_t size, enum s4_placement placement,
		 struct s4_bo **bo);

/*
 * Drops one of the caller's references on @bo (it holds one per
 * s4_bo_create() or s4_bo_import()); once it has dropped all of them the
 * caller must not use @bo, nor its CPU mapping. Command buffers that name @bo keep it alive (memory, GEM
 * handle, device VA, CPU mapping) until they are reset or freed, so
 * resubmitting them still reaches this buffer. When the last reference goes,
 * @bo is unmapped, its GEM handle is closed and it drops its reference on
 * its device (which may close the device, see s4_close()). Jobs already
 * submitted are not affected (see above). Works after s4_close() of the
 * BO's device. NULL is a no-op.
 */
void s4_bo_free(struct s4_bo *bo);

/* Device virtual address of the BO's first byte in its device's address space. */
uint64_t s4_bo_va(const struct s4_bo *bo);

/* Size in bytes (the requested size rounded up to the page size). */
uint64_t s4_bo_size(const struct s4_bo *bo);

/* Where the BO lives. */
enum s4_placement s4_bo_placement(const struct s4_bo *bo);

/* The BO's GEM handle on s4_device_fd(), for raw ioctls. */
uint32_t s4_bo_handle(const struct s4_bo *bo);

/*
 * CPU mapping of the whole BO (read/write, shared with the card). The first
 * call mmap()s it, later calls return the same pointer; it stays valid as
 * long as the caller holds a reference (it is unmapped only when the BO's
 * last reference goes, see s4_bo_free()). The CPU and the card see each
 * other's writes only across job boundaries: write before submitting, read
 * after waiting.
 */
int s4_bo_map(struct s4_bo *bo, void **ptr);

/*
 * Exports @bo as a dma-buf file descriptor (close-on-exec, read/write) in
 * *@fd, which the caller closes. Both placements can be exported: another
 * open of the same card gets the BO itself; another card reaches a device
 * BO peer to peer through this card's memory BAR (its jobs can DMA to and
 * from it; its compute packets need the data in its own device memory).
 */
int s4_bo_export(struct s4_bo *bo, int *fd);

/*
 * Imports the dma-buf @fd (from s4_bo_export() on any card, or another
 * exporter the driver accepts) into @dev: the BO is mapped into @dev's
 * address space at its own s4_bo_va(). @fd stays owned by the caller.
 * Importing a buffer @dev already holds returns a new reference to the same
 * s4_bo (free each reference once).
 */
int s4_bo_import(struct s4_device *dev, int fd, struct s4_bo **bo);

/*
 * Waits until every submitted job using @bo has ended, or @deadline_ns
 * (absolute, see s4_deadline_ns()) passes: -ETIME. On success *@job_error
 * (if not NULL) is 0 when all those jobs succeeded, else the negative errno
 * of a failed one (see struct s4_job_status).
 */
int s4_bo_wait(struct s4_bo *bo, int64_t deadline_ns, int *job_error);

/* ---- synchronisation objects ------------------------------------------------ */

/*
 * Jobs signal and wait for DRM sync objects ("syncobjs"). A syncobj used with
 * points > 0 is a timeline: point N signals once every point <= N has been
 * submitted and has signalled. A (handle, point) pair names one fence; point 0
 * means the syncobj used as a binary fence. Handles belong to s4_device_fd(),
 * so they also work with libdrm's drmSyncobj*() functions.
 */
struct s4_sync {
	uint32_t handle;
	uint64_t point;
};

/* Creates an unsignalled syncobj. */
int s4_syncobj_create(struct s4_device *dev, uint32_t *handle);

/* Destroys a syncobj; jobs that already use it are not affected. */
int s4_syncobj_destroy(struct s4_device *dev, uint32_t handle);

/* Signals @sync from the CPU (for example to release jobs waiting for it). */
int s4_syncobj_signal(struct s4_device *dev, struct s4_sync sync);

/*
 * Waits until @sync has signalled (waiting also for it to be submitted), or
 * @deadline_ns passes: -ETIME. Says nothing of the job's outcome: use
 * s4_wait() for that.
 */
int s4_syncobj_wait(struct s4_device *dev, struct s4_sync sync, int64_t deadline_ns);

/* The last signalled point of a timeline syncobj in *@point. */
int s4_syncobj_query(struct s4_device *dev, uint32_t handle, uint64_t *point);

/* ---- command buffers ---------------------------------------------------------- */

/*
 * A command buffer is the list of packets one job executes, built with the
 * typed appenders below; libs4 writes the packet bytes (firmware/s4_cmd.h).
 * It also records which BOs the job uses, so that the driver keeps them alive
 * and orders jobs that share them; the command buffer holds a reference on
 * each of them (see s4_cmdbuf_use_bo()) and on its device. The packets live
 * in a host BO the command buffer owns, which grows as packets are appended
 * (up to 1 MiB of packets, S4_CMD_MAX_BYTES: then -E2BIG).
 *
 * A command buffer may be submitted any number of times, and appended to or
 * reset after a submission without waiting: jobs already submitted keep the
 * packets they were submitted with (a packet store still read by a job is set
 * aside and reused once the job ended). Appenders either append the whole
 * packet or leave the buffer unchanged and return a negative errno. One
 * command buffer must not be used by two threads at once.
 */
struct s4_cmdbuf;

/*
 * A device address in a packet: @offset bytes into @bo, or, with @bo NULL,
 * the raw device virtual address @offset. BO addresses are checked against
 * the BO's size (-ERANGE) and add the BO to the command buffer's BO list,
 * which keeps it alive (see s4_cmdbuf_use_bo()); raw addresses are not
 * checked (the card's MMU faults on bad ones) and add nothing: list their
 * BOs with s4_cmdbuf_use_bo(), else nothing keeps those VAs from being
 * freed and reused by another BO.
 */
struct s4_addr {
	struct s4_bo *bo;
	uint64_t offset;
};

/* Address @offset bytes into @bo. */
static inline struct s4_addr s4_bo_addr(struct s4_bo *bo, uint64_t offset)
{
	struct s4_addr a = { bo, offset };
	return a;
}

/* The raw device virtual address @va. */
static inline struct s4_addr s4_va_addr(uint64_t va)
{
	struct s4_addr a = { NULL, va };
	return a;
}

/* Creates an empty command buffer for jobs on @dev (it holds a reference on @dev). */
int s4_cmdbuf_create(struct s4_device *dev, struct s4_cmdbuf **cb);

/*
 * Releases @cb: drops its reference on every BO of its BO list (a BO the
 * caller already freed is released now, see s4_bo_free()), frees its packet
 * BOs and its syncobj, and drops its reference on its device (which may
 * close the device, see s4_close()). Jobs already submitted from it are not
 * affected. Works after s4_close() of the device. NULL is a no-op.
 */
void s4_cmdbuf_free(struct s4_cmdbuf *cb);

/*
 * Empties @cb (packets and BO list) to build another job, dropping its
 * references on the BOs of the list (a BO the caller already freed is
 * released now, see s4_bo_free()). Jobs submitted from it before are not
 * affected: if one may still be running, @cb moves to a fresh packet BO.
 */
int s4_cmdbuf_reset(struct s4_cmdbuf *cb);

/* Bytes of packets appended so far. */
size_t s4_cmdbuf_size(const struct s4_cmdbuf *cb);

/* Number of BOs in the job's BO list (the packet BO not counted). */
unsigned int s4_cmdbuf_bo_count(const struct s4_cmdbuf *cb);

/*
 * Adds @bo to the job's BO list (once; adding it again is a no-op). -EXDEV
 * if @bo belongs to another s4_device. The first time a BO enters the list
 * (through this call or through a struct s4_addr naming it), @cb takes a
 * reference on it, held until s4_cmdbuf_reset() or s4_cmdbuf_free(): until
 * then s4_bo_free() by the caller does not release the BO, which keeps its
 * memory, GEM handle, device VA and CPU mapping, so resubmitting @cb always
 * reaches the buffers its packets were built with. List here the BOs that
 * packets reach through raw addresses, so that they are kept alive too.
 */
int s4_cmdbuf_use_bo(struct s4_cmdbuf *cb, struct s4_bo *bo);

/* S4_OP_NOP: does nothing (a job of one NOP measures submission overhead). */
int s4_cmdbuf_nop(struct s4_cmdbuf *cb);

/*
 * S4_OP_FENCE_WRITE: stores the 64-bit @value at @fence, which must be 8-byte
 * aligned (-EINVAL otherwise), once every earlier packet of the job is done.
 */
int s4_cmdbuf_fence_write(struct s4_cmdbuf *cb, struct s4_addr fence, uint64_t value);

/*
 * S4_OP_FENCE_WAIT: the job waits until the 64-bit word at @fence (8-byte
 * aligned) is >= @value, for example written by a FENCE_WRITE of a job on
 * another subsystem or by the CPU. A word nobody writes hangs the job until
 * the driver's job timeout aborts it (-ETIMEDOUT).
 */
int s4_cmdbuf_fence_wait(struct s4_cmdbuf *cb, struct s4_addr fence, uint64_t value);

/*
 * S4_OP_TIMESTAMP: stores the card's clock (nanoseconds, monotonic, shared by
 * all queues of the card) as a 64-bit word at @dst, which must be 8-byte
 * aligned (-EINVAL otherwise), once every earlier packet of the job is done.
 * The difference of two timestamps around packets is their time on the card.
 */
int s4_cmdbuf_timestamp(struct s4_cmdbuf *cb, struct s4_addr dst);

/* S4_OP_DMA_COPY: copies @size bytes from @src to @dst (ranges must not overlap). */
int s4_cmdbuf_copy(struct s4_cmdbuf *cb, struct s4_addr dst, struct s4_addr src,
		   uint64_t size);

/*
 * S4_OP_DMA_FILL: fills @size bytes at @dst (a multiple of 4, else -EINVAL)
 * with the 32-bit @pattern, stored little endian.
 */
int s4_cmdbuf_fill(struct s4_cmdbuf *cb, struct s4_addr dst, uint64_t size,
		   uint32_t pattern);

/* ---- submitting and waiting ------------------------------------------------- */

/* Subsystem argument of s4_submit(): let the driver pick the least busy one. */
#define S4_SUBSYSTEM_ANY 0xffffffffu

/*
 * Submits @cb's packets as one job on @subsystem (0..3, or S4_SUBSYSTEM_ANY).
 * The job starts once each of the @wait_count fences in @wait has signalled
 * (each must exist already: submitted as a job's signal, or signalled by the
 * CPU; -EINVAL otherwise) and every earlier job that uses one of its BOs has
 * ended; when it ends, each
 * of the @signal_count fences in @signal signals (a timeline point must be
 * later than the syncobj's previous ones). *@seqno (if not NULL) receives the
 * job's sequence number in this file.
 *
 * Returns 0 once the job is queued; how it ends is read with s4_wait() on one
 * of @signal. Errors: -EINVAL for an empty @cb or malformed arguments
 * (including more BOs or syncs than the driver takes per job: 1024 BOs, 64
 * in-syncs and 63 out-syncs in s4.ko 1.0, as libs4 adds one of its own), -ENOENT for an unknown syncobj, -EBADFD
 * once an earlier job of this s4_device faulted (its address space is then
 * unusable: open the card again).
 */
int s4_submit(struct s4_cmdbuf *cb, uint32_t subsystem,
	      const struct s4_sync *wait, unsigned int wait_count,
	      const struct s4_sync *signal, unsigned int signal_count,
	      uint64_t *seqno);

/**
 * struct s4_job_status - how a job ended
 * @error: 0 on success, else a negative errno: -EFAULT the job accessed
 *	memory outside its address space (see @fault_addr), -EIO the card
 *	rejected a packet (see @card_error, @err_offset), -ETIMEDOUT the job
 *	hung and was aborted, -ECANCELED the job was dropped because an earlier
 *	job of its file faulted.
 * @card_error: the card's enum s4_err for the job (S4_ERR_NONE on success);
 *	s4_card_strerror() gives its text.
 * @fault_addr: the faulting device virtual address when @error is -EFAULT.
 * @err_offset: byte offset in the command buffer of the failing packet.
 */
struct s4_job_status {
	int32_t error;
	uint32_t card_error;
	uint64_t fault_addr;
	uint32_t err_offset;
};

/*
 * Waits for the job that signals @sync (also waiting for it to be submitted)
 * to end, or @deadline_ns (absolute, see s4_deadline_ns()) to pass: -ETIME.
 * Returns 0 when the job has ended and fills *@status with how: a job that
 * failed is still a successful wait. On a timeline, wait for a point before a
 * later point signals: once it has, the driver may report the later job.
 */
int s4_wait(struct s4_device *dev, struct s4_sync sync, int64_t deadline_ns,
	    struct s4_job_status *status);

/* Text for a card error code (enum s4_err in firmware/s4_regs.h); never NULL. */
const char *s4_card_strerror(uint32_t card_err);

/* ---- compute packets -------------------------------------------------------- */

/*
 * Appenders for the packets of the card's compute engines: the sparse
 * processing unit (GEMM, conv2d), the activation engine, the vector
 * processor, the embedding unit and the memory reshape engine. The packet
 * formats and the exact math of each op are in s4_ops.h (installed beside
 * this header); the activation functions are enum s4_act_func of s4_act.h.
 *
 * Common rules, checked by every appender below (which, like the others,
 * either appends the whole packet or changes nothing):
 * - Tensors are struct s4_addr. An optional tensor is absent when its
 *   address is { NULL, 0 } (s4_va_addr(0)); a required one may not be.
 * - The compute engines read and write device memory only: a tensor in a
 *   host-memory BO is -EINVAL (move data with s4_cmdbuf_copy() first). A
 *   raw VA is not checked; a VA outside device memory or the address space
 *   fails the job with -EFAULT.
 * - libs4 computes the bytes each tensor spans (strides and batches
 *   included) and checks them against the BO: -ERANGE if they do not fit.
 * - Everything the card would reject with S4_ERR_BAD_ARG that can be known
 *   without reading card memory is -EINVAL here: dtypes, sparsities not in
 *   {1, 2, 4, 8, 16, 32}, dimensions of 0 or above S4_DIM_MAX, row strides
 *   smaller than the row, misaligned tensors (VAs aligned to the element
 *   size; bias, scale, gamma and beta arrays and embedding indices to 4
 *   bytes), sizes that overflow. What lives in card memory (weight indices,
 *   requant shifts, embedding indices) is checked by the card when the job
 *   runs: the job then fails with -EIO and S4_ERR_BAD_ARG.
 * - Fields documented "0: default" take that default; all other fields
 *   are passed through as given.
 */
#include "s4_ops.h"	/* enum s4_dtype, s4_eltwise_op, s4_reduce_op, struct s4_requant */
#include "s4_act.h"	/* enum s4_act_func */

/**
 * struct s4_epilogue_desc - fused epilogue of a GEMM or conv2d (s4_ops.h)
 * @bias: optional [n] int32 (INT8) or fp32 (BF16), added to the accumulator
 * @scale: INT8: required [n] struct s4_requant; BF16: optional [n] fp32
 * @res: optional residual in the output's dtype and layout, added last
 * @res_ld: GEMM: elements between residual rows, 0: the output's ldc
 *	(conv2d: must be 0, the residual is laid out like the output)
 * @res_batch_stride: GEMM: bytes between residual batches (0 broadcasts
 *	one residual to every batch); conv2d: must be 0
 * @act: enum s4_act_func applied last; INT8 allows only NONE and RELU
 */
struct s4_epilogue_desc {
	struct s4_addr bias;
	struct s4_addr scale;
	struct s4_addr res;
	uint32_t res_ld;
	uint64_t res_batch_stride;
	uint16_t act;
};

/**
 * struct s4_gemm_desc - shape of a sparse GEMM, C = epilogue(A x W^T)
 * @dtype: S4_DT_INT8 or S4_DT_BF16 (A, W and C)
 * @sparsity: of the packed weights W (s4_tensor.h): 1, 2, 4, 8, 16 or 32
 * @m: rows of A and C
 * @n: output channels: rows of W, columns of C
 * @k: reduction length: columns of A and W
 * @batch: independent products, 0: one
 * @lda: elements between rows of A, 0: k
 * @ldc: elements between rows of C, 0: n
 * @a_batch_stride: bytes between batches of A (0 broadcasts one A)
 * @w_batch_stride: bytes between batches of W (0 broadcasts one W)
 * @c_batch_stride: bytes between batches of C, 0: m * ldc elements
 *
 * The fields a caller chooses of the GEMM payload, struct s4_op_gemm in
 * s4_ops.h (same names and meaning); s4_cmdbuf_gemm() applies the defaults
 * above and fills in the tensor VAs and the epilogue.
 */
struct s4_gemm_desc {
	uint8_t dtype;
	uint8_t sparsity;
	uint32_t m;
	uint32_t n;
	uint32_t k;
	uint32_t batch;
	uint32_t lda;
	uint32_t ldc;
	uint64_t a_batch_stride;
	uint64_t w_batch_stride;
	uint64_t c_batch_stride;
};

/*
 * S4_OP_SPU_GEMM: for each batch, @c = epilogue(@a x W^T) where @w holds W
 * packed by s4_tensor_prune() / s4_tensor_pack() with @d's n, k, sparsity
 * and dtype (its size is s4_tensor_packed_size()). @ep may be NULL for no
 * epilogue, which only BF16 allows (INT8 needs its requantization).
 *
 * The card keeps its own packing of W (of 16 KiB or more) for later jobs
 * until a write reaches one of the 4 KiB pages W lies in: keep W in pages
 * of its own, not shared with an output, and later GEMMs on it skip the
 * packing.
 */
int s4_cmdbuf_gemm(struct s4_cmdbuf *cb, struct s4_addr c, struct s4_addr a,
		   struct s4_addr w, const struct s4_gemm_desc *d,
		   const struct s4_epilogue_desc *ep);

/**
 * struct s4_conv2d_desc - shape of a sparse NHWC convolution
 * @dtype: S4_DT_INT8 or S4_DT_BF16
 * @sparsity: of the packed weights: 1, 2, 4, 8, 16 or 32
 * @batch: images, 0: one
 * @in_h: input height
 * @in_w: input width
 * @in_c: input channels, a multiple of @groups
 * @out_c: output channels, a multiple of @groups
 * @groups: channel groups, 0: one (depthwise: @in_c)
 * @kernel_h: kernel height
 * @kernel_w: kernel width
 * @stride_h: vertical stride, 0: one
 * @stride_w: horizontal stride, 0: one
 * @pad_h: zero rows above and below the input
 * @pad_w: zero columns left and right of the input
 * @dil_h: vertical dilation, 0: one
 * @dil_w: horizontal dilation, 0: one
 *
 * The fields a caller chooses of the CONV2D payload, struct s4_op_conv2d
 * in s4_ops.h (same names and meaning); s4_cmdbuf_conv2d() applies the
 * defaults above, derives out_h and out_w, and fills in the tensor VAs and
 * the epilogue.
 *
 * X is [batch][in_h][in_w][in_c], Y is [batch][out_h][out_w][out_c] (see
 * s4_conv2d_out_size()), both dense. W is a packed [out_c][K] tensor with
 * K = kernel_h * kernel_w * (in_c / groups), reduction index
 * (kh * kernel_w + kw) * (in_c / groups) + c (OHWI order).
 */
struct s4_conv2d_desc {
	uint8_t dtype;
	uint8_t sparsity;
	uint32_t batch;
	uint32_t in_h;
	uint32_t in_w;
	uint32_t in_c;
	uint32_t out_c;
	uint32_t groups;
	uint16_t kernel_h;
	uint16_t kernel_w;
	uint16_t stride_h;
	uint16_t stride_w;
	uint16_t pad_h;
	uint16_t pad_w;
	uint16_t dil_h;
	uint16_t dil_w;
};

/*
 * The output size of @d: (in + 2 pad - dil (kernel - 1) - 1) / stride + 1
 * per axis. -EINVAL if the dilated kernel does not fit the padded input or
 * the kernel is empty.
 */
int s4_conv2d_out_size(const struct s4_conv2d_desc *d, uint32_t *out_h, uint32_t *out_w);

/*
 * S4_OP_SPU_CONV2D: @y = epilogue(conv2d(@x, @w)) with the shape of @d. @ep
 * as for s4_cmdbuf_gemm() (res_ld and res_batch_stride must be 0).
 */
int s4_cmdbuf_conv2d(struct s4_cmdbuf *cb, struct s4_addr y, struct s4_addr x,
		     struct s4_addr w, const struct s4_conv2d_desc *d,
		     const struct s4_epilogue_desc *ep);

/*
 * S4_OP_ACT: @out[i] = @func(@in[i]) for @count BF16 elements, with the
 * activation tables of the card's firmware (accuracy in s4_act.h). @func is
 * an enum s4_act_func other than S4_ACT_NONE.
 */
int s4_cmdbuf_act(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
		  uint64_t count, uint16_t func);

/*
 * S4_OP_VEC_ELTWISE with S4_ELTWISE_ADD or S4_ELTWISE_MUL: @out = @a op @b
 * over @count BF16 elements (fp32 math).
 */
int s4_cmdbuf_eltwise(struct s4_cmdbuf *cb, enum s4_eltwise_op op, struct s4_addr out,
		      struct s4_addr a, struct s4_addr b, uint64_t count);

/*
 * S4_OP_VEC_ELTWISE with S4_ELTWISE_SCALE: @out = @a * @alpha + @beta over
 * @count BF16 elements. @alpha and @beta must be finite.
 */
int s4_cmdbuf_scale(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr a,
		    uint64_t count, float alpha, float beta);

/**
 * struct s4_rows_desc - a BF16 matrix processed row by row
 * @rows: rows
 * @cols: elements per row
 * @ld_in: elements between input rows, 0: cols
 * @ld_out: elements between output rows, 0: cols
 */
struct s4_rows_desc {
	uint32_t rows;
	uint32_t cols;
	uint32_t ld_in;
	uint32_t ld_out;
};

/* S4_OP_VEC_SOFTMAX: softmax of each row of @in (BF16, fp32 math) to @out. */
int s4_cmdbuf_softmax(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
		      const struct s4_rows_desc *d);

/*
 * S4_OP_VEC_LAYERNORM: per row, (x - mean) / sqrt(var + @eps) * gamma + beta
 * (BF16, fp32 math). @gamma and @beta are optional [cols] fp32 arrays;
 * @eps must be finite and >= 0.
 */
int s4_cmdbuf_layernorm(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
			struct s4_addr gamma, struct s4_addr beta,
			const struct s4_rows_desc *d, float eps);

/*
 * S4_OP_VEC_REDUCE: @out[o][i] = op over a of @in[o][a][i], a dense BF16
 * [@outer][@axis][@inner] tensor (fp32 accumulation in index order).
 */
int s4_cmdbuf_reduce(struct s4_cmdbuf *cb, enum s4_reduce_op op, struct s4_addr out,
		     struct s4_addr in, uint32_t outer, uint32_t axis, uint32_t inner);

/**
 * struct s4_embed_desc - an embedding lookup
 * @rows: rows of the table
 * @dim: elements per row
 * @count: indices (uint32), and rows of the output
 * @table_ld: elements between table rows, 0: dim
 * @out_ld: elements between output rows, 0: dim
 * @elem_size: bytes per element: 1, 2, 4 or 8
 */
struct s4_embed_desc {
	uint32_t rows;
	uint32_t dim;
	uint32_t count;
	uint32_t table_ld;
	uint32_t out_ld;
	uint8_t elem_size;
};

/*
 * S4_OP_EMBED: @out[i][:] = @table[@idx[i]][:]. An index >= rows fails the
 * job with -EIO and S4_ERR_BAD_ARG before anything is written.
 */
int s4_cmdbuf_embed(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr table,
		    struct s4_addr idx, const struct s4_embed_desc *d);

/**
 * struct s4_permute_desc - a 4-d transpose
 * @dims: input dimensions (unused leading ones are 1)
 * @in_strides: elements between consecutive indices of each input dim (see
 *	s4_dense_strides())
 * @perm: output dim i is input dim perm[i]; a permutation of 0..3
 * @elem_size: bytes per element: 1, 2, 4 or 8
 */
struct s4_permute_desc {
	uint32_t dims[S4_RESHAPE_DIMS];
	uint32_t in_strides[S4_RESHAPE_DIMS];
	uint8_t perm[S4_RESHAPE_DIMS];
	uint8_t elem_size;
};

/*
 * Row-major strides (in elements) of a dense tensor of @dims. -EINVAL if an
 * element count overflows 32 bits or a dim is 0.
 */
int s4_dense_strides(const uint32_t dims[S4_RESHAPE_DIMS], uint32_t strides[S4_RESHAPE_DIMS]);

/*
 * S4_OP_RESHAPE_PERMUTE: @out is the dense tensor of dims[perm[0..3]] with
 * out[i0][i1][i2][i3] = in[j], j[perm[d]] = i[d].
 */
int s4_cmdbuf_permute(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
		      const struct s4_permute_desc *d);

/**
 * struct s4_strided_desc - a 4-d strided copy
 * @dims: the index space (unused leading dims are 1)
 * @in_strides: elements, may be 0 (broadcast)
 * @out_strides: elements; the index space may not hold more elements than
 *	the output span (so 0 only on dims of 1)
 * @elem_size: bytes per element: 1, 2, 4 or 8
 */
struct s4_strided_desc {
	uint32_t dims[S4_RESHAPE_DIMS];
	uint32_t in_strides[S4_RESHAPE_DIMS];
	uint32_t out_strides[S4_RESHAPE_DIMS];
	uint8_t elem_size;
};

/* S4_OP_RESHAPE_STRIDED: out[sum(i[d] out_strides[d])] = in[sum(i[d] in_strides[d])]. */
int s4_cmdbuf_strided_copy(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
			   const struct s4_strided_desc *d);

#ifdef __cplusplus
}
#endif

#endif /* S4_S4_H */
