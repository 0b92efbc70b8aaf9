"""Test configuration: hypothesis profiles and shared helpers.

CI sets CI=true and gets the deterministic ``ci`` profile (derandomised, no deadline, no example
database). Locally the ``dev`` profile runs; ``HYPOTHESIS_PROFILE=thorough`` runs many more examples.
"""
import os

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile("ci", derandomize=True, deadline=None, database=None, max_examples=25,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", deadline=None, max_examples=500,
                          suppress_health_check=[HealthCheck.too_slow])

if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")
else:
    settings.load_profile("dev")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def cli_box():
    """A ``CLISandbox``: runs ``ufmtheory`` commands in forked children under a time and memory cap."""
    from cli_sandbox import CLISandbox
    with CLISandbox() as box:
        yield box
