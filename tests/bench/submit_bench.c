// SPDX-License-Identifier: MIT
/*
 * Submission benchmark (runs in the guest, or on a host with a card): the
 * cost of getting a job to the card and its completion back.
 *
 *  null_job_latency_us   one NOP job, submit -> wait round trip, median
 *  null_job_latency_p99_us  the same, 99th percentile
 *  null_jobs_per_s       NOP jobs per second with the queue kept full: jobs
 *                        go in batches of BATCH; after submitting batch k the
 *                        CPU waits for batch k-1, so a batch is the jobs
 *                        submitted between two waits
 *  null_jobs_per_s_4ss   the same, batches spread over the 4 subsystems
 *  mmio_reads_per_job, mmio_writes_per_job, irqs_per_job, doorbells_per_batch
 *                        from the card's debugfs counters across the
 *                        single-subsystem full-queue run
 *
 * Prints a TSV (metric, value, unit) between S4-BENCH-TSV-BEGIN and
 * S4-BENCH-TSV-END lines on stdout; `make bench` extracts it.
 *
 * Usage: submit_bench [card-index]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s4/s4.h"
#include "s4_test_util.h"

#define LAT_JOBS	2000
#define BATCH		32
#define TPUT_BATCHES	200
#define WAIT_NS		(30ll * 1000 * 1000 * 1000)

static const char *const counter_names[] = {
	"mmio_reads", "mmio_writes", "irqs", "doorbells", "jobs",
};
#define NCOUNTERS (sizeof(counter_names) / sizeof(counter_names[0]))

static int die(const char *what, int err)
{
	fprintf(stderr, "submit_bench: %s: %s\n", what, s4_strerror(err));
	return 1;
}

static int64_t now_ns(void)
{
	return s4_deadline_ns(0);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Reads all counters; returns 0 if every one is there. */
static int read_counters(const struct s4_card_info *card, uint64_t *v)
{
	for (size_t i = 0; i < NCOUNTERS; i++) {
		int ret = s4t_debugfs_counter(card, counter_names[i], &v[i]);

		if (ret)
			return ret;
	}
	return 0;
}

/* Submits one job on @ss signalling (tl, point). */
static int submit(struct s4_cmdbuf *cb, uint32_t ss, uint32_t tl, uint64_t point)
{
	struct s4_sync out = { tl, point };

	return s4_submit(cb, ss, NULL, 0, &out, 1, NULL);
}

static int wait_point(struct s4_device *dev, uint32_t tl, uint64_t point)
{
	struct s4_job_status st;
	struct s4_sync s = { tl, point };
	int ret = s4_wait(dev, s, s4_deadline_ns(WAIT_NS), &st);

	return ret ? ret : st.error;
}

/*
 * Runs @batches batches of BATCH NOP jobs, keeping one batch queued behind
 * the one running, on subsystem 0 or (@spread) round robin over the four,
 * each subsystem with its own command buffer @cbs[ss] (jobs sharing a BO are
 * ordered, and the command BO is one). Returns jobs/s in *@rate.
 */
static int full_queue(struct s4_device *dev, struct s4_cmdbuf **cbs, uint32_t tl,
		      uint64_t *point, int batches, int spread, double *rate)
{
	uint64_t prev_last = 0;
	int64_t t0 = now_ns();
	int ret;

	for (int b = 0; b < batches; b++) {
		for (int j = 0; j < BATCH; j++) {
			uint32_t ss = spread ? (uint32_t)(b * BATCH + j) % 4 : 0;

			ret = submit(cbs[ss], ss, tl, ++*point);
			if (ret)
				return ret;
		}
		if (prev_last) {
			ret = wait_point(dev, tl, prev_last);
			if (ret)
				return ret;
		}
		prev_last = *point;
	}
	ret = wait_point(dev, tl, *point);
	if (ret)
		return ret;
	*rate = (double)batches * BATCH * 1e9 / (double)(now_ns() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int index = argc > 1 ? (unsigned int)atoi(argv[1]) : 0;
	struct s4_card_info cards[8];
	struct s4_device *dev;
	struct s4_cmdbuf *cbs[4], *cb;
	uint64_t before[NCOUNTERS], after[NCOUNTERS], point = 0;
	int64_t *lat;
	double rate1 = 0, rate4 = 0;
	uint32_t tl;
	int n, ret, have_counters;

	n = s4_enumerate(cards, 8);
	if (n < 0)
		return die("enumerate", n);
	if ((unsigned int)n <= index || index >= 8)
		return die("no such card", -ENODEV);
	ret = s4_open(cards[index].devnode, &dev);
	if (ret)
		return die("open", ret);
	for (int i = 0; i < 4; i++) {
		ret = s4_cmdbuf_create(dev, &cbs[i]);
		if (!ret)
			ret = s4_cmdbuf_nop(cbs[i]);
		if (ret)
			return die("setup", ret);
	}
	cb = cbs[0];
	ret = s4_syncobj_create(dev, &tl);
	if (ret)
		return die("setup", ret);

	/* Warm up: fault in the queues, the scheduler threads, the page tables. */
	for (int i = 0; i < 50; i++) {
		ret = submit(cb, 0, tl, ++point);
		if (!ret)
			ret = wait_point(dev, tl, point);
		if (ret)
			return die("warm-up job", ret);
	}

	/* Latency: one job at a time. */
	lat = calloc(LAT_JOBS, sizeof(*lat));
	if (!lat)
		return die("calloc", -ENOMEM);
	for (int i = 0; i < LAT_JOBS; i++) {
		int64_t t0 = now_ns();

		ret = submit(cb, 0, tl, ++point);
		if (!ret)
			ret = wait_point(dev, tl, point);
		if (ret)
			return die("latency job", ret);
		lat[i] = now_ns() - t0;
	}
	qsort(lat, LAT_JOBS, sizeof(*lat), cmp_i64);

	/* Throughput with the counters around the single-subsystem run. */
	have_counters = read_counters(&cards[index], before) == 0;
	ret = full_queue(dev, cbs, tl, &point, TPUT_BATCHES, 0, &rate1);
	if (ret)
		return die("full-queue run", ret);
	if (have_counters)
		have_counters = read_counters(&cards[index], after) == 0;
	ret = full_queue(dev, cbs, tl, &point, TPUT_BATCHES, 1, &rate4);
	if (ret)
		return die("4-subsystem run", ret);

	printf("S4-BENCH-TSV-BEGIN\n");
	printf("metric\tvalue\tunit\n");
	printf("null_job_latency_us\t%.1f\tus\n", lat[LAT_JOBS / 2] / 1e3);
	printf("null_job_latency_p99_us\t%.1f\tus\n", lat[LAT_JOBS * 99 / 100] / 1e3);
	printf("null_jobs_per_s\t%.0f\tjobs/s\n", rate1);
	printf("null_jobs_per_s_4ss\t%.0f\tjobs/s\n", rate4);
	if (have_counters) {
		double jobs = (double)TPUT_BATCHES * BATCH;

		printf("mmio_reads_per_job\t%.3f\treads/job\n", (after[0] - before[0]) / jobs);
		printf("mmio_writes_per_job\t%.3f\twrites/job\n", (after[1] - before[1]) / jobs);
		printf("irqs_per_job\t%.3f\tirqs/job\n", (after[2] - before[2]) / jobs);
		printf("doorbells_per_batch\t%.3f\tdoorbells/batch\n",
		       (double)(after[3] - before[3]) / TPUT_BATCHES);
		printf("jobs_counted_by_card\t%llu\tjobs\n",
		       (unsigned long long)(after[4] - before[4]));
	} else {
		printf("mmio_reads_per_job\tNA\treads/job\n");
		printf("mmio_writes_per_job\tNA\twrites/job\n");
		printf("irqs_per_job\tNA\tirqs/job\n");
		printf("doorbells_per_batch\tNA\tdoorbells/batch\n");
	}
	printf("batch_size\t%d\tjobs\n", BATCH);
	printf("S4-BENCH-TSV-END\n");

	free(lat);
	s4_syncobj_destroy(dev, tl);
	for (int i = 0; i < 4; i++)
		s4_cmdbuf_free(cbs[i]);
	s4_close(dev);
	return 0;
}
