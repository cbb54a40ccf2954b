// SPDX-License-Identifier: MIT
/*
 * The engine's thread pool: every item of a loop runs exactly once, a thread
 * starts on its own contiguous range of items, and items left in a range
 * whose thread is busy are taken by the others.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "kselftest_harness.h"
#include "pool.h"

#define WAIT_SECONDS	10	/* a wait this long means the pool lost an item */

struct record {
	size_t nitems;
	atomic_uint *runs;	/* [nitems]: times each item ran */
	unsigned int *tid;	/* [nitems]: thread that ran it */
};

static void record_item(void *p, size_t item, unsigned int tid)
{
	struct record *r = p;

	atomic_fetch_add(&r->runs[item], 1);
	r->tid[item] = tid;
}

TEST(every_item_runs_once)
{
	const unsigned int threads[] = { 1, 2, 3, 5 };
	const size_t counts[] = { 0, 1, 2, 3, 4, 7, 100, 1001 };

	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		struct s4_pool *pool = s4_pool_create(threads[t]);

		ASSERT_NE(NULL, pool);
		EXPECT_EQ(threads[t], s4_pool_threads(pool));
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			struct record r = {
				.nitems = counts[c],
				.runs = calloc(counts[c] + 1, sizeof(atomic_uint)),
				.tid = calloc(counts[c] + 1, sizeof(unsigned int)),
			};

			ASSERT_NE(NULL, r.runs);
			ASSERT_NE(NULL, r.tid);
			/* Twice: the second loop must not see the first one's claims. */
			for (int pass = 1; pass <= 2; pass++) {
				s4_pool_run(pool, r.nitems, record_item, &r);
				for (size_t i = 0; i < r.nitems; i++) {
					EXPECT_EQ((unsigned int)pass, atomic_load(&r.runs[i]));
					EXPECT_LT(r.tid[i], threads[t]);
				}
			}
			free(r.runs);
			free(r.tid);
		}
		s4_pool_destroy(pool);
	}
}

/* Wait until *flag is set; false after WAIT_SECONDS. */
static bool wait_flag(pthread_mutex_t *lock, pthread_cond_t *cond, const bool *flag)
{
	struct timespec until;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_SECONDS;
	pthread_mutex_lock(lock);
	while (!*flag && ok)
		ok = pthread_cond_timedwait(cond, lock, &until) != ETIMEDOUT;
	ok = *flag;
	pthread_mutex_unlock(lock);
	return ok;
}

/*
 * Ranges: nthreads threads, items split evenly. Each range's first item
 * waits until all of them have been reached, so no thread can finish a
 * range and go on to another before every thread has started: the first
 * item each thread runs is then the one it claimed first, and it must be a
 * range's first item (a shared counter would give some thread item 1).
 */
#define RANGE_THREADS	4u

struct ranges {
	size_t per_thread;
	unsigned int reached;
	bool all_reached, timed_out;
	long first_item[RANGE_THREADS];	/* per thread, -1 until it runs one */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void first_items_meet(void *p, size_t item, unsigned int tid)
{
	struct ranges *r = p;
	bool range_start = item % r->per_thread == 0;

	pthread_mutex_lock(&r->lock);
	if (r->first_item[tid] < 0)
		r->first_item[tid] = (long)item;
	if (range_start && ++r->reached == RANGE_THREADS) {
		r->all_reached = true;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	if (range_start && !wait_flag(&r->lock, &r->cond, &r->all_reached))
		r->timed_out = true;
}

TEST(each_thread_starts_on_its_own_range)
{
	struct ranges r = { .per_thread = 5 };
	struct s4_pool *pool = s4_pool_create(RANGE_THREADS);
	unsigned int t, u;

	ASSERT_NE(NULL, pool);
	for (t = 0; t < RANGE_THREADS; t++)
		r.first_item[t] = -1;
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.cond, NULL);
	s4_pool_run(pool, RANGE_THREADS * r.per_thread, first_items_meet, &r);
	EXPECT_FALSE(r.timed_out);
	for (t = 0; t < RANGE_THREADS; t++) {
		EXPECT_EQ(0, r.first_item[t] % (long)r.per_thread);
		for (u = t + 1; u < RANGE_THREADS; u++)
			EXPECT_NE(r.first_item[t], r.first_item[u]);
	}
	/* The caller is thread 0 and takes the first range. */
	EXPECT_EQ(0, r.first_item[0]);
	pthread_cond_destroy(&r.cond);
	pthread_mutex_destroy(&r.lock);
	s4_pool_destroy(pool);
}

/*
 * Stealing: 2 threads, 8 items, ranges [0, 4) and [4, 8). Item 4 waits until
 * items 5, 6 and 7 have run, so they must run on the other thread while the
 * thread of item 4 is busy with it.
 */
struct steal {
	struct record rec;
	atomic_uint rest_done;
	bool released, timed_out;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void wait_for_rest(void *p, size_t item, unsigned int tid)
{
	struct steal *s = p;

	if (item == 4 && !wait_flag(&s->lock, &s->cond, &s->released))
		s->timed_out = true;
	record_item(&s->rec, item, tid);
	if (item > 4 && atomic_fetch_add(&s->rest_done, 1) == 2) {
		pthread_mutex_lock(&s->lock);
		s->released = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
}

TEST(busy_thread_range_taken_by_others)
{
	atomic_uint runs[8];
	unsigned int tid[8];
	struct steal s = { .rec = { .nitems = 8, .runs = runs, .tid = tid } };
	struct s4_pool *pool = s4_pool_create(2);
	size_t i;

	ASSERT_NE(NULL, pool);
	for (i = 0; i < 8; i++)
		atomic_init(&runs[i], 0);
	atomic_init(&s.rest_done, 0);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	s4_pool_run(pool, 8, wait_for_rest, &s);
	EXPECT_FALSE(s.timed_out);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(1u, atomic_load(&runs[i]));
	for (i = 5; i < 8; i++)
		EXPECT_NE(tid[4], tid[i]);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	s4_pool_destroy(pool);
}

TEST_HARNESS_MAIN
