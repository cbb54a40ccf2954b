// SPDX-License-Identifier: MIT
/*
 * The engine's weight cache (wcache.h) and the memory write stamps it is
 * keyed on (s4_mem_stamps.h), as units.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "s4_mem_stamps.h"
#include "wcache.h"

#define KB		1024u
#define PAGE		S4_MEM_STAMP_PAGE

TEST(stamps_change_only_with_writes_to_the_range)
{
	struct s4_mem_stamps s;
	uint64_t a, b, whole;

	ASSERT_EQ(0, s4_mem_stamps_init(&s, 64 * PAGE));
	a = s4_mem_stamps_get(&s, 0, 2 * PAGE);
	b = s4_mem_stamps_get(&s, 8 * PAGE + 100, 3 * PAGE);
	whole = s4_mem_stamps_get(&s, 0, 64 * PAGE);
	EXPECT_NE(0u, a);
	EXPECT_NE(0u, b);
	/* A write elsewhere leaves a range's stamp alone... */
	s4_mem_stamps_write(&s, 4 * PAGE, 1);
	EXPECT_EQ(a, s4_mem_stamps_get(&s, 0, 2 * PAGE));
	EXPECT_EQ(b, s4_mem_stamps_get(&s, 8 * PAGE + 100, 3 * PAGE));
	EXPECT_NE(whole, s4_mem_stamps_get(&s, 0, 64 * PAGE));
	/* ... one byte in it, even in the range's last page, changes it. */
	s4_mem_stamps_write(&s, 11 * PAGE + 99, 1);
	EXPECT_NE(b, s4_mem_stamps_get(&s, 8 * PAGE + 100, 3 * PAGE));
	b = s4_mem_stamps_get(&s, 8 * PAGE + 100, 3 * PAGE);
	/* The page after the range's last byte is not in it. */
	s4_mem_stamps_write(&s, 11 * PAGE + 100, 1);
	EXPECT_NE(b, s4_mem_stamps_get(&s, 8 * PAGE + 100, 3 * PAGE));
	b = s4_mem_stamps_get(&s, 8 * PAGE + 100, PAGE);
	s4_mem_stamps_write(&s, 10 * PAGE, PAGE);
	EXPECT_EQ(b, s4_mem_stamps_get(&s, 8 * PAGE + 100, PAGE));
	/* Every write is a new stamp, also over a range written before. */
	a = s4_mem_stamps_get(&s, 0, 2 * PAGE);
	s4_mem_stamps_write(&s, 0, PAGE);
	s4_mem_stamps_write(&s, PAGE, PAGE);
	EXPECT_NE(a, s4_mem_stamps_get(&s, 0, 2 * PAGE));
	/* Outside the memory: no stamp; writes there are clipped. */
	EXPECT_EQ(0u, s4_mem_stamps_get(&s, 64 * PAGE, 1));
	EXPECT_EQ(0u, s4_mem_stamps_get(&s, 63 * PAGE, 2 * PAGE));
	EXPECT_EQ(0u, s4_mem_stamps_get(&s, 0, 0));
	a = s4_mem_stamps_get(&s, 63 * PAGE, PAGE);
	s4_mem_stamps_write(&s, 63 * PAGE + 10, UINT64_MAX);
	s4_mem_stamps_write(&s, UINT64_MAX, 1);
	EXPECT_NE(a, s4_mem_stamps_get(&s, 63 * PAGE, PAGE));
	s4_mem_stamps_fini(&s);
}

TEST(job_writes_are_stamped_when_the_job_ends)
{
	struct s4_mem_stamps s;
	struct s4_mem_job_writes w = { 0 };
	uint64_t in, out, far;
	unsigned int i;

	ASSERT_EQ(0, s4_mem_stamps_init(&s, 64 * PAGE));
	in = s4_mem_stamps_get(&s, 0, PAGE);
	out = s4_mem_stamps_get(&s, 2 * PAGE, PAGE);
	s4_mem_job_write(&w, 2 * PAGE, 16);
	EXPECT_EQ(out, s4_mem_stamps_get(&s, 2 * PAGE, PAGE));
	s4_mem_stamps_job_end(&s, &w);
	EXPECT_NE(out, s4_mem_stamps_get(&s, 2 * PAGE, PAGE));
	EXPECT_EQ(in, s4_mem_stamps_get(&s, 0, PAGE));
	EXPECT_EQ(0u, w.n);
	/* More ranges than are kept: the whole memory counts as written. */
	far = s4_mem_stamps_get(&s, 40 * PAGE, PAGE);
	for (i = 0; i <= S4_MEM_JOB_WRITES; i++)
		s4_mem_job_write(&w, (uint64_t)(4 + i) * PAGE, 1);
	s4_mem_stamps_job_end(&s, &w);
	EXPECT_NE(in, s4_mem_stamps_get(&s, 0, PAGE));
	EXPECT_NE(far, s4_mem_stamps_get(&s, 40 * PAGE, PAGE));
	EXPECT_EQ(0u, w.overflow);
	s4_mem_stamps_fini(&s);
}

static struct s4_wcache_key key_of(uintptr_t w)
{
	return (struct s4_wcache_key){
		.w_val = (const uint8_t *)w, .w_idx = (const uint8_t *)w + 4096,
		.w_nnz_row = 64, .n = 64, .k = 64, .sparsity = 1, .dtype = 1, .layout = 2,
	};
}

/* Fill a new entry and keep it; returns it. */
static struct s4_wcache_entry *put(struct s4_wcache *wc, uintptr_t w, uint64_t stamp,
				   size_t bytes)
{
	struct s4_wcache_key k = key_of(w);
	struct s4_wcache_entry *e = s4_wcache_get(wc, &k, stamp, bytes);

	if (e && !e->ready) {
		memset(e->data, (int)(w & 0xff), bytes);
		s4_wcache_done(wc, e, true);
	}
	return e;
}

/* Whether a ready entry for w at stamp is kept (looks without using it). */
static bool kept(const struct s4_wcache *wc, uintptr_t w, uint64_t stamp)
{
	for (unsigned int i = 0; i < S4_WCACHE_ENTRIES; i++)
		if (wc->e[i].ready && wc->e[i].key.w_val == (const uint8_t *)w &&
		    wc->e[i].stamp == stamp)
			return true;
	return false;
}

/* Use the entry for w at stamp, which must be ready. */
static bool hit(struct s4_wcache *wc, uintptr_t w, uint64_t stamp, size_t bytes)
{
	struct s4_wcache_key k = key_of(w);
	struct s4_wcache_entry *e = s4_wcache_get(wc, &k, stamp, bytes);

	return e && e->ready;
}

TEST(entry_kept_while_key_and_stamp_match)
{
	struct s4_wcache wc;
	struct s4_wcache_key k = key_of(0x1000);
	struct s4_wcache_entry *e;
	const uint8_t *data;

	s4_wcache_init(&wc, 1 << 20);
	e = s4_wcache_get(&wc, &k, 5, 32 * KB);
	ASSERT_NE(NULL, e);
	EXPECT_FALSE(e->ready);
	EXPECT_EQ(0u, (uintptr_t)e->data % 64);
	memset(e->data, 0xab, 32 * KB);
	s4_wcache_done(&wc, e, true);
	e = s4_wcache_get(&wc, &k, 5, 32 * KB);
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(e->ready);
	data = e->data;
	EXPECT_EQ(0xab, data[0]);
	EXPECT_EQ(0xab, data[32 * KB - 1]);
	EXPECT_EQ(32 * KB, wc.bytes);
	/* Every field of the key tells packings apart. */
	for (int f = 0; f < 9; f++) {
		struct s4_wcache_key o = k;

		switch (f) {
		case 0: o.w_val++; break;
		case 1: o.w_idx++; break;
		case 2: o.w_nnz_row++; break;
		case 3: o.n++; break;
		case 4: o.k++; break;
		case 5: o.sparsity++; break;
		case 6: o.dtype++; break;
		case 7: o.layout++; break;
		case 8: break;
		}
		e = s4_wcache_get(&wc, &o, 5, 32 * KB);
		ASSERT_NE(NULL, e);
		EXPECT_EQ(f == 8, e->ready) TH_LOG("field %d", f);
		if (!e->ready)
			s4_wcache_done(&wc, e, false);
	}
	/* A new stamp: the old packing is dropped, a new one is to be made. */
	e = s4_wcache_get(&wc, &k, 6, 32 * KB);
	ASSERT_NE(NULL, e);
	EXPECT_FALSE(e->ready);
	EXPECT_EQ(32 * KB, wc.bytes);
	/* A job that failed keeps nothing. */
	s4_wcache_done(&wc, e, false);
	EXPECT_EQ(0u, wc.bytes);
	EXPECT_FALSE(kept(&wc, 0x1000, 5));
	EXPECT_FALSE(kept(&wc, 0x1000, 6));
	s4_wcache_fini(&wc);
}

TEST(not_kept_without_stamp_or_outside_sizes)
{
	struct s4_wcache wc;
	struct s4_wcache_key k = key_of(0x1000);

	s4_wcache_init(&wc, 1 << 20);
	EXPECT_EQ(NULL, s4_wcache_get(&wc, &k, 0, 32 * KB));
	EXPECT_EQ(NULL, s4_wcache_get(&wc, &k, 1, S4_WCACHE_MIN_BYTES - 1));
	EXPECT_EQ(NULL, s4_wcache_get(&wc, &k, 1, (1 << 20) + 1));
	EXPECT_NE(NULL, put(&wc, 0x1000, 1, 1 << 20));
	s4_wcache_set_budget(&wc, 0);
	EXPECT_EQ(0u, wc.bytes);
	EXPECT_EQ(NULL, s4_wcache_get(&wc, &k, 1, S4_WCACHE_MIN_BYTES));
	s4_wcache_fini(&wc);
}

TEST(least_recently_used_dropped_for_budget_and_slots)
{
	struct s4_wcache wc;
	uintptr_t w;

	/* Budget for three: a fourth drops the least recently used. */
	s4_wcache_init(&wc, 3 * 64 * KB);
	put(&wc, 0x1000, 1, 64 * KB);
	put(&wc, 0x2000, 1, 64 * KB);
	put(&wc, 0x3000, 1, 64 * KB);
	EXPECT_TRUE(hit(&wc, 0x1000, 1, 64 * KB));	/* now 0x2000 is oldest */
	put(&wc, 0x4000, 1, 64 * KB);
	EXPECT_EQ(3 * 64 * KB, wc.bytes);
	EXPECT_FALSE(kept(&wc, 0x2000, 1));
	EXPECT_TRUE(kept(&wc, 0x1000, 1));
	EXPECT_TRUE(kept(&wc, 0x3000, 1));
	EXPECT_TRUE(kept(&wc, 0x4000, 1));
	/* A larger one takes the room of as many as it needs, oldest first. */
	put(&wc, 0x5000, 1, 128 * KB);
	EXPECT_FALSE(kept(&wc, 0x1000, 1));
	EXPECT_FALSE(kept(&wc, 0x3000, 1));
	EXPECT_TRUE(kept(&wc, 0x4000, 1));
	EXPECT_TRUE(kept(&wc, 0x5000, 1));
	EXPECT_EQ(192 * KB, wc.bytes);
	/* A smaller budget drops the oldest until it is met. */
	s4_wcache_set_budget(&wc, 128 * KB);
	EXPECT_FALSE(kept(&wc, 0x4000, 1));
	EXPECT_TRUE(kept(&wc, 0x5000, 1));
	s4_wcache_fini(&wc);
	EXPECT_EQ(0u, wc.bytes);

	/* Slots: one more packing than there are drops the oldest. */
	s4_wcache_init(&wc, 1 << 30);
	for (w = 1; w <= S4_WCACHE_ENTRIES + 1; w++)
		ASSERT_NE(NULL, put(&wc, w * 0x10000, 1, S4_WCACHE_MIN_BYTES));
	EXPECT_FALSE(kept(&wc, 0x10000, 1));
	for (w = 2; w <= S4_WCACHE_ENTRIES + 1; w++)
		EXPECT_TRUE(kept(&wc, w * 0x10000, 1));
	s4_wcache_fini(&wc);
}

TEST_HARNESS_MAIN
