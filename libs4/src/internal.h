/* SPDX-License-Identifier: MIT */
/* libs4 internals shared by its source files; not installed. */
#ifndef S4_INTERNAL_H
#define S4_INTERNAL_H

#include "s4/s4.h"

struct s4_device {
	int fd;
};

/* drmIoctl() with the result as 0 or a negative errno. */
int s4_ioctl(const struct s4_device *dev, unsigned long request, void *arg);

#endif /* S4_INTERNAL_H */
