// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: activation-table blobs (as they come from a firmware
 * image) through the engine's loader, then every function evaluated at a few
 * points of the input when the blob is accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "s4_act_gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct s4_act_tables base;
	static struct s4_act_fn fns[S4_ACT_NUM_FUNCS];
	struct s4_act_tables *t = malloc(sizeof(*t));
	size_t off, i;

	if (!t)
		abort();
	if (!base.magic)
		s4_act_gen_tables(&base);
	/* Input = (offset, bytes) patches over a valid blob, or a raw blob. */
	memcpy(t, &base, sizeof(*t));
	for (i = 0; i + 4 <= size; i += 4) {
		off = ((size_t)data[i] | (size_t)data[i + 1] << 8) * 4 % sizeof(*t);
		memcpy((uint8_t *)t + off, data + i + 2, 2);
	}
	if (!s4_act_unpack(fns, t, sizeof(*t))) {
		for (i = 1; i < S4_ACT_NUM_FUNCS; i++) {
			float x;

			for (off = 0; off + 4 <= size && off < 64; off += 4) {
				memcpy(&x, data + off, 4);
				(void)s4_act_eval(&fns[i], x);
			}
		}
	}
	(void)s4_act_unpack(fns, data, size);
	free(t);
	return 0;
}
