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

/* Closes @dev; free its BOs and command buffers first. NULL is a no-op. */
void s4_close(struct s4_device *dev);

/* The device's file descriptor, for poll() or for passing to other APIs. */
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
 * A BO belongs to the struct s4_device it was created on (or imported into);
 * free every BO of a device before closing it. Freeing a BO that submitted
 * jobs still use waits for them to end (s4.ko 1.0 does so in GEM_CLOSE).
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
 * Unmaps (if mapped) and releases @bo, once jobs using it have ended (see
 * above). NULL is a no-op.
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
 * call mmap()s it, later calls return the same pointer; it stays valid until
 * s4_bo_free(). The CPU and the card see each other's writes only across job
 * boundaries: write before submitting, read after waiting.
 */
int s4_bo_map(struct s4_bo *bo, void **ptr);

/*
 * Exports @bo as a dma-buf file descriptor (close-on-exec, read/write) in
 * *@fd, which the caller closes. Host-memory BOs can always be exported;
 * device-memory BOs may fail with -EOPNOTSUPP.
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
 * and orders jobs that share them. The packets live in a host BO the command
 * buffer owns, which grows as packets are appended (up to 1 MiB of packets,
 * S4_CMD_MAX_BYTES: then -E2BIG).
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
 * the BO's size (-ERANGE) and add the BO to the command buffer's BO list;
 * raw addresses are not checked (the card's MMU faults on bad ones) and add
 * nothing: list their BOs with s4_cmdbuf_use_bo().
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

/* Creates an empty command buffer for jobs on @dev. */
int s4_cmdbuf_create(struct s4_device *dev, struct s4_cmdbuf **cb);

/*
 * Releases @cb. Jobs already submitted from it are not affected; like
 * s4_bo_free() this waits for them to end. NULL is a no-op.
 */
void s4_cmdbuf_free(struct s4_cmdbuf *cb);

/*
 * Empties @cb (packets and BO list) to build another job. Jobs submitted from
 * it before are not affected: if one may still be running, @cb moves to a
 * fresh packet BO.
 */
int s4_cmdbuf_reset(struct s4_cmdbuf *cb);

/* Bytes of packets appended so far. */
size_t s4_cmdbuf_size(const struct s4_cmdbuf *cb);

/* Number of BOs in the job's BO list (the packet BO not counted). */
unsigned int s4_cmdbuf_bo_count(const struct s4_cmdbuf *cb);

/*
 * Adds @bo to the job's BO list (once; adding it again is a no-op). -EXDEV
 * if @bo belongs to another s4_device.
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

#ifdef __cplusplus
}
#endif

#endif /* S4_S4_H */
