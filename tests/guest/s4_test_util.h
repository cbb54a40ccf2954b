/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the guest tests: sysfs access and the card list as the
 * PCI bus (not libs4) sees it. Header-only; each test is one program.
 */
#ifndef S4_TEST_UTIL_H
#define S4_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s4_regs.h"

#define S4_PCI_DEVICES "/sys/bus/pci/devices"
#define S4_PCI_DRIVER "/sys/bus/pci/drivers/s4"

/* Reads a whole small sysfs file into @buf; returns its length or -errno. */
static inline int s4t_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static inline int s4t_write_file(const char *path, const char *s)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

static inline unsigned long s4t_sysfs_hex(const char *slot, const char *attr)
{
	char path[512], buf[64];

	snprintf(path, sizeof(path), S4_PCI_DEVICES "/%s/%s", slot, attr);
	if (s4t_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	return strtoul(buf, NULL, 16);
}

/* Number of S4 cards on the PCI bus; if @bound, only those bound to s4. */
static inline int s4t_count_pci_cards(int bound)
{
	DIR *d = opendir(S4_PCI_DEVICES);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[320];

		if (e->d_name[0] == '.')
			continue;
		if (s4t_sysfs_hex(e->d_name, "vendor") != S4_PCI_VENDOR_ID ||
		    s4t_sysfs_hex(e->d_name, "device") != S4_PCI_DEVICE_ID)
			continue;
		snprintf(path, sizeof(path), S4_PCI_DRIVER "/%s", e->d_name);
		if (!bound || access(path, F_OK) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Size of BAR @bar of the card at @slot, from its sysfs resource file. */
static inline unsigned long long s4t_bar_size(const char *slot, int bar)
{
	char path[512], buf[1024], *line = buf;
	unsigned long long start, end, flags;
	int i;

	snprintf(path, sizeof(path), S4_PCI_DEVICES "/%s/resource", slot);
	if (s4t_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (i = 0; i < bar && line; i++) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!line || sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3 ||
	    !end)
		return 0;
	return end - start + 1;
}

/* Lines of /proc/interrupts that name the s4 driver. */
static inline int s4t_count_irqs(void)
{
	char line[512];
	FILE *f = fopen("/proc/interrupts", "r");
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");

		if (len >= 3 && !strncmp(line + len - 3, " s4", 3))
			n++;
	}
	fclose(f);
	return n;
}

#endif /* S4_TEST_UTIL_H */
