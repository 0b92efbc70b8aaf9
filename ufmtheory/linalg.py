"""Linear algebra in float64 (numpy/scipy) and at high precision (mpmath), on numpy arrays.

High-precision arrays are numpy arrays of mpmath ``mpf`` (dtype=object); conversions to and from
``mpmath.matrix`` happen here so that the rest of the toolkit only sees numpy arrays.
"""
from __future__ import annotations

import mpmath
import numpy as np

from .objective import is_mp


def to_mp_array(a) -> np.ndarray:
    """float64 (or anything mpf() accepts) → object array of mpf, exact for floats."""
    return np.vectorize(mpmath.mpf, otypes=[object])(np.asarray(a, dtype=object))


def _to_matrix(a: np.ndarray) -> mpmath.matrix:
    return mpmath.matrix(a.tolist())


def _from_matrix(m: mpmath.matrix) -> np.ndarray:
    out = np.empty((m.rows, m.cols), dtype=object)
    for i in range(m.rows):
        for j in range(m.cols):
            out[i, j] = m[i, j]
    return out


def svd(a: np.ndarray):
    """Thin SVD a = U diag(s) Vt, s descending; float64 via numpy, mpf via mpmath.svd_r."""
    if not is_mp(a):
        return np.linalg.svd(np.asarray(a, dtype=float), full_matrices=False)
    m, n = a.shape
    if m <= n:
        U, S, Vt = mpmath.svd_r(_to_matrix(a), full_matrices=False, compute_uv=True)
        U, Vt = _from_matrix(U), _from_matrix(Vt)
        s = np.array([S[i] for i in range(len(S))], dtype=object)
    else:
        Vt_, s, U_ = svd(a.T.copy())
        U, Vt = U_.T.copy(), Vt_.T.copy()
    order = sorted(range(len(s)), key=lambda i: -s[i])
    return U[:, order], s[order], Vt[order, :]


def singular_values(a: np.ndarray) -> np.ndarray:
    """Singular values, descending (float64, or mpf at the current precision)."""
    if not is_mp(a):
        return np.linalg.svd(np.asarray(a, dtype=float), compute_uv=False)
    m = _to_matrix(a)
    s = mpmath.svd_r(m, compute_uv=False)
    return np.array(sorted((s[i] for i in range(len(s))), reverse=True), dtype=object)


def random_orthogonal(d: int, rng=None, mp: bool = False) -> np.ndarray:
    """Haar-random orthogonal d×d matrix.

    float64: scipy.stats.ortho_group. mp: QR (mpmath.qr) of a Gaussian matrix with the signs of R's
    diagonal fixed (Mezzadri 2007), so the result is orthogonal to the working precision.
    """
    rng = np.random.default_rng(rng)
    if not mp:
        if d == 1:
            return np.array([[1.0 if rng.random() < 0.5 else -1.0]])
        import scipy.stats  # imported here: scipy.stats costs ~1 s of start-up
        return scipy.stats.ortho_group.rvs(d, random_state=rng)
    G = _to_matrix(to_mp_array(rng.standard_normal((d, d))))
    Q, R = mpmath.qr(G)
    Q = _from_matrix(Q)
    for j in range(d):
        if R[j, j] < 0:
            Q[:, j] = -Q[:, j]
    return Q


def inverse(a: np.ndarray) -> np.ndarray:
    """Matrix inverse (numpy for float64, mpmath.inverse for mpf)."""
    if not is_mp(a):
        return np.linalg.inv(a)
    return _from_matrix(mpmath.inverse(_to_matrix(a)))


def eye(d: int, mp: bool = False) -> np.ndarray:
    if not mp:
        return np.eye(d)
    return to_mp_array(np.eye(d))
