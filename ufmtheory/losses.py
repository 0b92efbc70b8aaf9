"""The fit term g(Z) of the DUFM as one object per loss: every formula that depends on the loss lives here.

SPEC §1 (paper Eq. 1): ℒ = g(Z) + ½ Σ_f λ_f ‖F‖², g averaged over the N samples (columns of Z ∈ R^{K×N}).

- ``CrossEntropy`` ("ce"): g(Z) = (1/N) Σ_i [log Σ_j e^{z_ji} − z_{y_i,i}]; ∇g = (softmax(Z) − Y)/N;
  ∇²g[dZ] = (P∘dZ − P∘(1 1ᵀ(P∘dZ)))/N column by column (P = softmax(Z)). DNC: simplex ETF I − 11ᵀ/K.
- ``LabelSmoothedCrossEntropy(ε)`` ("ls-ce:ε", 0 <= ε < 1): targets y^ε = (1−ε) e_c + (ε/K) 1,
  g(Z) = −(1/N) Σ_i Σ_j y^ε_j log softmax(z_i)_j; ∇g = (softmax(Z) − Y^ε)/N, the same Hessian as CE
  (the targets enter g linearly). ε = 0 is CE. DNC: simplex ETF.
- ``MeanSquaredError`` ("mse"): g(Z) = (1/(2N))‖Z − Y‖_F²; ∇g = (Z − Y)/N; ∇²g[dZ] = dZ/N.
  DNC without bias: the orthogonal frame γ·I (Dang et al., ICML 2023).

One-scale structures (SPEC §2): for Z = t·S ⊗ 1ᵀ every loss supplies the fit ḡ_S(t) in mpmath with
h(t) := −ḡ_S'(t) and h'(t) (``scale.ScaleProblem``), interval enclosures of h, h' (the root isolation
of ``scale``), bounds of h that bracket every positive critical point, and ḡ(0). For a column c with
logit gaps g_j = S_cc − S_jc (g_c = 0), label smoothing adds a linear term:
    −Σ_j y^ε_j log softmax(t S_c)_j = log Σ_j e^{−t g_j} + t (ε/K) Σ_j g_j
(log softmax_j = t S_jc − t S_cc − log Σ_k e^{−t g_k}; Σ_j y^ε_j = 1, and (1−ε)·0 + (ε/K)Σ_j (S_cc − S_jc)
is what is left; ``tests/test_losses.py`` checks it against the definition).

Registry: ``LOSSES`` maps a name to a factory; ``get("ls-ce:0.1")`` parses a parameterised name
(``name:value``), ``get(loss_object)`` returns it, ``describe()`` lists them (``--loss help``).
Adding a loss = one class and one ``LOSSES`` entry here; no other module branches on the loss.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from . import _validate as V
from .precision import exact_number

# ---- number-type-generic array helpers (float64 arrays or numpy arrays of mpf) --------------------

_mp_exp = np.frompyfunc(mpmath.exp, 1, 1)
_mp_log = np.frompyfunc(mpmath.log, 1, 1)
_mp_log1p = np.frompyfunc(mpmath.log1p, 1, 1)


def is_mp(a) -> bool:
    """True for a numpy array of mpmath numbers (dtype=object)."""
    return np.asarray(a).dtype == object


def _exp(a):
    return _mp_exp(a) if is_mp(a) else np.exp(a)


def _log(a):
    return _mp_log(a) if is_mp(a) else np.log(a)


def _like(A: np.ndarray, like) -> np.ndarray:
    """A float64 array converted to mpf entries when ``like`` is an mpf array."""
    return np.vectorize(mpmath.mpf, otypes=[object])(A) if is_mp(like) else A


def logsumexp_columns(Z: np.ndarray) -> np.ndarray:
    """log Σ_j exp(Z_{j,i}) for every column i, shifted by the column maximum (stable)."""
    m = Z.max(axis=0)
    return m + _log(_exp(Z - m).sum(axis=0))


def _column_max(Z: np.ndarray):
    cols = np.arange(Z.shape[1])
    jstar = np.argmax(Z, axis=0) if not is_mp(Z) else np.array(
        [max(range(Z.shape[0]), key=lambda j: Z[j, i]) for i in cols])
    return jstar, Z[jstar, cols]


def _log1p_rest(Z: np.ndarray, jstar, m):
    """log1p(Σ_{j ≠ j*} e^{Z_ji − m_i}) per column (m_i = Z_{j*,i} the column maximum)."""
    E = _exp(Z - m)
    E[jstar, np.arange(Z.shape[1])] = 0
    rest = E.sum(axis=0)
    return _mp_log1p(rest) if is_mp(Z) else np.log1p(rest)


def cross_entropy_columns(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CE_i = log Σ_j e^{Z_ji} − Z_{y_i,i} = (m_i − Z_{y_i,i}) + log1p(Σ_{j ≠ j*} e^{Z_ji − m_i}),
    m_i = Z_{j*,i} the column maximum: tiny losses keep their relative accuracy (no cancellation).

    >>> float(cross_entropy_columns(np.array([[0.0], [0.0]]), np.array([0]))[0])  # log 2
    0.6931471805599453
    """
    jstar, m = _column_max(Z)
    return (m - Z[y, np.arange(Z.shape[1])]) + _log1p_rest(Z, jstar, m)


def softmax_columns(Z: np.ndarray) -> np.ndarray:
    """Column-wise softmax (shifted by the column maximum)."""
    E = _exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)


def one_hot(labels: np.ndarray, K: int, like=None) -> np.ndarray:
    """K×N matrix with Y[labels[i], i] = 1 (mpf entries when ``like`` is an mpf array)."""
    Y = np.zeros((K, len(labels)), dtype=float)
    Y[labels, np.arange(len(labels))] = 1.0
    return Y if like is None else _like(Y, like)


# ---- one-scale fit terms (mpmath and interval) ----------------------------------------------------

def power_of_two_at_most(x) -> Fraction:
    """The largest power of two <= x (x > 0, an mpf or a number mpmath takes), as a Fraction.

    >>> power_of_two_at_most(mpmath.mpf("0.3")), power_of_two_at_most(8)
    (Fraction(1, 4), Fraction(8, 1))
    """
    from .precision import to_fraction
    q = to_fraction(mpmath.mpf(x))
    k = int(mpmath.floor(mpmath.log(mpmath.mpf(x), 2)))
    while Fraction(2) ** (k + 1) <= q:  # the log's rounding, either way
        k += 1
    while Fraction(2) ** k > q:
        k -= 1
    return Fraction(2) ** k


def head_bound(B, M, c, one_minus_p: Fraction) -> Fraction:
    """t_lo for φ(t) = t^{1−p} h(t) with h <= M (M > 0, c > 0 enclosures in backend ``B``, p < 1): a power of
    two with M t_lo^{1−p} < c proven, so φ(t) < c, hence no critical point, on (0, t_lo]; the largest power
    of two <= (c/M)^{1/(1−p)}/2 (computed from the enclosures' ends), halved until the proof holds.
    For L = 1 (p = 1) it is 0. Shared by the scale optimum and the certificates (one search region).

    >>> from ufmtheory.intervals import backend
    >>> B = backend()
    >>> with B.precision(64):
    ...     head_bound(B, B.point(1), B.point(Fraction(1, 100)), Fraction(1, 3))  # <= (1/100)^3 / 2
    Fraction(1, 2097152)
    """
    if one_minus_p == 0:
        return Fraction(0)
    omp = B.point(one_minus_p)
    c_lo, M_hi = B.lower(c), B.upper(M)
    t = power_of_two_at_most(mpmath.power(c_lo / M_hi, 1 / (mpmath.mpf(one_minus_p.numerator) / one_minus_p.denominator)) / 2)
    for _ in range(4000):
        if B.sign(c - B.pow_pos(B.point(t), omp) * M) > 0:
            return t
        t /= 2
    raise ArithmeticError("could not bound the critical points from below")  # pragma: no cover


def tail_holds(B, terms, T: Fraction, c, one_minus_p: Fraction) -> bool:
    """Proven in ``B`` (interval arithmetic at its precision): T δ > 1−p (>= when p = 1) for every term
    (a, δ) (enclosures, a >= 0, δ > 0) and T^{1−p} Σ a e^{−δT} < c. Then each t^{1−p} e^{−δt} decreases
    on [T, ∞) (its log-derivative (1−p)/t − δ is < 0), so φ(t) <= t^{1−p} Σ a e^{−δt} < c there: no
    critical point beyond T."""
    Tq, omp = B.point(T), B.point(one_minus_p)
    for _, d in terms:
        s = B.sign(Tq * d - omp)
        if s < 0 or (s == 0 and one_minus_p != 0):
            return False
    bound = B.point(0)
    for a, d in terms:
        bound = bound + a * B.exp(-d * Tq)
    if one_minus_p != 0:
        bound = B.pow_pos(Tq, omp) * bound
    return B.sign(c - bound) > 0


def tail_bound(B, terms, c, one_minus_p: Fraction) -> Fraction:
    """T for h(t) <= Σ a e^{−δt} (``terms``: enclosures): the least power of two >= max((1−p)/δ, 2^-60)
    from which doubling reaches ``tail_holds``. Shared by the scale optimum and the certificates.

    >>> from ufmtheory.intervals import backend
    >>> B = backend()
    >>> with B.precision(64):
    ...     tail_bound(B, [(B.point(1), B.point(1))], B.point(Fraction(1, 100)), Fraction(1, 3))
    Fraction(8, 1)
    """
    omp = mpmath.mpf(one_minus_p.numerator) / one_minus_p.denominator
    start = max([omp / B.lower(d) for _, d in terms] + [mpmath.mpf(2) ** -60])
    T = Fraction(2) ** int(mpmath.ceil(mpmath.log(start, 2)))
    for _ in range(4000):
        if tail_holds(B, terms, T, c, one_minus_p):
            return T
        T *= 2
    raise ArithmeticError("could not bound the critical points from above")  # pragma: no cover


def _tail_bound_mpf(tail, c, one_minus_p: Fraction):
    """``tail_bound`` for mpf terms and c (the one-scale engine's constants), enclosed at the current
    precision; 1 − p exact."""
    from .intervals import backend  # imported here: flint is not needed to import the model
    B = backend()
    with B.precision(int(mpmath.mp.prec)):
        T = tail_bound(B, [(B.point(a), B.point(d)) for a, d in tail], B.point(c), one_minus_p)
    return mpmath.mpf(T.numerator) / T.denominator


class CEFit:
    """ḡ(t) = Σ_types w log Σ_j m_j e^{−t g_j} (columns with identical gap multisets grouped)."""

    kind = "ce"

    def __init__(self, types):
        # types: list of (weight, [gaps], [multiplicities]); gaps include the diagonal gap 0
        self.types = [(mpmath.mpf(w), [mpmath.mpf(g) for g in gs], [int(m) for m in ms]) for w, gs, ms in types]
        self._memo: dict = {}  # see ``_remember``

    def _remember(self, key, compute):
        """``compute()`` once per key: constants of the fit at one precision (the key holds it), asked
        for at every critical point and every box (value terms, tail terms, ḡ(0), interval functions)."""
        memo = self._memo
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def __getstate__(self):
        """Pickled without the remembered values (arb balls do not pickle; recomputed on demand)."""
        state = dict(self.__dict__)
        state["_memo"] = {}
        return state

    def value(self, t):
        """log Σ m e^{−tg} = −t g_min + log m_min + log1p(Σ_{g > g_min} (m/m_min) e^{−t(g − g_min)}):
        keeps relative accuracy when the fit is tiny (large t)."""
        total = mpmath.mpf(0)
        for w, gmin, mmin, log_mmin, rest_terms in self._value_terms():
            # terms that are exactly 0 (log 1, t·0) or 1 (division by m_min = 1) are left out, and a
            # one-term sum is its term: each result is already rounded to the working precision
            if len(rest_terms) == 1:
                m, d = rest_terms[0]
                rest = m * mpmath.exp(-t * d)
            else:
                rest = mpmath.fsum(m * mpmath.exp(-t * d) for m, d in rest_terms)
            if mmin != 1:
                rest = rest / mmin
            x = mpmath.log1p(rest)
            if mmin != 1:
                x = log_mmin + x
            if gmin != 0:
                x = x - t * gmin
            total += w * x
        return total

    def _value_terms(self) -> list:
        """Per type (w, g_min, m_min, log m_min, [(m, g − g_min) for g > g_min]) at the current
        precision (remembered per precision: ``value`` is asked at every critical point)."""
        def compute():
            out = []
            for w, gs, ms in self.types:
                gmin = min(gs)
                mmin = sum(m for g, m in zip(gs, ms) if g == gmin)
                out.append((w, gmin, mmin, mpmath.log(mmin), [(m, g - gmin) for g, m in zip(gs, ms) if g != gmin]))
            return out
        return self._remember(("value terms", int(mpmath.mp.prec)), compute)

    def moments(self, t, order: int = 2):
        """(h, h', h'') = Σ w (E_π g, −Var_π g, κ₃,π g), π_j ∝ m_j e^{−t g_j} (h' only when
        order >= 2, h'' only when order >= 3; the others are returned as 0)."""
        h = dh = d2h = mpmath.mpf(0)
        for w, gs, ms in self.types:
            gmin = min(gs)
            e = [m * mpmath.exp(-t * (g - gmin)) for g, m in zip(gs, ms)]
            Zs = mpmath.fsum(e)
            mean = mpmath.fsum(g * x for g, x in zip(gs, e)) / Zs
            h += w * mean
            if order >= 2:
                dh -= w * mpmath.fsum(x * (g - mean) ** 2 for g, x in zip(gs, e)) / Zs
            if order >= 3:
                d2h += w * mpmath.fsum(x * (g - mean) ** 3 for g, x in zip(gs, e)) / Zs
        return h, dh, d2h

    def h(self, t):
        """−ḡ'(t) = Σ w E_π[g], π_j ∝ m_j e^{−t g_j}."""
        return self.moments(t, 1)[0]

    def dh(self, t):
        """h'(t) = −Σ w Var_π(g)."""
        return self.moments(t, 2)[1]

    def sup_h(self):
        """M >= h(t) for all t >= 0."""
        return mpmath.fsum(w * max(mpmath.mpf(0), max(gs)) for w, gs, ms in self.types)

    def tail_terms(self):
        """(coefficient a, rate δ) with h(t) <= Σ a e^{−δ t} for all t >= 0 (g_min <= 0: the diagonal
        gap 0 is a gap, so E_π g <= Σ_{g>0} π_g g and π_g <= (m_g/m_min) e^{−t(g − g_min)})."""
        out = []
        for w, gs, ms in self.types:
            gmin = min(gs)
            mmin = sum(m for g, m in zip(gs, ms) if g == gmin)
            for g, m in zip(gs, ms):
                if g > 0:
                    out.append((w * m * g / mmin, g - gmin))
        return out

    def upper_bracket(self, c, one_minus_p, t_lo):
        """(T, reason): no positive critical point beyond T (φ(t) = t^{1−p} h(t) < c there)."""
        tail = self._remember(("tail terms", int(mpmath.mp.prec)), self.tail_terms)
        return (_tail_bound_mpf(tail, c, one_minus_p),
                "φ(t) <= T^{1−p} Σ a e^{−δT} < c beyond T (decreasing bound, proven in interval arithmetic)")

    # interval versions -----------------------------------------------------------------------
    def _interval_moments(self, B) -> "IntervalGapMoments":
        """The fit's ``IntervalGapMoments``: the mpf constants enclosed at the backend's current
        precision, once per backend and precision (the enclosures are immutable)."""
        def compute():
            return IntervalGapMoments(B, [(B.point(w), [B.point(g) for g in gs], [B.point(m) for m in ms])
                                          for w, gs, ms in self.types])
        return self._remember(("interval moments", B.name, B.bits()), compute)

    def interval_functions(self, B):
        """(h(X), h'(X)) enclosures (``IntervalGapMoments``)."""
        G = self._interval_moments(B)
        return G.h, G.dh

    def interval_value(self, B):
        """X ↦ an enclosure of ḡ(X) (``IntervalGapMoments.fit``).

        >>> from ufmtheory.intervals import backend
        >>> B, fit = backend(), CEFit([(1, [0, 1], [1, 2])])
        >>> with B.precision(64):
        ...     v = fit.interval_value(B)(B.point(1))
        >>> B.lower(v) <= fit.value(mpmath.mpf(1)) <= B.upper(v)
        True
        """
        return self._interval_moments(B).fit

    @property
    def zero_value(self):
        """ḡ(0) at the current precision (remembered per precision)."""
        return self._remember(("zero", int(mpmath.mp.prec)), lambda: self.value(mpmath.mpf(0)))


class IntervalGapMoments:
    """Interval extensions of the CE scale fit and its gap moments, for gap types given as backend
    enclosures (w, [g_j], [m_j]): π_j(X) = 1 / Σ_k (m_k/m_j) e^{−X(g_k − g_j)} (X once per term, π_j ∈ (0, 1]),
        ḡ = Σ w [log m* + log1p(Σ_{k≠*} (m_k/m*) e^{−X(g_k − g*)}) − X g*]   (g* a smallest gap),
        h = −ḡ' = Σ w Σ_j g_j π_j,   h' = −Σ w Σ_{i<j} π_i π_j (g_i − g_j)²,   h'' = Σ w Σ_i π_i (g_i − E_π g)³.
    The ratios m_k/m_j, differences g_k − g_j and log m* are enclosed once, here (create inside the
    backend's precision block). The one interval evaluation of a CE scale problem: ``CEFit``,
    ``certificates.exact.IntervalScale`` and ``optimal_value.Curve`` use it.

    >>> from ufmtheory.intervals import backend
    >>> B = backend()
    >>> with B.precision(64):
    ...     G = IntervalGapMoments(B, [(B.point(1), [B.point(0), B.point(1)], [B.point(1), B.point(2)])])
    ...     fit = G.fit(B.point(1))  # log(1 + 2 e^{−1})
    >>> B.lower(fit) <= mpmath.log(1 + 2 * mpmath.exp(-1)) <= B.upper(fit)
    True
    """

    def __init__(self, B, types):
        self.B = B
        self.types = [(w, list(gs), list(ms)) for w, gs, ms in types]
        self.ratio = [[[ms[k] / ms[j] for k in range(len(gs))] for j in range(len(gs))] for _, gs, ms in self.types]
        self.diffs = [[[gs[k] - gs[j] for k in range(len(gs))] for j in range(len(gs))] for _, gs, _ in self.types]
        # per type: the index of a smallest gap, by the enclosures' centres (any index gives the same ḡ;
        # the smallest keeps every exponential <= 1), and log of its multiplicity
        self.jmins = [min(range(len(gs)), key=lambda j: B.midpoint(gs[j])) for _, gs, _ in self.types]
        self.log_mmin = [B.log(ms[j]) for (_, _, ms), j in zip(self.types, self.jmins)]
        self._zero, self._one = B.point(0), B.point(1)  # exact at every precision
        self._recent: dict = {}
        self._squares: dict = {}  # (g_a − g_b)² per precision (bits), as h' asks for them at every X

    def pis(self, X, i: int) -> list:
        """π_j(X) of gap type ``i``."""
        return self._all_pis(X)[i]

    def _type_pis(self, negX, i: int) -> list:
        ratio, diffs, exp, one = self.ratio[i], self.diffs[i], self.B.exp, self._one
        out = []
        for j in range(len(ratio)):
            rj, dj = ratio[j], diffs[j]
            # the sums start at their first term, not at 0 (0 + x is x exactly: same enclosures)
            s = one if j == 0 else rj[0] * exp(negX * dj[0])
            for k in range(1, len(rj)):
                s = s + (one if k == j else rj[k] * exp(negX * dj[k]))
            out.append(1 / s)
        return out

    def _point_pis(self, negX, i: int) -> list:
        """π_j at an exact point X: e_k = (m_k/m*) e^{−X(g_k − g*)} <= 1 about a smallest gap g*, π_j = e_j / Σ_k e_k
        (n − 1 exponentials instead of n(n − 1); at a point the shared e_k cost no width)."""
        jmin = self.jmins[i]
        ratio, diffs, exp, one = self.ratio[i][jmin], self.diffs[i][jmin], self.B.exp, self._one
        e = [one if k == jmin else ratio[k] * exp(negX * diffs[k]) for k in range(len(ratio))]
        s = e[0]
        for x in e[1:]:
            s = s + x
        inv = 1 / s
        return [x * inv for x in e]

    def _all_pis(self, X) -> list:
        """π of every type at X; the last few X (by identity, at the current precision) are remembered,
        since h, h' and h'' are usually asked at the same X one after another (same numbers either way:
        backend intervals are immutable)."""
        key = (id(X), self.B.bits())
        hit = self._recent.get(key)
        if hit is not None and hit[0] is X:
            return hit[1]
        negX = -X
        pis = self._point_pis if self.B.is_point(X) else self._type_pis
        out = [pis(negX, i) for i in range(len(self.types))]
        if len(self._recent) >= 8:
            self._recent.clear()
        self._recent[key] = (X, out)  # holds X: its id cannot be reused while remembered
        return out

    def fit(self, X):
        """ḡ(X) (class docstring): log1p keeps the relative accuracy of a tiny fit (large X)."""
        B = self.B
        total = self._zero
        for i, (w, gs, _) in enumerate(self.types):
            jmin, ratio, diffs = self.jmins[i], self.ratio[i][self.jmins[i]], self.diffs[i][self.jmins[i]]
            rest = self._zero
            for k in range(len(gs)):
                if k != jmin:
                    rest = rest + ratio[k] * B.exp(-X * diffs[k])
            total = total + w * (self.log_mmin[i] + B.log1p(rest) - X * gs[jmin])
        return total

    def h(self, X):
        total = None  # sums start at their first term (0 + x is x exactly)
        for (w, gs, _), pi in zip(self.types, self._all_pis(X)):
            mean = gs[0] * pi[0]
            for a in range(1, len(gs)):
                mean = mean + gs[a] * pi[a]
            total = w * mean if total is None else total + w * mean
        return self._zero if total is None else total

    def _squared_diffs(self) -> list:
        """(g_a − g_b)² of every type, at the current precision (remembered per precision)."""
        bits = self.B.bits()
        sq = self._squares.get(bits)
        if sq is None:
            sq = self._squares[bits] = [[[d ** 2 for d in row] for row in diffs] for diffs in self.diffs]
        return sq

    def dh(self, X):
        total = None  # sums start at their first term (0 − x is −x exactly)
        for (w, gs, _), pi, sq in zip(self.types, self._all_pis(X), self._squared_diffs()):
            var = self._zero
            for a in range(len(gs)):
                for b in range(a + 1, len(gs)):
                    term = pi[a] * pi[b] * sq[b][a]
                    var = term if a == 0 and b == 1 else var + term
            total = -(w * var) if total is None else total - w * var
        return self._zero if total is None else total

    def d2h(self, X):
        zero = self._zero
        total = zero
        for (w, gs, _), pi, diffs in zip(self.types, self._all_pis(X), self.diffs):
            k3 = zero
            for a in range(len(gs)):
                dev = zero
                for b in range(len(gs)):
                    if b != a:
                        dev = dev + pi[b] * diffs[b][a]
                k3 = k3 + pi[a] * dev ** 3
            total = total + w * k3
        return total


class LSCEFit(CEFit):
    """Label-smoothed CE: ḡ(t) = Σ_types w [log Σ_j m_j e^{−t g_j} + t (ε/K) Σ_j m_j g_j]
    (module docstring), so h(t) = h_CE(t) − a with a = (ε/K) Σ_types w Σ_j m_j g_j, h' = h'_CE.

    Brackets. sup h = sup h_CE − a. Upper bound: per type, E_π g <= g_min + Σ_{g>g_min}
    (m_g/m_min)(g − g_min) e^{−t(g − g_min)} and (ε/K) Σ_j m_j g_j >= ε g_min (Σ_j m_j = K), so
    h(t) <= Σ w b + Σ_k a_k e^{−δ_k t} with b = (1−ε) g_min <= 0 (the diagonal gap 0 is a gap):
    φ(t) <= t^{1−p} Σ_k a_k e^{−δ_k t}, and ``tail_bound`` applies with these a_k, δ_k = g − g_min.
    (Unlike CE the fit does not tend to 0: ḡ → ∞ linearly when a > 0 — it is bounded below by the
    entropy of y^ε, so f(t) → ∞ still and the best critical point or 0 is the global minimum.)"""

    kind = "ls-ce"

    def __init__(self, types, eps, K):
        super().__init__(types)
        self.eps = mpmath.mpf(eps.numerator) / eps.denominator if isinstance(eps, Fraction) else mpmath.mpf(eps)
        self.a = self.eps / K * mpmath.fsum(w * mpmath.fsum(m * g for g, m in zip(gs, ms)) for w, gs, ms in self.types)

    def value(self, t):
        return super().value(t) + t * self.a

    def moments(self, t, order: int = 2):
        h, dh, d2h = super().moments(t, order)
        return h - self.a, dh, d2h

    def sup_h(self):
        return super().sup_h() - self.a

    def tail_terms(self):
        out = []
        for w, gs, ms in self.types:
            gmin = min(gs)
            mmin = sum(m for g, m in zip(gs, ms) if g == gmin)
            out += [(w * m * (g - gmin) / mmin, g - gmin) for g, m in zip(gs, ms) if g > gmin]
        return out

    def upper_bracket(self, c, one_minus_p, t_lo):
        tail = self._remember(("tail terms", int(mpmath.mp.prec)), self.tail_terms)
        return (_tail_bound_mpf(tail, c, one_minus_p),
                "φ(t) <= T^{1−p} Σ a e^{−δT} < c beyond T (label smoothing: h <= h_CE-type tail, b <= 0)")

    def interval_functions(self, B):
        h, dh = super().interval_functions(B)
        a = B.point(self.a)
        return (lambda X: h(X) - a), dh

    def interval_value(self, B):
        fit, a = super().interval_value(B), B.point(self.a)
        return lambda X: fit(X) + X * a


class MSEFit:
    """ḡ(t) = A t² − B t + C with A = Σ_c w_c‖S_c‖²/2, B = Σ_c w_c S_cc, C = 1/2."""

    kind = "mse"

    def __init__(self, A, Bc):
        self.A, self.B, self.C = mpmath.mpf(A), mpmath.mpf(Bc), mpmath.mpf(1) / 2

    def value(self, t):
        return self.A * t * t - self.B * t + self.C

    def h(self, t):
        return self.B - 2 * self.A * t

    def dh(self, t):
        return -2 * self.A

    def sup_h(self):
        return max(mpmath.mpf(0), self.B)

    def upper_bracket(self, c, one_minus_p, t_lo):
        """h(t) = B − 2At < 0 beyond B/(2A): no critical point there."""
        if self.A <= 0:
            return None, "A = 0"
        t_hi = self.B / (2 * self.A) * (1 + mpmath.mpf(2) ** -20)
        return max(t_hi, t_lo * 2), "MSE: h(t) = B − 2At < 0 beyond B/(2A)"

    def interval_functions(self, B):
        A, Bc = B.point(self.A), B.point(self.B)
        return (lambda X: Bc - 2 * A * X), (lambda X: -2 * A + X * 0)

    def interval_value(self, B):
        A, Bc, C = B.point(self.A), B.point(self.B), B.point(self.C)
        return lambda X: (A * X - Bc) * X + C

    @property
    def zero_value(self):
        return self.C


# ---- the losses ---------------------------------------------------------------------------------

class Loss:
    """A fit term g(Z). Subclasses supply the formulas (module docstring); equality is by ``name``."""

    key = ""            # registry key
    title = ""
    certifiable = False  # certified optima (``certificates``) cover this loss

    @property
    def name(self) -> str:
        """Canonical name, accepted by ``get``."""
        return self.key

    def __eq__(self, other):
        return isinstance(other, Loss) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __str__(self):
        return self.name

    # ---- full output Z (K×N, float64 or mpf) -----------------------------------------------------
    def targets(self, labels, K: int, like=None) -> np.ndarray:
        """The K×N target matrix Y (columns are the per-sample targets)."""
        return one_hot(labels, K, like)

    def fit(self, Z, labels):  # pragma: no cover - abstract
        raise NotImplementedError

    def gradient(self, Z, labels):  # pragma: no cover - abstract
        raise NotImplementedError

    def curvature(self, Z):
        """What ``hessian_apply`` needs at Z (computed once per Hessian)."""
        return None

    def hessian_apply(self, state, dZ, N: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def stable_gradient(self, Z, state, labels):
        """∇g(Z), written for accuracy at large logits where that matters (default: ``gradient``)."""
        return self.gradient(Z, labels)

    # batched float64 (S, K, N), targets Y precomputed by ``targets``
    def batched_fit(self, Z, Y):  # pragma: no cover - abstract
        raise NotImplementedError

    def batched_gradient(self, Z, Y):  # pragma: no cover - abstract
        raise NotImplementedError

    # ---- one-scale structures ---------------------------------------------------------------------
    def scale_fit(self, structure, class_sizes, dps: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def zero_fit(self, K: int):
        """g(0) (mpf at the current precision)."""
        raise NotImplementedError  # pragma: no cover - abstract

    #: the loss's neural-collapse pattern: the registry name (``patterns``) of the structure that
    #: ``structures.named("dnc", K, loss)`` builds (losses sit below structures, so a name)
    dnc_structure = "dnc"

    def require_certifiable(self, what: str = "certified optima") -> None:
        """ParameterError unless the certificates cover this loss."""
        if not self.certifiable:
            raise V.ParameterError(f"loss: {what} cover the cross-entropy loss 'ce' only; {self.name!r} is not "
                                   f"supported for certification")


def _ce_types(structure, class_sizes, dps):
    """[(w, [gaps], [multiplicities])]: the column types of ``structure`` weighted by class share."""
    N = mpmath.mpf(sum(class_sizes))
    out = []
    for classes, gaps in structure.column_types_mp(dps):
        w = mpmath.fsum(class_sizes[c] for c in classes) / N
        out.append((w, [g for g, _ in gaps], [m for _, m in gaps]))
    return out


class CrossEntropy(Loss):
    """Cross-entropy averaged over the N samples (paper Eq. 1).

    >>> Z = np.array([[2.0, 0.0], [0.0, 1.0]]); y = np.array([0, 1])
    >>> round(float(CrossEntropy().fit(Z, y)), 12) == round(float(np.log(1 + np.exp(-2)) + np.log(1 + np.exp(-1))) / 2, 12)
    True
    """

    key = "ce"
    title = "cross-entropy, averaged over the N samples (paper Eq. 1)"
    certifiable = True

    def fit(self, Z, labels):
        return cross_entropy_columns(Z, labels).sum() / Z.shape[1]

    def gradient(self, Z, labels):
        return (softmax_columns(Z) - self.targets(labels, Z.shape[0], Z)) / Z.shape[1]

    def curvature(self, Z):
        return softmax_columns(Z)

    def hessian_apply(self, P, dZ, N: int):
        """∇²g(Z)[dZ], column by column (diag p − ppᵀ)x = p ∘ (x − (pᵀx)1), evaluated as
        p_i Σ_j p_j (x_i − x_j) (Σ p = 1): no cancellation when one class has p ≈ 1. dZ may carry
        leading batch axes. The targets do not enter (they appear linearly in g)."""
        D = dZ[..., :, None, :] - dZ[..., None, :, :]  # (…, K, K, N): x_i − x_j
        W = (D * P[None, :, :]).sum(axis=-2)            # Σ_j p_j (x_i − x_j)
        return P * W / N

    def stable_gradient(self, Z, P, labels):
        """(P − Y)/N with the label entry of each column computed as Σ_{j≠y} (Y_j − p_j) (not p_y − Y_y,
        which cancels once p_y rounds to 1)."""
        y = np.asarray(labels)
        cols = np.arange(Z.shape[1])
        Y = self.targets(y, Z.shape[0], Z)
        G = P - Y
        Pm, Ym = P.copy(), Y.copy()
        Pm[y, cols] = 0
        Ym[y, cols] = 0
        G[y, cols] = Ym.sum(axis=0) - Pm.sum(axis=0)
        return G / Z.shape[1]

    def batched_fit(self, Z, Y):
        m = Z.max(axis=1, keepdims=True)
        lse = m[:, 0, :] + np.log(np.exp(Z - m).sum(axis=1))
        return (lse.sum(axis=1) - (Z * Y).sum(axis=(1, 2))) / Z.shape[-1]

    def batched_gradient(self, Z, Y):
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        E /= E.sum(axis=1, keepdims=True)
        E -= Y
        E /= Z.shape[-1]
        return E

    def scale_fit(self, structure, class_sizes, dps: int):
        return CEFit(_ce_types(structure, class_sizes, dps))

    def zero_fit(self, K: int):
        return mpmath.log(K)


class LabelSmoothedCrossEntropy(CrossEntropy):
    """Cross-entropy against the smoothed targets y^ε = (1−ε) e_c + (ε/K) 1, 0 <= ε < 1 (exact).

    >>> loss = get("ls-ce:0.1"); loss.name, loss.eps
    ('ls-ce:0.1', Fraction(1, 10))
    >>> Z = np.array([[2.0, 0.0], [0.0, 1.0]]); y = np.array([0, 1]); p = np.exp(Z) / np.exp(Z).sum(0)
    >>> Y = 0.9 * np.eye(2) + 0.05; bool(np.isclose(loss.fit(Z, y), -(Y * np.log(p)).sum() / 2))
    True
    """

    key = "ls-ce"
    title = "label-smoothed cross-entropy, targets (1−ε) e_c + (ε/K) 1 (parameter ε in [0, 1))"
    certifiable = False

    def __init__(self, eps="0.1"):
        given = eps
        if isinstance(eps, str):
            eps = exact_number(eps)
        elif isinstance(eps, float) and np.isfinite(eps):
            eps = Fraction(eps)
        if not isinstance(eps, (int, Fraction)) or isinstance(eps, bool) or not 0 <= eps < 1:
            raise V.ParameterError(f"ls-ce smoothing ε must be a number with 0 <= ε < 1, got {given!r}")
        self.eps = Fraction(eps)

    @property
    def name(self) -> str:
        return f"{self.key}:{_decimal(self.eps)}"

    def __repr__(self):
        return f"LabelSmoothedCrossEntropy({str(self.eps)!r})"

    def _eps_like(self, like):
        return (mpmath.mpf(self.eps.numerator) / self.eps.denominator) if is_mp(like) else float(self.eps)

    def targets(self, labels, K: int, like=None) -> np.ndarray:
        Y = one_hot(labels, K, like)
        e = self._eps_like(Y)
        return Y * (1 - e) + e / K

    def fit(self, Z, labels):
        """(1/N) Σ_i [(1−ε)(m_i − z_{y_i}) + ε(m_i − mean_j z_j) + log1p(Σ_{j≠j*} e^{z_j − m_i})]
        (= −Σ_j y^ε_j log softmax_j; every term >= 0, so no cancellation)."""
        jstar, m = _column_max(Z)
        e = self._eps_like(Z)
        K, N = Z.shape
        cols = np.arange(N)
        own = m - Z[np.asarray(labels), cols]
        mean = m - Z.sum(axis=0) / K
        return ((1 - e) * own + e * mean + _log1p_rest(Z, jstar, m)).sum() / N

    def scale_fit(self, structure, class_sizes, dps: int):
        return LSCEFit(_ce_types(structure, class_sizes, dps), self.eps, structure.K)


def _decimal(q: Fraction) -> str:
    """0 <= q < 1 in decimal when its expansion terminates ('1/10' → '0.1'), else 'p/q' ('1/3')."""
    d = q.denominator
    for f in (2, 5):
        while d % f == 0:
            d //= f
    if d != 1 or q.denominator > 10 ** 30:
        return f"{q.numerator}/{q.denominator}"
    digits = 0
    while (q * 10 ** digits).denominator != 1:
        digits += 1
    s = f"{abs(q.numerator) * 10 ** digits // q.denominator:0{digits + 1}d}"
    s = (s[:-digits] + "." + s[-digits:]) if digits else s
    return ("-" if q < 0 else "") + s


class MeanSquaredError(Loss):
    """g(Z) = (1/(2N))‖Z − Y‖_F² (SPEC §1; Dang et al. 2023, Súkeník et al. 2024).

    >>> float(MeanSquaredError().fit(np.zeros((3, 6)), np.repeat(np.arange(3), 2)))
    0.5
    """

    key = "mse"
    title = "mean squared error (1/(2N))‖Z − Y‖_F², no bias"

    def fit(self, Z, labels):
        R = Z - self.targets(labels, Z.shape[0], Z)
        return (R * R).sum() / 2 / Z.shape[1]

    def gradient(self, Z, labels):
        return (Z - self.targets(labels, Z.shape[0], Z)) / Z.shape[1]

    def hessian_apply(self, state, dZ, N: int):
        return dZ / N

    def batched_fit(self, Z, Y):
        R = Z - Y
        return (R * R).sum(axis=(1, 2)) / (2 * Z.shape[-1])

    def batched_gradient(self, Z, Y):
        return (Z - Y) / Z.shape[-1]

    def scale_fit(self, structure, class_sizes, dps: int):
        """ḡ(t) = Σ_c (n_c/(2N)) ‖t S_c − e_c‖² = A t² − B t + 1/2 (``MSEFit``)."""
        with mpmath.workdps(dps):
            K = structure.K
            S = structure.matrix_mp(dps)
            N = mpmath.mpf(sum(class_sizes))
            A = mpmath.fsum(class_sizes[c] / N * mpmath.fsum(S[i, c] ** 2 for i in range(K)) for c in range(K)) / 2
            Bc = mpmath.fsum(class_sizes[c] / N * S[c, c] for c in range(K))
            return MSEFit(A, Bc)

    def zero_fit(self, K: int):
        return mpmath.mpf(1) / 2

    dnc_structure = "orthogonal-frame"  # I_K (no bias; Dang et al. 2023)


# ---- registry -----------------------------------------------------------------------------------

#: name → factory; a factory with a parameter is called with the text after ':' (``get``).
LOSSES = {
    "ce": CrossEntropy,
    "mse": MeanSquaredError,
    "ls-ce": LabelSmoothedCrossEntropy,
}
#: Names with a parameter: (its symbol, its range). Written name:value, e.g. 'ls-ce:0.1'.
PARAMETERS = {"ls-ce": ("ε", "0 <= ε < 1, exact: 0.1 or 1/10")}

CE = CrossEntropy()
MSE = MeanSquaredError()


def get(loss) -> Loss:
    """The Loss for a name ("ce", "mse", "ls-ce:0.1") or a Loss (returned as is).

    >>> get("mse") == MSE, get("ls-ce:0") == get("ls-ce:0/3")
    (True, True)
    >>> get("hinge")
    Traceback (most recent call last):
    ufmtheory._validate.ParameterError: loss must be one of 'ce', 'mse', 'ls-ce:ε' (ε: 0 <= ε < 1, exact: 0.1 or 1/10), got 'hinge'
    """
    if isinstance(loss, Loss):
        return loss
    if not isinstance(loss, str):
        raise V.ParameterError(f"loss must be a loss name or a ufmtheory.losses.Loss, got {loss!r}")
    key, sep, arg = loss.strip().partition(":")
    key = key.strip()
    if key not in LOSSES:
        raise V.ParameterError(f"loss must be one of {_names_text()}, got {loss!r}")
    if key in PARAMETERS:
        if not sep or not arg.strip():
            sym, rng = PARAMETERS[key]
            raise V.ParameterError(f"loss {key!r} needs its parameter: {key}:{sym} with {rng}, got {loss!r}")
        try:
            return LOSSES[key](arg.strip())
        except V.ParameterError as exc:
            raise V.ParameterError(f"loss {loss!r}: {exc}") from None
    if sep:
        raise V.ParameterError(f"loss {key!r} takes no parameter, got {loss!r}")
    return LOSSES[key]()


def _names_text() -> str:
    return ", ".join(repr(k + (":" + PARAMETERS[k][0] if k in PARAMETERS else "")) for k in LOSSES) + \
        "".join(f" ({sym}: {rng})" for sym, rng in PARAMETERS.values())


def describe() -> str:
    """One line per registered loss (``--loss help``).

    >>> print(describe().splitlines()[0])
    ce         cross-entropy, averaged over the N samples (paper Eq. 1)
    """
    lines = []
    for key, cls in LOSSES.items():
        shown = key + (":" + PARAMETERS[key][0] if key in PARAMETERS else "")
        lines.append(f"{shown:<10} {cls.title}" + ("" if cls.certifiable else "  [no certificates]"))
    return "\n".join(lines)


def cli_type(text: str) -> str:
    """argparse ``type`` for ``--loss``: the canonical name (``--loss help`` prints the list and exits)."""
    import argparse
    if text.strip() == "help":
        print(describe())
        raise SystemExit(0)
    try:
        return get(text).name
    except V.ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
