// SPDX-License-Identifier: MIT
/* libs4 sparse tensor packer: size, prune, exact pack, unpack, check. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "s4/s4_tensor.h"
#include "test_util.h"

TEST(packed_size)
{
	struct s4_tensor_desc d = { .n = 3, .k = 40, .sparsity = 4, .dtype = S4_DT_BF16 };
	size_t bytes;

	/* 2 blocks x 8 kept per row: values 3*16*2 = 96 -> 128, + 48 indices */
	ASSERT_EQ(0, s4_tensor_packed_size(&d, &bytes));
	EXPECT_EQ(176u, bytes);
	d.sparsity = 3;
	EXPECT_EQ(-EINVAL, s4_tensor_packed_size(&d, &bytes));
	d.sparsity = 1;
	d.dtype = 9;
	EXPECT_EQ(-EINVAL, s4_tensor_packed_size(&d, &bytes));
	d.dtype = S4_DT_INT8;
	d.k = 0;
	EXPECT_EQ(-EINVAL, s4_tensor_packed_size(&d, &bytes));
}

/*
 * A tensor whose packed size does not fit is -EOVERFLOW for every function,
 * before any buffer is touched (the ones here are far too small).
 */
TEST(too_large_is_eoverflow_everywhere)
{
	/* 2^32 kept entries per row times n overflows 64 bits (for BF16, the
	 * values alone; for INT8, values plus indices). */
	struct s4_tensor_desc d = { .n = UINT32_MAX, .k = UINT32_MAX, .sparsity = 1 };
	const uint32_t dtypes[] = { S4_DT_INT8, S4_DT_BF16 };
	uint8_t dense[64] = { 0 }, packed[64] = { 0 };
	size_t bytes = 0;

	for (size_t i = 0; i < sizeof(dtypes) / sizeof(dtypes[0]); i++) {
		d.dtype = dtypes[i];
		EXPECT_EQ(-EOVERFLOW, s4_tensor_packed_size(&d, &bytes));
		EXPECT_EQ(-EOVERFLOW, s4_tensor_prune(&d, dense, d.k, packed, sizeof(packed)));
		EXPECT_EQ(-EOVERFLOW, s4_tensor_pack(&d, dense, d.k, packed, sizeof(packed)));
		EXPECT_EQ(-EOVERFLOW, s4_tensor_check(&d, packed, sizeof(packed)));
		EXPECT_EQ(-EOVERFLOW, s4_tensor_unpack(&d, packed, sizeof(packed), dense, d.k));
	}
	EXPECT_EQ(0u, bytes);
	/* Bad arguments stay -EINVAL. */
	d.sparsity = 3;
	EXPECT_EQ(-EINVAL, s4_tensor_packed_size(&d, &bytes));
	EXPECT_EQ(-EINVAL, s4_tensor_pack(&d, dense, d.k, packed, sizeof(packed)));
	EXPECT_EQ(-EINVAL, s4_tensor_check(&d, packed, sizeof(packed)));
}

TEST(prune_keeps_largest_magnitudes)
{
	struct s4_tensor_desc d = { .n = 1, .k = 32, .sparsity = 8, .dtype = S4_DT_INT8 };
	int8_t dense[32] = { 0 }, back[32];
	uint8_t packed[128];
	size_t bytes;

	dense[3] = -100;	/* largest magnitude */
	dense[7] = 50;
	dense[20] = 60;
	dense[25] = 50;
	dense[30] = -50;	/* ties with 7 and 25 for the last two places: loses */
	dense[1] = 10;
	ASSERT_EQ(0, s4_tensor_packed_size(&d, &bytes));
	ASSERT_EQ(0, s4_tensor_prune(&d, dense, 32, packed, sizeof(packed)));
	ASSERT_EQ(0, s4_tensor_check(&d, packed, bytes));
	ASSERT_EQ(0, s4_tensor_unpack(&d, packed, bytes, back, 32));
	EXPECT_EQ(-100, back[3]);
	EXPECT_EQ(50, back[7]);
	EXPECT_EQ(60, back[20]);
	EXPECT_EQ(50, back[25]);
	EXPECT_EQ(0, back[30]);
	EXPECT_EQ(0, back[1]);
	EXPECT_EQ(-ENOSPC, s4_tensor_prune(&d, dense, 32, packed, bytes - 1));
}

TEST(pack_exact_roundtrip_and_too_dense_block)
{
	struct s4_tensor_desc d = { .n = 5, .k = 70, .sparsity = 4, .dtype = S4_DT_BF16 };
	uint16_t dense[5 * 72], back[5 * 72];
	uint8_t *packed;
	uint64_t rng = 3;
	size_t bytes, i;

	memset(dense, 0, sizeof(dense));
	for (i = 0; i < 5 * 72; i++)
		if (i % 72 < 70 && rng_range(&rng, 0, 5) == 0)
			dense[i] = s4_f32_to_bf16(rng_unit(&rng) + 2);
	ASSERT_EQ(0, s4_tensor_packed_size(&d, &bytes));
	packed = malloc(bytes);
	ASSERT_NE(NULL, packed);
	/* At most 8 of 32 non-zeros per block: make sure by clearing extras. */
	for (i = 0; i < 5 * 72; i += 4)
		dense[i + 1] = dense[i + 2] = dense[i + 3] = 0;
	ASSERT_EQ(0, s4_tensor_pack(&d, dense, 72, packed, bytes));
	ASSERT_EQ(0, s4_tensor_check(&d, packed, bytes));
	ASSERT_EQ(0, s4_tensor_unpack(&d, packed, bytes, back, 72));
	for (i = 0; i < 5; i++)
		EXPECT_EQ(0, memcmp(&dense[i * 72], &back[i * 72], 70 * 2));
	/* 9 non-zeros in one block of a 1-in-4 tensor. */
	for (i = 0; i < 9; i++)
		dense[72 + 32 + i] = s4_f32_to_bf16(1.0f);
	EXPECT_EQ(-EINVAL, s4_tensor_pack(&d, dense, 72, packed, bytes));
	free(packed);
}

TEST(pack_counts_negative_zero_as_zero)
{
	struct s4_tensor_desc d = { .n = 1, .k = 32, .sparsity = 32, .dtype = S4_DT_BF16 };
	uint16_t dense[32], back[32];
	uint8_t packed[128];
	size_t i;

	for (i = 0; i < 32; i++)
		dense[i] = 0x8000;	/* -0.0 */
	dense[9] = s4_f32_to_bf16(3.0f);
	ASSERT_EQ(0, s4_tensor_pack(&d, dense, 32, packed, sizeof(packed)));
	/* The one value kept is the 3.0, not one of the zeros. */
	ASSERT_EQ(0, s4_tensor_unpack(&d, packed, sizeof(packed), back, 32));
	for (i = 0; i < 32; i++)
		EXPECT_EQ(i == 9 ? s4_f32_to_bf16(3.0f) : 0, back[i] & (i == 9 ? 0xffff : 0x7fff));
}

TEST(check_rejects_malformed)
{
	struct s4_tensor_desc d = { .n = 2, .k = 40, .sparsity = 16, .dtype = S4_DT_INT8 };
	int8_t dense[80] = { 0 };
	uint8_t packed[256];
	struct s4_sparse_geom g;
	size_t bytes;

	ASSERT_EQ(0, s4_sparse_geometry(2, 40, 16, 1, &g));
	ASSERT_EQ(0, s4_tensor_packed_size(&d, &bytes));
	dense[5] = 1;
	dense[45] = -7;
	ASSERT_EQ(0, s4_tensor_pack(&d, dense, 40, packed, sizeof(packed)));
	ASSERT_EQ(0, s4_tensor_check(&d, packed, bytes));
	EXPECT_EQ(-EINVAL, s4_tensor_check(&d, packed, bytes - 1));
	packed[g.idx_off + 1] = packed[g.idx_off];	/* not increasing */
	EXPECT_EQ(-EINVAL, s4_tensor_check(&d, packed, bytes));
	ASSERT_EQ(0, s4_tensor_pack(&d, dense, 40, packed, sizeof(packed)));
	packed[g.idx_off + 1] = 32;			/* out of range */
	EXPECT_EQ(-EINVAL, s4_tensor_check(&d, packed, bytes));
	ASSERT_EQ(0, s4_tensor_pack(&d, dense, 40, packed, sizeof(packed)));
	/* Block 1 of row 0 covers k 32..63: position 20 is k = 52 >= 40. */
	packed[g.idx_off + 2] = 20;
	packed[g.idx_off + 3] = 21;
	packed[2] = 9;
	EXPECT_EQ(-EINVAL, s4_tensor_check(&d, packed, bytes));
	packed[2] = 0;
	EXPECT_EQ(0, s4_tensor_check(&d, packed, bytes));
}

TEST(padding_gets_zero_values)
{
	struct s4_tensor_desc d = { .n = 1, .k = 33, .sparsity = 1, .dtype = S4_DT_INT8 };
	int8_t dense[33];
	uint8_t packed[256];
	size_t i;

	for (i = 0; i < 33; i++)
		dense[i] = (int8_t)(i + 1);
	ASSERT_EQ(0, s4_tensor_prune(&d, dense, 33, packed, sizeof(packed)));
	for (i = 33; i < 64; i++)
		EXPECT_EQ(0, packed[i]);
	EXPECT_EQ(0, s4_tensor_check(&d, packed, sizeof(packed)));
}

TEST_HARNESS_MAIN
