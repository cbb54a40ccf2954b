/* SPDX-License-Identifier: MIT */
/*
 * bfloat16 <-> binary32 conversion, shared by the compute engine and libs4.
 * A bf16 value is the top 16 bits of an IEEE-754 binary32. Host-only (uses
 * float): not for kernel code.
 */
#ifndef S4_BF16_H
#define S4_BF16_H

#include <string.h>
#include "s4_types.h"

static inline float s4_bf16_to_f32(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* Round to nearest, ties to even; NaNs stay NaN (quieted). */
static inline uint16_t s4_f32_to_bf16(float f)
{
	uint32_t bits;

	memcpy(&bits, &f, sizeof(bits));
	if ((bits & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((bits >> 16) | 0x0040u);
	bits += 0x7fffu + ((bits >> 16) & 1u);
	return (uint16_t)(bits >> 16);
}

#endif /* S4_BF16_H */
