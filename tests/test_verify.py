"""``ufmtheory verify``: the registry, its table, and its exit status."""
import json
import re

import pytest

from ufmtheory.cli import main
from ufmtheory.theorems import REGISTRY, CheckRow, TheoremEntry
from ufmtheory.theorems.theorem1 import penalty_inequality, stated_region


def test_registry_entries_are_complete():
    assert {"lemma1", "theorem1"} <= set(REGISTRY)
    for e in REGISTRY.values():
        assert e.statement and e.source and callable(e.check) and callable(e.hypotheses)


def test_theorem1_region_by_hand():
    """Hand-derived: L=2 needs m(2 − 2^{2/3}) > 1 ⇒ m >= 3 (K >= 6); L=3 needs m(2 − √2) > 1 ⇒ m >= 2."""
    assert [K for K in range(2, 13) if penalty_inequality(K, 2)] == list(range(6, 13))
    assert [K for K in range(2, 13) if penalty_inequality(K, 3)] == list(range(4, 13))
    assert not any(penalty_inequality(K, 1) for K in range(2, 40))
    assert stated_region(6, 2) and not stated_region(5, 2) and stated_region(4, 3) and not stated_region(3, 6)


def test_verify_quick_lemma1_json(capsys):
    assert main(["verify", "--only", "lemma1", "--quick", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    verdicts = {r["claim"]: r["verdict"] for r in out["rows"]}
    assert out["failures"] == 0 and "holds" in verdicts.values()
    assert all(set(r) >= {"theorem", "claim", "parameters", "verdict", "evidence"} for r in out["rows"])


def test_verify_exits_nonzero_when_a_claim_fails(capsys, monkeypatch):
    def failing(opts):
        return [CheckRow("Test", "1 + 1 = 3", "-", "fails", "computed 2")]
    entry = TheoremEntry("failing", "a false claim", "1 + 1 = 3", "test", lambda **_: True, failing)
    monkeypatch.setitem(REGISTRY, "failing", entry)
    assert main(["verify", "--only", "failing"]) == 1
    assert "fails" in capsys.readouterr().out
    # a failing *finding* (not expected to hold) does not fail the run
    entry2 = TheoremEntry("finding", "f", "f", "test", lambda **_: True,
                          lambda o: [CheckRow("T", "c", "-", "finding", "e", expected_to_hold=False)])
    monkeypatch.setitem(REGISTRY, "finding", entry2)
    assert main(["verify", "--only", "finding"]) == 0


def test_bad_verdict_rejected():
    with pytest.raises(ValueError):
        CheckRow("T", "c", "p", "probably", "e")


def test_full_verify_passes(capsys):
    """The README's main command: every registered check, default grids."""
    assert main(["verify", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\d+ claims: .*, 0 failures — ", out, re.M)
