/* SPDX-License-Identifier: MIT */
/* Fixed-size pthread pool running one parallel loop at a time. */
#ifndef S4_POOL_H
#define S4_POOL_H

#include <stddef.h>

struct s4_pool;

/* Body of a parallel loop: item in [0, nitems), tid in [0, nthreads). */
typedef void (*s4_pool_fn)(void *ctx, size_t item, unsigned int tid);

struct s4_pool *s4_pool_create(unsigned int nthreads);
void s4_pool_destroy(struct s4_pool *pool);
unsigned int s4_pool_threads(const struct s4_pool *pool);
/* Run fn over all items on all threads (the caller is thread 0); waits. */
void s4_pool_run(struct s4_pool *pool, size_t nitems, s4_pool_fn fn, void *ctx);

#endif /* S4_POOL_H */
