// SPDX-License-Identifier: MIT
/*
 * PRIME: a BO of either placement exported as a dma-buf and imported by
 * another open of the card, or by the other card (peer to peer, for device
 * memory), which then copies data through it.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "s4/s4.h"
#include "s4_test_util.h"

#define PAGE 4096u
#define SIZE (40 * PAGE + 100)

FIXTURE(prime) {
	struct s4_device *exp;	/* exporter: card 0 */
	struct s4_bo *shared;
	void *shared_map;
	int fd;
};

FIXTURE_VARIANT(prime) {
	enum s4_placement placement;
};

FIXTURE_VARIANT_ADD(prime, host) {
	.placement = S4_PLACEMENT_HOST,
};

FIXTURE_VARIANT_ADD(prime, device) {
	.placement = S4_PLACEMENT_DEVICE,
};

FIXTURE_SETUP(prime)
{
	ASSERT_EQ(0, s4_open_index(0, &self->exp));
	ASSERT_EQ(0, s4t_bo(self->exp, SIZE, variant->placement, &self->shared,
			    &self->shared_map));
	ASSERT_EQ(0, s4_bo_export(self->shared, &self->fd));
}

FIXTURE_TEARDOWN(prime)
{
	close(self->fd);
	s4_bo_free(self->shared);
	s4_close(self->exp);
}

/*
 * On @dev, which imported the shared BO as @imp: copies the BO's first half
 * to device memory and back into its second half.
 */
static void copy_through(struct __test_metadata *_metadata, struct s4_device *dev,
			 struct s4_bo *imp)
{
	const uint64_t half = s4_bo_size(imp) / 2;
	struct s4_cmdbuf *cb;
	struct s4_bo *dmem;
	struct s4_job_status st = { .error = 1 };

	ASSERT_EQ(0, s4_bo_create(dev, half, S4_PLACEMENT_DEVICE, &dmem));
	ASSERT_EQ(0, s4_cmdbuf_create(dev, &cb));
	ASSERT_EQ(0, s4_cmdbuf_copy(cb, s4_bo_addr(dmem, 0), s4_bo_addr(imp, 0), half));
	ASSERT_EQ(0, s4_cmdbuf_copy(cb, s4_bo_addr(imp, half), s4_bo_addr(dmem, 0), half));
	ASSERT_EQ(0, s4t_run(dev, cb, 0, &st));
	EXPECT_EQ(0, st.error) TH_LOG("%s", s4_strerror(st.error));
	s4_cmdbuf_free(cb);
	s4_bo_free(dmem);
}

static void check_copied(struct __test_metadata *_metadata, FIXTURE_DATA(prime) *self)
{
	const uint64_t half = s4_bo_size(self->shared) / 2;
	uint8_t *p = self->shared_map;

	EXPECT_EQ(0, memcmp(p + half, p, half));
}

TEST_F(prime, exported_fd_is_a_dmabuf_of_the_bo_size)
{
	EXPECT_EQ((off_t)s4_bo_size(self->shared), lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(prime, another_open_of_the_card_copies_through_an_imported_bo)
{
	struct s4_device *imp_dev;
	struct s4_bo *imp;

	s4t_random_fill(self->shared_map, s4_bo_size(self->shared) / 2, 3);
	ASSERT_EQ(0, s4_open_index(0, &imp_dev));
	ASSERT_EQ(0, s4_bo_import(imp_dev, self->fd, &imp));
	EXPECT_EQ(s4_bo_size(self->shared), s4_bo_size(imp));
	EXPECT_EQ(variant->placement, s4_bo_placement(imp));
	EXPECT_NE(0, s4_bo_va(imp));
	copy_through(_metadata, imp_dev, imp);
	check_copied(_metadata, self);
	s4_bo_free(imp);
	s4_close(imp_dev);
}

TEST_F(prime, the_other_card_copies_through_an_imported_bo)
{
	struct s4_device *card1;
	struct s4_bo *imp;
	void *imp_map;
	int n = s4_enumerate(NULL, 0);

	ASSERT_GE(n, 1);
	if (n < 2)
		SKIP(return, "needs two cards, found %d", n);
	s4t_random_fill(self->shared_map, s4_bo_size(self->shared) / 2, 4);
	ASSERT_EQ(0, s4_open_index(1, &card1));
	ASSERT_EQ(0, s4_bo_import(card1, self->fd, &imp));
	copy_through(_metadata, card1, imp);
	check_copied(_metadata, self);
	/* The importer's CPU mapping shows the same pages. */
	ASSERT_EQ(0, s4_bo_map(imp, &imp_map));
	EXPECT_EQ(0, memcmp(imp_map, self->shared_map, s4_bo_size(imp)));
	s4_bo_free(imp);
	s4_close(card1);
}

TEST_F(prime, importing_a_bo_twice_gives_one_shared_object)
{
	struct s4_device *imp_dev;
	struct s4_bo *a, *b;

	ASSERT_EQ(0, s4_open_index(0, &imp_dev));
	ASSERT_EQ(0, s4_bo_import(imp_dev, self->fd, &a));
	ASSERT_EQ(0, s4_bo_import(imp_dev, self->fd, &b));
	EXPECT_EQ(a, b);
	s4_bo_free(a);
	/* b still works after one reference is gone. */
	s4t_random_fill(self->shared_map, s4_bo_size(self->shared) / 2, 5);
	copy_through(_metadata, imp_dev, b);
	check_copied(_metadata, self);
	s4_bo_free(b);
	s4_close(imp_dev);
}

TEST_F(prime, importing_into_the_exporting_file_returns_the_same_bo)
{
	struct s4_bo *again;

	ASSERT_EQ(0, s4_bo_import(self->exp, self->fd, &again));
	EXPECT_EQ(self->shared, again);
	EXPECT_EQ(s4_bo_va(self->shared), s4_bo_va(again));
	s4_bo_free(again);
	/* The exporter's own reference is intact. */
	s4t_random_fill(self->shared_map, s4_bo_size(self->shared) / 2, 6);
	copy_through(_metadata, self->exp, self->shared);
	check_copied(_metadata, self);
}

TEST_F(prime, imported_bo_outlives_the_exporters_handle)
{
	struct s4_device *imp_dev;
	struct s4_bo *imp;
	void *map;

	ASSERT_EQ(0, s4_open_index(0, &imp_dev));
	ASSERT_EQ(0, s4_bo_import(imp_dev, self->fd, &imp));
	memset(self->shared_map, 0x77, s4_bo_size(imp) / 2);
	close(self->fd);
	self->fd = -1;
	s4_bo_free(self->shared);
	self->shared = NULL;
	copy_through(_metadata, imp_dev, imp);
	ASSERT_EQ(0, s4_bo_map(imp, &map));
	EXPECT_EQ(-1, s4t_find_not(map, 0x77, s4_bo_size(imp)));
	s4_bo_free(imp);
	s4_close(imp_dev);
}

TEST_F(prime, importing_a_file_that_is_not_a_dmabuf_is_einval)
{
	struct s4_bo *bo;
	int fd = open("/dev/null", O_RDWR);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EINVAL, s4_bo_import(self->exp, fd, &bo));
	close(fd);
}

TEST_F(prime, importing_a_closed_fd_is_ebadf)
{
	struct s4_bo *bo;

	EXPECT_EQ(-EBADF, s4_bo_import(self->exp, 1000, &bo));
}

TEST_HARNESS_MAIN
