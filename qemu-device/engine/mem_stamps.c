// SPDX-License-Identifier: MIT
/* Per-page write stamps of a card memory (s4_mem_stamps.h). */
#include <stdlib.h>

#include "s4_mem_stamps.h"

int s4_mem_stamps_init(struct s4_mem_stamps *s, uint64_t size)
{
	s->pages = (size + S4_MEM_STAMP_PAGE - 1) / S4_MEM_STAMP_PAGE;
	s->size = size;
	s->epoch = 0;
	s->all = 0;
	/* Zeroed pages cost nothing until written. */
	s->page = s->pages < SIZE_MAX / sizeof(*s->page) ?
		  calloc(s->pages + 1, sizeof(*s->page)) : NULL;
	return s->page ? 0 : -1;
}

void s4_mem_stamps_fini(struct s4_mem_stamps *s)
{
	free(s->page);
	s->page = NULL;
	s->pages = 0;
}

void s4_mem_stamps_write(struct s4_mem_stamps *s, uint64_t off, uint64_t len)
{
	uint64_t p, end;

	if (!len || off >= s->size)
		return;
	if (len > s->size - off)
		len = s->size - off;
	s->epoch++;
	if (len == s->size) {	/* a reset, say: without touching every page */
		s->all = s->epoch;
		return;
	}
	end = (off + len - 1) / S4_MEM_STAMP_PAGE;
	for (p = off / S4_MEM_STAMP_PAGE; p <= end; p++)
		s->page[p] = s->epoch;
}

uint64_t s4_mem_stamps_get(const struct s4_mem_stamps *s, uint64_t off, uint64_t len)
{
	uint64_t p, end, newest = s->all;

	if (!len || off >= s->size || len > s->size - off)
		return 0;
	end = (off + len - 1) / S4_MEM_STAMP_PAGE;
	for (p = off / S4_MEM_STAMP_PAGE; p <= end; p++)
		if (s->page[p] > newest)
			newest = s->page[p];
	return newest + 1;
}

void s4_mem_job_write(struct s4_mem_job_writes *w, uint64_t off, uint64_t len)
{
	if (w->n == S4_MEM_JOB_WRITES) {
		w->overflow = 1;
		return;
	}
	w->off[w->n] = off;
	w->len[w->n] = len;
	w->n++;
}

void s4_mem_stamps_job_end(struct s4_mem_stamps *s, struct s4_mem_job_writes *w)
{
	unsigned int i;

	if (w->overflow)
		s4_mem_stamps_write(s, 0, s->size);
	else
		for (i = 0; i < w->n; i++)
			s4_mem_stamps_write(s, w->off[i], w->len[i]);
	w->n = 0;
	w->overflow = 0;
}
