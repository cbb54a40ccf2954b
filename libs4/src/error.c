// SPDX-License-Identifier: MIT
#include <string.h>

#include "s4/s4.h"
#include "s4_regs.h"

const char *s4_strerror(int err)
{
	if (err >= 0)
		return "success";
	return strerror(-err);
}

const char *s4_card_strerror(uint32_t card_err)
{
	static const char *const text[] = {
		[S4_ERR_NONE] = "no error",
		[S4_ERR_BAD_REG] = "write to an undefined or read-only register",
		[S4_ERR_BAD_VALUE] = "register written with an invalid value",
		[S4_ERR_BAD_PACKET] = "malformed command packet",
		[S4_ERR_BAD_OPCODE] = "unknown command packet opcode",
		[S4_ERR_BAD_ARG] = "command packet field out of range",
		[S4_ERR_MMU_FAULT] = "access outside the job's address space",
		[S4_ERR_TIMEOUT] = "job exceeded its time budget",
		[S4_ERR_RESET] = "job aborted by a card reset",
		[S4_ERR_BAD_DESC] = "malformed job descriptor",
	};

	if (card_err < sizeof(text) / sizeof(text[0]) && text[card_err])
		return text[card_err];
	return "unknown card error";
}
