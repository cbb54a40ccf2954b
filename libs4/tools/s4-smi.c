// SPDX-License-Identifier: MIT
/*
 * s4-smi: the operators' view of the S4 cards in this machine.
 *
 *   s4-smi            one line per card
 *   s4-smi -q         every detail of every card
 *   s4-smi -i N ...   only card N
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pciaccess.h>

#include <drm/s4_accel.h>

#include "s4/s4.h"
#include "s4_regs.h"

/* What the card has done since the driver bound it (and reset it). */
struct s4_smi_activity {
	uint64_t jobs;
	uint64_t spu_problems;
	uint64_t weights_reused;
	int err;			/* from reading them */
};

struct s4_smi_card {
	struct s4_card_info card;
	struct s4_device_info info;
	struct s4_smi_activity act;
	int err;			/* from opening or querying the card */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: s4-smi [-q] [-i INDEX]\n"
		"  -q, --query        show every detail of each card\n"
		"  -i, --id INDEX     only the card with this index\n"
		"  -h, --help         this text\n");
}

static void s4_smi_load(struct s4_smi_card *c)
{
	struct s4_device *dev;

	c->err = s4_open(c->card.devnode, &dev);
	if (c->err)
		return;
	c->err = s4_device_query(dev, &c->info);
	c->act.err = s4_device_get_param(dev, DRM_S4_PARAM_JOBS, &c->act.jobs);
	if (!c->act.err)
		c->act.err = s4_device_get_param(dev, DRM_S4_PARAM_SPU_PROBLEMS,
						 &c->act.spu_problems);
	if (!c->act.err)
		c->act.err = s4_device_get_param(dev, DRM_S4_PARAM_WEIGHTS_REUSED,
						 &c->act.weights_reused);
	s4_close(dev);
}

static void s4_smi_print_activity(const struct s4_smi_activity *a)
{
	if (a->err) {
		printf("    Activity           : unavailable (%s)\n", s4_strerror(a->err));
		return;
	}
	printf("    Jobs finished      : %" PRIu64 " (since the driver bound the card)\n", a->jobs);
	printf("    SPU problems       : %" PRIu64 ", %" PRIu64 " of them on weights packed earlier",
	       a->spu_problems, a->weights_reused);
	if (a->spu_problems)
		printf(" (%.0f%%)", 100.0 * (double)a->weights_reused / (double)a->spu_problems);
	printf("\n");
}

static void s4_smi_print_table(const struct s4_smi_card *cards, int n)
{
	printf("%-5s  %-12s  %-9s  %-4s  %10s  %-10s  %s\n", "Index",
	       "PCI address", "Device", "Rev", "Memory", "Driver", "Node");
	for (int i = 0; i < n; i++) {
		const struct s4_smi_card *c = &cards[i];
		char rev[16], drv[48];

		if (c->err) {
			printf("%-5u  %-12s  %04x:%04x  error: %s\n", c->card.index,
			       c->card.pci_slot, c->card.vendor_id,
			       c->card.device_id, s4_strerror(c->err));
			continue;
		}
		snprintf(rev, sizeof(rev), "%u.%u", c->info.revision >> 8,
			 c->info.revision & 0xff);
		snprintf(drv, sizeof(drv), "%s %s", c->info.driver_name,
			 c->info.driver_version);
		printf("%-5u  %-12s  %04x:%04x  %-4s  %6" PRIu64 " MiB  %-10s  %s\n",
		       c->card.index, c->card.pci_slot, c->card.vendor_id,
		       c->info.device_id, rev, c->info.mem_size >> 20, drv,
		       c->card.devnode);
	}
}

/* PCI details straight from the bus, through libpciaccess. */
static void s4_smi_print_pci(const char *slot)
{
	unsigned int dom, bus, devn, fn;
	struct pci_device *pdev;

	if (sscanf(slot, "%x:%x:%x.%x", &dom, &bus, &devn, &fn) != 4)
		return;
	pdev = pci_device_find_by_slot(dom, bus, devn, fn);
	if (!pdev || pci_device_probe(pdev)) {
		printf("    PCI details        : unavailable (cannot read %s)\n", slot);
		return;
	}
	printf("    PCI IDs            : %04x:%04x (subsystem %04x:%04x), class %06x\n",
	       pdev->vendor_id, pdev->device_id, pdev->subvendor_id,
	       pdev->subdevice_id, pdev->device_class);
	for (int bar = 0; bar < 6; bar++) {
		const struct pci_mem_region *r = &pdev->regions[bar];

		if (!r->size)
			continue;
		printf("    BAR%d               : 0x%" PRIx64 ", %" PRIu64 " KiB%s%s (%s)\n",
		       bar, (uint64_t)r->base_addr, (uint64_t)r->size >> 10,
		       r->is_64 ? ", 64-bit" : "",
		       r->is_prefetchable ? ", prefetchable" : "",
		       bar == S4_BAR_REGS ? "registers" :
		       bar == S4_BAR_MEM ? "device memory" :
		       bar == S4_BAR_MSIX ? "MSI-X" : "other");
	}
}

static void s4_smi_print_query(const struct s4_smi_card *cards, int n,
			       int have_pci)
{
	for (int i = 0; i < n; i++) {
		const struct s4_smi_card *c = &cards[i];

		printf("Card %u\n", c->card.index);
		printf("    PCI address        : %s\n", c->card.pci_slot);
		printf("    Device node        : %s\n", c->card.devnode);
		if (c->err) {
			printf("    Status             : error: %s\n",
			       s4_strerror(c->err));
			continue;
		}
		printf("    Device ID          : 0x%04x\n", c->info.device_id);
		printf("    Hardware revision  : %u.%u\n", c->info.revision >> 8,
		       c->info.revision & 0xff);
		printf("    Interface version  : %u\n", c->info.iface_version);
		printf("    Subsystems         : %u x %u queues\n",
		       c->info.num_subsystems, c->info.queues_per_subsystem);
		printf("    Device memory      : %" PRIu64 " MiB\n",
		       c->info.mem_size >> 20);
		printf("    Driver             : %s %s\n", c->info.driver_name,
		       c->info.driver_version);
		s4_smi_print_activity(&c->act);
		if (have_pci)
			s4_smi_print_pci(c->card.pci_slot);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "query", no_argument, NULL, 'q' },
		{ "id", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct s4_smi_card *cards;
	struct s4_card_info *infos;
	int query = 0, only = -1, n, got, opt, rc = 0, have_pci;
	char *end;

	while ((opt = getopt_long(argc, argv, "qi:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			query = 1;
			break;
		case 'i':
			only = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || only < 0) {
				fprintf(stderr, "s4-smi: -i needs a card index (0, 1, ...), not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}

	n = s4_enumerate(NULL, 0);
	if (n < 0) {
		fprintf(stderr, "s4-smi: cannot list cards: %s\n", s4_strerror(n));
		return 1;
	}
	if (n == 0) {
		fprintf(stderr, "s4-smi: no S4 card found; is the s4 driver loaded (modprobe s4) and a card present (lspci -d 1f36:)?\n");
		return 1;
	}
	if (only >= n) {
		fprintf(stderr, "s4-smi: no card %d; this machine has cards 0..%d\n",
			only, n - 1);
		return 1;
	}
	infos = calloc(n, sizeof(*infos));
	cards = calloc(n, sizeof(*cards));
	if (!infos || !cards) {
		fprintf(stderr, "s4-smi: out of memory\n");
		return 1;
	}
	got = s4_enumerate(infos, n);
	if (got < n)
		n = got < 0 ? 0 : got;	/* a card went away meanwhile */
	for (int i = 0; i < n; i++)
		cards[i].card = infos[i];
	free(infos);
	if (only >= 0) {
		cards[0] = cards[only];
		n = 1;
	}
	for (int i = 0; i < n; i++) {
		s4_smi_load(&cards[i]);
		if (cards[i].err)
			rc = 1;
	}

	printf("S4-SMI %d.%d.%d, %d card%s\n", S4_VERSION_MAJOR, S4_VERSION_MINOR,
	       S4_VERSION_PATCH, n, n == 1 ? "" : "s");
	if (query) {
		have_pci = pci_system_init() == 0;
		s4_smi_print_query(cards, n, have_pci);
		if (have_pci)
			pci_system_cleanup();
	} else {
		s4_smi_print_table(cards, n);
	}
	free(cards);
	return rc;
}
