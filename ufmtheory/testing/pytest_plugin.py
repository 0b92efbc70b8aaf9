"""pytest plugin (entry point ``pytest11``: loaded automatically once ufmtheory is installed).

- fixture ``claims``: the log ``ufmtheory.testing.CLAIMS`` (records: kind, statement, status);
- fixture ``ufm_precision``: ``with ufm_precision(50): ...`` runs a block at 50 mpmath digits (the
  precision is restored after the test in any case);
- marker ``certified``: the test fails unless it made at least one certified claim;
- at the end of the run: "ufmtheory claims: N certified, M held, F failed" (also under pytest-xdist),
  saying how many of the failed claims were made by tests that passed (tests that expected a
  refutation, e.g. under ``pytest.raises``).
"""
from __future__ import annotations

import mpmath
import pytest

from .log import CLAIMS, counts, summary_line

_START = "_ufmtheory_claims_start"
_WORKER_KEY = "ufmtheory_claims"
_EXPECTED = "expected"  # failed claims made by tests that passed


def pytest_configure(config):
    config.addinivalue_line("markers", "certified: the test must make at least one certified ufmtheory claim")
    setattr(config, _START, len(CLAIMS))
    config._ufmtheory_worker_counts = []
    config._ufmtheory_expected = 0


@pytest.fixture
def claims():
    """The claim log (``ufmtheory.testing.CLAIMS``)."""
    return CLAIMS


@pytest.fixture
def ufm_precision():
    """A context manager factory: ``with ufm_precision(dps): ...`` sets the mpmath working precision."""
    saved = mpmath.mp.prec
    try:
        yield mpmath.workdps
    finally:
        mpmath.mp.prec = saved


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    start = len(CLAIMS)
    result = yield  # raises if the test failed
    if item.get_closest_marker("certified") is not None and \
            not any(r.status == "certified" for r in CLAIMS[start:]):
        pytest.fail("marked certified, but the test made no certified ufmtheory claim", pytrace=False)
    item.config._ufmtheory_expected += sum(1 for r in CLAIMS[start:] if r.status == "failed")
    return result


def _own_counts(config) -> dict:
    c = counts(CLAIMS[getattr(config, _START, 0):])
    c[_EXPECTED] = getattr(config, "_ufmtheory_expected", 0)
    return c


def _session_counts(config) -> dict:
    c = _own_counts(config)
    for wc in getattr(config, "_ufmtheory_worker_counts", []):
        for k in c:
            c[k] += wc.get(k, 0)
    return c


def pytest_sessionfinish(session):
    config = session.config
    if hasattr(config, "workeroutput"):  # a pytest-xdist worker: hand the counts to the controller
        config.workeroutput[_WORKER_KEY] = _own_counts(config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    out = getattr(node, "workeroutput", {}) or {}
    if _WORKER_KEY in out:
        node.config._ufmtheory_worker_counts.append(out[_WORKER_KEY])


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    c = _session_counts(config)
    expected = c.pop(_EXPECTED)
    if sum(c.values()):
        terminalreporter.write_line(summary_line(c, expected))
