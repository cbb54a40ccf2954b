/* SPDX-License-Identifier: MIT */
/*
 * Plain reference implementations of the S4 compute ops (s4_ops.h), the one
 * copy shared by the engine's host tests (tests/engine), the guest tests
 * (tests/guest) and the demo (libs4/examples). Host arrays in, doubles out:
 * no engine, no device, only libm. Written for clarity, not speed, except
 * that the SPU references walk the packed sparse weights, so that they cost
 * one multiply-add per kept weight.
 */
#ifndef S4_REF_H
#define S4_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "s4_act.h"
#include "s4_bf16.h"
#include "s4_ops.h"

/* Element @i of a bf16 array, as a double. */
static inline double s4_ref_bf16(const void *p, size_t i)
{
	uint16_t h;

	memcpy(&h, (const uint8_t *)p + 2 * i, 2);
	return s4_bf16_to_f32(h);
}

/* Activation @func (enum s4_act_func) of @x in double (libm); NONE is identity. */
double s4_ref_act(unsigned int func, double x);

/* Saturate to int8. */
int8_t s4_ref_sat8(int64_t v);

/*
 * Whether a bf16 result is within the BF16 bound: |got - want| <= 2^-8 |want|
 * + @abs_tol (output rounding, and table error of the activation engine,
 * plus whatever absolute slack the op needs).
 */
bool s4_ref_bf16_close(double got, double want, double abs_tol);

/*
 * Accumulators of one sparse GEMM batch: for i < m, j < n,
 * acc[i * n + j] = sum over k of A[i][k] W[j][k], with A rows @lda elements
 * apart and W packed [n][k] with sparsity @s (s4_sparse.h). INT8 sums are
 * exact integers; BF16 sums in double. @sumabs (may be NULL) receives the
 * sums of |products|, the scale of the BF16 accumulation error.
 */
void s4_ref_gemm(unsigned int dtype, uint32_t s, uint32_t m, uint32_t n, uint32_t k,
		 const void *a, uint32_t lda, const void *w, double *acc, double *sumabs);

/*
 * Accumulators of a sparse NHWC conv2d with the shape of @op (its VAs and
 * epilogue are ignored): acc[p * out_c + o] for output pixel p (batch, y, x
 * order) and channel o. @x is the dense input, @w the packed weights.
 */
void s4_ref_conv2d(const struct s4_op_conv2d *op, const void *x, const void *w,
		   double *acc, double *sumabs);

/* Host copies of the per-channel epilogue inputs (struct s4_epilogue). */
struct s4_ref_epi {
	const void *bias;	/* NULL or [n] int32 (INT8) / float (BF16) */
	const void *scale;	/* INT8: [n] struct s4_requant; BF16: NULL or [n] float */
	uint16_t act;		/* enum s4_act_func */
};

/*
 * Expected output of channel @n from its accumulator: INT8 the exact value
 * (*@tol = 0), BF16 the value before output rounding with *@tol the allowed
 * error: 2^-8 |y| + 2^-12 (sumabs * scale + |bias|) + 1e-6 (output rounding,
 * activation table error, fp32 accumulation in another order). @res points
 * at the residual element (output dtype) or is NULL.
 */
double s4_ref_epilogue(unsigned int dtype, const struct s4_ref_epi *e, uint32_t n,
		       double acc, double sumabs, const void *res, double *tol);

/* Row-wise softmax of @rows x @cols bf16 (rows @ld_in apart) into dense @out. */
void s4_ref_softmax(const void *in, uint32_t rows, uint32_t cols, uint32_t ld_in,
		    double *out);

/*
 * S4_OP_EMBED with the shape of @op: -1 (writing nothing) if an index is
 * out of range, else 0.
 */
int s4_ref_embed(const struct s4_op_embed *op, const void *table, const uint32_t *idx,
		 void *out);

/* S4_OP_RESHAPE_PERMUTE with the shape of @op: @out is dense. */
void s4_ref_permute(const struct s4_op_permute *op, const void *in, void *out);

#endif /* S4_REF_H */
