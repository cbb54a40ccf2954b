// SPDX-License-Identifier: MIT
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "s4_ref.h"
#include "s4_sparse.h"

double s4_ref_act(unsigned int func, double x)
{
	switch (func) {
	case S4_ACT_RELU: return x > 0 || isnan(x) ? x : 0;
	case S4_ACT_GELU: return isinf(x) ? (x > 0 ? x : 0) : 0.5 * x * (1 + erf(x / sqrt(2.0)));
	case S4_ACT_SIGMOID: return 1 / (1 + exp(-x));
	case S4_ACT_TANH: return tanh(x);
	case S4_ACT_EXP: return exp(x);
	case S4_ACT_LOG: return log(x);
	case S4_ACT_RECIP: return 1 / x;
	case S4_ACT_RSQRT: return 1 / sqrt(x);
	default: return x;
	}
}

int8_t s4_ref_sat8(int64_t v)
{
	return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

bool s4_ref_bf16_close(double got, double want, double abs_tol)
{
	return fabs(got - want) <= ldexp(fabs(want), -8) + abs_tol;
}

/* Weight entry @e of a packed tensor as a double. */
static double w_val(unsigned int dtype, const uint8_t *val, uint64_t e)
{
	return dtype == S4_DT_INT8 ? (double)(int8_t)val[e] : s4_ref_bf16(val, e);
}

static double a_val(unsigned int dtype, const void *a, size_t i)
{
	return dtype == S4_DT_INT8 ? (double)((const int8_t *)a)[i] : s4_ref_bf16(a, i);
}

/* Packed layout of [n][k] with sparsity s: values, indices, entries per row. */
struct packed {
	const uint8_t *val, *idx;
	uint64_t per_row;
	uint32_t nnz_blk;
};

static void packed_layout(unsigned int dtype, uint32_t n, uint32_t k, uint32_t s,
			  const void *w, struct packed *p)
{
	struct s4_sparse_geom g = { 0 };

	if (s4_sparse_geometry(n, k, s, dtype == S4_DT_INT8 ? 1 : 2, &g))
		abort();	/* the caller's shape is invalid */
	p->val = w;
	p->idx = (const uint8_t *)w + g.idx_off;
	p->per_row = g.nnz_per_row;
	p->nnz_blk = s4_sparse_nnz_per_block(s);
}

/* One output of s4_ref_gemm(): row @ar of A against packed row @j. */
static void gemm_one(unsigned int dtype, const struct packed *p, uint32_t j, uint32_t k,
		     const void *ar, double *acc, double *sumabs)
{
	uint64_t e = (uint64_t)j * p->per_row, nblk = p->per_row / p->nnz_blk;
	int64_t iacc = 0;
	double dacc = 0, sa = 0;

	for (uint64_t b = 0; b < nblk; b++)
		for (uint32_t t = 0; t < p->nnz_blk; t++, e++) {
			uint64_t kk = b * S4_SPARSE_BLOCK + p->idx[e];

			if (kk >= k)
				continue;	/* padding contributes nothing */
			if (dtype == S4_DT_INT8) {
				int32_t prod = ((const int8_t *)ar)[kk] * (int8_t)p->val[e];

				iacc += prod;
				if (sumabs)
					sa += prod < 0 ? -prod : prod;
			} else {
				double prod = s4_ref_bf16(ar, kk) * w_val(dtype, p->val, e);

				dacc += prod;
				sa += fabs(prod);
			}
		}
	*acc = dtype == S4_DT_INT8 ? (double)iacc : dacc;
	if (sumabs)
		*sumabs = sa;
}

void s4_ref_gemm(unsigned int dtype, uint32_t s, uint32_t m, uint32_t n, uint32_t k,
		 const void *a, uint32_t lda, const void *w, double *acc, double *sumabs)
{
	size_t es = dtype == S4_DT_INT8 ? 1 : 2;
	struct packed p;

	packed_layout(dtype, n, k, s, w, &p);
	for (uint32_t i = 0; i < m; i++)
		for (uint32_t j = 0; j < n; j++)
			gemm_one(dtype, &p, j, k, (const uint8_t *)a + (size_t)i * lda * es,
				 &acc[(size_t)i * n + j], sumabs ? &sumabs[(size_t)i * n + j] : NULL);
}

void s4_ref_conv2d(const struct s4_op_conv2d *op, const void *x, const void *w,
		   double *acc, double *sumabs)
{
	uint32_t cg = op->in_c / op->groups, ocg = op->out_c / op->groups;
	uint32_t k = (uint32_t)op->kernel_h * op->kernel_w * cg;
	uint64_t pix = (uint64_t)op->batch * op->out_h * op->out_w, p;
	struct packed pk;

	packed_layout(op->dtype, op->out_c, k, op->sparsity, w, &pk);
	for (p = 0; p < pix; p++) {
		uint32_t b = (uint32_t)(p / ((uint64_t)op->out_h * op->out_w));
		uint32_t oy = (uint32_t)(p / op->out_w % op->out_h), ox = (uint32_t)(p % op->out_w);

		for (uint32_t o = 0; o < op->out_c; o++) {
			uint32_t g = o / ocg;
			double sum = 0, sa = 0;

			for (uint64_t j = 0; j < pk.per_row; j++) {
				uint64_t e = (uint64_t)o * pk.per_row + j;
				uint64_t kk = j / pk.nnz_blk * S4_SPARSE_BLOCK + pk.idx[e];
				uint32_t ci, kx, ky;
				int64_t iy, ix;
				double t;

				if (kk >= k)
					continue;
				ci = (uint32_t)(kk % cg);
				kx = (uint32_t)(kk / cg % op->kernel_w);
				ky = (uint32_t)(kk / cg / op->kernel_w);
				iy = (int64_t)oy * op->stride_h + (int64_t)ky * op->dil_h - op->pad_h;
				ix = (int64_t)ox * op->stride_w + (int64_t)kx * op->dil_w - op->pad_w;
				if (iy < 0 || iy >= op->in_h || ix < 0 || ix >= op->in_w)
					continue;	/* zero padding */
				t = a_val(op->dtype, x, (((size_t)b * op->in_h + (size_t)iy) * op->in_w +
							 (size_t)ix) * op->in_c + (size_t)g * cg + ci) *
				    w_val(op->dtype, pk.val, e);
				sum += t;
				sa += fabs(t);
			}
			acc[p * op->out_c + o] = sum;
			if (sumabs)
				sumabs[p * op->out_c + o] = sa;
		}
	}
}

double s4_ref_epilogue(unsigned int dtype, const struct s4_ref_epi *e, uint32_t n,
		       double acc, double sumabs, const void *res, double *tol)
{
	if (dtype == S4_DT_INT8) {
		const struct s4_requant *rq = (const struct s4_requant *)e->scale + n;
		uint64_t bias = e->bias ? (uint64_t)(int64_t)((const int32_t *)e->bias)[n] : 0;
		/* int32 accumulation modulo 2^32 */
		int32_t v = (int32_t)(uint32_t)((uint64_t)(int64_t)acc + bias);
		int64_t y = (int64_t)v * rq->mult;

		if (rq->shift)
			y = (y + ((int64_t)1 << (rq->shift - 1))) >> rq->shift;
		y = s4_ref_sat8(y);
		if (res)
			y = s4_ref_sat8(y + *(const int8_t *)res);
		if (e->act == S4_ACT_RELU && y < 0)
			y = 0;
		*tol = 0;
		return (double)y;
	}
	double scale = e->scale ? ((const float *)e->scale)[n] : 1.0;
	double bias = e->bias ? ((const float *)e->bias)[n] : 0.0;
	double y = s4_ref_act(e->act, acc * scale + bias + (res ? s4_ref_bf16(res, 0) : 0));

	*tol = ldexp(fabs(y), -8) + ldexp(sumabs * scale + fabs(bias), -12) + 1e-6;
	return y;
}

void s4_ref_softmax(const void *in, uint32_t rows, uint32_t cols, uint32_t ld_in,
		    double *out)
{
	for (uint32_t r = 0; r < rows; r++) {
		double max = -INFINITY, sum = 0;
		uint32_t c;

		for (c = 0; c < cols; c++)
			max = fmax(max, s4_ref_bf16(in, (size_t)r * ld_in + c));
		for (c = 0; c < cols; c++)
			sum += exp(s4_ref_bf16(in, (size_t)r * ld_in + c) - max);
		for (c = 0; c < cols; c++)
			out[(size_t)r * cols + c] = exp(s4_ref_bf16(in, (size_t)r * ld_in + c) - max) / sum;
	}
}

int s4_ref_embed(const struct s4_op_embed *op, const void *table, const uint32_t *idx,
		 void *out)
{
	uint32_t i;

	for (i = 0; i < op->count; i++)
		if (idx[i] >= op->rows)
			return -1;
	for (i = 0; i < op->count; i++)
		memcpy((uint8_t *)out + (size_t)i * op->out_ld * op->elem_size,
		       (const uint8_t *)table + (size_t)idx[i] * op->table_ld * op->elem_size,
		       (size_t)op->dim * op->elem_size);
	return 0;
}

void s4_ref_permute(const struct s4_op_permute *op, const void *in, void *out)
{
	uint32_t od[S4_RESHAPE_DIMS], i[S4_RESHAPE_DIMS], d;
	size_t o = 0, es = op->elem_size;

	for (d = 0; d < S4_RESHAPE_DIMS; d++)
		od[d] = op->dims[op->perm[d]];
	for (i[0] = 0; i[0] < od[0]; i[0]++)
		for (i[1] = 0; i[1] < od[1]; i[1]++)
			for (i[2] = 0; i[2] < od[2]; i[2]++)
				for (i[3] = 0; i[3] < od[3]; i[3]++, o++) {
					size_t j = 0;

					/* input index: j[perm[d]] = i[d] */
					for (d = 0; d < S4_RESHAPE_DIMS; d++)
						j += (size_t)i[d] * op->in_strides[op->perm[d]];
					memcpy((uint8_t *)out + o * es, (const uint8_t *)in + j * es, es);
				}
}
