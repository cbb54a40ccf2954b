/* SPDX-License-Identifier: MIT */
/*
 * Portable SPU kernels, a template: the including file defines SPU_TARGET
 * (function attributes, possibly empty) and SPU_KERNELS (the name of the
 * struct spu_kernels to define). Lane-by-lane scalar code with the exact
 * semantics of the vector kernels (INT8 bit-exact; fp32 products summed in
 * the same order, up to FMA contraction).
 */
#include <string.h>

#include "s4_bf16.h"
#include "s4_sparse.h"
#include "spu_kern.h"

/* INT8: window-relative k of member j of lane i at step q. */
SPU_TARGET
static uint32_t port_k(const struct spu_panel *p, const uint8_t *step, uint32_t q,
		       uint32_t i, uint32_t j)
{
	if (p->mode == SPU_DENSE)
		return 4 * q + j;
	return step[4 * i + j] & (p->win_bytes - 1);
}

SPU_TARGET
static void port_i8(const uint8_t *a, size_t a_ld, const struct spu_panel *p,
		    int32_t acc[][SPU_LANES])
{
	uint32_t sum[SPU_ROWS][SPU_LANES] = { { 0 } };
	uint32_t stride = spu_step_bytes(p->mode), wt_off = stride - SPU_VEC_BYTES;
	const uint8_t *step = p->steps;
	uint32_t w, q, r, i, j;

	if (p->accumulate)
		memcpy(sum, acc, sizeof(sum));
	for (w = 0; w < p->nwin; w++, a += p->win_bytes) {
		for (q = 0; q < p->nstep; q++, step += stride) {
			const uint8_t *wt = step + wt_off;

			for (r = 0; r < SPU_ROWS; r++)
				for (i = 0; i < SPU_LANES; i++)
					for (j = 0; j < 4; j++)
						sum[r][i] += (uint32_t)a[r * a_ld + port_k(p, step, q, i, j)] *
							     (uint32_t)(int32_t)(int8_t)wt[4 * i + j];
		}
	}
	for (r = 0; r < SPU_ROWS; r++)
		for (i = 0; i < SPU_LANES; i++)
			acc[r][i] = (int32_t)sum[r][i];
}

SPU_TARGET
static float port_f32_at(const uint8_t *p, size_t byte_off)
{
	float f;

	memcpy(&f, p + byte_off, 4);
	return f;
}

/* BF16 runs in fp32: SPU_DENSE_F32 or SPU_SPARSE_F32 panels. */
SPU_TARGET
static void port_bf16(const uint8_t *a, size_t a_ld, const struct spu_panel *p,
		      float acc[][SPU_LANES])
{
	uint32_t stride = spu_step_bytes(p->mode), wt_off = stride - SPU_VEC_BYTES;
	const uint8_t *step = p->steps;
	uint32_t w, q, r, i, k;

	if (!p->accumulate)
		memset(acc, 0, sizeof(float) * SPU_ROWS * SPU_LANES);
	for (w = 0; w < p->nwin; w++, a += p->win_bytes) {
		for (q = 0; q < p->nstep; q++, step += stride) {
			for (r = 0; r < SPU_ROWS; r++) {
				for (i = 0; i < SPU_LANES; i++) {
					k = q;
					if (p->mode == SPU_SPARSE_F32) {
						memcpy(&k, step + 4 * i, 4);
						k &= S4_SPARSE_BLOCK - 1;
					}
					acc[r][i] += port_f32_at(a + r * a_ld, 4 * k) *
						     port_f32_at(step + wt_off, 4 * i);
				}
			}
		}
	}
}

/* Vectors the compiler maps onto whatever the target has. */
typedef uint8_t port_v16 __attribute__((vector_size(16)));
typedef uint16_t port_v8h __attribute__((vector_size(16)));
typedef uint32_t port_v8w __attribute__((vector_size(32)));

SPU_TARGET
static void port_put_u8(uint8_t *dst, const uint8_t *src, size_t n)
{
	const port_v16 flip = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	};
	size_t i;

	for (i = 0; i + 16 <= n; i += 16) {
		port_v16 v;

		memcpy(&v, src + i, 16);
		v ^= flip;
		memcpy(dst + i, &v, 16);
	}
	for (; i < n; i++)
		dst[i] = src[i] ^ 0x80;
}

SPU_TARGET
static void port_put_f32(uint8_t *dst, const uint8_t *src, size_t n)
{
	const uint16_t *from = (const uint16_t *)(const void *)src;
	uint32_t *to = (uint32_t *)(void *)dst;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		port_v8h h;
		port_v8w w;

		memcpy(&h, from + i, 16);
		w = __builtin_convertvector(h, port_v8w) << 16;
		memcpy(to + i, &w, 32);
	}
	for (; i < n; i++)
		to[i] = (uint32_t)from[i] << 16;
}

SPU_TARGET
static int8_t port_sat8(int64_t v)
{
	return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

SPU_TARGET
static void port_epi_i8(const struct spu_tile *t, const int32_t acc[][SPU_LANES])
{
	const struct spu_chan *ch = t->chan;
	uint32_t r, i;

	for (r = 0; r < t->rows; r++) {
		int8_t *out = (int8_t *)(t->out + r * t->out_ld);
		const int8_t *res = t->res ? (const int8_t *)(t->res + r * t->res_ld) : NULL;

		for (i = 0; i < t->lanes; i++) {
			int32_t v = (int32_t)((uint32_t)acc[r][i] + (uint32_t)ch->add[i]);
			int64_t y = ((int64_t)v * ch->mult SPU_Q(i) + ch->round SPU_Q(i)) >>
				    ch->shift SPU_Q(i);

			y = port_sat8(y);
			if (res)
				y = port_sat8(y + res[i]);
			if (t->act == S4_ACT_RELU && y < 0)
				y = 0;
			out[i] = (int8_t)y;
		}
	}
}

SPU_TARGET
static void port_epi_bf16(const struct spu_tile *t, const float acc[][SPU_LANES])
{
	const struct spu_chan *ch = t->chan;
	uint32_t r, i;

	for (r = 0; r < t->rows; r++) {
		uint8_t *out = t->out + r * t->out_ld;
		const uint8_t *res = t->res ? t->res + r * t->res_ld : NULL;

		for (i = 0; i < t->lanes; i++) {
			float y = acc[r][i] * ch->scale[i] + ch->bias[i];
			uint16_t h;

			if (res) {
				memcpy(&h, res + 2 * i, 2);
				y += s4_bf16_to_f32(h);
			}
			if (t->act == S4_ACT_RELU)
				y = y < 0 ? 0.0f : y;
			else if (t->act != S4_ACT_NONE)
				y = s4_act_eval(t->act_fn, y);
			h = s4_f32_to_bf16(y);
			memcpy(out + 2 * i, &h, 2);
		}
	}
}

const struct spu_kernels SPU_KERNELS = {
	.pack = spu_pack_generic,
	.put_u8 = port_put_u8,
	.put_f32 = port_put_f32,
	.i8 = port_i8,
	.bf16 = port_bf16,
	.epi_i8 = port_epi_i8,
	.epi_bf16 = port_epi_bf16,
};
