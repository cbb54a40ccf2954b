/* SPDX-License-Identifier: MIT */
/*
 * Fixed-width types for the host/card interface headers, which are included by
 * the kernel driver, the QEMU device model and libs4 alike.
 */
#ifndef S4_TYPES_H
#define S4_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/build_bug.h>
#define S4_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#elif defined(__cplusplus)
#include <stdint.h>
#define S4_STATIC_ASSERT(expr, msg) static_assert(expr, msg)	/* C++11 */
#else
#include <stdint.h>
#include <assert.h>
#define S4_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

#endif /* S4_TYPES_H */
