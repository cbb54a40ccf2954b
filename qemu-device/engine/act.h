/* SPDX-License-Identifier: MIT */
/* Activation table evaluation (tables in s4_act.h format, unpacked to float). */
#ifndef S4_ENGINE_ACT_H
#define S4_ENGINE_ACT_H

#include <stdbool.h>
#include "s4_act.h"

struct s4_act_fn {
	unsigned int reduce;	/* enum s4_act_reduce */
	unsigned int nseg;
	float lo, hi, w, inv_w;
	float below_slope, below_icpt, above_slope, above_icpt;
	float center_r, center[3];
	float coef[S4_ACT_MAX_SEGS][3];
};

/* Unpack and check a blob into fns[S4_ACT_NUM_FUNCS]; 0 or -S4_ERR_BAD_VALUE. */
int s4_act_unpack(struct s4_act_fn *fns, const void *blob, size_t len);

/* Evaluate one table at x (fp32). */
float s4_act_eval(const struct s4_act_fn *fn, float x);

/* Whether func is a valid enum s4_act_func for an op that needs a table. */
static inline bool s4_act_func_valid(unsigned int func)
{
	return func > 0 && func < S4_ACT_NUM_FUNCS;
}

#endif /* S4_ENGINE_ACT_H */
