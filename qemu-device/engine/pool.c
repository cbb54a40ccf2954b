// SPDX-License-Identifier: MIT
/*
 * Thread pool: nthreads - 1 workers plus the calling thread. A loop is
 * published under the mutex with a new generation number. Its items are
 * split into one contiguous range per thread: thread t claims the items of
 * range t in order, then those left in the other ranges. Loops of the same
 * shape thus give a thread the same items, and what it wrote in one loop
 * (say, the weight panels of its channels) is still in its own cache when
 * the next loop reads it, instead of moving between cores.
 *
 * A job runs several loops back to back, so waking sleeping workers and
 * waiting for them through the condition variables would cost a few
 * microseconds (more in a VM) per loop: workers spin for a while on the
 * generation before they sleep, and the caller on the busy count before it
 * waits for the done signal.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax()	_mm_pause()
#else
#define cpu_relax()	((void)0)
#endif

#include "pool.h"

#define WORKER_SPINS	4000u	/* pauses before a worker sleeps (~0.1-0.5 ms) */
#define CALLER_SPINS	4000u	/* pauses before the caller sleeps */

/* One thread's range of a loop's items; next may run past end. */
struct pool_range {
	_Alignas(64) atomic_size_t next;
	size_t end;
};

struct s4_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* workers: new loop or exit */
	pthread_cond_t done;		/* caller: all workers finished */
	atomic_ulong generation;	/* written under lock */
	atomic_uint busy;		/* workers still inside the loop */
	bool exiting;
	s4_pool_fn fn;
	void *ctx;
	struct pool_range *range;	/* [nthreads] */
	unsigned int nthreads;
	unsigned int started;
	pthread_t threads[];
};

struct worker_arg {
	struct s4_pool *pool;
	unsigned int tid;
};

static void run_items(struct s4_pool *pool, unsigned int tid)
{
	unsigned int i;

	for (i = 0; i < pool->nthreads; i++) {
		struct pool_range *r = &pool->range[(tid + i) % pool->nthreads];
		size_t item;

		while ((item = atomic_fetch_add(&r->next, 1)) < r->end)
			pool->fn(pool->ctx, item, tid);
	}
}

static void *worker_main(void *p)
{
	struct s4_pool *pool = ((struct worker_arg *)p)->pool;
	unsigned int tid = ((struct worker_arg *)p)->tid;
	unsigned long seen = 0;

	free(p);
	for (;;) {
		unsigned int spin;

		for (spin = 0; spin < WORKER_SPINS && atomic_load(&pool->generation) == seen; spin++)
			cpu_relax();
		pthread_mutex_lock(&pool->lock);
		while (!pool->exiting && atomic_load(&pool->generation) == seen)
			pthread_cond_wait(&pool->wake, &pool->lock);
		if (pool->exiting) {
			pthread_mutex_unlock(&pool->lock);
			break;
		}
		seen = atomic_load(&pool->generation);
		pthread_mutex_unlock(&pool->lock);
		run_items(pool, tid);
		if (atomic_fetch_sub(&pool->busy, 1) == 1) {
			pthread_mutex_lock(&pool->lock);
			pthread_cond_signal(&pool->done);
			pthread_mutex_unlock(&pool->lock);
		}
	}
	return NULL;
}

static void stop_workers(struct s4_pool *pool)
{
	unsigned int i;

	pthread_mutex_lock(&pool->lock);
	pool->exiting = true;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (i = 0; i < pool->started; i++)
		pthread_join(pool->threads[i], NULL);
}

struct s4_pool *s4_pool_create(unsigned int nthreads)
{
	struct s4_pool *pool;
	unsigned int i;

	if (nthreads < 1)
		nthreads = 1;
	pool = calloc(1, sizeof(*pool) + nthreads * sizeof(pthread_t));
	if (!pool)
		return NULL;
	pool->range = aligned_alloc(_Alignof(struct pool_range), nthreads * sizeof(*pool->range));
	if (!pool->range) {
		free(pool);
		return NULL;
	}
	for (i = 0; i < nthreads; i++) {
		atomic_init(&pool->range[i].next, 0);
		pool->range[i].end = 0;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	pthread_cond_init(&pool->done, NULL);
	atomic_init(&pool->generation, 0);
	atomic_init(&pool->busy, 0);
	pool->nthreads = nthreads;
	for (i = 1; i < nthreads; i++) {
		struct worker_arg *arg = malloc(sizeof(*arg));

		if (!arg)
			goto fail;
		arg->pool = pool;
		arg->tid = i;
		if (pthread_create(&pool->threads[pool->started], NULL, worker_main, arg)) {
			free(arg);
			goto fail;
		}
		pool->started++;
	}
	return pool;
fail:
	s4_pool_destroy(pool);
	return NULL;
}

void s4_pool_destroy(struct s4_pool *pool)
{
	if (!pool)
		return;
	stop_workers(pool);
	pthread_cond_destroy(&pool->done);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool->range);
	free(pool);
}

unsigned int s4_pool_threads(const struct s4_pool *pool)
{
	return pool->nthreads;
}

void s4_pool_run(struct s4_pool *pool, size_t nitems, s4_pool_fn fn, void *ctx)
{
	size_t each = nitems / pool->nthreads, extra = nitems % pool->nthreads, start = 0;
	unsigned int t;

	if (nitems == 0)
		return;
	pool->fn = fn;
	pool->ctx = ctx;
	for (t = 0; t < pool->nthreads; t++) {
		atomic_store(&pool->range[t].next, start);
		start += each + (t < extra);
		pool->range[t].end = start;
	}
	if (nitems > 1 && pool->started) {
		pthread_mutex_lock(&pool->lock);
		atomic_store(&pool->busy, pool->started);
		atomic_fetch_add(&pool->generation, 1);
		pthread_cond_broadcast(&pool->wake);
		pthread_mutex_unlock(&pool->lock);
	}
	run_items(pool, 0);
	if (nitems > 1 && pool->started) {
		unsigned int spin;

		for (spin = 0; spin < CALLER_SPINS && atomic_load(&pool->busy); spin++)
			cpu_relax();
		pthread_mutex_lock(&pool->lock);
		while (atomic_load(&pool->busy))
			pthread_cond_wait(&pool->done, &pool->lock);
		pthread_mutex_unlock(&pool->lock);
	}
}
