/* SPDX-License-Identifier: MIT */
/*
 * libs4 sparse tensors: packing dense INT8/BF16 weights into the S4
 * balanced block-sparse format (firmware/s4_sparse.h), unpacking and
 * checking them. Functions return 0 or a negative errno and never print.
 */
#ifndef S4_TENSOR_H
#define S4_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "s4_bf16.h"	/* s4_bf16_to_f32(), s4_f32_to_bf16() */
#include "s4_ops.h"	/* enum s4_dtype */
#include "s4_sparse.h"

/* A weight tensor W[n][k] packed with sparsity s (1, 2, 4, 8, 16, 32). */
struct s4_tensor_desc {
	uint32_t n;
	uint32_t k;
	uint32_t sparsity;
	uint32_t dtype;		/* S4_DT_INT8 or S4_DT_BF16 */
};

/*
 * Packed size in bytes. -EINVAL for a bad desc (unknown dtype or sparsity,
 * n or k of 0), -EOVERFLOW if the packed size does not fit in a size_t. The
 * functions below check the desc first, with the same two errors.
 */
int s4_tensor_packed_size(const struct s4_tensor_desc *d, size_t *bytes);

/*
 * Prune dense [n][k] (rows ld elements apart, ld >= k) by magnitude: every
 * 32-element block keeps its 32/s largest |values| (ties: lower k). Writes
 * packed_size >= s4_tensor_packed_size() bytes at packed. -EINVAL on bad
 * arguments, -EOVERFLOW for a too large tensor, -ENOSPC if packed_size is
 * too small.
 */
int s4_tensor_prune(const struct s4_tensor_desc *d, const void *dense, size_t ld,
		    void *packed, size_t packed_size);

/*
 * Pack an already-sparse dense tensor exactly. -EINVAL if some block has
 * more than 32/s non-zeros (or bad arguments), -EOVERFLOW and -ENOSPC as
 * above.
 */
int s4_tensor_pack(const struct s4_tensor_desc *d, const void *dense, size_t ld,
		   void *packed, size_t packed_size);

/*
 * Expand packed to dense [n][k] (rows ld elements apart). -EINVAL if packed
 * is invalid (see s4_tensor_check()) or on bad arguments, -EOVERFLOW for a
 * too large tensor.
 */
int s4_tensor_unpack(const struct s4_tensor_desc *d, const void *packed,
		     size_t packed_size, void *dense, size_t ld);

/*
 * Check a packed tensor: large enough, indices < 32 and strictly increasing
 * within each block, zero values at the padding positions k >= K. 0,
 * -EINVAL if it is not (or on bad arguments), -EOVERFLOW for a too large
 * tensor.
 */
int s4_tensor_check(const struct s4_tensor_desc *d, const void *packed,
		    size_t packed_size);

#endif /* S4_TENSOR_H */
