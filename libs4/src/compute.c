// SPDX-License-Identifier: MIT
/*
 * Compute packet appenders (firmware/s4_ops.h). Each one checks its
 * descriptor as the card's engine would (so that a packet libs4 appends is
 * one the card accepts, up to what lives in card memory), computes the bytes
 * every tensor spans, resolves the tensors against their BOs, and then
 * appends the packet like the appenders of packets.c.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <drm/s4_accel.h>

#include "internal.h"
#include "s4_cmd.h"
#include "s4_sparse.h"

#define MAX_OPERANDS	8

/* The tensors of one packet: where, how many bytes, and the alignment. */
struct operands {
	struct s4_addr addr[MAX_OPERANDS];
	uint64_t len[MAX_OPERANDS];
	uint64_t align[MAX_OPERANDS];
	uint64_t va[MAX_OPERANDS];
	unsigned int n;
	int err;		/* first error of add_*() */
};

static bool addr_absent(struct s4_addr a)
{
	return !a.bo && !a.offset;
}

/* Adds a tensor; returns its slot. Required tensors may not be absent. */
static unsigned int add_req(struct operands *o, struct s4_addr a, uint64_t len,
			    uint64_t align)
{
	unsigned int i = o->n;

	if (addr_absent(a) && !o->err)
		o->err = -EINVAL;
	o->addr[i] = a;
	o->len[i] = len;
	o->align[i] = align;
	o->va[i] = 0;
	o->n++;
	return i;
}

/* Adds an optional tensor (skipped when absent); returns its slot. */
static unsigned int add_opt(struct operands *o, struct s4_addr a, uint64_t len,
			    uint64_t align)
{
	if (addr_absent(a))
		return MAX_OPERANDS;	/* va_of() gives 0 */
	return add_req(o, a, len, align);
}

static uint64_t va_of(const struct operands *o, unsigned int slot)
{
	return slot < o->n ? o->va[slot] : 0;
}

/*
 * Checks placement, ranges and alignment of every tensor and resolves the
 * VAs; after this succeeds the packet can be appended.
 */
static int resolve(struct s4_cmdbuf *cb, struct operands *o)
{
	unsigned int i;
	int err;

	if (o->err)
		return o->err;
	for (i = 0; i < o->n; i++) {
		const struct s4_bo *bo = o->addr[i].bo;

		if (bo && bo->flags != DRM_S4_BO_DEVICE)
			return bo->dev != s4_cmdbuf_device(cb) ? -EXDEV : -EINVAL;
	}
	err = s4_cmdbuf_resolve(cb, o->addr, o->len, o->n, o->va);
	if (err)
		return err;
	for (i = 0; i < o->n; i++)
		if (o->va[i] % o->align[i])
			return -EINVAL;
	return 0;
}

/* Appends the packet @opcode with @payload and records the tensors' BOs. */
static int emit(struct s4_cmdbuf *cb, uint16_t opcode, const void *payload, size_t size,
		const struct operands *o)
{
	uint8_t *pkt;
	int err;

	pkt = s4_cmdbuf_packet(cb, opcode, 0, sizeof(struct s4_pkt_hdr) + size, &err);
	if (!pkt)
		return err;
	memcpy(pkt + sizeof(struct s4_pkt_hdr), payload, size);
	s4_cmdbuf_commit(cb, o->addr, o->n);
	return 0;
}

static unsigned int dtype_size(unsigned int dtype)
{
	return dtype == S4_DT_INT8 ? 1 : dtype == S4_DT_BF16 ? 2 : 0;
}

static bool dim_ok(uint64_t d)
{
	return d >= 1 && d <= S4_DIM_MAX;
}

static bool elem_size_ok(unsigned int es)
{
	return es == 1 || es == 2 || es == 4 || es == 8;
}

static bool mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

/* ---- SPU: GEMM and conv2d ------------------------------------------------- */

/*
 * The tensors of an SPU packet: input, packed weights and output (required),
 * each with the bytes it spans and the packet field that receives its VA,
 * and the epilogue's residual (if any) with its span and row stride.
 */
struct spu_tensors {
	unsigned int dtype;
	uint64_t n;			/* output channels */
	struct s4_addr addr[3];		/* input, weights, output */
	uint64_t bytes[3];
	uint64_t *va[3];
	uint64_t res_bytes;
	uint32_t res_ld;		/* 0 for conv2d */
};

/* Adds the epilogue's tensors (@ep may be NULL) and fills @slots. */
static int add_epilogue(struct operands *o, const struct s4_epilogue_desc *ep,
			const struct spu_tensors *t, unsigned int slots[3])
{
	uint64_t scale_bytes;

	slots[0] = slots[1] = slots[2] = MAX_OPERANDS;
	if (!ep)
		return t->dtype == S4_DT_INT8 ? -EINVAL : 0;
	if (ep->act >= S4_ACT_NUM_FUNCS)
		return -EINVAL;
	if (t->dtype == S4_DT_INT8 &&
	    (addr_absent(ep->scale) || (ep->act != S4_ACT_NONE && ep->act != S4_ACT_RELU)))
		return -EINVAL;
	if (!mul_ok(t->n, t->dtype == S4_DT_INT8 ? sizeof(struct s4_requant) : 4, &scale_bytes))
		return -EINVAL;
	slots[0] = add_opt(o, ep->bias, t->n * 4, 4);
	slots[1] = add_opt(o, ep->scale, scale_bytes, 4);
	slots[2] = add_opt(o, ep->res, t->res_bytes, dtype_size(t->dtype));
	return 0;
}

static void fill_epilogue(struct s4_epilogue *p, const struct s4_epilogue_desc *ep,
			  const struct spu_tensors *t, const struct operands *o,
			  const unsigned int slots[3])
{
	memset(p, 0, sizeof(*p));
	if (!ep)
		return;
	p->bias_va = va_of(o, slots[0]);
	p->scale_va = va_of(o, slots[1]);
	p->res_va = va_of(o, slots[2]);
	if (p->res_va) {
		p->res_ld = t->res_ld;
		p->res_batch_stride = ep->res_batch_stride;
	}
	p->act = ep->act;
}

/*
 * Adds the tensors of @t and of the epilogue @ep (NULL: none, which only
 * BF16 allows) to @o, resolves them, and fills their VAs into the packet:
 * *@t->va[] and the epilogue @p. The packet can then be emitted with @o.
 */
static int spu_operands(struct s4_cmdbuf *cb, struct operands *o, const struct spu_tensors *t,
			const struct s4_epilogue_desc *ep, struct s4_epilogue *p)
{
	unsigned int es = dtype_size(t->dtype), i, slot[3], ep_slot[3];
	int err;

	for (i = 0; i < 3; i++)	/* packed weights need no alignment */
		slot[i] = add_req(o, t->addr[i], t->bytes[i], i == 1 ? 1 : es);
	err = add_epilogue(o, ep, t, ep_slot);
	if (!err)
		err = resolve(cb, o);
	if (err)
		return err;
	for (i = 0; i < 3; i++)
		*t->va[i] = va_of(o, slot[i]);
	fill_epilogue(p, ep, t, o, ep_slot);
	return 0;
}

int s4_cmdbuf_gemm(struct s4_cmdbuf *cb, struct s4_addr c, struct s4_addr a,
		   struct s4_addr w, const struct s4_gemm_desc *d,
		   const struct s4_epilogue_desc *ep)
{
	struct s4_op_gemm op;
	struct operands o = { .n = 0 };
	struct spu_tensors t = {
		.addr = { a, w, c }, .va = { &op.a_va, &op.w_va, &op.c_va },
	};
	struct s4_sparse_geom wg;
	uint64_t a_one, c_one, r_one;
	unsigned int es;
	int err;

	if (!cb || !d)
		return -EINVAL;
	op = (struct s4_op_gemm){
		.a_batch_stride = d->a_batch_stride, .w_batch_stride = d->w_batch_stride,
		.c_batch_stride = d->c_batch_stride, .m = d->m, .n = d->n, .k = d->k,
		.batch = d->batch ? d->batch : 1, .lda = d->lda ? d->lda : d->k,
		.ldc = d->ldc ? d->ldc : d->n, .dtype = d->dtype, .sparsity = d->sparsity,
	};
	es = dtype_size(op.dtype);
	if (!es || !s4_sparsity_valid(op.sparsity) || !dim_ok(op.m) || !dim_ok(op.n) ||
	    !dim_ok(op.k) || op.lda < op.k || op.ldc < op.n ||
	    (op.a_batch_stride | op.c_batch_stride) % es ||
	    s4_span_2d(op.m, op.k, op.lda, es, &a_one) ||
	    s4_span_2d(op.m, op.n, op.ldc, es, &c_one) ||
	    s4_sparse_geometry(op.n, op.k, op.sparsity, es, &wg))
		return -EINVAL;
	if (op.batch > 1 && !op.c_batch_stride)
		op.c_batch_stride = (uint64_t)op.m * op.ldc * es;
	if (op.batch > 1 && op.c_batch_stride < c_one)
		return -EINVAL;		/* output batches would overlap */
	if (ep && !addr_absent(ep->res)) {
		t.res_ld = ep->res_ld ? ep->res_ld : op.ldc;
		if (t.res_ld < op.n || ep->res_batch_stride % es ||
		    s4_span_2d(op.m, op.n, t.res_ld, es, &r_one) ||
		    s4_span_batch(r_one, op.batch, ep->res_batch_stride, &t.res_bytes))
			return -EINVAL;
	} else if (ep && (ep->res_ld || ep->res_batch_stride)) {
		return -EINVAL;
	}
	if (s4_span_batch(a_one, op.batch, op.a_batch_stride, &t.bytes[0]) ||
	    s4_span_batch(wg.bytes, op.batch, op.w_batch_stride, &t.bytes[1]) ||
	    s4_span_batch(c_one, op.batch, op.c_batch_stride, &t.bytes[2]))
		return -EINVAL;
	t.dtype = op.dtype;
	t.n = op.n;
	err = spu_operands(cb, &o, &t, ep, &op.ep);
	if (err)
		return err;
	return emit(cb, S4_OP_SPU_GEMM, &op, sizeof(op), &o);
}

static int out_dim(uint32_t in, uint32_t kernel, uint32_t stride, uint32_t pad,
		   uint32_t dil, uint32_t *out)
{
	uint64_t span = (uint64_t)dil * (kernel - 1) + 1;
	uint64_t padded = (uint64_t)in + 2 * (uint64_t)pad;

	if (!in || !kernel || padded < span)
		return -EINVAL;
	*out = (uint32_t)((padded - span) / stride + 1);
	return 0;
}

/*
 * The CONV2D payload of @d: the descriptor's fields with their defaults
 * applied, and out_h and out_w derived. Tensor VAs and the epilogue are left
 * 0 for s4_cmdbuf_conv2d(). -EINVAL if the kernel is empty or, dilated, does
 * not fit the padded input.
 */
static int conv2d_op(const struct s4_conv2d_desc *d, struct s4_op_conv2d *op)
{
	*op = (struct s4_op_conv2d){
		.batch = d->batch ? d->batch : 1, .in_h = d->in_h, .in_w = d->in_w,
		.in_c = d->in_c, .out_c = d->out_c, .groups = d->groups ? d->groups : 1,
		.kernel_h = d->kernel_h, .kernel_w = d->kernel_w,
		.stride_h = d->stride_h ? d->stride_h : 1,
		.stride_w = d->stride_w ? d->stride_w : 1,
		.pad_h = d->pad_h, .pad_w = d->pad_w,
		.dil_h = d->dil_h ? d->dil_h : 1, .dil_w = d->dil_w ? d->dil_w : 1,
		.dtype = d->dtype, .sparsity = d->sparsity,
	};
	if (out_dim(op->in_h, op->kernel_h, op->stride_h, op->pad_h, op->dil_h, &op->out_h) ||
	    out_dim(op->in_w, op->kernel_w, op->stride_w, op->pad_w, op->dil_w, &op->out_w))
		return -EINVAL;
	return 0;
}

int s4_conv2d_out_size(const struct s4_conv2d_desc *d, uint32_t *out_h, uint32_t *out_w)
{
	struct s4_op_conv2d op;

	if (!d || !out_h || !out_w || conv2d_op(d, &op))
		return -EINVAL;
	*out_h = op.out_h;
	*out_w = op.out_w;
	return 0;
}

int s4_cmdbuf_conv2d(struct s4_cmdbuf *cb, struct s4_addr y, struct s4_addr x,
		     struct s4_addr w, const struct s4_conv2d_desc *d,
		     const struct s4_epilogue_desc *ep)
{
	struct s4_op_conv2d op;
	struct operands o = { .n = 0 };
	struct spu_tensors t = {
		.addr = { x, w, y }, .va = { &op.x_va, &op.w_va, &op.y_va },
	};
	struct s4_sparse_geom wg;
	uint64_t k, m, pix_in;
	unsigned int es;
	int err;

	if (!cb || !d || conv2d_op(d, &op))
		return -EINVAL;
	es = dtype_size(op.dtype);
	if (!es || !s4_sparsity_valid(op.sparsity) || !dim_ok(op.batch) ||
	    !dim_ok(op.in_h) || !dim_ok(op.in_w) || !dim_ok(op.in_c) || !dim_ok(op.out_c) ||
	    op.in_c % op.groups || op.out_c % op.groups)
		return -EINVAL;
	k = (uint64_t)op.kernel_h * op.kernel_w * (op.in_c / op.groups);
	if (!mul_ok((uint64_t)op.batch * op.out_h, op.out_w, &m) || m > S4_DIM_MAX ||
	    k > S4_DIM_MAX ||
	    !mul_ok((uint64_t)op.batch * op.in_h, op.in_w, &pix_in) ||
	    !mul_ok(pix_in, (uint64_t)op.in_c * es, &t.bytes[0]) ||
	    !mul_ok(m, (uint64_t)op.out_c * es, &t.bytes[2]) ||
	    s4_sparse_geometry(op.out_c, k, op.sparsity, es, &wg))
		return -EINVAL;
	if (ep && (ep->res_ld || ep->res_batch_stride))
		return -EINVAL;
	t.bytes[1] = wg.bytes;
	t.res_bytes = t.bytes[2];	/* the residual is laid out like Y */
	t.dtype = op.dtype;
	t.n = op.out_c;
	err = spu_operands(cb, &o, &t, ep, &op.ep);
	if (err)
		return err;
	return emit(cb, S4_OP_SPU_CONV2D, &op, sizeof(op), &o);
}

/* ---- activation engine and vector processor ------------------------------- */

int s4_cmdbuf_act(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
		  uint64_t count, uint16_t func)
{
	struct s4_op_act op = { .count = count, .func = func, .dtype = S4_DT_BF16 };
	struct operands o = { .n = 0 };
	int err;

	if (!cb || !count || count > UINT64_MAX / 2 || func == S4_ACT_NONE ||
	    func >= S4_ACT_NUM_FUNCS)
		return -EINVAL;
	add_req(&o, in, count * 2, 2);
	add_req(&o, out, count * 2, 2);
	err = resolve(cb, &o);
	if (err)
		return err;
	op.in_va = o.va[0];
	op.out_va = o.va[1];
	return emit(cb, S4_OP_ACT, &op, sizeof(op), &o);
}

static int eltwise(struct s4_cmdbuf *cb, uint8_t kind, struct s4_addr out,
		   struct s4_addr a, struct s4_addr b, uint64_t count,
		   uint32_t alpha, uint32_t beta)
{
	struct s4_op_eltwise op = {
		.count = count, .alpha = alpha, .beta = beta, .op = kind,
		.dtype = S4_DT_BF16,
	};
	struct operands o = { .n = 0 };
	unsigned int bs = MAX_OPERANDS;
	int err;

	if (!cb || !count || count > UINT64_MAX / 2)
		return -EINVAL;
	add_req(&o, a, count * 2, 2);
	if (kind != S4_ELTWISE_SCALE)
		bs = add_req(&o, b, count * 2, 2);
	add_req(&o, out, count * 2, 2);
	err = resolve(cb, &o);
	if (err)
		return err;
	op.a_va = o.va[0];
	op.b_va = va_of(&o, bs);
	op.out_va = o.va[o.n - 1];
	return emit(cb, S4_OP_VEC_ELTWISE, &op, sizeof(op), &o);
}

int s4_cmdbuf_eltwise(struct s4_cmdbuf *cb, enum s4_eltwise_op op, struct s4_addr out,
		      struct s4_addr a, struct s4_addr b, uint64_t count)
{
	if (op != S4_ELTWISE_ADD && op != S4_ELTWISE_MUL)
		return -EINVAL;
	return eltwise(cb, (uint8_t)op, out, a, b, count, 0, 0);
}

int s4_cmdbuf_scale(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr a,
		    uint64_t count, float alpha, float beta)
{
	uint32_t al, be;

	if (!isfinite(alpha) || !isfinite(beta))
		return -EINVAL;
	memcpy(&al, &alpha, 4);
	memcpy(&be, &beta, 4);
	return eltwise(cb, S4_ELTWISE_SCALE, out, a, s4_va_addr(0), count, al, be);
}

/* Adds in and out of a row op; fills the row fields. */
static int add_rows(struct operands *o, struct s4_addr out, struct s4_addr in,
		    const struct s4_rows_desc *d, uint32_t *ld_in, uint32_t *ld_out)
{
	uint64_t in_bytes, out_bytes;

	if (!d)
		return -EINVAL;
	*ld_in = d->ld_in ? d->ld_in : d->cols;
	*ld_out = d->ld_out ? d->ld_out : d->cols;
	if (!dim_ok(d->rows) || !dim_ok(d->cols) || *ld_in < d->cols || *ld_out < d->cols ||
	    s4_span_2d(d->rows, d->cols, *ld_in, 2, &in_bytes) ||
	    s4_span_2d(d->rows, d->cols, *ld_out, 2, &out_bytes))
		return -EINVAL;
	add_req(o, in, in_bytes, 2);
	add_req(o, out, out_bytes, 2);
	return 0;
}

int s4_cmdbuf_softmax(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
		      const struct s4_rows_desc *d)
{
	struct s4_op_softmax op = { .dtype = S4_DT_BF16 };
	struct operands o = { .n = 0 };
	int err;

	if (!cb)
		return -EINVAL;
	err = add_rows(&o, out, in, d, &op.ld_in, &op.ld_out);
	if (!err)
		err = resolve(cb, &o);
	if (err)
		return err;
	op.in_va = o.va[0];
	op.out_va = o.va[1];
	op.rows = d->rows;
	op.cols = d->cols;
	return emit(cb, S4_OP_VEC_SOFTMAX, &op, sizeof(op), &o);
}

int s4_cmdbuf_layernorm(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
			struct s4_addr gamma, struct s4_addr beta,
			const struct s4_rows_desc *d, float eps)
{
	struct s4_op_layernorm op = { .dtype = S4_DT_BF16 };
	struct operands o = { .n = 0 };
	unsigned int gs, bs;
	int err;

	if (!cb || !isfinite(eps) || eps < 0)
		return -EINVAL;
	err = add_rows(&o, out, in, d, &op.ld_in, &op.ld_out);
	if (err)
		return err;
	gs = add_opt(&o, gamma, (uint64_t)d->cols * 4, 4);
	bs = add_opt(&o, beta, (uint64_t)d->cols * 4, 4);
	err = resolve(cb, &o);
	if (err)
		return err;
	op.in_va = o.va[0];
	op.out_va = o.va[1];
	op.gamma_va = va_of(&o, gs);
	op.beta_va = va_of(&o, bs);
	op.rows = d->rows;
	op.cols = d->cols;
	memcpy(&op.eps, &eps, 4);
	return emit(cb, S4_OP_VEC_LAYERNORM, &op, sizeof(op), &o);
}

int s4_cmdbuf_reduce(struct s4_cmdbuf *cb, enum s4_reduce_op kind, struct s4_addr out,
		     struct s4_addr in, uint32_t outer, uint32_t axis, uint32_t inner)
{
	struct s4_op_reduce op = {
		.outer = outer, .axis = axis, .inner = inner, .op = (uint8_t)kind,
		.dtype = S4_DT_BF16,
	};
	struct operands o = { .n = 0 };
	uint64_t out_bytes, in_bytes;
	int err;

	if (!cb || (kind != S4_REDUCE_SUM && kind != S4_REDUCE_MAX && kind != S4_REDUCE_MEAN) ||
	    !dim_ok(outer) || !dim_ok(axis) || !dim_ok(inner) ||
	    !mul_ok((uint64_t)outer * inner, 2, &out_bytes) ||
	    !mul_ok(out_bytes, axis, &in_bytes))
		return -EINVAL;
	add_req(&o, in, in_bytes, 2);
	add_req(&o, out, out_bytes, 2);
	err = resolve(cb, &o);
	if (err)
		return err;
	op.in_va = o.va[0];
	op.out_va = o.va[1];
	return emit(cb, S4_OP_VEC_REDUCE, &op, sizeof(op), &o);
}

/* ---- embedding unit and reshape engine -------------------------------------- */

int s4_cmdbuf_embed(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr table,
		    struct s4_addr idx, const struct s4_embed_desc *d)
{
	struct s4_op_embed op = { 0 };
	struct operands o = { .n = 0 };
	uint64_t table_bytes, out_bytes;
	int err;

	if (!cb || !d)
		return -EINVAL;
	op.rows = d->rows;
	op.dim = d->dim;
	op.count = d->count;
	op.table_ld = d->table_ld ? d->table_ld : d->dim;
	op.out_ld = d->out_ld ? d->out_ld : d->dim;
	op.elem_size = d->elem_size;
	if (!elem_size_ok(d->elem_size) || !dim_ok(d->rows) || !dim_ok(d->dim) ||
	    !dim_ok(d->count) || op.table_ld < d->dim || op.out_ld < d->dim ||
	    s4_span_2d(d->rows, d->dim, op.table_ld, d->elem_size, &table_bytes) ||
	    s4_span_2d(d->count, d->dim, op.out_ld, d->elem_size, &out_bytes))
		return -EINVAL;
	add_req(&o, table, table_bytes, d->elem_size);
	add_req(&o, idx, (uint64_t)d->count * 4, 4);
	add_req(&o, out, out_bytes, d->elem_size);
	err = resolve(cb, &o);
	if (err)
		return err;
	op.table_va = o.va[0];
	op.idx_va = o.va[1];
	op.out_va = o.va[2];
	return emit(cb, S4_OP_EMBED, &op, sizeof(op), &o);
}

int s4_dense_strides(const uint32_t dims[S4_RESHAPE_DIMS], uint32_t strides[S4_RESHAPE_DIMS])
{
	uint32_t s[S4_RESHAPE_DIMS], total;
	int d;

	if (!dims || !strides)
		return -EINVAL;
	s[S4_RESHAPE_DIMS - 1] = 1;
	for (d = S4_RESHAPE_DIMS - 1; d > 0; d--)
		if (!dims[d] || __builtin_mul_overflow(s[d], dims[d], &s[d - 1]))
			return -EINVAL;
	if (!dims[0] || __builtin_mul_overflow(s[0], dims[0], &total))
		return -EINVAL;
	memcpy(strides, s, sizeof(s));
	return 0;
}

int s4_cmdbuf_permute(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
		      const struct s4_permute_desc *d)
{
	struct s4_op_permute op = { 0 };
	struct operands o = { .n = 0 };
	uint32_t odims[S4_RESHAPE_DIMS], ostrides[S4_RESHAPE_DIMS];
	uint64_t in_bytes, out_bytes;
	unsigned int i, seen = 0;
	int err;

	if (!cb || !d || !elem_size_ok(d->elem_size))
		return -EINVAL;
	for (i = 0; i < S4_RESHAPE_DIMS; i++) {
		if (d->perm[i] >= S4_RESHAPE_DIMS || seen & (1u << d->perm[i]))
			return -EINVAL;
		seen |= 1u << d->perm[i];
		odims[i] = d->dims[d->perm[i]];
	}
	if (s4_dense_strides(odims, ostrides) ||
	    s4_span_nd(d->dims, d->in_strides, d->elem_size, &in_bytes) ||
	    s4_span_nd(odims, ostrides, d->elem_size, &out_bytes))
		return -EINVAL;
	add_req(&o, in, in_bytes, d->elem_size);
	add_req(&o, out, out_bytes, d->elem_size);
	err = resolve(cb, &o);
	if (err)
		return err;
	op.in_va = o.va[0];
	op.out_va = o.va[1];
	memcpy(op.dims, d->dims, sizeof(op.dims));
	memcpy(op.in_strides, d->in_strides, sizeof(op.in_strides));
	memcpy(op.perm, d->perm, sizeof(op.perm));
	op.elem_size = d->elem_size;
	return emit(cb, S4_OP_RESHAPE_PERMUTE, &op, sizeof(op), &o);
}

int s4_cmdbuf_strided_copy(struct s4_cmdbuf *cb, struct s4_addr out, struct s4_addr in,
			   const struct s4_strided_desc *d)
{
	struct s4_op_strided op = { 0 };
	struct operands o = { .n = 0 };
	uint64_t in_bytes, out_bytes, count = 1;
	int err;

	if (!cb || !d || !elem_size_ok(d->elem_size) ||
	    s4_span_nd(d->dims, d->in_strides, d->elem_size, &in_bytes) ||
	    s4_span_nd(d->dims, d->out_strides, d->elem_size, &out_bytes))
		return -EINVAL;
	for (unsigned int i = 0; i < S4_RESHAPE_DIMS; i++)
		if (!mul_ok(count, d->dims[i], &count))
			return -EINVAL;
	if (count > out_bytes / d->elem_size)
		return -EINVAL;	/* more elements than the output holds */
	add_req(&o, in, in_bytes, d->elem_size);
	add_req(&o, out, out_bytes, d->elem_size);
	err = resolve(cb, &o);
	if (err)
		return err;
	op.in_va = o.va[0];
	op.out_va = o.va[1];
	memcpy(op.dims, d->dims, sizeof(op.dims));
	memcpy(op.in_strides, d->in_strides, sizeof(op.in_strides));
	memcpy(op.out_strides, d->out_strides, sizeof(op.out_strides));
	op.elem_size = d->elem_size;
	return emit(cb, S4_OP_RESHAPE_STRIDED, &op, sizeof(op), &o);
}
