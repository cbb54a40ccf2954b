// SPDX-License-Identifier: MIT
/* The engine's cache of weights in kernel layout (wcache.h). */
#include <stdlib.h>
#include <string.h>

#include "wcache.h"

static bool same_key(const struct s4_wcache_key *a, const struct s4_wcache_key *b)
{
	return a->w_val == b->w_val && a->w_idx == b->w_idx && a->w_nnz_row == b->w_nnz_row &&
	       a->n == b->n && a->k == b->k && a->sparsity == b->sparsity &&
	       a->dtype == b->dtype && a->layout == b->layout;
}

static void drop(struct s4_wcache *wc, struct s4_wcache_entry *e)
{
	wc->bytes -= e->bytes;
	free(e->data);
	memset(e, 0, sizeof(*e));
}

/* The least recently used ready entry, NULL if none. */
static struct s4_wcache_entry *oldest(struct s4_wcache *wc)
{
	struct s4_wcache_entry *old = NULL;
	unsigned int i;

	for (i = 0; i < S4_WCACHE_ENTRIES; i++)
		if (wc->e[i].ready && (!old || wc->e[i].used < old->used))
			old = &wc->e[i];
	return old;
}

void s4_wcache_init(struct s4_wcache *wc, size_t budget)
{
	memset(wc, 0, sizeof(*wc));
	wc->budget = budget;
}

void s4_wcache_fini(struct s4_wcache *wc)
{
	unsigned int i;

	for (i = 0; i < S4_WCACHE_ENTRIES; i++)
		if (wc->e[i].data)
			drop(wc, &wc->e[i]);
}

void s4_wcache_set_budget(struct s4_wcache *wc, size_t budget)
{
	struct s4_wcache_entry *old;

	wc->budget = budget;
	while (wc->bytes > wc->budget && (old = oldest(wc)))
		drop(wc, old);
}

struct s4_wcache_entry *s4_wcache_get(struct s4_wcache *wc, const struct s4_wcache_key *key,
				      uint64_t stamp, size_t bytes)
{
	struct s4_wcache_entry *e = NULL, *old;
	unsigned int i;

	for (i = 0; i < S4_WCACHE_ENTRIES; i++) {
		if (!wc->e[i].data || !same_key(&wc->e[i].key, key))
			continue;
		if (wc->e[i].ready && wc->e[i].stamp == stamp && wc->e[i].bytes == bytes) {
			wc->e[i].used = ++wc->clock;
			return &wc->e[i];
		}
		drop(wc, &wc->e[i]);	/* the weights changed since */
	}
	if (!stamp || bytes < S4_WCACHE_MIN_BYTES || bytes > wc->budget)
		return NULL;
	for (;;) {
		for (i = 0; i < S4_WCACHE_ENTRIES && !e; i++)
			if (!wc->e[i].data)
				e = &wc->e[i];
		if (e && wc->bytes + bytes <= wc->budget)
			break;
		old = oldest(wc);
		if (!old)
			return NULL;
		drop(wc, old);
	}
	e->data = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	if (!e->data)
		return NULL;
	e->key = *key;
	e->stamp = stamp;
	e->used = ++wc->clock;
	e->ready = false;
	e->bytes = bytes;
	wc->bytes += bytes;
	return e;
}

void s4_wcache_done(struct s4_wcache *wc, struct s4_wcache_entry *e, bool ok)
{
	if (!e)
		return;
	if (ok)
		e->ready = true;
	else
		drop(wc, e);
}
