/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moffett S4: MSI-X vectors and interrupt handlers.
 */
#ifndef __S4_IRQ_H__
#define __S4_IRQ_H__

#include "s4_drv.h"

int s4_irq_init(struct s4_device *sdev);

#endif /* __S4_IRQ_H__ */
