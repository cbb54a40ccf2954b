/* SPDX-License-Identifier: MIT */
/* libs4 internals shared by its source files; not installed. */
#ifndef S4_INTERNAL_H
#define S4_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "s4/s4.h"

/*
 * Lifetimes. A device is reference counted (@refs): the caller of s4_open()
 * holds one reference until s4_close(), every live struct s4_bo and every
 * struct s4_cmdbuf one more; the last s4_device_put() closes @fd and frees
 * the struct. A BO is reference counted too (struct s4_bo.refs): one per
 * s4_bo_create() or s4_bo_import() by the caller, and one per command buffer
 * whose BO list names it; the last s4_bo_free() closes the GEM handle (so
 * neither the handle number nor the device VA can be reused while a command
 * buffer names the BO) and unmaps it.
 */
struct s4_device {
	int fd;
	/* Guards @refs, @bos and every BO's refcount and lazy mapping. */
	pthread_mutex_t lock;
	unsigned int refs;
	/* Live BOs, so that importing a buffer this file holds (same GEM
	 * handle) shares one s4_bo instead of closing the handle twice. */
	struct s4_bo *bos;
};

struct s4_bo {
	struct s4_device *dev;
	struct s4_bo *next;		/* in dev->bos */
	unsigned int refs;		/* under dev->lock */
	uint32_t handle;
	uint32_t flags;			/* DRM_S4_BO_DEVICE or DRM_S4_BO_HOST */
	uint64_t size;
	uint64_t va;
	uint64_t mmap_offset;
	void *map;			/* NULL until s4_bo_map() */
};

/* Takes a reference on @dev. */
void s4_device_get(struct s4_device *dev);

/* Drops a reference on @dev; the last one closes its fd and frees it. */
void s4_device_put(struct s4_device *dev);

/*
 * Takes one more reference on each of the @n BOs of @bos (all of one device,
 * each already referenced by the caller). s4_bo_free() drops one.
 */
void s4_bo_ref(struct s4_bo *const *bos, unsigned int n);

/* drmIoctl() with the result as 0 or a negative errno. */
int s4_ioctl(const struct s4_device *dev, unsigned long request, void *arg);

/*
 * Waits until a fence for @sync exists (its job was submitted), signalled or
 * not; -ETIME when @deadline_ns passes first.
 */
int s4_syncobj_wait_submitted(struct s4_device *dev, struct s4_sync sync, int64_t deadline_ns);

/* ---- command buffer internals (cmdbuf.c), used by the packet appenders ---- */

/*
 * Resolves @n addresses, each used for @lens[i] bytes, to device VAs in @vas:
 * checks BO ranges (-ERANGE), device (-EXDEV), and makes room in the BO list
 * for them, so that s4_cmdbuf_commit() cannot fail.
 */
int s4_cmdbuf_resolve(struct s4_cmdbuf *cb, const struct s4_addr *addrs,
		      const uint64_t *lens, unsigned int n, uint64_t *vas);

/*
 * Reserves a zeroed packet of @bytes (a multiple of S4_PKT_ALIGN, header
 * included) with its header filled in; returns it or NULL with *@err set.
 * The packet is part of the buffer once this returns.
 */
void *s4_cmdbuf_packet(struct s4_cmdbuf *cb, uint16_t opcode, uint32_t flags,
		       size_t bytes, int *err);

/*
 * Adds the BOs of @n addresses resolved by s4_cmdbuf_resolve() to the list,
 * taking a reference on each BO new to it (dropped by s4_cmdbuf_reset() and
 * s4_cmdbuf_free()).
 */
void s4_cmdbuf_commit(struct s4_cmdbuf *cb, const struct s4_addr *addrs, unsigned int n);

/*
 * What s4_submit() passes to the driver: the packet BO, the BO list, and one
 * more out-sync (@self_sync) through which the command buffer learns when
 * its packet store is no longer read. After a successful SUBMIT, call
 * s4_cmdbuf_submitted().
 */
struct s4_cmdbuf_job {
	uint32_t cmd_handle;
	uint64_t cmd_size;
	const uint32_t *bo_handles;
	unsigned int bo_count;
	struct s4_sync self_sync;
};
int s4_cmdbuf_job(struct s4_cmdbuf *cb, struct s4_cmdbuf_job *job);
void s4_cmdbuf_submitted(struct s4_cmdbuf *cb);
struct s4_device *s4_cmdbuf_device(const struct s4_cmdbuf *cb);

#endif /* S4_INTERNAL_H */
