#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of tools/vm/verdict.py: the kernel-log gate and the
parsing of the VM's output must catch what they exist to catch.

  test_verdict.py [KUNIT_PY [RESULTS.tsv]]

KUNIT_PY is a kernel tree's tools/testing/kunit/kunit.py; without it the
tests that parse KTAP are skipped. RESULTS.tsv gets one line per test.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verdict  # noqa: E402

KUNIT_PY = sys.argv[1] if len(sys.argv) > 1 else None

# Lines from real reports of each kind; each must fail the run.
BAD = {
    'kasan': '[   7.33] BUG: KASAN: slab-out-of-bounds in iobmd_mmap+0x1/0x2',
    'warn': '[   5.00] WARNING: CPU: 0 PID: 1 at kmod/buffer.c:10 f+0x1/0x2',
    'cut-here': '[   5.00] ------------[ cut here ]------------',
    'lockdep': '[   9.10] WARNING: possible circular locking dependency '
               'detected',
    'lockdep-info': '[   9.10] INFO: trying to register non-static key.',
    'sleeping': '[   3.00] BUG: sleeping function called from invalid '
                'context at mm/slab.h:1',
    'kmemleak-console': '[  99.0] kmemleak: 2 new suspected memory leaks '
                        '(see /sys/kernel/debug/kmemleak)',
    'kmemleak-report': 'unreferenced object 0xffff888100a1b000 (size 64):',
    'dma-api': '[  20.0] DMA-API: iobmd iobmd: device driver frees DMA '
               'memory with different size',
    'pat': '[  30.0] x86/PAT: iobmd-demo:81 map pfn RAM range req '
           'write-combining for [mem 0x1000-0x1fff], got write-back',
    'panic': '[  40.0] Kernel panic - not syncing: Fatal exception',
    'rcu-stall': '[  60.0] rcu: INFO: rcu_sched self-detected stall on '
                 'CPU',
    'rcu-stall-other': '[  60.0] rcu: INFO: rcu_sched detected stalls on '
                       'CPUs/tasks:',
    'soft-lockup': '[  70.0] watchdog: BUG: soft lockup - CPU#1 stuck for '
                   '22s! [create_test:99]',
    'hung-task': '[ 250.0] INFO: task iobmd_test:120 blocked for more than '
                 '122 seconds.',
    'gpf': '[  41.0] general protection fault, probably for non-canonical '
           'address 0xdead000000000100',
}

# Lines every healthy boot prints; none may fail the run.
GOOD = [
    '[    0.038591] x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  '
    'UC- WT  ',
    '[    9.072837] DMA-API: preallocated 65536 debug entries',
    '[    9.073339] DMA-API: debugging enabled by kernel config',
    '[    0.095297] cma: Reserved 256 MiB at 0x0000000100000000 on node -1',
    '[   20.004417] iobmd: loading out-of-tree module taints kernel.',
    '[    8.52] kmemleak: Kernel memory leak detector initialized (mem '
    'pool available: 14754)',
    '[    8.60] Lock dependency validator: Copyright (c) 2006 Red Hat, '
    'Inc., Ingo Molnar',
]

KTAP_FAIL = '''KTAP version 1
1..2
    KTAP version 1
    # Subtest: suite
    1..2
    ok 1 good
    not ok 2 bad
not ok 1 suite
ok 2 other
'''


# The shape of tools/testing/selftests/dmabuf-heaps/dmabuf-heap's output
# (6.12, kselftest.h): a plan of 11 a heap, the same names for every heap.
DMABUF_HEAP = '''TAP version 13
1..22
# Testing heap: system
# =======================================
# Testing allocation and importing:
ok 1 Import buffer 0
ok 2 test_alloc_and_import dmabuf sync succeeded
# Testing alloced 4k buffers are zeroed:
ok 3 Allocate and fill a bunch of buffers
ok 4 Allocate and validate all buffers are zeroed
# Testing alloced 1024k buffers are zeroed:
ok 5 Allocate and fill a bunch of buffers
ok 6 Allocate and validate all buffers are zeroed
# Testing (theoretical) older alloc compat:
ok 7 dmabuf_heap_alloc_older
# Testing (theoretical) newer alloc compat:
ok 8 dmabuf_heap_alloc_newer
# Testing expected error cases:
ok 9 Error expected on invalid fd -1
ok 10 Error expected on invalid heap flags -1
ok 11 Error expected on invalid heap flags -1
# Testing heap: iobmd-sg
# =======================================
# Testing allocation and importing:
ok 12 Import buffer 0
ok 13 test_alloc_and_import dmabuf sync succeeded
# Testing alloced 4k buffers are zeroed:
ok 14 Allocate and fill a bunch of buffers
not ok 15 FAIL (Allocation (3) failed) -1
# Testing alloced 1024k buffers are zeroed:
ok 16 Allocate and fill a bunch of buffers
ok 17 Allocate and validate all buffers are zeroed
# Testing (theoretical) older alloc compat:
ok 18 dmabuf_heap_alloc_older
# Testing (theoretical) newer alloc compat:
ok 19 dmabuf_heap_alloc_newer
# Testing expected error cases:
ok 20 Error expected on invalid fd -1
ok 21 Error expected on invalid heap flags -1
ok 22 Error expected on invalid heap flags -1
# Totals: pass:21 fail:1 xfail:0 xpass:0 skip:0 error:0
'''


def run_output(sections, steps=(), end=True):
    """A VM output.log with the given KTAP sections and steps."""
    lines = ['@@iobmd-vm: begin 6.12 t=1.0@@']
    for name, text in sections:
        lines += ['@@iobmd-vm: ktap %s t=2.0@@' % name, text.rstrip('\n'),
                  '@@iobmd-vm: ktap-end t=3.0@@']
    for name, rc in steps:
        lines.append('@@iobmd-vm: step-exit %s %d t=4.0@@' % (name, rc))
    if end:
        lines.append('@@iobmd-vm: end t=5.0@@')
    return '\n'.join(lines) + '\n'


class GateTest(unittest.TestCase):
    def test_each_report_kind_fails_the_run(self):
        for kind, line in BAD.items():
            with self.subTest(kind=kind):
                self.assertEqual(1, len(verdict.gate('\n'.join(GOOD + [line]))),
                                 line)

    def test_healthy_boot_lines_pass(self):
        self.assertEqual([], verdict.gate('\n'.join(GOOD)))


class JudgeTest(unittest.TestCase):
    def results(self, output, console=''):
        res, _ = verdict.judge(KUNIT_PY, output, console, 'k')
        return {name: status for name, status, _ in res}

    def test_step_exit_code(self):
        r = self.results(run_output([], [('ok-step', 0), ('bad-step', 2)]))
        self.assertEqual('PASS', r['k/ok-step'])
        self.assertEqual('FAIL', r['k/bad-step'])
        self.assertEqual('PASS', r['k/vm-finished'])
        self.assertEqual('PASS', r['k/kernel-log-gate'])

    def test_vm_that_did_not_finish_fails(self):
        r = self.results(run_output([], [('step', 0)], end=False))
        self.assertEqual('FAIL', r['k/vm-finished'])

    def test_gate_result_from_console(self):
        r = self.results(run_output([]), console=BAD['pat'])
        self.assertEqual('FAIL', r['k/kernel-log-gate'])

    def test_kmemleak_report_in_output_fails(self):
        out = run_output([]).replace(
            '@@iobmd-vm: end', '@@iobmd-vm: kmemleak t=9@@\n' +
            BAD['kmemleak-report'] + '\n@@iobmd-vm: dmesg t=9@@\n'
            '@@iobmd-vm: end')
        self.assertEqual('FAIL', self.results(out)['k/kernel-log-gate'])

    @unittest.skipUnless(KUNIT_PY, 'needs kunit.py')
    def test_ktap_failures_counted(self):
        r = self.results(run_output([('kunit:suite', KTAP_FAIL)]))
        self.assertEqual('PASS', r['k/kunit/suite/good'])
        self.assertEqual('FAIL', r['k/kunit/suite/bad'])
        self.assertEqual('PASS', r['k/kunit/other'])

    @unittest.skipUnless(KUNIT_PY, 'needs kunit.py')
    def test_truncated_section_fails(self):
        out = run_output([]).replace(
            '@@iobmd-vm: end', '@@iobmd-vm: ktap selftest:x t=1@@\n'
            'TAP version 13\n1..3\nok 1 a\n@@iobmd-vm: end')
        r = self.results(out)
        self.assertEqual('FAIL', r['k/selftest:x'])
        self.assertEqual('PASS', r['k/selftest:x/a'])

    @unittest.skipUnless(KUNIT_PY, 'needs kunit.py')
    def test_root_and_user_runs_named_apart(self):
        out = run_output([('selftest:x', 'TAP version 13\n1..1\nok 1 a\n'),
                          ('selftest-user:x',
                           'TAP version 13\n1..1\nnot ok 1 a\n')],
                         [('selftest-exit:x', 0),
                          ('selftest-user-exit:x', 1)])
        r = self.results(out)
        self.assertEqual('PASS', r['k/selftest:x/a'])
        self.assertEqual('FAIL', r['k/selftest-user:x/a'])
        self.assertEqual('PASS', r['k/selftest-exit:x'])
        self.assertEqual('FAIL', r['k/selftest-user-exit:x'])


    @unittest.skipUnless(KUNIT_PY, 'needs kunit.py')
    def test_upstream_dmabuf_heap_counted(self):
        res, _ = verdict.judge(KUNIT_PY, run_output([('selftest:dmabuf-heap',
                                                     DMABUF_HEAP)]), '', 'k')
        mine = [(n, st) for n, st, _ in res
                if n.startswith('k/selftest:dmabuf-heap/')]
        # Every ok line is a result, the repeated names too.
        self.assertEqual(22, len(mine))
        self.assertEqual(21, sum(st == 'PASS' for _, st in mine))
        self.assertIn(('k/selftest:dmabuf-heap/FAIL (Allocation (3) '
                       'failed) -1', 'FAIL'), mine)
        # ksft_test_result_skip()'s nameless result is a skip.
        res, _ = verdict.judge(KUNIT_PY, run_output([(
            'selftest:dmabuf-heap', 'TAP version 13\n1..2\n'
            'ok 1 # SKIP Could not open vgem -1\nok 2 sync\n')]), '', 'k')
        self.assertEqual([('k/selftest:dmabuf-heap/test-1', 'SKIP'),
                          ('k/selftest:dmabuf-heap/sync', 'PASS')],
                         [(n, st) for n, st, _ in res
                          if n.startswith('k/selftest:dmabuf-heap/')])
        # Bail out! (a heap that does not open) is a failure, not a pass.
        res, _ = verdict.judge(KUNIT_PY, run_output([(
            'selftest:dmabuf-heap', 'TAP version 13\n1..11\n'
            'Bail out! open /dev/dma_heap/x failed: No such file\n'
            '# Planned tests != run tests (11 != 0)\n')]), '', 'k')
        self.assertIn('FAIL', [st for n, st, _ in res
                               if n.startswith('k/selftest:dmabuf-heap')])


class Collect(unittest.TextTestResult):
    """Remember every test's outcome, to write them as results."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes.append((test.id(), 'PASS'))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes.append((test.id(), 'FAIL'))

    def addError(self, test, err):
        super().addError(test, err)
        self.outcomes.append((test.id(), 'FAIL'))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes.append((test.id(), 'SKIP'))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.outcomes.append((subtest.id(), 'FAIL'))


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules[__name__])
    result = unittest.TextTestRunner(resultclass=Collect,
                                     verbosity=2).run(suite)
    if len(sys.argv) > 2:
        with open(sys.argv[2], 'w') as f:
            for name, status in result.outcomes:
                f.write('host/verdict/%s\t%s\t\n' %
                        (name.replace('__main__.', ''), status))
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
