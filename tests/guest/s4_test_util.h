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

/* A number in sysfs attribute @attr of the PCI device @slot, or @missing. */
static inline unsigned long long s4t_sysfs_num(const char *slot, const char *attr,
					       int base, unsigned long long missing)
{
	char path[512], buf[64];

	snprintf(path, sizeof(path), S4_PCI_DEVICES "/%s/%s", slot, attr);
	if (s4t_read_file(path, buf, sizeof(buf)) < 0)
		return missing;
	return strtoull(buf, NULL, base);
}

static inline unsigned long s4t_sysfs_hex(const char *slot, const char *attr)
{
	return s4t_sysfs_num(slot, attr, 16, 0);
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

/* ---- jobs (tests that submit work link libs4) ------------------------------ */

#include <stdint.h>
#include <time.h>

#include "s4/s4.h"

/* How long a test waits for a job that should finish. */
#define S4T_WAIT_NS	(20ll * 1000 * 1000 * 1000)

static inline void s4t_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Deterministic pseudo-random bytes (xorshift32), seeded per test. */
static inline void s4t_random_fill(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	uint32_t x = seed ? seed : 0x9e3779b9u;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)(x >> 24);
	}
}

/* The driver's job timeout (module parameter job_timeout_ms), or @dflt. */
static inline unsigned int s4t_job_timeout_ms(unsigned int dflt)
{
	char buf[32];

	if (s4t_read_file("/sys/module/s4/parameters/job_timeout_ms", buf, sizeof(buf)) <= 0)
		return dflt;
	return (unsigned int)strtoul(buf, NULL, 10);
}

/* Index of the first byte of @p[0..@n) that is not @byte, or -1. */
static inline long s4t_find_not(const void *p, uint8_t byte, size_t n)
{
	const volatile uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != byte)
			return (long)i;
	return -1;
}

/* Index of the first 32-bit word of @p[0..@n) that is not @v, or -1. */
static inline long s4t_find_not32(const void *p, uint32_t v, size_t n)
{
	const volatile uint32_t *w = p;

	for (size_t i = 0; i < n; i++)
		if (w[i] != v)
			return (long)i;
	return -1;
}

/*
 * Submits @cb on @ss signalling a fresh binary syncobj, waits for the job
 * and fills @st. Returns the first libs4 error (submit or wait), else 0.
 */
static inline int s4t_run(struct s4_device *dev, struct s4_cmdbuf *cb, uint32_t ss,
			  struct s4_job_status *st)
{
	struct s4_sync out = { 0, 0 };
	int ret;

	ret = s4_syncobj_create(dev, &out.handle);
	if (ret)
		return ret;
	ret = s4_submit(cb, ss, NULL, 0, &out, 1, NULL);
	if (!ret)
		ret = s4_wait(dev, out, s4_deadline_ns(S4T_WAIT_NS), st);
	s4_syncobj_destroy(dev, out.handle);
	return ret;
}

/* Creates a BO and maps it; returns 0 or the first error. */
static inline int s4t_bo(struct s4_device *dev, uint64_t size, enum s4_placement pl,
			 struct s4_bo **bo, void **map)
{
	int ret = s4_bo_create(dev, size, pl, bo);

	if (ret)
		return ret;
	ret = s4_bo_map(*bo, map);
	if (ret) {
		s4_bo_free(*bo);
		*bo = NULL;
	}
	return ret;
}

/* Index N of "/dev/accel/accelN" (the DRM minor), or -1. */
static inline int s4t_accel_minor(const char *devnode)
{
	const char *p = strrchr(devnode, 'l');

	return p && p[1] ? atoi(p + 1) : -1;
}

/*
 * Reads counter @name of @card's debugfs "counters" file. DRM names the
 * card's debugfs directory after its device (accel/<pci slot>/ on 6.12)
 * or, on other kernels, its minor (accel/<N>/).
 */
static inline int s4t_debugfs_counter(const struct s4_card_info *card, const char *name,
				      uint64_t *value)
{
	char path[128], buf[1024], *line;
	size_t n = strlen(name);
	int ret;

	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/counters", card->pci_slot);
	ret = s4t_read_file(path, buf, sizeof(buf));
	if (ret < 0) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%d/counters",
			 s4t_accel_minor(card->devnode));
		ret = s4t_read_file(path, buf, sizeof(buf));
	}
	if (ret < 0)
		return ret;
	for (line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (!strncmp(line, name, n) && line[n] == ' ') {
			*value = strtoull(line + n + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

#endif /* S4_TEST_UTIL_H */
