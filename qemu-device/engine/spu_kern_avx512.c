// SPDX-License-Identifier: MIT
/*
 * AVX-512 SPU kernels. Sparse INT8: each row's window of A sits in one or
 * two registers; a permute (vpermb / vpermt2b) gathers every lane's group of
 * A bytes, which vpdpbusd multiplies with the lanes' weights. A window serves
 * the steps of up to three lane groups, whose index and weight vectors serve
 * PASS_ROWS rows. Sparse fp32: the outer-product kernel (or the vpermt2ps
 * gather form where it cannot be used). Dense: A is broadcast.
 */
#include <immintrin.h>
#include <string.h>

#include "spu_kern.h"

#define AVX512_TARGET \
	__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,avx512vnni")))
/* A helper the epilogues' inner code must have inlined. */
#define AVX512_INLINE	AVX512_TARGET static inline __attribute__((always_inline))

#define FOR_ROWS(r) _Pragma("GCC unroll 8") for (r = 0; r < SPU_ROWS; r++)

/* Lane groups per call of the dense and INT8 sparse kernels, at most. */
#define AVX512_PAIR_GROUPS	3

/* Gather + multiply-accumulate of one row, per element type and window. */
#define GATHER_1(lo, hi, idx)	_mm512_permutexvar_epi8(idx, lo)
#define GATHER_2(lo, hi, idx)	_mm512_permutex2var_epi8(lo, idx, hi)
#define MAC_I8(acc, x, wt)	_mm512_dpbusd_epi32(acc, x, wt)

/*
 * One INT8 sparse kernel: nregs registers of A per row and window, NG lane
 * groups per call (panels p->pair_stride bytes apart, accumulators
 * acc[gi * SPU_ROWS + r]). Rows go PASS_ROWS at a time so that a row's
 * window, loaded once, serves the steps of all NG groups.
 */
#define PASS_ROWS	4u
#define FOR_PASS(r) _Pragma("GCC unroll 4") for (r = 0; r < PASS_ROWS; r++)
#define FOR_NG(gi, NG) _Pragma("GCC unroll 3") for (gi = 0; gi < NG; gi++)

#define DEFINE_KERNEL(name, nregs, NG)						\
AVX512_TARGET									\
static void name(const uint8_t *a, size_t a_ld, const struct spu_panel *p,	\
		 int32_t acc[][SPU_LANES])					\
{										\
	size_t pair = p->pair_stride;						\
	uint32_t h, w, q, r, gi;						\
										\
	for (h = 0; h < SPU_ROWS; h += PASS_ROWS) {				\
		__m512i sum[NG][PASS_ROWS], lo[PASS_ROWS], hi[PASS_ROWS];	\
		const uint8_t *step = p->steps, *ar = a + h * a_ld;		\
										\
		FOR_NG(gi, NG)							\
			FOR_PASS(r)						\
				sum[gi][r] = p->accumulate ?			\
					_mm512_loadu_si512(acc[gi * SPU_ROWS + h + r]) : \
					_mm512_setzero_si512();			\
		for (w = 0; w < p->nwin; w++, ar += nregs * SPU_VEC_BYTES) {	\
			FOR_PASS(r) {						\
				lo[r] = _mm512_loadu_si512(ar + r * a_ld);	\
				hi[r] = nregs == 2 ?				\
					_mm512_loadu_si512(ar + r * a_ld + SPU_VEC_BYTES) : lo[r]; \
			}							\
			for (q = 0; q < p->nstep; q++, step += 2 * SPU_VEC_BYTES) { \
				FOR_NG(gi, NG) {				\
					__m512i idx = _mm512_loadu_si512(step + gi * pair); \
					__m512i wt = _mm512_loadu_si512(step + gi * pair + SPU_VEC_BYTES); \
										\
					FOR_PASS(r)				\
						sum[gi][r] = MAC_I8(sum[gi][r],	\
							GATHER_##nregs(lo[r], hi[r], idx), wt); \
				}						\
			}							\
		}								\
		FOR_NG(gi, NG)							\
			FOR_PASS(r)						\
				_mm512_storeu_si512(acc[gi * SPU_ROWS + h + r], sum[gi][r]); \
		(void)hi;	/* unused by one-register windows */		\
	}									\
}

DEFINE_KERNEL(avx512_i8_w64_g1, 1, 1)
DEFINE_KERNEL(avx512_i8_w64_g2, 1, 2)
DEFINE_KERNEL(avx512_i8_w64_g3, 1, 3)
DEFINE_KERNEL(avx512_i8_w128_g1, 2, 1)
DEFINE_KERNEL(avx512_i8_w128_g2, 2, 2)
DEFINE_KERNEL(avx512_i8_w128_g3, 2, 3)

/*
 * Dense panels need no gather: step q of a window covers the same k of
 * every lane, so each row's group is one broadcast. MAC(acc, a, wt) with a
 * the broadcast 4 bytes of A. A window's steps take its 64 bytes of A in
 * order, 4 bytes each, so a call's steps walk each row of A contiguously.
 * NG lane groups (panels p->pair_stride bytes apart) per call: SPU_ROWS x
 * NG accumulators.
 */
#define DEFINE_DENSE_KERNEL(name, acc_t, vec_t, ZERO, LOAD, STORE, BCAST, MAC, grp_bytes, NG) \
AVX512_TARGET									\
static void name(const uint8_t *a, size_t a_ld, const struct spu_panel *p,	\
		 acc_t acc[][SPU_LANES])				\
{										\
	vec_t sum[NG][SPU_ROWS];						\
	const uint8_t *step = p->steps, *ar[SPU_ROWS];				\
	size_t pair = p->pair_stride;						\
	size_t q, nsteps = (size_t)p->nwin * p->nstep;				\
	uint32_t r, gi;								\
										\
	FOR_ROWS(r) {								\
		ar[r] = a + r * a_ld;						\
		_Pragma("GCC unroll 3") for (gi = 0; gi < NG; gi++)		\
			sum[gi][r] = p->accumulate ? LOAD(acc[gi * SPU_ROWS + r]) : ZERO(); \
	}									\
	for (q = 0; q < nsteps; q++, step += SPU_VEC_BYTES) {			\
		vec_t wt[NG];							\
										\
		_Pragma("GCC unroll 3") for (gi = 0; gi < NG; gi++)		\
			wt[gi] = LOAD(step + gi * pair);			\
		FOR_ROWS(r) {							\
			vec_t x = BCAST(ar[r] + grp_bytes * q);			\
										\
			_Pragma("GCC unroll 3") for (gi = 0; gi < NG; gi++)	\
				sum[gi][r] = MAC(sum[gi][r], x, wt[gi]);	\
		}								\
	}									\
	FOR_ROWS(r)								\
		_Pragma("GCC unroll 3") for (gi = 0; gi < NG; gi++)		\
			STORE(acc[gi * SPU_ROWS + r], sum[gi][r]);		\
}

/* SPU_SPARSE_F32: one-block windows of 32 fp32 in two registers. */
AVX512_TARGET
static void avx512_f32_sparse(const uint8_t *a, size_t a_ld, const struct spu_panel *p,
			      float acc[][SPU_LANES])
{
	__m512 sum[SPU_ROWS], lo[SPU_ROWS], hi[SPU_ROWS];
	const uint8_t *step = p->steps;
	uint32_t w, q, r;

	FOR_ROWS(r)
		sum[r] = p->accumulate ? _mm512_loadu_ps(acc[r]) : _mm512_setzero_ps();
	for (w = 0; w < p->nwin; w++, a += 2 * SPU_VEC_BYTES) {
		FOR_ROWS(r) {
			lo[r] = _mm512_loadu_ps(a + r * a_ld);
			hi[r] = _mm512_loadu_ps(a + r * a_ld + SPU_VEC_BYTES);
		}
		for (q = 0; q < p->nstep; q++, step += 2 * SPU_VEC_BYTES) {
			__m512i idx = _mm512_loadu_si512(step);
			__m512 wt = _mm512_loadu_ps(step + SPU_VEC_BYTES);

			FOR_ROWS(r)
				sum[r] = _mm512_fmadd_ps(_mm512_permutex2var_ps(lo[r], idx, hi[r]),
							 wt, sum[r]);
		}
	}
	FOR_ROWS(r)
		_mm512_storeu_ps(acc[r], sum[r]);
}

/*
 * Outer-product sparse fp32: NC channels at a time, SPU_OUTER_MT / 16
 * accumulators of 16 rows each per channel; an entry is one broadcast and
 * MT / 16 FMAs with the tile's row loaded straight from memory. Several
 * channels give the FMAs independent chains to hide load latency. One call
 * walks all channel groups, so that a group's accumulators load while the
 * previous group's FMAs finish.
 */
#define OUTER_V		(SPU_OUTER_MT / 16)
#define OUTER_NC	3u
#define FOR_V(v) _Pragma("GCC unroll 4") for (v = 0; v < OUTER_V; v++)

/* Channels [c, c + NC) of o into acc[c..]: NC accumulators x OUTER_V. */
#define OUTER_GROUP(NC)								\
	for (; c + (NC) <= o->nch; c += (NC)) {					\
		const uint32_t *off = o->off + c * o->stride;			\
		const float *wv = o->val + c * o->stride;			\
		float *out = acc[c];						\
		__m512 sum[NC][OUTER_V];					\
										\
		_Pragma("GCC unroll 4") for (i = 0; i < (NC); i++)		\
			FOR_V(v)						\
				sum[i][v] = o->accumulate ?			\
					_mm512_loadu_ps(out + i * SPU_OUTER_MT + 16 * v) : \
					_mm512_setzero_ps();			\
		for (j = 0; j < o->nnz; j++) {					\
			_Pragma("GCC unroll 4") for (i = 0; i < (NC); i++) {	\
				const uint8_t *row = at + off[i * o->stride + j]; \
				__m512 b = _mm512_set1_ps(wv[i * o->stride + j]); \
										\
				FOR_V(v)					\
					sum[i][v] = _mm512_fmadd_ps(		\
						_mm512_loadu_ps(row + 64 * v), b, sum[i][v]); \
			}							\
		}								\
		_Pragma("GCC unroll 4") for (i = 0; i < (NC); i++)		\
			FOR_V(v)						\
				_mm512_storeu_ps(out + i * SPU_OUTER_MT + 16 * v, sum[i][v]); \
	}

AVX512_TARGET
static void avx512_outer_f32(const uint8_t *at, const struct spu_outer *o,
			     float acc[][SPU_OUTER_MT])
{
	uint32_t c = 0, i, j, v;

	OUTER_GROUP(OUTER_NC)
	OUTER_GROUP(1)
}

AVX512_TARGET
static void avx512_put_u8(uint8_t *dst, const uint8_t *src, size_t n)
{
	const __m512i flip = _mm512_set1_epi8((char)0x80);
	size_t i;

	for (i = 0; i + 64 <= n; i += 64)
		_mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(src + i), flip));
	if (i < n) {
		__mmask64 m = (1ull << (n - i)) - 1;	/* n - i < 64 */

		_mm512_mask_storeu_epi8(dst + i, m,
					_mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), flip));
	}
}

AVX512_TARGET
static void avx512_put_f32(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 16) {
		__mmask16 m = n - i >= 16 ? 0xffff : (__mmask16)((1u << (n - i)) - 1);
		__m256i h = _mm256_maskz_loadu_epi16(m, src + 2 * i);

		_mm512_mask_storeu_epi32(dst + 4 * i, m,
					 _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
	}
}

/* 16 fp32 registers transposed in place (see avx512_transpose16). */
AVX512_TARGET
static void transpose16_regs(__m512 r[16])
{
	__m512 t[16];
	uint32_t i, c;

	_Pragma("GCC unroll 8") for (i = 0; i < 8; i++) {
		t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
	}
	_Pragma("GCC unroll 4") for (i = 0; i < 4; i++) {
		__m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
		__m512d x = _mm512_castps_pd(t[4 * i + 2]), y = _mm512_castps_pd(t[4 * i + 3]);

		t[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, x));
		t[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, x));
		t[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, y));
		t[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, y));
	}
	/* t[4 i + c], 128-bit lane l: rows 4 i .. 4 i + 3 of column 4 l + c */
	_Pragma("GCC unroll 4") for (c = 0; c < 4; c++) {
		__m512 v = _mm512_shuffle_f32x4(t[c], t[4 + c], 0x88);
		__m512 w = _mm512_shuffle_f32x4(t[c], t[4 + c], 0xdd);
		__m512 x = _mm512_shuffle_f32x4(t[8 + c], t[12 + c], 0x88);
		__m512 y = _mm512_shuffle_f32x4(t[8 + c], t[12 + c], 0xdd);

		r[c] = _mm512_shuffle_f32x4(v, x, 0x88);
		r[4 + c] = _mm512_shuffle_f32x4(w, y, 0x88);
		r[8 + c] = _mm512_shuffle_f32x4(v, x, 0xdd);
		r[12 + c] = _mm512_shuffle_f32x4(w, y, 0xdd);
	}
}

AVX512_TARGET
static void avx512_transpose16(const float *src, size_t src_ld, float *dst, size_t dst_ld)
{
	__m512 r[16];
	uint32_t i;

	_Pragma("GCC unroll 16") for (i = 0; i < 16; i++)
		r[i] = _mm512_loadu_ps(src + i * src_ld);
	transpose16_regs(r);
	_Pragma("GCC unroll 16") for (i = 0; i < 16; i++)
		_mm512_storeu_ps(dst + i * dst_ld, r[i]);
}

AVX512_TARGET
static void avx512_outer_pack_a(const uint16_t *const rows[16], uint32_t k, uint32_t kpad,
				float *at)
{
	uint32_t k0, i;

	for (k0 = 0; k0 < kpad; k0 += 16, at += 16 * SPU_OUTER_MT) {
		__mmask16 m = k0 >= k ? 0 : k - k0 >= 16 ? 0xffff : (__mmask16)((1u << (k - k0)) - 1);
		__m512 r[16];

		_Pragma("GCC unroll 16") for (i = 0; i < 16; i++) {
			__m256i h = rows[i] ? _mm256_maskz_loadu_epi16(m, rows[i] + k0)
					    : _mm256_setzero_si256();

			r[i] = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
		}
		transpose16_regs(r);
		_Pragma("GCC unroll 16") for (i = 0; i < 16; i++)
			_mm512_storeu_ps(at + i * SPU_OUTER_MT, r[i]);
	}
}

AVX512_TARGET
static uint32_t avx512_outer_pack_w(const uint8_t *idx, const uint8_t *val, uint32_t count,
				    uint32_t nnz_blk, uint32_t *off, float *out)
{
	__m512i iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
	__m128i sh = _mm_cvtsi32_si128(__builtin_ctz(nnz_blk));
	__m512i bits = _mm512_setzero_si512();
	uint32_t j;

	for (j = 0; j < count; j += 16) {
		__mmask16 m = count - j >= 16 ? 0xffff : (__mmask16)((1u << (count - j)) - 1);
		__m512i ix = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, idx + j));
		__m512i v = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, val + 2 * j));
		__m512i blk = _mm512_srl_epi32(_mm512_add_epi32(iota, _mm512_set1_epi32((int)j)), sh);
		__m512i k = _mm512_add_epi32(_mm512_slli_epi32(blk, 5),
					     _mm512_and_si512(ix, _mm512_set1_epi32(31)));

		bits = _mm512_or_si512(bits, ix);
		_mm512_mask_storeu_epi32(off + j, m,
					 _mm512_slli_epi32(k, __builtin_ctz(SPU_OUTER_MT * 4)));
		_mm512_mask_storeu_epi32(out + j, m, _mm512_slli_epi32(v, 16));
	}
	return (uint32_t)_mm512_reduce_or_epi32(bits);
}

AVX512_TARGET
static __m512i bcast32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return _mm512_set1_epi32(v);
}

AVX512_TARGET
static __m512 bcast_f32(const uint8_t *p)
{
	float v;

	memcpy(&v, p, 4);
	return _mm512_set1_ps(v);
}

#define LOAD_I(p)	_mm512_loadu_si512(p)
#define STORE_I(p, v)	_mm512_storeu_si512(p, v)
#define FMA_F32(acc, x, wt)	_mm512_fmadd_ps(x, wt, acc)

DEFINE_DENSE_KERNEL(avx512_i8_dense1, int32_t, __m512i, _mm512_setzero_si512, LOAD_I,
		    STORE_I, bcast32, MAC_I8, 4, 1)
DEFINE_DENSE_KERNEL(avx512_i8_dense2, int32_t, __m512i, _mm512_setzero_si512, LOAD_I,
		    STORE_I, bcast32, MAC_I8, 4, 2)
DEFINE_DENSE_KERNEL(avx512_i8_dense3, int32_t, __m512i, _mm512_setzero_si512, LOAD_I,
		    STORE_I, bcast32, MAC_I8, 4, 3)
DEFINE_DENSE_KERNEL(avx512_f32_dense1, float, __m512, _mm512_setzero_ps, _mm512_loadu_ps,
		    _mm512_storeu_ps, bcast_f32, FMA_F32, 4, 1)
DEFINE_DENSE_KERNEL(avx512_f32_dense2, float, __m512, _mm512_setzero_ps, _mm512_loadu_ps,
		    _mm512_storeu_ps, bcast_f32, FMA_F32, 4, 2)
DEFINE_DENSE_KERNEL(avx512_f32_dense3, float, __m512, _mm512_setzero_ps, _mm512_loadu_ps,
		    _mm512_storeu_ps, bcast_f32, FMA_F32, 4, 3)

AVX512_TARGET
static void avx512_i8(const uint8_t *a, size_t a_ld, const struct spu_panel *p,
		      int32_t acc[][SPU_LANES])
{
	static const spu_kern_i8_fn kern[3][AVX512_PAIR_GROUPS] = {
		{ avx512_i8_dense1, avx512_i8_dense2, avx512_i8_dense3 },
		{ avx512_i8_w64_g1, avx512_i8_w64_g2, avx512_i8_w64_g3 },
		{ avx512_i8_w128_g1, avx512_i8_w128_g2, avx512_i8_w128_g3 },
	};
	unsigned int kind = p->mode == SPU_DENSE ? 0 : p->win_bytes == SPU_VEC_BYTES ? 1 : 2;

	kern[kind][p->pair](a, a_ld, p, acc);
}

AVX512_TARGET
static void avx512_bf16(const uint8_t *a, size_t a_ld, const struct spu_panel *p,
			float acc[][SPU_LANES])
{
	static const spu_kern_bf16_fn dense[AVX512_PAIR_GROUPS] = {
		avx512_f32_dense1, avx512_f32_dense2, avx512_f32_dense3,
	};

	if (p->mode == SPU_DENSE_F32)
		dense[p->pair](a, a_ld, p, acc);
	else
		avx512_f32_sparse(a, a_ld, p, acc);
}

/*
 * Dense panels (s = 1, indices in order): 16 steps of all lanes are the
 * transpose of 16 rows' next 64 bytes of values (INT8: 16 dwords of 4
 * weights; BF16: 16 bf16 widened to fp32). Rows past p->lanes and values
 * past the row are zero.
 */
AVX512_TARGET
static void avx512_pack_dense(const struct spu_pack *p, struct spu_row_stats st[SPU_LANES])
{
	uint64_t nsteps = (uint64_t)p->nwin * p->nstep, row_bytes = p->nnz_row * p->esize;
	uint64_t per = p->mode == SPU_DENSE_F32 ? 32 : 64;	/* row bytes per 16 steps */
	__m512i sum = _mm512_setzero_si512(), ones = _mm512_set1_epi8(1);
	uint32_t sum_out[SPU_LANES], l;
	uint8_t *step = p->panel;
	uint64_t s0, off;

	for (s0 = 0, off = 0; s0 < nsteps; s0 += 16, off += per, step += 16 * SPU_VEC_BYTES) {
		uint64_t left = off < row_bytes ? row_bytes - off : 0;
		__m512 r[16];
		uint32_t i;

		if (p->mode == SPU_DENSE_F32) {
			__mmask16 m = left >= 32 ? 0xffff : (__mmask16)((1u << (left / 2)) - 1);

			_Pragma("GCC unroll 16") for (i = 0; i < 16; i++) {
				__m256i h = i < p->lanes ?
					_mm256_maskz_loadu_epi16(m, p->val + i * row_bytes + off) :
					_mm256_setzero_si256();

				r[i] = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
			}
		} else {
			__mmask64 m = left >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << left) - 1;

			_Pragma("GCC unroll 16") for (i = 0; i < 16; i++)
				r[i] = _mm512_castsi512_ps(i < p->lanes ?
					_mm512_maskz_loadu_epi8(m, p->val + i * row_bytes + off) :
					_mm512_setzero_si512());
		}
		transpose16_regs(r);
		_Pragma("GCC unroll 16") for (i = 0; i < 16; i++) {
			if (p->esize == 1)
				sum = _mm512_dpbusd_epi32(sum, ones, _mm512_castps_si512(r[i]));
			if (s0 + i < nsteps)
				_mm512_storeu_ps(step + i * SPU_VEC_BYTES, r[i]);
		}
	}
	_mm512_storeu_si512(sum_out, sum);
	for (l = 0; l < p->lanes; l++) {
		st[l].index_bits = 0;	/* indices are checked by the caller */
		st[l].sum += sum_out[l];
	}
}

/*
 * Weight panel packing: one step of all 16 lanes is a 16-lane gather of
 * values at the same offset of every row (plus one of index bytes in
 * SPU_SPARSE mode). Steps where some row has fewer than 4 bytes left, and
 * partial groups, go the portable way.
 */
AVX512_TARGET
static void avx512_pack(const struct spu_pack *p, struct spu_row_stats st[SPU_LANES])
{
	uint64_t nsteps = (uint64_t)p->nwin * p->nstep, full, i;
	uint64_t val_step = p->grp * p->esize, row_bytes = p->nnz_row * p->esize, idx_full;
	__m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
	__m512i vidx, vval, bits = _mm512_setzero_si512(), sum = _mm512_setzero_si512();
	uint32_t q = 0, l, bits_out[SPU_LANES], sum_out[SPU_LANES];
	uint32_t step_bytes = spu_step_bytes(p->mode), wt_off = step_bytes - SPU_VEC_BYTES;
	uint8_t *step = p->panel;

	if (!spu_mode_sparse(p->mode)) {
		avx512_pack_dense(p, st);
		return;
	}
	if (p->lanes < SPU_LANES || row_bytes * SPU_LANES > INT32_MAX) {
		spu_pack_generic(p, st);
		return;
	}
	memset(p->panel, 0, nsteps * spu_step_bytes(p->mode));
	/* Steps whose 4-byte reads of values (and indices) stay inside every row. */
	full = row_bytes < 4 ? 0 : (row_bytes - 4) / val_step + 1;
	idx_full = p->nnz_row < 4 ? 0 : (p->nnz_row - 4) / p->grp + 1;
	if (spu_mode_sparse(p->mode) && full > idx_full)
		full = idx_full;
	if (full > nsteps)
		full = nsteps;
	vidx = _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)p->nnz_row));
	vval = _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)row_bytes));
	for (i = 0; i < full; i++, step += step_bytes) {
		__m512i val = _mm512_i32gather_epi32(vval, p->val + i * val_step, 1), raw, word;

		if (p->mode == SPU_DENSE_F32 || p->mode == SPU_SPARSE_F32)
			val = _mm512_slli_epi32(val, 16);	/* bf16 -> fp32 */
		else if (p->esize == 1)
			sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi8(1), val);
		_mm512_storeu_si512(step + wt_off, val);
		if (!spu_mode_sparse(p->mode))
			continue;
		raw = _mm512_i32gather_epi32(vidx, p->idx + i * p->grp, 1);
		if (p->mode == SPU_SPARSE_F32) {
			raw = _mm512_and_si512(raw, _mm512_set1_epi32(0xff));
			word = _mm512_and_si512(raw, _mm512_set1_epi32(0x1f));
		} else {
			word = _mm512_and_si512(raw, _mm512_set1_epi32(0x1f1f1f1f));
		}
		bits = _mm512_or_si512(bits, raw);
		if (p->mode == SPU_SPARSE)
			word = _mm512_add_epi32(word, _mm512_set1_epi32((int)p->pattern[q]));
		_mm512_storeu_si512(step, word);
		if (++q == p->nstep)
			q = 0;
	}
	_mm512_storeu_si512(bits_out, bits);
	_mm512_storeu_si512(sum_out, sum);
	for (l = 0; l < SPU_LANES; l++) {
		st[l].index_bits |= bits_out[l];
		st[l].sum += sum_out[l];
	}
	spu_pack_rows(p, 0, full, st);
}

/* (v * mult + round) >> shift, saturated to int8, for the 8 int64 lanes (v, mult: low dwords). */
AVX512_TARGET
static __m128i requant8(__m512i v, __m512i mult, __m512i round, __m512i shift)
{
	return _mm512_cvtsepi64_epi8(_mm512_srav_epi64(_mm512_add_epi64(_mm512_mul_epi32(v, mult),
									round), shift));
}

/*
 * Even and odd channels go separately, each as the low dwords of 8 qwords,
 * so that no lane needs widening: one multiply, add and shift per 8.
 */
AVX512_TARGET
static void avx512_epi_i8(const struct spu_tile *t, const int32_t acc[][SPU_LANES])
{
	const struct spu_chan *ch = t->chan;
	__mmask16 lanes = (__mmask16)((1u << t->lanes) - 1);
	__m512i add = _mm512_loadu_si512(ch->add);
	__m512i mult_e = _mm512_loadu_si512(ch->mult[0]), mult_o = _mm512_loadu_si512(ch->mult[1]);
	__m512i shift_e = _mm512_loadu_si512(ch->shift[0]);
	__m512i shift_o = _mm512_loadu_si512(ch->shift[1]);
	__m512i round_e = _mm512_loadu_si512(ch->round[0]);
	__m512i round_o = _mm512_loadu_si512(ch->round[1]);
	uint32_t r;

	for (r = 0; r < t->rows; r++) {
		__m512i v = _mm512_add_epi32(_mm512_loadu_si512(acc[r]), add);
		__m128i y = _mm_unpacklo_epi8(requant8(v, mult_e, round_e, shift_e),
					      requant8(_mm512_srli_epi64(v, 32), mult_o,
						       round_o, shift_o));

		if (t->res)
			y = _mm_adds_epi8(y, _mm_maskz_loadu_epi8(lanes, t->res + r * t->res_ld));
		if (t->act == S4_ACT_RELU)
			y = _mm_max_epi8(y, _mm_setzero_si128());
		_mm_mask_storeu_epi8(t->out + r * t->out_ld, lanes, y);
	}
}

/* fp32 -> bf16 bits in each dword's low half, round to nearest even, NaN kept (quieted). */
AVX512_INLINE __m512i to_bf16_bits(__m512 y)
{
	__m512i bits = _mm512_castps_si512(y);
	__m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
	__m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(bits,
				_mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
	__m512i quiet = _mm512_or_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
	__mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(bits, _mm512_set1_epi32(0x7fffffff)),
						_mm512_set1_epi32(0x7f800000));

	return _mm512_mask_mov_epi32(rounded, nan, quiet);
}

/* The activation of the epilogue (s4_ops.h) on 16 values. */
AVX512_INLINE __m512 epi_act(const struct spu_tile *t, __m512 y)
{
	float tmp[SPU_LANES];
	uint32_t i;

	if (t->act == S4_ACT_NONE)
		return y;
	if (t->act == S4_ACT_RELU)
		return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_LT_OQ),
					  _mm512_setzero_ps());
	_mm512_storeu_ps(tmp, y);
	for (i = 0; i < SPU_LANES; i++)
		tmp[i] = s4_act_eval(t->act_fn, tmp[i]);
	return _mm512_loadu_ps(tmp);
}

AVX512_TARGET
static void avx512_epi_bf16(const struct spu_tile *t, const float acc[][SPU_LANES])
{
	const struct spu_chan *ch = t->chan;
	__mmask16 lanes = (__mmask16)((1u << t->lanes) - 1);
	__m512 scale = _mm512_loadu_ps(ch->scale), bias = _mm512_loadu_ps(ch->bias);
	uint32_t r;

	for (r = 0; r < t->rows; r++) {
		__m512 y = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(acc[r]), scale), bias);

		if (t->res) {
			__m256i h = _mm256_maskz_loadu_epi16(lanes, t->res + r * t->res_ld);

			y = _mm512_add_ps(y, _mm512_castsi512_ps(
				_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)));
		}
		_mm256_mask_storeu_epi16(t->out + r * t->out_ld, lanes,
					 _mm512_cvtepi32_epi16(to_bf16_bits(epi_act(t, y))));
	}
}

/* Channel c of the outer-product accumulators, rows r0.., through the epilogue: bf16 dwords. */
AVX512_INLINE __m512i outer_chan_bf16(const struct spu_tile *t, const float acc[][SPU_OUTER_MT],
				      uint32_t r0, uint32_t c)
{
	__m512 y;

	if (c >= t->lanes)
		return _mm512_setzero_si512();
	y = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(acc[c] + r0),
					_mm512_set1_ps(t->chan->scale[c])),
			  _mm512_set1_ps(t->chan->bias[c]));
	return to_bf16_bits(epi_act(t, y));
}

AVX512_TARGET
static void outer_store_row(const struct spu_tile *t, uint32_t r, __m256i v)
{
	if (r < t->rows)
		_mm256_mask_storeu_epi16(t->out + r * t->out_ld, (__mmask16)((1u << t->lanes) - 1), v);
}

/*
 * Epilogue of 16 rows (r0..) of a lane group's outer-product accumulators
 * acc[channel][row]: per channel, scale and bias are scalars; the bf16
 * results of channel pairs share dwords, and an 8 x 16 dword transpose
 * gives the output rows. A residual, row-major like the output, takes the
 * row-major epilogue after an fp32 transpose.
 */
AVX512_TARGET
static void avx512_outer_epi_bf16(const struct spu_tile *t, const float acc[][SPU_OUTER_MT],
				  uint32_t r0)
{
	const __m512i rows_lo = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
	const __m512i rows_hi = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
	__m512i pk[SPU_LANES / 2], u[2][4];
	uint32_t c, h, j;

	if (t->res) {
		_Alignas(64) float tr[SPU_LANES][SPU_LANES];

		avx512_transpose16(acc[0] + r0, SPU_OUTER_MT, tr[0], SPU_LANES);
		avx512_epi_bf16(t, (const float (*)[SPU_LANES])tr);
		return;
	}
	/* pk[p], dword r: channel 2 p of row r, and 2 p + 1 in the high half */
	for (c = 0; c < SPU_LANES; c += 2)
		pk[c / 2] = _mm512_or_si512(outer_chan_bf16(t, acc, r0, c),
					    _mm512_slli_epi32(outer_chan_bf16(t, acc, r0, c + 1), 16));
	/* u[h][j], 128-bit lane l: row 4 l + j, channel pairs 4 h .. 4 h + 3 */
	for (h = 0; h < 2; h++) {
		const __m512i *s = pk + 4 * h;
		__m512i a = _mm512_unpacklo_epi32(s[0], s[1]), b = _mm512_unpackhi_epi32(s[0], s[1]);
		__m512i x = _mm512_unpacklo_epi32(s[2], s[3]), y = _mm512_unpackhi_epi32(s[2], s[3]);

		u[h][0] = _mm512_unpacklo_epi64(a, x);
		u[h][1] = _mm512_unpackhi_epi64(a, x);
		u[h][2] = _mm512_unpacklo_epi64(b, y);
		u[h][3] = _mm512_unpackhi_epi64(b, y);
	}
	for (j = 0; j < 4; j++) {
		/* lo: rows j and 4 + j; hi: rows 8 + j and 12 + j */
		__m512i lo = _mm512_permutex2var_epi64(u[0][j], rows_lo, u[1][j]);
		__m512i hi = _mm512_permutex2var_epi64(u[0][j], rows_hi, u[1][j]);

		outer_store_row(t, j, _mm512_castsi512_si256(lo));
		outer_store_row(t, 4 + j, _mm512_extracti64x4_epi64(lo, 1));
		outer_store_row(t, 8 + j, _mm512_castsi512_si256(hi));
		outer_store_row(t, 12 + j, _mm512_extracti64x4_epi64(hi, 1));
	}
}

const struct spu_kernels spu_kernels_avx512 = {
	.pair_groups = AVX512_PAIR_GROUPS,
	.outer_f32 = avx512_outer_f32,
	.outer_epi_bf16 = avx512_outer_epi_bf16,
	.outer_pack_a = avx512_outer_pack_a,
	.outer_pack_w = avx512_outer_pack_w,
	.pack = avx512_pack,
	.put_u8 = avx512_put_u8,
	.put_f32 = avx512_put_f32,
	.i8 = avx512_i8,
	.bf16 = avx512_bf16,
	.epi_i8 = avx512_epi_i8,
	.epi_bf16 = avx512_epi_bf16,
};
