"""Writes the committed certificates in proofs/certificates/ (replacing them: --force).

Each line is an ordinary `ufmtheory certify` call (plus --dir proofs/certificates --force), so every
file can be rebuilt, and re-checked with `ufmtheory check-certificate proofs/certificates/*.json`.
"""
import os
import sys

from ufmtheory.cli import main

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "proofs", "certificates")

CALLS = [
    # Figure-1 setting (paper §5): paired's optimum < DNC's, with enclosures of both losses
    ["certify", "order", "--K", "10", "--L", "2", "--n", "5", "--lam", "2^-10"],
    # tie thresholds of DNC vs paired outside Theorem 1's region (brackets from a λ = 2^(-k/4) scan)
    ["certify", "tie", "--K", "4", "--L", "2", "--n", "1", "--lam-bracket", "2^-7,2^-6"],
    ["certify", "tie", "--K", "5", "--L", "2", "--n", "1", "--lam-bracket", "2^-5,2^-4"],
    # the theorems' inequalities, exact
    ["certify", "theorem1", "--K-max", "200"],
    ["certify", "theorem7", "--K-max", "200"],
    # the K = 3 global minimum of the reduced loss at L = 1, λ = 1/20 (DNC; convex relaxation, cell tree)
    ["certify", "global-minimum", "--K", "3", "--L", "1", "--n", "1", "--lam", "1/20"],
]

if __name__ == "__main__":
    status = 0
    for call in CALLS:
        status |= main(call + ["--dir", OUT, "--force"])
    sys.exit(status)
