// SPDX-License-Identifier: MIT
/*
 * Probe, enumeration, s4-smi, unbind/rebind and module reload. Set
 * S4_TEST_CARDS to the number of cards the machine must have.
 */
#include <stdint.h>
#include <sys/wait.h>

#include <drm/s4_accel.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"

#define MAX_CARDS 8

static int expected_cards(void)
{
	const char *s = getenv("S4_TEST_CARDS");

	return s ? atoi(s) : -1;
}

/* Runs a shell command, returns its output (malloc'd) and exit status. */
static char *run(const char *cmd, int *status)
{
	size_t cap = 1 << 16, len = 0, n;
	char *out = calloc(1, cap);
	FILE *p = popen(cmd, "r");

	if (!out || !p) {
		free(out);
		return NULL;
	}
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0)
		len += n;
	*status = pclose(p);
	return out;
}

static int s4_iomem_regions(void)
{
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " : s4\n"))
			n++;
	fclose(f);
	return n;
}

TEST(every_s4_pci_device_is_bound)
{
	int on_bus = s4t_count_pci_cards(0);

	ASSERT_GT(on_bus, 0);
	EXPECT_EQ(on_bus, s4t_count_pci_cards(1));
	if (expected_cards() >= 0)
		EXPECT_EQ(expected_cards(), on_bus);
}

TEST(libs4_enumerates_every_card)
{
	struct s4_card_info cards[MAX_CARDS];
	int n = s4_enumerate(cards, MAX_CARDS);

	ASSERT_EQ(s4t_count_pci_cards(1), n);
	for (int i = 0; i < n; i++) {
		EXPECT_EQ(i, cards[i].index);
		EXPECT_EQ(S4_PCI_VENDOR_ID, cards[i].vendor_id);
		EXPECT_EQ(S4_PCI_DEVICE_ID, cards[i].device_id);
		EXPECT_EQ(0, access(cards[i].devnode, R_OK | W_OK));
		if (i)
			EXPECT_LT(0, strcmp(cards[i].pci_slot, cards[i - 1].pci_slot));
	}
	/* Asking for fewer entries still reports how many there are. */
	EXPECT_EQ(n, s4_enumerate(cards, 1));
	EXPECT_EQ(n, s4_enumerate(NULL, 0));
	EXPECT_EQ(-EINVAL, s4_enumerate(NULL, 1));
}

TEST(open_index_past_the_last_card_is_enodev)
{
	struct s4_device *dev = NULL;

	EXPECT_EQ(-ENODEV, s4_open_index(s4_enumerate(NULL, 0), &dev));
	EXPECT_EQ(NULL, dev);
}

TEST(s4_smi_lists_every_card)
{
	struct s4_card_info cards[MAX_CARDS];
	int n = s4_enumerate(cards, MAX_CARDS), status;
	char *out = run("s4-smi", &status);

	ASSERT_GT(n, 0);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, WEXITSTATUS(status));
	for (int i = 0; i < n; i++) {
		EXPECT_NE(NULL, strstr(out, cards[i].pci_slot));
		EXPECT_NE(NULL, strstr(out, cards[i].devnode));
	}
	free(out);
}

/* s4-smi -q shows what each card has done: jobs, SPU problems, weights reused. */
TEST(s4_smi_query_shows_card_activity)
{
	int status;
	char *out = run("s4-smi -q -i 0", &status);

	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(out, "Jobs finished      : "));
	EXPECT_NE(NULL, strstr(out, "SPU problems       : "));
	EXPECT_NE(NULL, strstr(out, "of them on weights packed earlier"));
	free(out);
}

TEST(s4_smi_rejects_a_missing_card_clearly)
{
	int status;
	char *out = run("s4-smi -i 99 2>&1", &status);

	ASSERT_NE(NULL, out);
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(out, "no card 99"));
	free(out);
}

static void check_cards_work(struct __test_metadata *_metadata, int want)
{
	struct s4_card_info cards[MAX_CARDS];
	int n = s4_enumerate(cards, MAX_CARDS);

	ASSERT_EQ(want, n);
	for (int i = 0; i < n; i++) {
		struct s4_device_info info;
		struct s4_device *dev;
		uint64_t irqs = 0;

		ASSERT_EQ(0, s4_open(cards[i].devnode, &dev));
		EXPECT_EQ(0, s4_device_query(dev, &info));
		EXPECT_EQ(0, s4_device_get_param(dev, DRM_S4_PARAM_SELFTEST_IRQS, &irqs));
		EXPECT_GE(irqs, 1);
		s4_close(dev);
	}
}

TEST(unbind_and_rebind_a_card)
{
	struct s4_card_info cards[MAX_CARDS];
	int n = s4_enumerate(cards, MAX_CARDS);
	int irqs = s4t_count_irqs();

	ASSERT_GT(n, 0);
	ASSERT_EQ(0, s4t_write_file(S4_PCI_DRIVER "/unbind", cards[0].pci_slot));
	EXPECT_EQ(n - 1, s4_enumerate(NULL, 0));
	EXPECT_EQ(n - 1, s4t_count_pci_cards(1));
	EXPECT_EQ(irqs - irqs / n, s4t_count_irqs());
	EXPECT_NE(0, access(cards[0].devnode, F_OK));

	ASSERT_EQ(0, s4t_write_file(S4_PCI_DRIVER "/bind", cards[0].pci_slot));
	EXPECT_EQ(irqs, s4t_count_irqs());
	check_cards_work(_metadata, n);
}

TEST(reload_the_module)
{
	int n = s4_enumerate(NULL, 0);

	ASSERT_GT(n, 0);
	ASSERT_EQ(0, system("rmmod s4"));
	EXPECT_EQ(0, s4_enumerate(NULL, 0));
	EXPECT_EQ(0, s4t_count_pci_cards(1));
	EXPECT_EQ(0, s4t_count_irqs());
	EXPECT_EQ(0, s4_iomem_regions());

	ASSERT_EQ(0, system("modprobe s4"));
	EXPECT_EQ(n, s4t_count_pci_cards(1));
	EXPECT_EQ(n, s4_iomem_regions());
	check_cards_work(_metadata, n);
}

TEST_HARNESS_MAIN
