// SPDX-License-Identifier: MIT
/*
 * SPU job driver. A problem runs in parallel phases: pack the weight
 * panels and per-channel epilogue parameters (checking every index and
 * requant shift) together with the first chunk of rows of A, compute tiles
 * of ROW_BLOCK rows x up to GROUP_BLOCK lane groups, then for any further
 * chunk of rows pack A and compute. s = 1 is packed for the dense kernels
 * on the assumption that the indices are in order, checked while packing
 * (the job is repacked sparse if not). Sparse BF16 jobs use the
 * outer-product kernels instead when the kernel set has them (spu_run_outer).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "s4_sparse.h"
#include "spu.h"


#define ROW_BLOCK	(4 * SPU_ROWS)	/* rows per compute item */
#define GROUP_BLOCK	8u		/* lane groups per compute item, at most */
#define A_SCRATCH_MAX	(64u << 20)	/* bytes of packed A per chunk */
#define L1_CHUNK	(16u << 10)	/* bytes of A a compute item reuses */
#define MIN_CALL_STEPS	64u		/* panel steps per kernel call, at least */

struct spu_geom {
	enum spu_mode mode;
	unsigned int esize;	/* bytes per element of A, W and C */
	unsigned int a_esize;	/* bytes per element of packed A */
	uint32_t nblk;		/* 32-element blocks per row */
	uint32_t nnz_blk;
	uint32_t blk_win;	/* blocks per window */
	uint32_t grp;		/* kept entries per kernel step and lane */
	uint32_t win_bytes;	/* bytes of A per window */
	uint32_t nwin;
	uint32_t nstep;		/* steps per window */
	uint32_t ngroups;	/* lane groups */
	uint32_t gblock;	/* lane groups per compute item (<= GROUP_BLOCK) */
	uint32_t kc;		/* windows per K chunk of a compute item */
	size_t panel_bytes;	/* per lane group */
	size_t a_ld;		/* bytes per packed row of A */
};

struct spu_ctx {
	const struct spu_problem *pb;
	const struct spu_kernels *kern;
	struct spu_geom g;
	uint8_t *panels;
	struct spu_row_stats *wstats;	/* per row of W, kept with cached panels; or NULL */
	bool reuse;		/* panels and wstats are from an earlier job */
	struct spu_chan *chan;	/* per lane group */
	uint8_t *a;		/* packed rows [row0, row0 + rows), or the padded input */
	uint32_t row0, rows;
	size_t a_ld;		/* bytes between rows of A as the kernels read them */
	struct spu_implicit *im;	/* NULL: A is packed rows */
	atomic_int bad_arg;	/* a weight index or requant shift is invalid */
	atomic_int not_dense;	/* dense mode, but some indices are not in order */
};

/* 32 repeats of 0..31: what the indices of a dense (s = 1) row are. */
#define IOTA_BYTES	1024u
#define IOTA32	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
#define IOTA128	IOTA32, IOTA32, IOTA32, IOTA32
static const uint8_t iota_rows[IOTA_BYTES] = {
	IOTA128, IOTA128, IOTA128, IOTA128, IOTA128, IOTA128, IOTA128, IOTA128,
};

/* Whether rows [n0, n0 + lanes) keep indices 0..31 in order in every block. */
static bool rows_dense(const struct spu_problem *pb, uint32_t n0, uint32_t lanes)
{
	const uint8_t *ix = pb->w_idx + (uint64_t)n0 * pb->w_nnz_row;
	uint64_t total = (uint64_t)lanes * pb->w_nnz_row, e, len;

	/* w_nnz_row is a multiple of 32, so rows are whole runs of the pattern. */
	for (e = 0; e < total; e += len) {
		len = total - e < IOTA_BYTES ? total - e : IOTA_BYTES;
		if (memcmp(ix + e, iota_rows, len))
			return false;
	}
	return true;
}

/*
 * s = 1 takes the dense modes, on the assumption (checked while packing) that
 * the indices are in order; force_sparse after that check failed.
 */
static int spu_geometry(const struct spu_problem *pb, bool force_sparse, struct spu_geom *g)
{
	uint64_t bytes, kpad = (uint64_t)s4_sparse_blocks_per_row(pb->k) * S4_SPARSE_BLOCK;

	g->esize = s4_dtype_size(pb->dtype);
	g->a_esize = g->esize;
	g->nblk = (uint32_t)s4_sparse_blocks_per_row(pb->k);
	g->nnz_blk = s4_sparse_nnz_per_block(pb->sparsity);
	g->grp = 4 / g->esize;
	g->mode = pb->sparsity == 1 && !force_sparse ? SPU_DENSE : SPU_SPARSE;
	if (pb->dtype == S4_DT_BF16) {		/* BF16 computes in fp32 */
		g->mode = g->mode == SPU_DENSE ? SPU_DENSE_F32 : SPU_SPARSE_F32;
		g->a_esize = 4;
		g->grp = 1;
	}
	/*
	 * INT8 uses one-register windows (2 blocks) when a lane's group of 4
	 * fits in one (s <= 16); sparse fp32 windows are one block, 2 registers.
	 */
	g->win_bytes = SPU_VEC_BYTES;
	if (g->mode == SPU_SPARSE_F32 ||
	    (g->mode == SPU_SPARSE && 2 * g->nnz_blk < g->grp))
		g->win_bytes = SPU_WIN_MAX;
	g->nstep = g->win_bytes / g->a_esize / g->grp;
	g->nwin = (uint32_t)((kpad * g->a_esize + g->win_bytes - 1) / g->win_bytes);
	if (spu_mode_sparse(g->mode)) {
		g->blk_win = g->win_bytes / g->a_esize / S4_SPARSE_BLOCK;
		g->nwin = (g->nblk + g->blk_win - 1) / g->blk_win;
		g->nstep = g->blk_win * g->nnz_blk / g->grp;
	}
	g->ngroups = (pb->n + SPU_LANES - 1) / SPU_LANES;
	g->a_ld = (size_t)g->nwin * g->win_bytes;
	/* K chunks keep ROW_BLOCK rows of A within L1_CHUNK bytes. */
	g->kc = g->nwin;
	if ((uint64_t)ROW_BLOCK * g->a_ld > L1_CHUNK)
		g->kc = L1_CHUNK / (ROW_BLOCK * g->win_bytes);
	/* ... but with enough steps per kernel call to amortise its setup. */
	if (g->kc * g->nstep < MIN_CALL_STEPS)
		g->kc = (MIN_CALL_STEPS + g->nstep - 1) / g->nstep;
	if (g->kc > g->nwin)
		g->kc = g->nwin;
	bytes = (uint64_t)g->nwin * g->nstep * spu_step_bytes(g->mode);
	if (bytes > SIZE_MAX / g->ngroups)
		return -S4_ERR_BAD_ARG;
	g->panel_bytes = (size_t)bytes;
	return 0;
}

/* Lane groups per kernel call: the kernels' pair_groups, but 1 for sparse fp32. */
static uint32_t spu_groups_per_call(const struct spu_kernels *kern, enum spu_mode mode)
{
	return mode != SPU_SPARSE_F32 && kern->pair_groups > 1 ? (uint32_t)kern->pair_groups : 1;
}

/* Fill row n's epilogue parameters; 0, or -1 if the row is invalid. */
static int prepare_channel(const struct spu_ctx *c, uint32_t n, const struct spu_row_stats *st,
			   struct spu_chan *ch, uint32_t lane)
{
	const struct spu_problem *pb = c->pb;
	struct s4_requant rq;

	if (st->index_bits & 0xe0e0e0e0u)	/* some index >= 32 */
		return -1;
	if (pb->dtype == S4_DT_BF16) {
		ch->scale[lane] = pb->ep.scale ? ((const float *)pb->ep.scale)[n] : 1.0f;
		ch->bias[lane] = pb->ep.bias ? ((const float *)pb->ep.bias)[n] : 0.0f;
		return 0;
	}
	/* INT8: u8 activations (a + 128) add 128 * sum(w); take it back. */
	ch->add[lane] = (int32_t)((pb->ep.bias ? (uint32_t)((const int32_t *)pb->ep.bias)[n] : 0u) -
				  128u * st->sum);
	rq = ((const struct s4_requant *)pb->ep.scale)[n];
	if (rq.shift > S4_REQUANT_SHIFT_MAX)
		return -1;
	ch->mult SPU_Q(lane) = rq.mult;
	ch->shift SPU_Q(lane) = rq.shift;
	ch->round SPU_Q(lane) = rq.shift ? (int64_t)1 << (rq.shift - 1) : 0;
	return 0;
}

/*
 * Epilogue parameters of lane group `group` (rows n0 + lane) from what
 * packing learnt of its rows, kept in c->wstats if there is one.
 */
static void prepare_group(struct spu_ctx *c, size_t group, uint32_t n0, uint32_t lanes,
			  const struct spu_row_stats *st)
{
	uint32_t lane;

	memset(&c->chan[group], 0, sizeof(c->chan[group]));
	for (lane = 0; lane < lanes; lane++) {
		if (c->wstats && !c->reuse)
			c->wstats[n0 + lane] = st[lane];
		if (prepare_channel(c, n0 + lane, &st[lane], &c->chan[group], lane))
			atomic_store(&c->bad_arg, 1);
	}
}

/*
 * The weight cache entry for pb's packing in `layout`, of bytes plus the
 * row stats; NULL if it is not to be kept (no stamp, too small, ...).
 */
static struct s4_wcache_entry *cached_weights(struct s4_job *job, const struct spu_problem *pb,
					      uint32_t layout, size_t bytes)
{
	const struct s4_engine_mem *mem = job->mem;
	struct s4_wcache_key key = {
		.w_val = pb->w_val,
		.w_idx = pb->w_idx,
		.w_nnz_row = pb->w_nnz_row,
		.n = pb->n,
		.k = pb->k,
		.sparsity = pb->sparsity,
		.dtype = pb->dtype,
		.layout = layout,
	};
	size_t stats = (size_t)pb->n * sizeof(struct spu_row_stats);
	uint64_t stamp;

	if (!mem->stamp || bytes < S4_WCACHE_MIN_BYTES || bytes > SIZE_MAX - stats)
		return NULL;
	/* Values, then indices: the rows of this problem lie in between. */
	stamp = mem->stamp(mem->opaque, pb->w_val,
			   (uint64_t)(pb->w_idx - pb->w_val) + pb->n * pb->w_nnz_row);
	return s4_wcache_get(&job->eng->wcache, &key, stamp, bytes + stats);
}

/*
 * Where the packing of pb's weights in `layout` (bytes) goes: a weight cache
 * entry, with the row stats after it, if it is to be kept for later jobs
 * (c->reuse if it holds the packing already); else the scratch buffer.
 * Sets c->reuse and c->wstats; *cached gets the entry (or NULL) for
 * weights_done().
 */
static uint8_t *weights_buffer(struct s4_job *job, const struct spu_problem *pb,
			       uint32_t layout, size_t bytes, struct spu_ctx *c,
			       struct s4_wcache_entry **cached)
{
	struct s4_wcache_entry *e = cached_weights(job, pb, layout, bytes);

	*cached = e;
	c->reuse = e && e->ready;
	c->wstats = e ? (struct spu_row_stats *)(void *)((uint8_t *)e->data + bytes) : NULL;
	return e ? e->data : s4_scratch_get(&job->eng->spu_panels, bytes);
}

/* The job's packing was (ok) or was not used: keep the entry or drop it. */
static void weights_done(struct s4_engine *eng, struct s4_wcache_entry *cached,
			 const struct spu_ctx *c, bool ok)
{
	s4_wcache_done(&eng->wcache, cached, ok);
	if (ok)
		eng->stats.weights_reused += c->reuse;
}

/* INT8: block offset (x 32) of each of the 4 slots of step q, as bytes. */
static uint32_t step_pattern(const struct spu_geom *g, uint32_t q)
{
	uint32_t shift = (uint32_t)__builtin_ctz(g->nnz_blk), j, v = 0;

	for (j = 0; j < 4; j++)
		v |= (((q * 4 + j) >> shift) * S4_SPARSE_BLOCK) << (8 * j);
	return v;
}

static void pack_panel(void *p, size_t group, unsigned int tid)
{
	struct spu_ctx *c = p;
	const struct spu_problem *pb = c->pb;
	uint32_t n0 = (uint32_t)group * SPU_LANES, pattern[SPU_VEC_BYTES], lane;
	struct spu_row_stats st[SPU_LANES] = { { 0 } };
	struct spu_pack pk = {
		.val = pb->w_val + (uint64_t)n0 * pb->w_nnz_row * c->g.esize,
		.idx = pb->w_idx + (uint64_t)n0 * pb->w_nnz_row,
		.nnz_row = pb->w_nnz_row,
		.lanes = pb->n - n0 < SPU_LANES ? pb->n - n0 : SPU_LANES,
		.esize = c->g.esize,
		.grp = c->g.grp,
		.nwin = c->g.nwin,
		.nstep = c->g.nstep,
		.mode = c->g.mode,
		.pattern = pattern,
		.panel = c->panels + group * c->g.panel_bytes,
	};

	(void)tid;
	if (c->reuse) {
		prepare_group(c, group, n0, pk.lanes, c->wstats + n0);
		return;
	}
	if (!spu_mode_sparse(c->g.mode) && !rows_dense(pb, n0, pk.lanes)) {
		atomic_store(&c->not_dense, 1);
		return;
	}
	for (lane = 0; lane < c->g.nstep && c->g.mode == SPU_SPARSE; lane++)
		pattern[lane] = step_pattern(&c->g, lane);
	c->kern->pack(&pk, st);
	prepare_group(c, group, n0, pk.lanes, st);
}

/* The byte that fills a zero element of packed A (INT8 rows are unsigned). */
static int a_zero(const struct spu_geom *g)
{
	return g->esize == 1 ? 0x80 : 0;
}

/*
 * Copy n elements into packed A: INT8 made unsigned (a ^ 0x80), bf16
 * widened to fp32 if A is fp32, else copied. src is element-aligned (VAs
 * are validated aligned), dst 4-byte aligned.
 */
static void put_elems(const struct spu_kernels *kern, const struct spu_geom *g, uint8_t *dst,
		      const uint8_t *src, size_t n)
{
	if (g->esize == 1)
		kern->put_u8(dst, src, n);
	else if (g->a_esize == g->esize)
		memcpy(dst, src, n * g->esize);
	else
		kern->put_f32(dst, src, n);
}

/*
 * One im2col row: patch of output pixel m for the problem's group, K
 * elements, taps outside the input set to the zero element. Taps of one
 * kernel row that are in range and adjacent in the input (no dilation, one
 * group) are one copy.
 */
static void pack_conv_row(const struct spu_kernels *kern, const struct spu_problem *pb,
			  const struct spu_geom *g, uint32_t m, uint8_t *dst)
{
	const struct s4_op_conv2d *cv = pb->a.conv;
	size_t esize = g->esize, cg = cv->in_c / cv->groups, tap = cg * g->a_esize;
	uint32_t ow = m % cv->out_w, oh = (m / cv->out_w) % cv->out_h;
	uint32_t b = m / cv->out_w / cv->out_h;
	bool merge = cv->dil_w == 1 && cv->groups == 1;
	int zero = a_zero(g);
	uint32_t kh, kw, kw1;

	for (kh = 0; kh < cv->kernel_h; kh++) {
		int64_t ih = (int64_t)oh * cv->stride_h + (int64_t)kh * cv->dil_h - cv->pad_h;

		if (ih < 0 || ih >= cv->in_h) {
			memset(dst + (size_t)kh * cv->kernel_w * tap, zero, cv->kernel_w * tap);
			continue;
		}
		for (kw = 0; kw < cv->kernel_w; kw = kw1) {
			int64_t iw = (int64_t)ow * cv->stride_w + (int64_t)kw * cv->dil_w - cv->pad_w;
			uint8_t *out = dst + ((size_t)kh * cv->kernel_w + kw) * tap;
			size_t pix;

			kw1 = kw + 1;
			if (iw < 0 || iw >= cv->in_w) {
				memset(out, zero, tap);
				continue;
			}
			if (merge)	/* taps kw .. kw1 - 1 are pixels iw .. */
				while (kw1 < cv->kernel_w && iw + (kw1 - kw) < cv->in_w)
					kw1++;
			pix = ((size_t)b * cv->in_h + (size_t)ih) * cv->in_w + (size_t)iw;
			put_elems(kern, g, out, pb->a.base +
				  (pix * cv->in_c + (size_t)pb->a.group * cg) * esize,
				  (kw1 - kw) * cg);
		}
	}
}

static void pack_rows(void *p, size_t item, unsigned int tid)
{
	struct spu_ctx *c = p;
	const struct spu_problem *pb = c->pb;
	size_t row_bytes = (size_t)pb->k * c->g.a_esize;
	int zero = a_zero(&c->g);
	uint32_t r;

	(void)tid;
	for (r = (uint32_t)item * SPU_ROWS; r < (item + 1) * SPU_ROWS; r++) {
		uint8_t *dst = c->a + (size_t)r * c->g.a_ld;
		uint32_t m = c->row0 + r;

		if (m >= pb->m) {
			memset(dst, zero, c->g.a_ld);
			continue;
		}
		if (pb->a.conv)
			pack_conv_row(c->kern, pb, &c->g, m, dst);
		else
			put_elems(c->kern, &c->g, dst, pb->a.base + m * pb->a.ld, pb->k);
		memset(dst + row_bytes, zero, c->g.a_ld - row_bytes);
	}
}

/*
 * Implicit conv2d: with stride 1, no dilation and one group, the patch of
 * output pixel (b, oh, ow) is kernel_h runs of kernel_w * in_c elements of
 * the zero-padded input, each at padded pixel (b, oh + kh, ow). Over virtual
 * rows v = (b * hp + oh) * wp + ow, which cover the whole padded image (the
 * outputs of rows and columns past the real ones are computed and dropped),
 * run kh of row v starts at element (v + kh * wp) * in_c: rows are evenly
 * in_c elements apart, so the kernels read the padded input in place of
 * im2col rows, K chunk by K chunk within a run. Packing A is then one copy
 * of the input instead of kernel_h * kernel_w. The dropped rows cost N / s
 * multiply-adds per element, an im2col row one copy per element: the
 * in-place read is taken when (virtual rows - m) * N <= IMPLICIT_WASTE * m * s
 * (fitted on engine_bench's ResNet-50 shapes), and not for 1x1 kernels,
 * whose im2col rows are the input's pixels.
 */
#define IMPLICIT_WASTE	6u
struct spu_implicit {
	uint32_t hp, wp;	/* padded input rows and columns */
	uint32_t run_win;	/* windows of a kernel row's run */
	uint32_t vrows;		/* virtual rows, batch * hp * wp */
	size_t row_bytes;	/* padded-input row: wp * in_c elements */
	size_t bytes;		/* the padded input, and what the last rows' runs read past it */
};

static bool implicit_conv(const struct spu_problem *pb, const struct spu_geom *g,
			  struct spu_implicit *im)
{
	const struct s4_op_conv2d *cv = pb->a.conv;
	uint64_t run_bytes, vrows, bytes;

	if (!cv || cv->groups != 1 || cv->stride_h != 1 || cv->stride_w != 1 ||
	    cv->dil_h != 1 || cv->dil_w != 1 || cv->kernel_h * cv->kernel_w == 1)
		return false;
	run_bytes = (uint64_t)cv->kernel_w * cv->in_c * g->a_esize;
	if (run_bytes % g->win_bytes)
		return false;
	im->hp = cv->in_h + 2u * cv->pad_h;
	im->wp = cv->in_w + 2u * cv->pad_w;
	if ((uint64_t)cv->out_h + cv->kernel_h - 1 > im->hp ||
	    (uint64_t)cv->out_w + cv->kernel_w - 1 > im->wp)
		return false;	/* (validated: conv_out_dim) */
	vrows = (uint64_t)cv->batch * im->hp * im->wp;
	bytes = (vrows + ROW_BLOCK + (uint64_t)(cv->kernel_h - 1) * im->wp + cv->kernel_w) *
		cv->in_c * g->a_esize;
	if (vrows > UINT32_MAX - ROW_BLOCK || bytes > A_SCRATCH_MAX ||
	    (vrows - pb->m) * pb->n > (uint64_t)IMPLICIT_WASTE * pb->m * pb->sparsity)
		return false;
	im->run_win = (uint32_t)(run_bytes / g->win_bytes);
	im->vrows = (uint32_t)vrows;
	im->row_bytes = (size_t)im->wp * cv->in_c * g->a_esize;
	im->bytes = (size_t)bytes;
	return true;
}

/* Item i < batch * hp: padded-input row i; item batch * hp: the slack after them. */
static void pack_padded(void *p, size_t item, unsigned int tid)
{
	struct spu_ctx *c = p;
	const struct spu_problem *pb = c->pb;
	const struct s4_op_conv2d *cv = pb->a.conv;
	const struct spu_implicit *im = c->im;
	size_t pix_bytes = (size_t)cv->in_c * c->g.a_esize, rows = (size_t)cv->batch * im->hp;
	uint8_t *dst = c->a + item * im->row_bytes;
	int zero = a_zero(&c->g);
	uint32_t b = (uint32_t)(item / im->hp), ih = (uint32_t)(item % im->hp);

	(void)tid;
	if (item == rows) {
		memset(dst, zero, im->bytes - rows * im->row_bytes);
		return;
	}
	if (ih < cv->pad_h || ih >= cv->pad_h + cv->in_h) {
		memset(dst, zero, im->row_bytes);
		return;
	}
	memset(dst, zero, cv->pad_w * pix_bytes);
	put_elems(c->kern, &c->g, dst + cv->pad_w * pix_bytes,
		  pb->a.base + ((size_t)b * cv->in_h + (ih - cv->pad_h)) * cv->in_w * cv->in_c *
			       c->g.esize,
		  (size_t)cv->in_w * cv->in_c);
	memset(dst + (cv->pad_w + (size_t)cv->in_w) * pix_bytes, zero, cv->pad_w * pix_bytes);
}

/* A as the kernels read it: row r of the chunk, from window w0 (in one run if implicit). */
static const uint8_t *a_rows(const struct spu_ctx *c, uint32_t r, uint32_t w0)
{
	const struct spu_implicit *im = c->im;
	uint32_t run;

	if (!im)
		return c->a + (size_t)r * c->a_ld + (size_t)w0 * c->g.win_bytes;
	run = w0 / im->run_win;
	return c->a + ((size_t)r + (size_t)run * im->wp) * c->a_ld +
	       (size_t)(w0 - run * im->run_win) * c->g.win_bytes;
}

/* Epilogue of rows outputs from output row m on, of one group; acc: their accumulators. */
static void finish_rows(const struct spu_ctx *c, uint32_t m, uint32_t rows, uint32_t group,
			const void *acc)
{
	const struct spu_problem *pb = c->pb;
	uint32_t n0 = group * SPU_LANES;
	size_t es = c->g.esize;
	struct spu_tile t = {
		.chan = &c->chan[group],
		.rows = rows,
		.lanes = pb->n - n0 < SPU_LANES ? pb->n - n0 : SPU_LANES,
		.out = pb->c + (m * pb->ldc + n0) * es,
		.out_ld = pb->ldc * es,
		.res = pb->ep.res ? pb->ep.res + (m * pb->ep.res_ld + n0) * es : NULL,
		.res_ld = pb->ep.res_ld * es,
		.act = pb->ep.act,
		.act_fn = pb->ep.act_fn,
	};

	if (pb->dtype == S4_DT_INT8)
		c->kern->epi_i8(&t, acc);
	else
		c->kern->epi_bf16(&t, acc);
}

/* Runs of real outputs among SPU_ROWS rows from chunk row r: first row, output row, count. */
struct spu_runs {
	uint32_t n;
	uint32_t first[SPU_ROWS], m[SPU_ROWS], rows[SPU_ROWS];
};

static void tile_runs(const struct spu_ctx *c, uint32_t r, struct spu_runs *runs)
{
	const struct spu_problem *pb = c->pb;
	const struct spu_implicit *im = c->im;
	uint32_t j = 0, v, oh, ow, left;

	runs->n = 0;
	if (!im) {
		if (c->row0 + r < pb->m) {
			runs->first[0] = 0;
			runs->m[0] = c->row0 + r;
			runs->rows[0] = pb->m - runs->m[0] < SPU_ROWS ? pb->m - runs->m[0] : SPU_ROWS;
			runs->n = 1;
		}
		return;
	}
	while (j < SPU_ROWS) {
		v = r + j;
		if (v >= im->vrows)
			break;
		oh = v / im->wp % im->hp;
		ow = v % im->wp;
		left = SPU_ROWS - j < im->wp - ow ? SPU_ROWS - j : im->wp - ow;
		if (oh < pb->a.conv->out_h && ow < pb->a.conv->out_w) {
			runs->first[runs->n] = j;
			runs->m[runs->n] = (v / im->wp / im->hp * pb->a.conv->out_h + oh) *
					   pb->a.conv->out_w + ow;
			runs->rows[runs->n] = left < pb->a.conv->out_w - ow ? left :
					      pb->a.conv->out_w - ow;
			runs->n++;
		}
		j += left;
	}
}

/*
 * One compute item: ROW_BLOCK rows x GROUP_BLOCK lane groups, K walked in
 * chunks of kc windows so that the rows' chunk of A and a group's chunk of
 * panel stay in L1 while they are reused. Items are numbered group block
 * by group block, so the pool's contiguous range of items for a thread
 * covers few group blocks: their panels stay in that core's cache instead
 * of being read by every core.
 */
static void compute_item(void *p, size_t item, unsigned int tid)
{
	const struct spu_ctx *c = p;
	const struct spu_geom *g = &c->g;
	size_t rblocks = (c->rows + ROW_BLOCK - 1) / ROW_BLOCK;
	size_t step_bytes = spu_step_bytes(g->mode);
	uint32_t r0 = (uint32_t)(item % rblocks) * ROW_BLOCK;
	uint32_t g0 = (uint32_t)(item / rblocks) * g->gblock;
	uint32_t ng = g->ngroups - g0 < g->gblock ? g->ngroups - g0 : g->gblock;
	uint32_t nr = c->rows - r0 < ROW_BLOCK ? c->rows - r0 : ROW_BLOCK;
	uint32_t w0, gi, ri;
	/* Per row block, the tiles of all groups in a row (paired kernels). */
	union {
		int32_t i8[GROUP_BLOCK * SPU_ROWS][SPU_LANES];
		float f[GROUP_BLOCK * SPU_ROWS][SPU_LANES];
	} acc[ROW_BLOCK / SPU_ROWS];
	uint32_t per_call = spu_groups_per_call(c->kern, g->mode);
	/* As few calls as per_call allows, their group counts within one. */
	uint32_t calls = (ng + per_call - 1) / per_call, ci, cnt, nw, k;
	struct spu_runs runs;

	(void)tid;
	for (w0 = 0; w0 < g->nwin; w0 += nw) {
		struct spu_panel panel;

		nw = g->nwin - w0 < g->kc ? g->nwin - w0 : g->kc;
		if (c->im && nw > c->im->run_win - w0 % c->im->run_win)
			nw = c->im->run_win - w0 % c->im->run_win;	/* within one run */
		panel = (struct spu_panel){
			.nwin = nw,
			.nstep = g->nstep,
			.win_bytes = g->win_bytes,
			.mode = g->mode,
			.accumulate = w0 > 0,
			.pair_stride = g->panel_bytes,
		};

		for (gi = 0, ci = 0; ci < calls; ci++, gi += cnt) {
			cnt = (ng - gi + calls - ci - 1) / (calls - ci);
			panel.steps = c->panels + (g0 + gi) * g->panel_bytes +
				      (size_t)w0 * g->nstep * step_bytes;
			panel.pair = cnt - 1;
			for (ri = 0; ri < nr / SPU_ROWS; ri++) {
				const uint8_t *a = a_rows(c, r0 + ri * SPU_ROWS, w0);

				if (c->pb->dtype == S4_DT_INT8)
					c->kern->i8(a, c->a_ld, &panel, acc[ri].i8 + gi * SPU_ROWS);
				else
					c->kern->bf16(a, c->a_ld, &panel, acc[ri].f + gi * SPU_ROWS);
			}
		}
	}
	for (ri = 0; ri < nr / SPU_ROWS; ri++) {
		tile_runs(c, r0 + ri * SPU_ROWS, &runs);
		for (gi = 0; gi < ng; gi++)
			for (k = 0; k < runs.n; k++)
				finish_rows(c, runs.m[k], runs.rows[k], g0 + gi,
					    c->pb->dtype == S4_DT_INT8 ?
					    (const void *)(acc[ri].i8 + gi * SPU_ROWS + runs.first[k]) :
					    (const void *)(acc[ri].f + gi * SPU_ROWS + runs.first[k]));
	}
}

/* Phase one: weight panels (items < ngroups), then the first chunk's rows of A. */
static void pack_first(void *p, size_t item, unsigned int tid)
{
	struct spu_ctx *c = p;

	if (item < c->g.ngroups)
		pack_panel(p, item, tid);
	else if (c->im)
		pack_padded(p, item - c->g.ngroups, tid);
	else
		pack_rows(p, item - c->g.ngroups, tid);
}

/* The compute of the first chunk, packed by pack_first, then the others. */
static void run_chunks(struct s4_engine *eng, struct spu_ctx *c, uint32_t chunk)
{
	size_t gblocks = (c->g.ngroups + c->g.gblock - 1) / c->g.gblock;
	uint32_t rows = c->im ? c->im->vrows : c->pb->m;
	uint32_t mpad = (rows + SPU_ROWS - 1) / SPU_ROWS * SPU_ROWS;

	for (c->row0 = 0; c->row0 < rows; c->row0 += c->rows) {
		c->rows = mpad - c->row0 < chunk ? mpad - c->row0 : chunk;
		if (c->row0)
			s4_pool_run(eng->pool, c->rows / SPU_ROWS, pack_rows, c);
		s4_pool_run(eng->pool, (c->rows + ROW_BLOCK - 1) / ROW_BLOCK * gblocks,
			    compute_item, c);
	}
}

/*
 * Outer-product path for sparse fp32 (spu_kern.h): weights decoded into
 * per-channel (offset, value) arrays, A packed K-major per tile of
 * SPU_OUTER_MT rows. A compute item is one tile x OUTER_NB channels, K
 * walked in chunks so that the tile's chunk stays in L1 or L2 across channels;
 * items are numbered channel block by channel block (see compute_item).
 */
#define OUTER_NB	64u	/* channels per compute item, a multiple of SPU_LANES */
#define OUTER_MIN_NNZ	16u	/* entries per channel and kernel call, at least */
#define OUTER_KCB	2u	/* blocks per K chunk, at least */
#define OUTER_TROWS	16u	/* rows transposed together */
#define FUSED_MIN_TILES	4u		/* fused items: tiles per thread, at least */
#define FUSED_MAX_TILE	(1u << 20)	/* fused items: bytes of a tile, at most */

struct outer_ctx {
	struct spu_ctx c;
	uint32_t kpad;
	uint32_t kcb;		/* blocks per K chunk */
	uint32_t *off;		/* [n][nnz_row] */
	float *val;		/* [n][nnz_row] */
	uint16_t *tmp;		/* per thread: OUTER_TROWS im2col rows of kpad bf16 */
	uint8_t *at;		/* tiles of the current row chunk, or one per thread */
	size_t tile_bytes;
	bool fused;		/* an item packs its own tile, then does all channels */
};

static void outer_pack_w(void *p, size_t group, unsigned int tid)
{
	struct outer_ctx *o = p;
	const struct spu_problem *pb = o->c.pb;
	uint32_t n0 = (uint32_t)group * SPU_LANES, lane;
	uint32_t lanes = pb->n - n0 < SPU_LANES ? pb->n - n0 : SPU_LANES;
	struct spu_row_stats st[SPU_LANES] = { { 0 } };

	(void)tid;
	if (o->c.reuse) {
		prepare_group(&o->c, group, n0, lanes, o->c.wstats + n0);
		return;
	}
	for (lane = 0; lane < lanes; lane++) {
		uint64_t row = (uint64_t)(n0 + lane) * pb->w_nnz_row;

		st[lane].index_bits = o->c.kern->outer_pack_w(pb->w_idx + row,
							      pb->w_val + row * 2,
							      (uint32_t)pb->w_nnz_row,
							      o->c.g.nnz_blk, o->off + row,
							      o->val + row);
	}
	prepare_group(&o->c, group, n0, lanes, st);
}

/* Pack OUTER_TROWS rows from chunk row r0 K-major into column r0 % MT of tile at. */
static void outer_pack_rows(struct outer_ctx *o, uint32_t r0, unsigned int tid, uint8_t *tile)
{
	const struct spu_problem *pb = o->c.pb;
	uint16_t *tmp = o->tmp + (size_t)tid * OUTER_TROWS * o->kpad;
	float *at = (float *)(void *)tile;
	const uint16_t *rows[OUTER_TROWS];
	struct spu_geom g = o->c.g;
	uint32_t r;

	g.a_esize = 2;	/* im2col rows stay bf16 */
	for (r = 0; r < OUTER_TROWS; r++) {
		uint32_t m = o->c.row0 + r0 + r;
		uint16_t *dst = tmp + (size_t)r * o->kpad;

		rows[r] = NULL;
		if (m >= pb->m)
			continue;
		if (!pb->a.conv) {
			rows[r] = (const uint16_t *)(const void *)(pb->a.base + m * pb->a.ld);
			continue;
		}
		pack_conv_row(o->c.kern, pb, &g, m, (uint8_t *)dst);
		rows[r] = dst;
	}
	o->c.kern->outer_pack_a(rows, pb->k, o->kpad, at + r0 % SPU_OUTER_MT);
}

/* Pack OUTER_TROWS rows of the chunk (item) into their tile. */
static void outer_pack_a(void *p, size_t item, unsigned int tid)
{
	struct outer_ctx *o = p;
	uint32_t r0 = (uint32_t)item * OUTER_TROWS;

	outer_pack_rows(o, r0, tid, o->at + (size_t)(r0 / SPU_OUTER_MT) * o->tile_bytes);
}

/* Phase one: decoded weights (items < ngroups), then the first chunk's tiles. */
static void outer_pack_first(void *p, size_t item, unsigned int tid)
{
	struct outer_ctx *o = p;

	if (item < o->c.g.ngroups)
		outer_pack_w(p, item, tid);
	else
		outer_pack_a(p, item - o->c.g.ngroups, tid);
}

/* Channel block cb of tile (packed at at): kernels and epilogue. */
static void outer_compute_block(const struct outer_ctx *o, uint32_t tile, uint32_t cb,
				const uint8_t *at)
{
	const struct spu_problem *pb = o->c.pb;
	uint32_t n0 = cb * OUTER_NB, nch = pb->n - n0 < OUTER_NB ? pb->n - n0 : OUTER_NB;
	uint32_t b0, gi, rs;
	_Alignas(64) float acc[OUTER_NB][SPU_OUTER_MT];

	for (b0 = 0; b0 < o->c.g.nblk; b0 += o->kcb) {
		uint64_t j0 = (uint64_t)n0 * pb->w_nnz_row + (uint64_t)b0 * o->c.g.nnz_blk;
		struct spu_outer call = {
			.off = o->off + j0,
			.val = o->val + j0,
			.stride = pb->w_nnz_row,
			.nch = nch,
			.nnz = (o->c.g.nblk - b0 < o->kcb ? o->c.g.nblk - b0 : o->kcb) *
			       o->c.g.nnz_blk,
			.accumulate = b0 > 0,
		};

		o->c.kern->outer_f32(at, &call, acc);
	}
	for (gi = 0; gi * SPU_LANES < nch; gi++) {
		uint32_t group = n0 / SPU_LANES + gi;

		for (rs = 0; rs < SPU_OUTER_MT; rs += OUTER_TROWS) {
			uint32_t m = o->c.row0 + tile * SPU_OUTER_MT + rs, nl = group * SPU_LANES;
			struct spu_tile t;

			if (m >= pb->m)
				break;
			t = (struct spu_tile){
				.chan = &o->c.chan[group],
				.rows = pb->m - m < OUTER_TROWS ? pb->m - m : OUTER_TROWS,
				.lanes = pb->n - nl < SPU_LANES ? pb->n - nl : SPU_LANES,
				.out = pb->c + (m * pb->ldc + nl) * 2,
				.out_ld = pb->ldc * 2,
				.res = pb->ep.res ? pb->ep.res + (m * pb->ep.res_ld + nl) * 2 : NULL,
				.res_ld = pb->ep.res_ld * 2,
				.act = pb->ep.act,
				.act_fn = pb->ep.act_fn,
			};
			o->c.kern->outer_epi_bf16(&t, acc + gi * SPU_LANES, rs);
		}
	}
}

static void outer_compute(void *p, size_t item, unsigned int tid)
{
	const struct outer_ctx *o = p;
	size_t tiles = o->c.rows / SPU_OUTER_MT;
	uint32_t tile = (uint32_t)(item % tiles);

	(void)tid;
	outer_compute_block(o, tile, (uint32_t)(item / tiles),
			    o->at + (size_t)tile * o->tile_bytes);
}

/* Fused item: pack tile `item` into this thread's tile, then all channel blocks. */
static void outer_fused(void *p, size_t item, unsigned int tid)
{
	struct outer_ctx *o = p;
	uint32_t tile = (uint32_t)item, nblocks = (o->c.pb->n + OUTER_NB - 1) / OUTER_NB, r, cb;
	uint8_t *at = o->at + (size_t)tid * o->tile_bytes;

	for (r = 0; r < SPU_OUTER_MT; r += OUTER_TROWS)
		outer_pack_rows(o, tile * SPU_OUTER_MT + r, tid, at);
	for (cb = 0; cb < nblocks; cb++)
		outer_compute_block(o, tile, cb, at);
}

static bool outer_usable(const struct s4_engine *eng, const struct spu_problem *pb,
			 const struct spu_geom *g)
{
	return eng->kern->outer_f32 && g->mode == SPU_SPARSE_F32 &&
	       (uint64_t)g->nblk * S4_SPARSE_BLOCK * SPU_OUTER_MT * sizeof(float) <= UINT32_MAX &&
	       pb->n <= SIZE_MAX / (2 * sizeof(float)) / pb->w_nnz_row;
}

/* The weight cache's layout of decoded entries (the panels' is their enum spu_mode). */
#define OUTER_LAYOUT	0x100u

static int spu_run_outer(struct s4_job *job, const struct spu_problem *pb,
			 const struct spu_geom *g)
{
	struct s4_engine *eng = job->eng;
	struct outer_ctx o = { .c = { .pb = pb, .kern = eng->kern, .g = *g } };
	unsigned int nthreads = s4_pool_threads(eng->pool);
	size_t nentries = (size_t)pb->n * pb->w_nnz_row, tile_bytes, nblocks;
	size_t entry_bytes = nentries * 2 * sizeof(float);
	struct s4_wcache_entry *cached;
	uint32_t chunk, mpad, tiles;

	o.kpad = g->nblk * S4_SPARSE_BLOCK;
	/* K chunks: 16 KB of tile, but at least 16 entries per channel. */
	o.kcb = OUTER_KCB;
	if (o.kcb * g->nnz_blk < OUTER_MIN_NNZ)
		o.kcb = OUTER_MIN_NNZ / g->nnz_blk;
	tile_bytes = (size_t)o.kpad * SPU_OUTER_MT * sizeof(float);
	o.tile_bytes = tile_bytes;
	mpad = (pb->m + SPU_OUTER_MT - 1) / SPU_OUTER_MT * SPU_OUTER_MT;
	chunk = (uint32_t)(A_SCRATCH_MAX / tile_bytes) * SPU_OUTER_MT;
	if (chunk < SPU_OUTER_MT)
		chunk = SPU_OUTER_MT;
	if (chunk > mpad)
		chunk = mpad;
	/*
	 * With enough tiles to share out, each item packs its tile into a
	 * per-thread buffer that stays in L2 while all channels use it: no
	 * pass writing every tile to memory and reading it back.
	 */
	tiles = mpad / SPU_OUTER_MT;
	o.fused = tile_bytes <= FUSED_MAX_TILE &&
		  (tiles >= FUSED_MIN_TILES * nthreads ||
		   /* few tiles, but little compute per tile: share them evenly */
		   (pb->sparsity >= 16 && tiles >= nthreads && tiles % nthreads == 0));
	o.off = (uint32_t *)(void *)weights_buffer(job, pb, OUTER_LAYOUT, entry_bytes, &o.c,
						   &cached);
	o.val = o.off ? (float *)(void *)(o.off + nentries) : NULL;
	o.c.chan = s4_scratch_get(&eng->spu_chan, (size_t)g->ngroups * sizeof(*o.c.chan));
	o.at = s4_scratch_get(&eng->spu_a, o.fused ? nthreads * tile_bytes :
					   (size_t)chunk / SPU_OUTER_MT * tile_bytes);
	o.tmp = s4_scratch_get(&eng->spu_tmp, (size_t)nthreads * OUTER_TROWS * o.kpad * 2);
	atomic_init(&o.c.bad_arg, 0);
	if (!o.off || !o.c.chan || !o.at || !o.tmp) {
		weights_done(eng, cached, &o.c, false);
		return -S4_ERR_BAD_ARG;
	}
	o.c.row0 = 0;
	o.c.rows = o.fused ? mpad : chunk;
	if (o.fused)
		s4_pool_run(eng->pool, g->ngroups, outer_pack_w, &o);
	else
		s4_pool_run(eng->pool, g->ngroups + chunk / OUTER_TROWS, outer_pack_first, &o);
	weights_done(eng, cached, &o.c, !atomic_load(&o.c.bad_arg));
	if (atomic_load(&o.c.bad_arg))
		return -S4_ERR_BAD_ARG;
	if (o.fused) {
		s4_pool_run(eng->pool, mpad / SPU_OUTER_MT, outer_fused, &o);
		return 0;
	}
	nblocks = (pb->n + OUTER_NB - 1) / OUTER_NB;
	for (o.c.row0 = 0; o.c.row0 < pb->m; o.c.row0 += o.c.rows) {
		o.c.rows = mpad - o.c.row0 < chunk ? mpad - o.c.row0 : chunk;
		if (o.c.row0)
			s4_pool_run(eng->pool, o.c.rows / OUTER_TROWS, outer_pack_a, &o);
		s4_pool_run(eng->pool, (size_t)o.c.rows / SPU_OUTER_MT * nblocks, outer_compute, &o);
	}
	return 0;
}

int spu_run(struct s4_job *job, const struct spu_problem *pb)
{
	struct s4_engine *eng = job->eng;
	struct spu_ctx c = { .pb = pb, .kern = eng->kern };
	struct s4_wcache_entry *cached;
	struct spu_implicit im;
	bool force_sparse = false;
	uint32_t chunk, per_call;
	size_t a_bytes, items;
	int ret;

	eng->stats.spu_problems++;
again:
	ret = spu_geometry(pb, force_sparse, &c.g);
	if (ret)
		return ret;
	/* Items of whole multi-group kernel calls. */
	per_call = spu_groups_per_call(c.kern, c.g.mode);
	c.g.gblock = GROUP_BLOCK / per_call * per_call;
	if (outer_usable(eng, pb, &c.g))
		return spu_run_outer(job, pb, &c.g);
	c.im = implicit_conv(pb, &c.g, &im) ? &im : NULL;
	if (c.im) {	/* one chunk: all virtual rows */
		c.a_ld = (size_t)pb->a.conv->in_c * c.g.a_esize;
		chunk = (im.vrows + SPU_ROWS - 1) / SPU_ROWS * SPU_ROWS;
		items = (size_t)pb->a.conv->batch * im.hp + 1;
		a_bytes = im.bytes;
	} else {
		c.a_ld = c.g.a_ld;
		chunk = (uint32_t)(A_SCRATCH_MAX / c.g.a_ld) / SPU_ROWS * SPU_ROWS;
		if (chunk < SPU_ROWS)
			chunk = SPU_ROWS;
		if (chunk > (pb->m + SPU_ROWS - 1) / SPU_ROWS * SPU_ROWS)
			chunk = (pb->m + SPU_ROWS - 1) / SPU_ROWS * SPU_ROWS;
		items = chunk / SPU_ROWS;
		a_bytes = (size_t)chunk * c.g.a_ld;
	}
	/*
	 * Panels (kept for later jobs if the weights have a stamp) and
	 * channels are filled per group when packed, rows of A too.
	 */
	c.panels = weights_buffer(job, pb, c.g.mode, c.g.panel_bytes * c.g.ngroups, &c, &cached);
	c.chan = s4_scratch_get(&eng->spu_chan, (size_t)c.g.ngroups * sizeof(*c.chan));
	c.a = s4_scratch_get(&eng->spu_a, a_bytes);
	atomic_init(&c.bad_arg, 0);
	atomic_init(&c.not_dense, 0);
	ret = -S4_ERR_BAD_ARG;
	if (!c.panels || !c.chan || !c.a)
		goto drop_cached;
	c.row0 = 0;
	c.rows = chunk;
	s4_pool_run(eng->pool, c.g.ngroups + items, pack_first, &c);
	if (atomic_load(&c.not_dense)) {
		weights_done(eng, cached, &c, false);
		force_sparse = true;
		goto again;
	}
	if (atomic_load(&c.bad_arg))
		goto drop_cached;
	weights_done(eng, cached, &c, true);
	if (c.im)
		eng->stats.conv_implicit++;
	run_chunks(eng, &c, chunk);
	return 0;

drop_cached:
	weights_done(eng, cached, &c, false);
	return ret;
}
