/* SPDX-License-Identifier: MIT */
/*
 * Activation engine tables. Every activation-engine function is evaluated
 * from a piecewise-quadratic table, after an optional range reduction done
 * with exponent arithmetic (what the engine's hardware does too):
 *
 *   reduce     input x -> table variable u          result
 *   NONE       u = x                                y = p(u)
 *   EXP2       x*log2(e) = n + u, u in [0, 1)       y = p(u) * 2^n
 *   LOG        |x| = 2^n * u, u in [0.75, 1.5)      y = p(u) + n*ln(2)
 *   RECIP      |x| = 2^n * u, u in [1, 2)           y = sign(x) p(u) * 2^-n
 *   RSQRT      x = 2^2n * u, u in [1, 4)            y = p(u) * 2^-n
 *
 * p(u) on [lo, hi) uses nseg uniform segments of width w = (hi - lo) / nseg
 * (a power of two, lo a multiple of w, so segment starts are exact); segment
 * i = floor((u - lo) / w) holds c0 + c1 t + c2 t^2 with t = u - (lo + i w).
 * Outside [lo, hi) (reduce NONE only): y = below_slope * x + below_icpt for
 * x < lo, y = above_slope * x + above_icpt for x >= hi. For |x| < center_r the
 * centre polynomial q0 + q1 x + q2 x^2 is used instead (keeps the relative
 * error bounded near a zero of the function). NaN in gives NaN out; IEEE
 * special cases of exp/log/reciprocal/rsqrt (+-0, inf, negative) follow
 * IEEE 754 / libm (e.g. rsqrt(-0) = -inf, log(-1) = NaN).
 *
 * The blob is struct s4_act_tables verbatim: all fields are little-endian
 * 32-bit words, floats stored as IEEE-754 binary32 bit patterns.
 *
 * Measured max error of the generated tables (firmware/act/act_gen.c,
 * evaluated in fp32 by the engine) against libm in double, over dense fp32
 * sweeps of 2^20 + 1 points per range (tests/engine/test_ops.c asserts
 * <= 2^-8; error = |y - f| / max(|f|, floor)):
 *
 *   function   range swept                  floor    max error
 *   relu       [-64, 64]                    2^-20    0
 *   gelu       [-16, 16]                    2^-10    5.8e-5  (2^-14.1)
 *   gelu       [2^-30, 2^-2] geometric      2^-40    1.1e-5  (2^-16.5)
 *   sigmoid    [-32, 32]                    2^-10    1.2e-4  (2^-13.1)
 *   tanh       [-16, 16]                    2^-20    2.4e-4  (2^-12.0)
 *   tanh       [2^-30, 2^-2] geometric      2^-40    2.4e-4  (2^-12.0)
 *   exp        [-80, 80]                    2^-20    3.8e-6  (2^-18.0)
 *   log        [2^-30, 2^30] geometric      2^-20    3.0e-6  (2^-18.4)
 *   log        [0.5, 2]                     2^-40    1.4e-5  (2^-16.2)
 *   reciprocal [2^-30, 2^30], both signs    2^-20    2.2e-7  (2^-22.1)
 *   rsqrt      [2^-30, 2^30]                2^-20    4.7e-7  (2^-21.0)
 *
 * Through S4_OP_ACT on every bf16 input, table error plus bf16 output
 * rounding (itself up to 2^-8) stays below 2^-8 + 2^-9 (measured 3.9e-3).
 * The floors exclude the tails where the true result is below bf16
 * resolution relative to the function's scale (sigmoid and gelu towards
 * -inf).
 */
#ifndef S4_ACT_H
#define S4_ACT_H

#include "s4_types.h"

enum s4_act_func {
	S4_ACT_NONE = 0,	/* identity (epilogues only) */
	S4_ACT_RELU = 1,
	S4_ACT_GELU = 2,	/* exact (erf) GELU */
	S4_ACT_SIGMOID = 3,
	S4_ACT_TANH = 4,
	S4_ACT_EXP = 5,
	S4_ACT_LOG = 6,
	S4_ACT_RECIP = 7,
	S4_ACT_RSQRT = 8,
	S4_ACT_NUM_FUNCS = 9,
};

enum s4_act_reduce {
	S4_ACT_REDUCE_NONE = 0,
	S4_ACT_REDUCE_EXP2 = 1,
	S4_ACT_REDUCE_LOG = 2,
	S4_ACT_REDUCE_RECIP = 3,
	S4_ACT_REDUCE_RSQRT = 4,
};

#define S4_ACT_MAGIC		0x54413453u	/* "S4AT" */
#define S4_ACT_VERSION		1u
#define S4_ACT_MAX_SEGS		256u

/* One function's table; slot S4_ACT_NONE of the blob is all zero. */
struct s4_act_table {
	uint32_t func;		/* enum s4_act_func, == slot number */
	uint32_t reduce;	/* enum s4_act_reduce */
	uint32_t nseg;		/* 1..S4_ACT_MAX_SEGS */
	uint32_t lo;		/* fp32 bits */
	uint32_t hi;		/* fp32 bits, > lo */
	uint32_t below_slope;	/* fp32 bits */
	uint32_t below_icpt;
	uint32_t above_slope;
	uint32_t above_icpt;
	uint32_t center_r;	/* fp32 bits, >= 0; 0 = no centre polynomial */
	uint32_t center[3];	/* fp32 bits: q0, q1, q2 */
	uint32_t rsvd[3];
	uint32_t coef[S4_ACT_MAX_SEGS][3];	/* fp32 bits: c0, c1, c2 */
};
S4_STATIC_ASSERT(sizeof(struct s4_act_table) == 64 + 12 * S4_ACT_MAX_SEGS,
		 "s4_act_table size");

struct s4_act_tables {
	uint32_t magic;		/* S4_ACT_MAGIC */
	uint32_t version;	/* S4_ACT_VERSION */
	uint32_t size;		/* sizeof(struct s4_act_tables) */
	uint32_t nfuncs;	/* S4_ACT_NUM_FUNCS */
	struct s4_act_table fn[S4_ACT_NUM_FUNCS];
};
S4_STATIC_ASSERT(sizeof(struct s4_act_tables) ==
		 16 + S4_ACT_NUM_FUNCS * sizeof(struct s4_act_table),
		 "s4_act_tables size");

#endif /* S4_ACT_H */
