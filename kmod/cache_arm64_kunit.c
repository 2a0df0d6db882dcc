// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for kmod/cache_arm64.c: each cache mode's memory attributes
 * as the MMU sees them - the AttrIndx field of the descriptor that maps
 * a buffer's page, read against MAIR_EL1 - for the user mapping (the
 * test's own mm, walked with apply_to_existing_page_range()), the kernel
 * mapping and the linear map (walked from TTBR1_EL1, the kernel's tables
 * as the hardware has them); and that bytes written through either
 * mapping are what the other and the methods read. Part of
 * iobmd_kunit.ko.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pgtable.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/sysreg.h>

#include "iobmd_internal.h"

#define NPAGES 3
#define LEN (NPAGES * PAGE_SIZE)
#define SHARED IOBMD_MEMORY_KERNEL_USER_SHARED
#define CONTIG IOBMD_MEMORY_PHYSICALLY_CONTIGUOUS
/* A descriptor that is not there. */
#define NO_DESC 0
/* MAIR_ATTR_DEVICE_nGnRnE of asm/sysreg.h. */
#define ATTR_DEVICE_NGNRNE 0x00

/* The descriptor that maps @addr in the kernel's tables (TTBR1_EL1). */
static u64 kernel_desc(unsigned long addr)
{
	u64 ttbr = read_sysreg(ttbr1_el1) & TTBR_BADDR_MASK_52;
	pgd_t *pgdp = pgd_offset_pgd(phys_to_virt(ttbr), addr);
	p4d_t *p4dp;
	pud_t *pudp;
	pmd_t *pmdp;
	pte_t pte;

	if (pgd_none(READ_ONCE(*pgdp)))
		return NO_DESC;
	p4dp = p4d_offset(pgdp, addr);
	if (p4d_none(READ_ONCE(*p4dp)))
		return NO_DESC;
	pudp = pud_offset(p4dp, addr);
	if (pud_none(READ_ONCE(*pudp)))
		return NO_DESC;
	if (pud_leaf(READ_ONCE(*pudp)))
		return pud_val(READ_ONCE(*pudp));
	pmdp = pmd_offset(pudp, addr);
	if (pmd_none(READ_ONCE(*pmdp)))
		return NO_DESC;
	if (pmd_leaf(READ_ONCE(*pmdp)))
		return pmd_val(READ_ONCE(*pmdp));
	pte = __ptep_get(pte_offset_kernel(pmdp, addr));
	return pte_valid(pte) ? pte_val(pte) : NO_DESC;
}

static int user_desc_fn(pte_t *ptep, unsigned long addr, void *data)
{
	pte_t pte = ptep_get(ptep);

	*(u64 *)data = pte_valid(pte) ? pte_val(pte) : NO_DESC;
	return 0;
}

/* The PTE that maps @addr in the test's user mm. */
static u64 user_desc(unsigned long addr)
{
	u64 desc = NO_DESC;

	mmap_read_lock(current->mm);
	apply_to_existing_page_range(current->mm, addr, PAGE_SIZE,
				     user_desc_fn, &desc);
	mmap_read_unlock(current->mm);
	return desc;
}

/* MAIR_EL1's attribute for a descriptor's AttrIndx; -1 for none. */
static int desc_attr(u64 desc)
{
	unsigned int idx = (desc & PTE_ATTRINDX_MASK) >> 2;

	if (desc == NO_DESC)
		return -1;
	return (read_sysreg(mair_el1) >> (8 * idx)) & MAIR_ATTR_MASK;
}

struct iobmd_cache_case {
	u32 options;
	int attr;
	const char *name;
};

static const struct iobmd_cache_case cache_cases[] = {
	{ IOBMD_MAP_DEFAULT_CACHE, MAIR_ATTR_NORMAL, "default-sg" },
	{ IOBMD_MAP_COPYBACK_CACHE | CONTIG, MAIR_ATTR_NORMAL,
	  "copyback-contiguous" },
	{ IOBMD_MAP_INHIBIT_CACHE, ATTR_DEVICE_NGNRNE, "inhibit-sg" },
	{ IOBMD_MAP_INHIBIT_CACHE | CONTIG, ATTR_DEVICE_NGNRNE,
	  "inhibit-contiguous" },
	{ IOBMD_MAP_WRITE_COMBINE_CACHE, MAIR_ATTR_NORMAL_NC, "wc-sg" },
	{ IOBMD_MAP_WRITE_COMBINE_CACHE | CONTIG, MAIR_ATTR_NORMAL_NC,
	  "wc-contiguous" },
};

static void cache_case_desc(const struct iobmd_cache_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cache, cache_cases, cache_case_desc);

/*
 * A buffer mapped in the test's mm and in the kernel (KernelUserShared):
 * both mappings have the mode's attribute, the linear map stays Normal
 * write-back (arm64 cannot change it), and an aligned word written
 * through one mapping is read through the other and by the methods (for
 * the uncached modes, through the linear map after its lines were
 * cleaned and invalidated).
 */
static void iobmd_test_cache_attr(struct kunit *test)
{
	const struct iobmd_cache_case *c = test->param_value;
	u64 word = 0x0123456789abcdefULL, got;
	u64 __user *uaddr;
	struct iobmd *bmd;
	u64 *kaddr;
	int i;

	KUNIT_ASSERT_NE_MSG(test, 0UL,
			    kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
					  PROT_READ | PROT_WRITE,
					  MAP_ANONYMOUS | MAP_PRIVATE, 0),
			    "no user mm for the test");
	bmd = iobmd_in_task_with_options(current->mm, c->options | SHARED,
					 LEN, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bmd), "create: %ld", PTR_ERR(bmd));
	uaddr = iobmd_get_task_bytes_no_copy(bmd);
	kaddr = iobmd_get_bytes_no_copy(bmd);
	KUNIT_ASSERT_TRUE(test, uaddr);
	KUNIT_ASSERT_NOT_NULL(test, kaddr);

	for (i = 0; i < NPAGES; i++) {
		unsigned long off = i * PAGE_SIZE;
		struct page *page = bmd->pages ? bmd->pages[i] :
				    virt_to_page((u8 *)kaddr + off);

		KUNIT_EXPECT_EQ_MSG(test, desc_attr(user_desc((unsigned long)uaddr + off)),
				    c->attr, "user mapping, page %d", i);
		KUNIT_EXPECT_EQ_MSG(test, desc_attr(kernel_desc((unsigned long)kaddr + off)),
				    c->attr, "kernel mapping, page %d", i);
		KUNIT_EXPECT_EQ_MSG(test,
				    desc_attr(kernel_desc((unsigned long)page_address(page))),
				    MAIR_ATTR_NORMAL, "linear map, page %d", i);
	}

	/* User mapping -> kernel mapping and methods; and back. */
	KUNIT_EXPECT_EQ(test, 0, put_user(word, uaddr + 1));
	KUNIT_EXPECT_EQ(test, READ_ONCE(kaddr[1]), word);
	KUNIT_EXPECT_EQ(test, 0, iobmd_read_bytes(bmd, 8, &got, 8));
	KUNIT_EXPECT_EQ(test, got, word);
	word = ~word;
	KUNIT_EXPECT_EQ(test, 0, iobmd_write_bytes(bmd, PAGE_SIZE + 8, &word,
						   8));
	KUNIT_EXPECT_EQ(test, 0, get_user(got, uaddr + PAGE_SIZE / 8 + 1));
	KUNIT_EXPECT_EQ(test, got, word);
	KUNIT_EXPECT_EQ(test, READ_ONCE(kaddr[PAGE_SIZE / 8 + 1]), word);

	KUNIT_EXPECT_EQ(test, 0, vm_munmap((unsigned long)uaddr, LEN));
	iobmd_put(bmd);
}

static struct kunit_case iobmd_cache_cases[] = {
	KUNIT_CASE_PARAM(iobmd_test_cache_attr, cache_gen_params),
	{}
};

static struct kunit_suite iobmd_cache_suite = {
	.name = "iobmd_cache",
	.test_cases = iobmd_cache_cases,
};

kunit_test_suite(iobmd_cache_suite);
