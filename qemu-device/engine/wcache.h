/* SPDX-License-Identifier: MIT */
/*
 * The engine's cache of weights in kernel layout. An SPU job packs its
 * weight tensor into what the kernels read (panels, or decoded entries);
 * while the tensor's memory stamp (struct s4_engine_mem.stamp) holds, later
 * jobs on the same weights reuse that. Entries are dropped least recently
 * used first when the cache is over its byte budget.
 */
#ifndef S4_WCACHE_H
#define S4_WCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S4_WCACHE_ENTRIES	256
#define S4_WCACHE_MIN_BYTES	(16u << 10)	/* smaller packings are redone */

/* What a packing is of: the weights' host location, shape and layout. */
struct s4_wcache_key {
	const uint8_t *w_val, *w_idx;
	uint64_t w_nnz_row;
	uint32_t n, k, sparsity, dtype;
	uint32_t layout;	/* the packing's form, chosen by the SPU driver */
};

struct s4_wcache_entry {
	struct s4_wcache_key key;
	uint64_t stamp;		/* of the weights when packed */
	uint64_t used;		/* LRU clock */
	bool ready;		/* filled by a job that succeeded */
	void *data;		/* 64-byte aligned, bytes long */
	size_t bytes;
};

struct s4_wcache {
	struct s4_wcache_entry e[S4_WCACHE_ENTRIES];
	size_t budget;		/* bytes of data at most */
	size_t bytes;		/* bytes of data now */
	uint64_t clock;
};

void s4_wcache_init(struct s4_wcache *wc, size_t budget);
/* Drop every entry; entries not ready (a job filling them) must not exist. */
void s4_wcache_fini(struct s4_wcache *wc);
/* Set the budget, dropping least recently used entries to meet it. */
void s4_wcache_set_budget(struct s4_wcache *wc, size_t budget);

/*
 * The entry for key and stamp (never 0): ready if it holds a packing made
 * at that stamp; otherwise an empty entry of bytes for the caller to fill,
 * which then calls s4_wcache_done(). NULL if the packing is not to be kept
 * (too small or too large, or out of memory).
 */
struct s4_wcache_entry *s4_wcache_get(struct s4_wcache *wc, const struct s4_wcache_key *key,
				      uint64_t stamp, size_t bytes);
/* After the job used e (NULL allowed): keep it if ok, else drop it. */
void s4_wcache_done(struct s4_wcache *wc, struct s4_wcache_entry *e, bool ok);

#endif /* S4_WCACHE_H */
