# SPDX-License-Identifier: GPL-2.0
"""Turn one VM run of the iobmd test job into results.

The VM writes its job's output to ttyS1 (output.log) and the kernel console
to ttyS0 (console.log). This module:
  * splits output.log at the @@iobmd-vm: ...@@ markers that tools/vm/init
    and tools/vm/check-job print;
  * parses every KTAP/TAP section (KUnit suites, selftest binaries) with the
    kernel's own tools/testing/kunit/kunit.py parse;
  * gates on the kernel log: any KASAN, lockdep, kmemleak, DMA-API debug,
    WARN, BUG, RCU stall, soft lockup, hung task or x86/PAT report fails
    the run, whatever the tests said.

A result is (name, status, detail) with status PASS, FAIL or SKIP.
"""

import json
import os
import re
import subprocess
import tempfile

MARK = re.compile(r'^@@iobmd-vm: (.*)@@\s*$')

# Kernel log lines that fail the run. Each is (label, pattern).
GATE = [
    ('KASAN', re.compile(r'BUG: KASAN')),
    ('RCU stall', re.compile(r'rcu: INFO: .*detected stall|'
                             r'rcu_(sched|preempt) detected stalls|'
                             r'self-detected stall on CPU')),
    ('soft lockup', re.compile(r'BUG: soft lockup|'
                               r'watchdog: BUG: soft lockup')),
    ('hung task', re.compile(r'INFO: task .* blocked for more than|'
                             r'blocked for more than \d+ seconds')),
    ('BUG', re.compile(r'\bBUG[: ]|kernel BUG at')),
    ('WARN', re.compile(r'WARNING:|------------\[ cut here \]')),
    ('lockdep', re.compile(r'possible (circular|recursive) locking|'
                           r'inconsistent lock state|INFO: ')),
    ('oops', re.compile(r'Oops|general protection fault|Kernel panic|'
                        r'Call Trace:|UBSAN:')),
    ('kmemleak', re.compile(r'kmemleak: .*suspected memory leak|'
                            r'unreferenced object 0x')),
    ('DMA-API', re.compile(r'DMA-API: ')),
    ('x86/PAT', re.compile(r'x86/PAT: ')),
]

# Informational lines that the patterns above would otherwise catch.
ALLOW = re.compile(
    r'DMA-API: preallocated \d+ debug entries|'
    r'DMA-API: debugging enabled by kernel config|'
    r'x86/PAT: Configuration \[0-7\]: ')


def split_output(text):
    """Return (events, sections): the marker events in order (each a list
    of words), and the text after each marker up to the next one, by the
    marker's name: "ktap NAME" sections by NAME, others (kmemleak, dmesg)
    by their first word."""
    events, sections = [], {}
    current, lines = None, []

    def in_ktap(name):
        return name is not None and name.startswith('ktap:')

    def close():
        if current is not None:
            sections[current] = '\n'.join(lines) + '\n'

    for line in text.splitlines():
        m = MARK.match(line)
        if not m:
            lines.append(line)
            continue
        words = [w for w in m.group(1).split() if not w.startswith('t=')]
        close()
        if in_ktap(current) and words[0] != 'ktap-end':
            events.append(['ktap-truncated', current[5:]])
        current = 'ktap:' + words[1] if words[0] == 'ktap' else words[0]
        lines = []
        events.append(words)
    if in_ktap(current):
        events.append(['ktap-truncated', current[5:]])
    close()
    return events, sections


# kselftest.h's ksft_test_result_skip() and friends print a result with no
# name ("ok 3 # SKIP reason"), which kunit.py does not take for a result.
NAMELESS = re.compile(r'^(\s*(?:not )?ok (\d+)) #', re.M)


def kunit_parse(kunit_py, name, text):
    """Parse one KTAP/TAP document with kunit.py parse. Returns the report
    kunit.py printed and a list of results for the leaf tests. A nameless
    result is named by its number (test-3)."""
    text = NAMELESS.sub(r'\1 test-\2 #', text)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'ktap.txt')
        out = os.path.join(tmp, 'ktap.json')
        with open(src, 'w') as f:
            f.write(text)
        proc = subprocess.run(['python3', kunit_py, 'parse', '--json=' + out,
                               src], capture_output=True, text=True)
        report = proc.stdout + proc.stderr
        if not os.path.exists(out):
            return report, [(name, 'FAIL', 'kunit.py parse failed')]
        with open(out) as f:
            tree = json.load(f)
    results = []

    def walk(group, prefix):
        for case in group.get('test_cases', []):
            results.append(('%s/%s' % (prefix, case['name']),
                            case['status'] if case['status'] in
                            ('PASS', 'SKIP') else 'FAIL', ''))
        for sub in group.get('sub_groups', []):
            walk(sub, '%s/%s' % (prefix, sub['name']))

    walk(tree, name)
    if not results:
        results.append((name, 'FAIL', 'no test results'))
    return report, results


def gate(console):
    """Return the kernel log lines that fail the run, labelled."""
    hits = []
    for line in console.splitlines():
        if ALLOW.search(line):
            continue
        for label, pattern in GATE:
            if pattern.search(line):
                hits.append('%s: %s' % (label, line.strip()))
                break
    return hits


def judge(kunit_py, output, console, prefix):
    """All results of one VM check run, and the reports to show."""
    events, sections = split_output(output)
    results, reports = [], []

    for name, text in sections.items():
        if not name.startswith('ktap:'):
            continue
        name = name[5:]
        # A KUnit section's KTAP names its suite itself.
        label = 'kunit' if name.startswith('kunit:') else name
        report, res = kunit_parse(kunit_py, '%s/%s' % (prefix, label), text)
        reports.append(report)
        results += res
    for words in events:
        if words[0] == 'step-exit':
            status = 'PASS' if words[2] == '0' else 'FAIL'
            results.append(('%s/%s' % (prefix, words[1]), status,
                            '' if status == 'PASS' else 'exit ' + words[2]))
        elif words[0] == 'ktap-truncated':
            results.append(('%s/%s' % (prefix, words[1]), 'FAIL',
                            'output truncated'))

    finished = any(w[0] == 'end' for w in events)
    results.append(('%s/vm-finished' % prefix,
                    'PASS' if finished else 'FAIL',
                    '' if finished else 'the VM did not reach the end of '
                    'its job (panic, hang or timeout): see console.log'))
    hits = gate(console + sections.get('kmemleak', ''))
    results.append(('%s/kernel-log-gate' % prefix,
                    'FAIL' if hits else 'PASS', '\n'.join(hits[:40])))
    return results, reports
