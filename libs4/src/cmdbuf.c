// SPDX-License-Identifier: MIT
/*
 * Command buffers: the packet store (a host BO that grows) and the list of
 * BOs a job uses. The typed packet appenders are in packets.c.
 *
 * A command buffer holds a reference on its device, on each of its packet
 * stores (it is their only owner) and on every BO of its BO list, so that a
 * BO the caller freed keeps its GEM handle and VA, which the packets name,
 * until the list is emptied: resubmitting never reaches another buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <drm/s4_accel.h>

#include "internal.h"
#include "s4_cmd.h"
#include "s4_queue.h"

#define CMDBUF_INITIAL_BYTES	4096u

/*
 * A packet store: a host BO and its mapping. @busy_until is the point of the
 * command buffer's own timeline that its last job signals (0: never
 * submitted). The driver's GEM_CLOSE waits for a BO's jobs, so a store that
 * may still be read is retired, not freed, and reused or freed once idle.
 */
struct store {
	struct s4_bo *bo;
	uint8_t *cpu;
	uint64_t busy_until;
};

struct s4_cmdbuf {
	struct s4_device *dev;
	struct store cur;		/* where packets are appended */
	size_t used;			/* bytes of packets */
	uint32_t timeline;		/* syncobj every job of this buffer signals */
	uint64_t point;			/* its last point submitted */
	struct store *retired;
	unsigned int nretired, cap_retired;
	uint32_t *handles;		/* BO list, without duplicates */
	struct s4_bo **bos;		/* handles[i] is bos[i], referenced */
	unsigned int nhandles, cap;
};

static int new_store(struct s4_cmdbuf *cb, uint64_t bytes, struct store *st)
{
	void *p;
	int ret;

	ret = s4_bo_create(cb->dev, bytes, S4_PLACEMENT_HOST, &st->bo);
	if (ret)
		return ret;
	ret = s4_bo_map(st->bo, &p);
	if (ret) {
		s4_bo_free(st->bo);
		return ret;
	}
	st->cpu = p;
	st->busy_until = 0;
	return 0;
}

/* The last point of cb->timeline that has signalled (0 if unknown). */
static uint64_t signalled_point(struct s4_cmdbuf *cb)
{
	uint64_t point = 0;

	if (!cb->point || s4_syncobj_query(cb->dev, cb->timeline, &point))
		return 0;
	return point;
}

/*
 * Makes @st the current store's replacement of at least @min bytes: an idle
 * retired store if one is large enough (idle ones too small are freed), else
 * a new one.
 */
static int take_store(struct s4_cmdbuf *cb, uint64_t min, struct store *st)
{
	uint64_t done = signalled_point(cb);
	bool found = false;
	unsigned int i = 0;

	while (i < cb->nretired) {
		struct store *r = &cb->retired[i];

		if (r->busy_until > done) {
			i++;
			continue;
		}
		if (!found && s4_bo_size(r->bo) >= min) {
			*st = *r;
			found = true;
		} else {
			s4_bo_free(r->bo);
		}
		*r = cb->retired[--cb->nretired];
	}
	return found ? 0 : new_store(cb, min, st);
}

/* Sets the current store aside (if jobs may read it) or frees it. */
static int retire_current(struct s4_cmdbuf *cb)
{
	if (cb->cur.busy_until > signalled_point(cb)) {
		if (cb->nretired == cb->cap_retired) {
			unsigned int cap = cb->cap_retired ? 2 * cb->cap_retired : 4;
			struct store *r = realloc(cb->retired, cap * sizeof(*r));

			if (!r)
				return -ENOMEM;
			cb->retired = r;
			cb->cap_retired = cap;
		}
		cb->retired[cb->nretired++] = cb->cur;
	} else {
		s4_bo_free(cb->cur.bo);
	}
	cb->cur.bo = NULL;
	return 0;
}

/* Replaces the current store by one of at least @min bytes, keeping @keep bytes. */
static int replace_store(struct s4_cmdbuf *cb, uint64_t min, size_t keep)
{
	struct store st;
	int ret = take_store(cb, min, &st);

	if (ret)
		return ret;
	memcpy(st.cpu, cb->cur.cpu, keep);
	ret = retire_current(cb);
	if (ret) {
		s4_bo_free(st.bo);
		return ret;
	}
	cb->cur = st;
	return 0;
}

int s4_cmdbuf_create(struct s4_device *dev, struct s4_cmdbuf **out)
{
	struct s4_cmdbuf *cb;
	int ret;

	if (!dev || !out)
		return -EINVAL;
	cb = calloc(1, sizeof(*cb));
	if (!cb)
		return -ENOMEM;
	cb->dev = dev;
	ret = s4_syncobj_create(dev, &cb->timeline);
	if (ret) {
		free(cb);
		return ret;
	}
	ret = new_store(cb, CMDBUF_INITIAL_BYTES, &cb->cur);
	if (ret) {
		s4_syncobj_destroy(dev, cb->timeline);
		free(cb);
		return ret;
	}
	s4_device_get(dev);	/* dropped by s4_cmdbuf_free() */
	*out = cb;
	return 0;
}

/* Empties the BO list, dropping the references it holds. */
static void drop_bos(struct s4_cmdbuf *cb)
{
	for (unsigned int i = 0; i < cb->nhandles; i++)
		s4_bo_free(cb->bos[i]);
	cb->nhandles = 0;
}

void s4_cmdbuf_free(struct s4_cmdbuf *cb)
{
	struct s4_device *dev;

	if (!cb)
		return;
	dev = cb->dev;
	drop_bos(cb);
	s4_bo_free(cb->cur.bo);
	for (unsigned int i = 0; i < cb->nretired; i++)
		s4_bo_free(cb->retired[i].bo);
	s4_syncobj_destroy(dev, cb->timeline);
	free(cb->retired);
	free(cb->handles);
	free(cb->bos);
	free(cb);
	s4_device_put(dev);	/* last: s4_close() may have come */
}

int s4_cmdbuf_reset(struct s4_cmdbuf *cb)
{
	if (!cb)
		return -EINVAL;
	if (cb->cur.busy_until > signalled_point(cb)) {
		int ret = replace_store(cb, s4_bo_size(cb->cur.bo), 0);

		if (ret)
			return ret;
	}
	cb->used = 0;
	drop_bos(cb);
	return 0;
}

size_t s4_cmdbuf_size(const struct s4_cmdbuf *cb)
{
	return cb->used;
}

unsigned int s4_cmdbuf_bo_count(const struct s4_cmdbuf *cb)
{
	return cb->nhandles;
}

static bool has_bo(const struct s4_cmdbuf *cb, const struct s4_bo *bo)
{
	/* Newest first: packets tend to reuse the BOs just added. */
	for (unsigned int i = cb->nhandles; i-- > 0;)
		if (cb->bos[i] == bo)
			return true;
	return false;
}

static int reserve_handles(struct s4_cmdbuf *cb, unsigned int more)
{
	unsigned int cap = cb->cap ? cb->cap : 16;
	struct s4_bo **b;
	uint32_t *h;

	if (cb->nhandles + more <= cb->cap)
		return 0;
	while (cap < cb->nhandles + more)
		cap *= 2;
	/* Grown one after the other: a failure leaves a larger array, no harm. */
	h = realloc(cb->handles, cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	cb->handles = h;
	b = realloc(cb->bos, cap * sizeof(*b));
	if (!b)
		return -ENOMEM;
	cb->bos = b;
	cb->cap = cap;
	return 0;
}

int s4_cmdbuf_use_bo(struct s4_cmdbuf *cb, struct s4_bo *bo)
{
	struct s4_addr a = s4_bo_addr(bo, 0);
	uint64_t len = 0, va;
	int ret;

	if (!cb || !bo)
		return -EINVAL;
	ret = s4_cmdbuf_resolve(cb, &a, &len, 1, &va);
	if (ret)
		return ret;
	s4_cmdbuf_commit(cb, &a, 1);
	return 0;
}

int s4_cmdbuf_resolve(struct s4_cmdbuf *cb, const struct s4_addr *addrs,
		      const uint64_t *lens, unsigned int n, uint64_t *vas)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct s4_bo *bo = addrs[i].bo;

		if (!bo) {
			vas[i] = addrs[i].offset;
			continue;
		}
		if (bo->dev != cb->dev)
			return -EXDEV;
		if (addrs[i].offset > bo->size || lens[i] > bo->size - addrs[i].offset)
			return -ERANGE;
		vas[i] = bo->va + addrs[i].offset;
	}
	return reserve_handles(cb, n);
}

void s4_cmdbuf_commit(struct s4_cmdbuf *cb, const struct s4_addr *addrs, unsigned int n)
{
	unsigned int first = cb->nhandles;

	for (unsigned int i = 0; i < n; i++) {
		struct s4_bo *bo = addrs[i].bo;

		if (bo && !has_bo(cb, bo)) {
			cb->handles[cb->nhandles] = bo->handle;
			cb->bos[cb->nhandles++] = bo;
		}
	}
	/* One lock for all the BOs new to the list, none if there are none. */
	s4_bo_ref(cb->bos + first, cb->nhandles - first);
}

/* Makes room for @bytes more packet bytes, moving to a larger store if needed. */
static int grow(struct s4_cmdbuf *cb, size_t bytes)
{
	uint64_t cap = s4_bo_size(cb->cur.bo);

	if (bytes > S4_CMD_MAX_BYTES || cb->used > S4_CMD_MAX_BYTES - bytes)
		return -E2BIG;
	if (cb->used + bytes <= cap)
		return 0;
	while (cap < cb->used + bytes)
		cap *= 2;
	return replace_store(cb, cap, cb->used);
}

void *s4_cmdbuf_packet(struct s4_cmdbuf *cb, uint16_t opcode, uint32_t flags,
		       size_t bytes, int *err)
{
	struct s4_pkt_hdr *hdr;

	if (bytes < sizeof(*hdr) || bytes % S4_PKT_ALIGN || bytes > S4_PKT_MAX_BYTES) {
		*err = -EINVAL;
		return NULL;
	}
	*err = grow(cb, bytes);
	if (*err)
		return NULL;
	hdr = (struct s4_pkt_hdr *)(cb->cur.cpu + cb->used);
	memset(hdr, 0, bytes);
	hdr->opcode = opcode;
	hdr->len = (uint16_t)(bytes / S4_PKT_ALIGN);
	hdr->flags = flags;
	cb->used += bytes;
	return hdr;
}

int s4_cmdbuf_job(struct s4_cmdbuf *cb, struct s4_cmdbuf_job *job)
{
	if (!cb->used)
		return -EINVAL;
	job->cmd_handle = s4_bo_handle(cb->cur.bo);
	job->cmd_size = cb->used;
	job->bo_handles = cb->handles;
	job->bo_count = cb->nhandles;
	job->self_sync.handle = cb->timeline;
	job->self_sync.point = cb->point + 1;
	return 0;
}

void s4_cmdbuf_submitted(struct s4_cmdbuf *cb)
{
	cb->cur.busy_until = ++cb->point;
}

struct s4_device *s4_cmdbuf_device(const struct s4_cmdbuf *cb)
{
	return cb->dev;
}
