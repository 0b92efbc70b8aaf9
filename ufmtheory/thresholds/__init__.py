"""Exact thresholds in λ: folds, zero thresholds, ties between families, and the λ-intervals where each
family is optimal — every one found, with the reason none was missed.

Everything is computed in μ = Λ·n^{1/(L+1)} (for balanced CE, f_S depends on λ and n only through it;
SPEC §2); at n = 1 and one λ for all factors, μ = λ, and λ_n = μ·n^{−1/(L+1)} for any n.

- **Fold** of a component (the μ above which it has no positive critical point): μ_fold = max φ(t)/P over
  the peaks of φ (roots of ψ where ψ changes sign from + to −); there F(t) = φ(t) − c has a double root.
  For L = 1, φ = h decreases from h(0), μ_fold = h(0)/P (not attained).
- **Zero threshold** (the μ above which the best positive critical point loses to t = 0): on each branch
  the critical value F(t) decreases with t (dF/dt = Aψ < 0 there), so F(t) = f(0) has at most one root
  t_Z per branch and μ_Z = max over branches of φ(t_Z)/P. A family's threshold is the largest of its
  components'.
- **Ties** of two families X, Y: zeros of D(μ) = V_X(μ) − V_Y(μ), found by a branch and bound over μ that
  proves each box holds no tie or exactly one. Both V are concave and non-decreasing with V(0+) ≥ v₀
  (v₀ = Σ w log m₀ for patterns with all gaps ≥ 0, else 0), hence on [a, b]:
    V(μ) ∈ [V(a), V(b)],      (V(μ) − v₀)/μ ∈ [u(b), u(a)] with u(μ) = (V(μ) − v₀)/μ non-increasing,
    V'(μ) ∈ [V'(b−), V'(a+)]  (dV/dμ = penalty*/μ, envelope theorem),
  which bound D and D' on the whole box from values at its two ends (also D(μ) ∈ D(a) + (μ−a)·D'(box)).
  A box is discarded when the bound on D excludes 0; it holds exactly one tie when D(a), D(b) have
  opposite signs and the bound on D' excludes 0; otherwise it is bisected. The values at the box ends
  are interval enclosures (``optimal_value.IntervalCurve``, arb at ``search_bits``), so the search is a
  proof. Below μ₀ (``tail_bound``) the family with the smaller α = Σ_components A P_i/γ_i^p wins
  (proven); above min(μ_Z,X, μ_Z,Y) one of them is the zero solution and the other is not worse. So
  every tie in (0, ∞) is found. For L = 1 two families can reach f(0) at the same μ_Z with zero slope
  (t → 0); the box ending there is decided by ``search.make_l1_endpoint_rule`` (a comparison of h'(0)-type curvatures
  proven with intervals).
- Each tie is then refined by safeguarded Newton on D (D' from the envelope theorem) at the two
  ``precision.working_precisions`` (dps+15 and dps+30 digits), started from a 25-digit solve
  (``switches.SEED_DPS``); both must agree to dps digits.
  ``certify=True`` also encloses it: the signs of D at μ*(1 ± 10^-(dps+3)) are proven with interval
  arithmetic.

Modules: ``zero`` (folds and zero thresholds), ``tail`` (bounds near μ = 0), ``search`` (the branch and
bound over μ), ``switches`` (ties of two families), ``diagram`` (the phase diagram of one (K, L)). The
names below are re-exported, so ``from ufmtheory.thresholds import ties`` keeps working.
"""
from ..optimal_value import component_zero_threshold
from .diagram import Phase, phase
from .search import SEARCH_DPS, Box, branch_and_bound, difference_sign, make_l1_endpoint_rule, search_curves
from .switches import TieReport, refine_switch, ties
from .tail import alpha, tail_bound, v0_lower
from .zero import Threshold, fold_threshold, zero_threshold

__all__ = ["SEARCH_DPS", "Box", "Phase", "Threshold", "TieReport", "alpha", "branch_and_bound", "component_zero_threshold",
           "difference_sign", "fold_threshold", "make_l1_endpoint_rule", "phase", "refine_switch", "search_curves",
           "tail_bound", "ties", "v0_lower", "zero_threshold"]
