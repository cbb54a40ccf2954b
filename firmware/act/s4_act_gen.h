/* SPDX-License-Identifier: MIT */
/* Generator of the activation engine tables (s4_act.h), host C with libm. */
#ifndef S4_ACT_GEN_H
#define S4_ACT_GEN_H

#include "s4_act.h"

/* Fill *t with the tables of every enum s4_act_func. */
void s4_act_gen_tables(struct s4_act_tables *t);

#endif /* S4_ACT_GEN_H */
