// SPDX-License-Identifier: MIT
#include <string.h>

#include "s4/s4.h"

const char *s4_strerror(int err)
{
	if (err >= 0)
		return "success";
	return strerror(-err);
}
