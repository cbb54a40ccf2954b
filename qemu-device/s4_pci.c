/*
 * Moffett S4 sparse inference card, PCIe device.
 *
 * A thin shell: the card itself (registers, queues, MMU, engines) is the
 * plain-C model under model/; this file wires it to PCI BARs, MSI-X, DMA,
 * a bottom half and a timer that run its queues, and QEMU's logging.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "qom/object.h"

#include "model/s4_card.h"
#include "s4_regs.h"

#define TYPE_S4_PCI "s4"
OBJECT_DECLARE_SIMPLE_TYPE(S4PciState, S4_PCI)

struct S4PciState {
	PCIDevice parent_obj;

	MemoryRegion regs;
	MemoryRegion mem;
	QEMUBH *run_bh;		/* s4_card_run() soon */
	QEMUTimer *run_timer;	/* s4_card_run() after a delay */
	struct s4_card *card;

	uint64_t mem_size;
	uint32_t queues;
};

static void s4_pci_irq(void *opaque, unsigned int vector)
{
	PCIDevice *pdev = PCI_DEVICE(opaque);

	if (msix_enabled(pdev))
		msix_notify(pdev, vector);
}

static int s4_pci_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return pci_dma_read(PCI_DEVICE(opaque), addr, buf, len) ? -1 : 0;
}

static int s4_pci_dma_write(void *opaque, uint64_t addr, const void *buf,
			    size_t len)
{
	return pci_dma_write(PCI_DEVICE(opaque), addr, buf, len) ? -1 : 0;
}

/*
 * The guest's stores to device memory through BAR2 go straight to RAM; dirty
 * logging (DIRTY_MEMORY_VGA, on from realize) marks the pages they touched.
 * Snapshots cover whole bitmap words (S4_PCI_DIRTY_ALIGN, relative to the
 * RAM block, which starts word-aligned): ask for exactly those, so that no
 * other page's dirty bit is cleared unreported.
 */
#define S4_PCI_DIRTY_PAGE	4096u
#define S4_PCI_DIRTY_ALIGN	(64u * S4_PCI_DIRTY_PAGE)

static void s4_pci_mem_sync(void *opaque, uint64_t off, uint64_t len)
{
	S4PciState *s = opaque;
	uint64_t first = QEMU_ALIGN_DOWN(off, S4_PCI_DIRTY_ALIGN);
	uint64_t last = MIN(QEMU_ALIGN_UP(off + len, S4_PCI_DIRTY_ALIGN), s->mem_size);
	DirtyBitmapSnapshot *snap;
	uint64_t a;

	snap = memory_region_snapshot_and_clear_dirty(&s->mem, first, last - first,
						      DIRTY_MEMORY_VGA);
	if (memory_region_snapshot_get_dirty(&s->mem, snap, first, last - first))
		for (a = first; a < last; a += S4_PCI_DIRTY_PAGE)
			if (memory_region_snapshot_get_dirty(&s->mem, snap, a,
							     S4_PCI_DIRTY_PAGE))
				s4_card_mem_written(s->card, a, S4_PCI_DIRTY_PAGE);
	g_free(snap);
}

/* Called from the main loop, with the BQL held. */
static void s4_pci_run(void *opaque)
{
	S4PciState *s = opaque;

	s4_card_run(s->card);
}

static void s4_pci_schedule(void *opaque, uint64_t delay_ns)
{
	S4PciState *s = opaque;

	if (!delay_ns)
		qemu_bh_schedule(s->run_bh);
	else
		timer_mod(s->run_timer,
			  qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + delay_ns);
}

/* The card's clock is the guest's virtual clock: it stops while the VM does. */
static uint64_t s4_pci_clock_ns(void *opaque)
{
	return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void s4_pci_guest_error(void *opaque, const char *msg)
{
	qemu_log_mask(LOG_GUEST_ERROR, "%s\n", msg);
}

static uint64_t s4_pci_regs_read(void *opaque, hwaddr addr, unsigned size)
{
	S4PciState *s = opaque;

	return s4_card_reg_read(s->card, addr);
}

static void s4_pci_regs_write(void *opaque, hwaddr addr, uint64_t val,
			      unsigned size)
{
	S4PciState *s = opaque;

	s4_card_reg_write(s->card, addr, val);
}

static const MemoryRegionOps s4_pci_regs_ops = {
	.read = s4_pci_regs_read,
	.write = s4_pci_regs_write,
	.endianness = DEVICE_LITTLE_ENDIAN,
	.valid = {
		.min_access_size = 4,
		.max_access_size = 4,
		.unaligned = false,
	},
	.impl = {
		.min_access_size = 4,
		.max_access_size = 4,
	},
};

static void s4_pci_free_card(S4PciState *s)
{
	qemu_bh_delete(s->run_bh);
	s->run_bh = NULL;
	timer_free(s->run_timer);
	s->run_timer = NULL;
	s4_card_free(s->card);
	s->card = NULL;
}

static void s4_pci_realize(PCIDevice *pdev, Error **errp)
{
	S4PciState *s = S4_PCI(pdev);
	struct s4_card_config cfg = {
		.mem_size = s->mem_size,
		.queues_per_ss = s->queues,
	};
	struct s4_card_host host = {
		.opaque = s,
		.irq = s4_pci_irq,
		.guest_error = s4_pci_guest_error,
		.dma_read = s4_pci_dma_read,
		.dma_write = s4_pci_dma_write,
		.schedule = s4_pci_schedule,
		.clock_ns = s4_pci_clock_ns,
		.mem_sync = s4_pci_mem_sync,
	};
	unsigned int nvec = S4_MSIX_COUNT(s->queues);
	unsigned int i;

	if (s->mem_size < 64 * MiB || !is_power_of_2(s->mem_size)) {
		error_setg(errp, "s4: mem-size must be a power of two >= 64M");
		return;
	}
	if (s->queues < 1 || s->queues > S4_MAX_QUEUES_PER_SS) {
		error_setg(errp, "s4: queues must be 1..%d", S4_MAX_QUEUES_PER_SS);
		return;
	}
	if (!memory_region_init_ram(&s->mem, OBJECT(s), "s4-mem", s->mem_size,
				    errp))
		return;
	memory_region_set_log(&s->mem, true, DIRTY_MEMORY_VGA);
	cfg.mem = memory_region_get_ram_ptr(&s->mem);
	s->card = s4_card_new(&cfg, &host);
	if (!s->card) {
		error_setg(errp, "s4: cannot create the card model");
		return;
	}
	s->run_bh = qemu_bh_new_guarded(s4_pci_run, s,
					&DEVICE(s)->mem_reentrancy_guard);
	s->run_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, s4_pci_run, s);

	pci_config_set_interrupt_pin(pdev->config, 1);
	if (pcie_endpoint_cap_init(pdev, 0x80) < 0) {
		error_setg(errp, "s4: cannot add the PCIe capability");
		goto free_card;
	}

	memory_region_init_io(&s->regs, OBJECT(s), &s4_pci_regs_ops, s,
			      "s4-regs", S4_REGS_SIZE);
	pci_register_bar(pdev, S4_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY,
			 &s->regs);

	pci_register_bar(pdev, S4_BAR_MEM,
			 PCI_BASE_ADDRESS_SPACE_MEMORY |
			 PCI_BASE_ADDRESS_MEM_TYPE_64 |
			 PCI_BASE_ADDRESS_MEM_PREFETCH, &s->mem);

	if (msix_init_exclusive_bar(pdev, nvec, S4_BAR_MSIX, errp))
		goto free_card;
	for (i = 0; i < nvec; i++)
		msix_vector_use(pdev, i);
	return;

free_card:
	s4_pci_free_card(s);
}

static void s4_pci_exit(PCIDevice *pdev)
{
	S4PciState *s = S4_PCI(pdev);

	msix_uninit_exclusive_bar(pdev);
	s4_pci_free_card(s);
}

static void s4_pci_reset(DeviceState *dev)
{
	S4PciState *s = S4_PCI(dev);

	s4_card_reset(s->card);
}

static const Property s4_pci_properties[] = {
	DEFINE_PROP_SIZE("mem-size", S4PciState, mem_size, 4 * GiB),
	DEFINE_PROP_UINT32("queues", S4PciState, queues, 2),
};

static void s4_pci_class_init(ObjectClass *klass, void *data)
{
	DeviceClass *dc = DEVICE_CLASS(klass);
	PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

	k->realize = s4_pci_realize;
	k->exit = s4_pci_exit;
	k->vendor_id = S4_PCI_VENDOR_ID;
	k->device_id = S4_PCI_DEVICE_ID;
	k->revision = S4_PCI_REVISION;
	k->class_id = S4_PCI_CLASS;
	k->subsystem_vendor_id = S4_PCI_VENDOR_ID;
	k->subsystem_id = S4_PCI_DEVICE_ID;
	dc->desc = "Moffett S4 sparse inference card";
	device_class_set_legacy_reset(dc, s4_pci_reset);
	device_class_set_props(dc, s4_pci_properties);
	set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo s4_pci_info = {
	.name = TYPE_S4_PCI,
	.parent = TYPE_PCI_DEVICE,
	.instance_size = sizeof(S4PciState),
	.class_init = s4_pci_class_init,
	.interfaces = (InterfaceInfo[]) {
		{ INTERFACE_PCIE_DEVICE },
		{ },
	},
};

static void s4_pci_register_types(void)
{
	type_register_static(&s4_pci_info);
}

type_init(s4_pci_register_types)
