"""Structures: exact singular values, ranks, diagonal superiority, q_K (SPEC §3)."""
import itertools

import mpmath
import numpy as np
import pytest
import sympy as sp

import ufmtheory as ut


@pytest.mark.parametrize("K", range(2, 13))
@pytest.mark.parametrize("name", ["dnc", "paired", "polygon"])
def test_exact_singular_values_match_high_precision_svd(name, K):
    S = ut.named(name, K)
    with mpmath.workdps(60):
        s = mpmath.svd_r(mpmath.matrix(S.matrix_mp(60).tolist()), compute_uv=False)
        numeric = sorted((s[i] for i in range(K)), reverse=True)
        exact = [mpmath.mpf(sp.N(x, 70)) for x in S.exact_singular_values]
        for a, b in zip(numeric, exact):
            assert abs(a - b) < mpmath.mpf(10) ** -50


def test_named_patterns_by_hand():
    assert ut.paired(4).matrix.tolist() == [[1, -1, 0, 0], [-1, 1, 0, 0], [0, 0, 1, -1], [0, 0, -1, 1]]
    assert ut.paired(3).matrix.tolist() == [[1, -1, 0], [-1, 1, 0], [0, 0, 1]]
    assert ut.dnc(3).matrix[0, 0] == sp.Rational(2, 3) and ut.dnc(3).matrix[1, 0] == sp.Rational(-1, 3)
    assert ut.polygon(4).matrix.tolist() == [[1, 0, -1, 0], [0, 1, 0, -1], [-1, 0, 1, 0], [0, -1, 0, 1]]


@pytest.mark.parametrize("K", range(2, 9))
def test_ranks_and_superiority(K):
    assert ut.dnc(K).rank == K - 1 and ut.dnc(K).is_diagonally_superior()
    assert ut.paired(K).rank == K // 2 + K % 2 and ut.paired(K).is_diagonally_superior()
    assert ut.polygon(K).rank == (1 if K == 2 else 2) and ut.polygon(K).is_diagonally_superior()
    # ranks from exact singular values agree with sympy's exact rank of the rational matrices
    assert ut.from_matrix(ut.paired(K).matrix).rank == ut.paired(K).rank
    assert ut.from_matrix(np.array(ut.dnc(K).matrix.tolist(), dtype=object)).rank == K - 1


def test_user_matrix_rank_numerical_for_irrational_entries():
    M = ut.polygon(5).matrix
    S = ut.from_matrix(M, name="pentagon")
    assert S.exact_singular_values is None and S.rank == 2
    assert ut.from_matrix([[1.0, 0.5], [0.25, 1.0]]).is_diagonally_superior()
    assert not ut.from_matrix([[1, 1], [0, 1]]).is_diagonally_superior()  # tie is not superior


def test_column_types_group_identical_columns():
    assert len(ut.dnc(7).column_types()) == 1
    assert len(ut.paired(6).column_types()) == 1
    assert len(ut.paired(7).column_types()) == 2
    assert len(ut.polygon(9).column_types()) == 1


@pytest.mark.parametrize("K", [2, 3, 4, 5])
def test_q_K_witness_and_rank_one_impossibility(K):
    q, witness = ut.q_K(K)
    assert witness.K == K and witness.rank == q and witness.is_diagonally_superior()
    # independent route: no rank-one u vᵀ is diagonally superior for K >= 3. Column c = v_c u has its
    # strict maximum at argmax u (v_c > 0) or argmin u (v_c < 0): search over orderings of u and signs.
    found = False
    for order in itertools.permutations(range(K)):
        u = np.empty(K)
        u[list(order)] = np.arange(K, dtype=float)  # distinct values in every order
        for signs in itertools.product([-1.0, 1.0], repeat=K):
            M = np.outer(u, signs)
            if all(M[c, c] > max(M[j, c] for j in range(K) if j != c) for c in range(K)):
                found = True
    assert found == (K == 2)
