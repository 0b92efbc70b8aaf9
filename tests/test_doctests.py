"""The examples in docstrings run (doctest): a public function's example is part of its contract."""
import doctest
import importlib

import pytest

MODULES = ["ufmtheory.cli.common", "ufmtheory.limits", "ufmtheory", "ufmtheory.precision", "ufmtheory.model",
           "ufmtheory.testing.log", "ufmtheory.testing.inequality", "ufmtheory.testing.claims", "ufmtheory.processes",
           "ufmtheory.atlas", "ufmtheory.coupled", "ufmtheory.coupled_certificate", "ufmtheory.phase", "ufmtheory.losses", "ufmtheory.theorems.label_smoothing",
           "ufmtheory.intervals", "ufmtheory.objective", "ufmtheory.reduction", "ufmtheory.structures",
           "ufmtheory.optimal_value", "ufmtheory.certificates.scale", "ufmtheory.certificates.numbers", "ufmtheory.rootfinding", "ufmtheory.thresholds.tail",
           "ufmtheory.boxes", "ufmtheory.global_min", "ufmtheory.global_relax", "ufmtheory.global_certificate", "ufmtheory.global_search",
           "ufmtheory.global_scope", "ufmtheory.patterns", "ufmtheory.scale"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
