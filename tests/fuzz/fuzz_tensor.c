// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: libs4 sparse tensor check / unpack / pack / prune on
 * arbitrary descriptors and bytes. The first 12 bytes are n, k (small) and
 * the sparsity/dtype choice; the rest is the packed or dense data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s4/s4_tensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s4_tensor_desc d;
	size_t bytes, dense_bytes;
	uint8_t *dense, *packed;

	if (size < 12)
		return 0;
	d.n = 1 + data[0] % 64;
	d.k = 1 + (data[1] | (uint32_t)data[2] << 8) % 300;
	d.sparsity = 1u << (data[3] % 7);		/* 64 is invalid on purpose */
	d.dtype = 1 + data[4] % 3;			/* 3 is invalid on purpose */
	data += 12;
	size -= 12;
	if (s4_tensor_packed_size(&d, &bytes))
		return 0;
	dense_bytes = (size_t)d.n * d.k * 2;
	dense = calloc(1, dense_bytes);
	packed = calloc(1, bytes);
	if (!dense || !packed)
		abort();
	memcpy(packed, data, size < bytes ? size : bytes);
	if (!s4_tensor_check(&d, packed, bytes) &&
	    s4_tensor_unpack(&d, packed, bytes, dense, d.k))
		abort();	/* unpack must accept what check accepts */
	memcpy(dense, data, size < dense_bytes ? size : dense_bytes);
	if (!s4_tensor_pack(&d, dense, d.k, packed, bytes) && s4_tensor_check(&d, packed, bytes))
		abort();	/* pack must produce valid tensors */
	if (s4_tensor_prune(&d, dense, d.k, packed, bytes) || s4_tensor_check(&d, packed, bytes))
		abort();	/* prune always succeeds on valid descriptors */
	free(packed);
	free(dense);
	return 0;
}
