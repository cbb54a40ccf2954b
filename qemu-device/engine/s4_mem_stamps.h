/* SPDX-License-Identifier: MIT */
/*
 * Write stamps of a card memory, per 4 KiB page: what the stamp() callback
 * of struct s4_engine_mem returns. The memory's owner records every write
 * (after it happened); a range's stamp is the newest of its pages' stamps,
 * so it changes whenever any byte of the range was written.
 */
#ifndef S4_MEM_STAMPS_H
#define S4_MEM_STAMPS_H

#include <stdint.h>

#define S4_MEM_STAMP_PAGE	4096u

struct s4_mem_stamps {
	uint64_t *page;		/* [pages]: epoch of the page's last write, 0: none */
	uint64_t all;		/* epoch of the last write of the whole memory */
	uint64_t pages;
	uint64_t size;		/* bytes of memory */
	uint64_t epoch;		/* last epoch handed out */
};

/* For a memory of size bytes: 0, or -1 if out of memory. */
int s4_mem_stamps_init(struct s4_mem_stamps *s, uint64_t size);
void s4_mem_stamps_fini(struct s4_mem_stamps *s);
/* Record a write to [off, off + len) (clipped to the memory). */
void s4_mem_stamps_write(struct s4_mem_stamps *s, uint64_t off, uint64_t len);
/* The stamp of [off, off + len), never 0; 0 if the range is outside the memory. */
uint64_t s4_mem_stamps_get(const struct s4_mem_stamps *s, uint64_t off, uint64_t len);

/*
 * The ranges a job mapped for writing. The engine writes them while the
 * job runs, perhaps over weights it read earlier in the job: record them
 * as written when the job has ended.
 */
#define S4_MEM_JOB_WRITES	8u

struct s4_mem_job_writes {
	uint64_t off[S4_MEM_JOB_WRITES], len[S4_MEM_JOB_WRITES];
	unsigned int n;
	unsigned int overflow;	/* more ranges than fit: all memory counts as written */
};

void s4_mem_job_write(struct s4_mem_job_writes *w, uint64_t off, uint64_t len);
/* Record the job's writes in s and empty w. */
void s4_mem_stamps_job_end(struct s4_mem_stamps *s, struct s4_mem_job_writes *w);

#endif /* S4_MEM_STAMPS_H */
