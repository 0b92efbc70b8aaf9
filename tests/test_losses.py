"""The loss abstraction (``ufmtheory.losses``): the registry, label-smoothed CE through the stack
(full-output fit, gradient, Hessian, batched objective, one-scale fit and its brackets, compare, GD),
and that no module outside losses.py switches on a loss name."""
import ast
import json
import pathlib
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import ufmtheory
import ufmtheory as ut
from ufmtheory import losses
from ufmtheory._validate import ParameterError
from ufmtheory.batched import Batch, BatchedObjective
from ufmtheory.cli import main
from ufmtheory.hessian import hvp
from ufmtheory.objective import loss_and_gradient, output
from ufmtheory.scale import ScaleProblem, optimal_scale
from ufmtheory.structures import dnc, from_matrix, named, paired, polygon
from ufmtheory.theorems.label_smoothing import dnc_loss, hand_optimum

PKG = pathlib.Path(ufmtheory.__file__).parent


# ---- registry and input checking ------------------------------------------------------------------

def test_registry_names_round_trip():
    assert losses.get("ce") == losses.CE and losses.get("mse") == losses.MSE
    ls = losses.get("ls-ce:0.1")
    assert isinstance(ls, losses.LabelSmoothedCrossEntropy) and ls.eps == Fraction(1, 10)
    assert losses.get(ls.name) == ls and losses.get(ls) is ls
    assert losses.get("ls-ce:1/3").name == "ls-ce:1/3" and losses.get("ls-ce: 0.25 ").name == "ls-ce:0.25"
    assert ut.DeepUFM(3, 2, lam=1, loss="ls-ce:1/10").loss == "ls-ce:0.1"
    assert ut.DeepUFM(3, 2, lam=1, loss=ls).loss_fn == ls


@pytest.mark.parametrize("name, message", [
    ("hinge", r"loss must be one of 'ce', 'mse', 'ls-ce:ε'"),
    ("ls-ce", r"needs its parameter: ls-ce:ε with 0 <= ε < 1"),
    ("ls-ce:1", r"0 <= ε < 1, got '1'"),
    ("ls-ce:-0.1", r"0 <= ε < 1, got '-0.1'"),
    ("ls-ce:abc", r"not an exact number"),
    ("ce:0.1", r"takes no parameter"),
])
def test_bad_loss_names_are_refused_with_the_range(name, message):
    with pytest.raises(ParameterError, match=message):
        losses.get(name)
    with pytest.raises(ParameterError, match=message):
        ut.DeepUFM(3, 2, lam=1, loss=name)


def test_smoothing_outside_range_as_number_is_refused():
    for eps in (1, 1.5, -0.01, float("nan"), True):
        with pytest.raises(ParameterError, match="0 <= ε < 1"):
            losses.LabelSmoothedCrossEntropy(eps)


def test_cli_loss_help_lists_the_registry_and_bad_loss_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["compare", "--K", "3", "--L", "2", "--lam", "0.1", "--loss", "help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for key in losses.LOSSES:
        assert key in out
    with pytest.raises(SystemExit) as e:
        main(["compare", "--K", "3", "--L", "2", "--lam", "0.1", "--loss", "ls-ce:2"])
    assert e.value.code == 2
    assert "--loss" in capsys.readouterr().err


# ---- label smoothing: the fit ---------------------------------------------------------------------

def _hand_ls_fit(S, t, eps, K):
    """−(1/K) Σ_c Σ_j y^ε_j log softmax(t S_{:,c})_j straight from the definition (mpmath)."""
    total = mpmath.mpf(0)
    for c in range(K):
        z = [t * S[j][c] for j in range(K)]
        lse = mpmath.log(mpmath.fsum(mpmath.exp(x) for x in z))
        for j in range(K):
            y = (1 - eps) * (j == c) + eps / K
            total -= y * (z[j] - lse)
    return total / K


@pytest.mark.parametrize("seed", range(4))
def test_label_smoothing_gap_formula_matches_the_definition(seed):
    """log Σ_j e^{−t g_j} + t(ε/K) Σ_j g_j (the scale fit) = the definition, for random rational S."""
    rng = np.random.default_rng(seed)
    K = int(rng.integers(2, 6))
    S = [[Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 5))) for _ in range(K)] for _ in range(K)]
    eps = Fraction(int(rng.integers(0, 10)), 10)
    model = ut.DeepUFM(K, 2, n=1, lam="0.01", loss=losses.LabelSmoothedCrossEntropy(eps))
    with mpmath.workdps(40):
        prob = ScaleProblem.from_structure(from_matrix(S), model, 40)
        Smp = [[mpmath.mpf(x.numerator) / x.denominator for x in row] for row in S]
        e = mpmath.mpf(eps.numerator) / eps.denominator
        for t in (mpmath.mpf("0.3"), mpmath.mpf(2), mpmath.mpf(7)):
            assert abs(prob.fit.value(t) - _hand_ls_fit(Smp, t, e, K)) < mpmath.mpf(10) ** -35
            # h = −ḡ' against a central difference of the definition
            d = mpmath.mpf(10) ** -12
            num = -(_hand_ls_fit(Smp, t + d, e, K) - _hand_ls_fit(Smp, t - d, e, K)) / (2 * d)
            assert abs(prob.fit.h(t) - num) < mpmath.mpf(10) ** -20


def test_dnc_closed_form_is_the_engines_fit():
    K, L, n, lam, eps = 5, 2, 3, Fraction(1, 100), Fraction(1, 10)
    model = ut.DeepUFM(K, L, n=n, lam=lam, loss=f"ls-ce:{eps}")
    with mpmath.workdps(40):
        prob = ScaleProblem.from_structure(dnc(K), model, 40)
        for t in (mpmath.mpf("0.1"), mpmath.mpf(3), mpmath.mpf(20)):
            assert abs(prob.value(t) - dnc_loss(t, K, L, n, lam, eps)) < mpmath.mpf(10) ** -35


def test_full_output_fit_equals_the_definition_and_ce_at_zero_smoothing():
    rng = np.random.default_rng(3)
    K, N = 4, 6
    Z = rng.standard_normal((K, N)) * 3
    y = np.array([0, 1, 2, 3, 0, 1])
    P = np.exp(Z - Z.max(0)) / np.exp(Z - Z.max(0)).sum(0)
    for eps in (Fraction(0), Fraction(1, 10), Fraction(9, 10)):
        loss = losses.LabelSmoothedCrossEntropy(eps)
        T = (1 - float(eps)) * np.eye(K)[:, y] + float(eps) / K
        assert abs(loss.fit(Z, y) - (-(T * np.log(P)).sum() / N)) < 1e-13
        assert np.allclose(loss.gradient(Z, y), (P - T) / N, atol=1e-15)
    assert abs(losses.get("ls-ce:0").fit(Z, y) - losses.CE.fit(Z, y)) < 1e-14
    # large logits: every term of the smoothed fit is >= 0, so tiny values keep their relative accuracy
    Zb = np.array([[60.0, -60.0], [-60.0, 60.0]])
    with mpmath.workdps(50):
        exact = _hand_ls_fit([[mpmath.mpf(60), mpmath.mpf(-60)], [mpmath.mpf(-60), mpmath.mpf(60)]], 1,
                             mpmath.mpf(10) ** -30, 2)
    tiny = losses.LabelSmoothedCrossEntropy(Fraction(1, 10 ** 30))
    assert abs(tiny.fit(Zb, np.array([0, 1])) - float(exact)) <= 1e-14 * float(exact)


@pytest.mark.parametrize("L", [1, 2, 3])
def test_ls_gradient_matches_central_differences(L):
    model = ut.DeepUFM(3, L, n=2, lam=[0.01 * (i + 1) for i in range(L + 1)], d=5, loss="ls-ce:0.2")
    rng = np.random.default_rng(L)
    P, D = model.random_parameters(rng), model.random_parameters(rng)
    _, G = loss_and_gradient(model, P)
    h = 1e-6
    num = (model.loss_value(P + D.scaled(h)) - model.loss_value(P + D.scaled(-h))) / (2 * h)
    ana = float(np.dot(G.flat(), D.flat()))
    assert abs(num - ana) <= 1e-6 * max(1.0, abs(ana))
    with mpmath.workdps(60):  # round-off 1e-60/1e-20, truncation 1e-40
        Pm, Dm = P.to_mp(), D.to_mp()
        _, Gm = loss_and_gradient(model, Pm)
        e = mpmath.mpf(10) ** -20
        num = (model.loss_value(Pm + Dm.scaled(e)) - model.loss_value(Pm + Dm.scaled(-e))) / (2 * e)
        ana = mpmath.fsum(a * b for a, b in zip(Gm.flat(), Dm.flat()))
        assert abs(num - ana) < mpmath.mpf(10) ** -35


def test_ls_hessian_vector_product_matches_gradient_differences():
    model = ut.DeepUFM(3, 2, n=2, lam=["0.01", "0.02", "0.03"], d=4, loss="ls-ce:0.3")
    rng = np.random.default_rng(5)
    with mpmath.workdps(60):
        P = model.random_parameters(rng).to_mp()
        D = model.random_parameters(rng).to_mp()
        Hv = hvp(model, P, D.flat())
        e = mpmath.mpf(10) ** -20
        gp = loss_and_gradient(model, P + D.scaled(e))[1].flat()
        gm = loss_and_gradient(model, P + D.scaled(-e))[1].flat()
        assert max(abs((a - b) / (2 * e) - c) for a, b, c in zip(gp, gm, Hv)) < mpmath.mpf(10) ** -35


def test_batched_objective_agrees_with_objective_for_ls():
    model = ut.DeepUFM(4, 3, n=2, lam="0.01", d=6, loss="ls-ce:0.15", activation="relu")
    rng = np.random.default_rng(0)
    runs = [model.random_parameters(rng) for _ in range(3)]
    total, grad = BatchedObjective(model).loss_and_gradient(Batch.stack(runs))
    for s, p in enumerate(runs):
        f, g = loss_and_gradient(model, p)
        assert abs(total[s] - f) <= 1e-13 * max(1, abs(f))
        assert np.allclose(grad.run(s).flat(), g.flat(), rtol=1e-12, atol=1e-14)


# ---- label smoothing: the scale problem -----------------------------------------------------------

@pytest.mark.parametrize("S", [dnc(4), paired(5), polygon(5),
                               from_matrix([[1, 2, 0], [0, 1, 3], [-1, 0, 1]], name="not diag-superior")])
@pytest.mark.parametrize("eps", ["0.05", "0.5", "0.95"])
def test_ls_upper_bracket_is_a_valid_bound(S, eps):
    """h(t) <= Σ a e^{−δt} (the tail bound of ``LSCEFit``) on a grid reaching far beyond the bracket,
    and φ(t) < c beyond the returned T (so no critical point is missed above T)."""
    model = ut.DeepUFM(S.K, 3, n=2, lam="0.001", loss=f"ls-ce:{eps}")
    with mpmath.workdps(30):
        prob = ScaleProblem.from_structure(S, model, 30)
        lo, hi, _ = prob.search_interval()
        terms = prob.fit.tail_terms()
        for t in [mpmath.mpf(k) / 8 for k in range(0, 400)]:
            assert prob.fit.h(t) <= mpmath.fsum(a * mpmath.exp(-d * t) for a, d in terms) + mpmath.mpf(10) ** -25
            assert prob.fit.h(t) <= prob.fit.sup_h() + mpmath.mpf(10) ** -25
        if hi is not None:
            for k in range(1, 200):
                t = hi * (1 + mpmath.mpf(k) / 10)
                assert prob.F(t) < 0


def test_ls_optimum_matches_a_dense_scan_for_a_non_diagonally_superior_pattern():
    """Independent route: the minimum of f over a dense grid (then golden-section polishing) equals the
    engine's optimum, for a pattern with negative gaps (the case the bracket derivation had to cover)."""
    S = from_matrix([[1, 2, 0], [0, 1, 3], [-1, 0, 1]], name="x")
    model = ut.DeepUFM(3, 2, n=1, lam="0.001", loss="ls-ce:0.3")
    opt = optimal_scale(S, model, 20)
    with mpmath.workdps(30):
        prob = ScaleProblem.from_structure(S, model, 30)
        grid = [mpmath.mpf(k) / 200 for k in range(0, 8001)]
        vals = [prob.value(t) for t in grid]
        i = min(range(len(vals)), key=vals.__getitem__)
        best = vals[i]
        if 0 < i < len(grid) - 1:  # polish the grid minimum at the root of f' next to it
            best = min(best, prob.value(mpmath.findroot(prob.derivative, (grid[i - 1], grid[i + 1]), solver="anderson")))
        assert abs(opt.loss - best) < mpmath.mpf(10) ** -15


def test_ls_with_zero_smoothing_is_ce():
    m_ce = ut.DeepUFM(6, 3, n=2, lam="0.001")
    m_ls = m_ce.with_(loss="ls-ce:0")
    for S in (dnc(6), paired(6)):
        a, b = optimal_scale(S, m_ce, 30), optimal_scale(S, m_ls, 30)
        assert a.kind == b.kind and mpmath.almosteq(a.loss, b.loss, mpmath.mpf(10) ** -30)


def test_compare_ls_ce_json_dnc_wins_with_the_hand_optimum(capsys):
    assert main(["compare", "--K", "5", "--L", "2", "--n", "1", "--lam", "0.01", "--loss", "ls-ce:0.1",
                 "--dps", "30", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"]["loss"] == "ls-ce:0.1" and out["winner"] == "dnc"
    row = next(r for r in out["structures"] if r["name"] == "dnc")
    assert [c["kind"] for c in row["critical_points"]] == ["local max", "local min"]
    ref = hand_optimum(5, 2, 1, Fraction(1, 100), Fraction(1, 10), 30)
    with mpmath.workdps(50):
        assert abs(mpmath.mpf(row["loss"]) - ref["loss"]) <= mpmath.mpf(10) ** -29 * ref["loss"]
        assert abs(mpmath.mpf(row["scale"]) - ref["t"]) <= mpmath.mpf(10) ** -29 * ref["t"]
        # the fit is not driven to 0: ε(K−1)t/K stays
        assert mpmath.mpf(row["fit"]) > mpmath.mpf("0.1") * 4 / 5 * ref["t"]


def test_gradient_descent_with_ls_reaches_the_dnc_optimum():
    from ufmtheory.training import TrainConfig, train
    model = ut.DeepUFM(5, 2, n=1, lam="0.01", d=10, loss="ls-ce:0.1")
    exact = float(hand_optimum(5, 2, 1, Fraction(1, 100), Fraction(1, 10), 20)["loss"])
    runs = train(model, seeds=[11, 12], config=TrainConfig(lr=0.5, max_steps=50_000, grad_tol=1e-9))
    for r in runs:
        assert r.reason == "grad_tol" and abs(r.loss - exact) <= 1e-9
        Z = output(model, r.params)  # collapsed onto the simplex ETF: Z̄ ∝ I − 11ᵀ/K
        Zb = Z / np.linalg.norm(Z)
        S = np.eye(5) - 1 / 5
        assert np.allclose(Zb, S / np.linalg.norm(S), atol=1e-6)


def test_named_dnc_is_the_losses_pattern():
    assert named("dnc", 4, loss="ls-ce:0.2").matrix == dnc(4).matrix
    assert named("dnc", 4, loss="mse").name == "dnc"


def test_certificates_refuse_ls_with_a_clear_message():
    from ufmtheory.testing import assert_optimum
    from ufmtheory.testing.log import ClaimRefused
    with pytest.raises(ClaimRefused, match="cross-entropy loss only .*ls-ce:0.1"):
        assert_optimum(ut.DeepUFM(K=4, L=3, lam="1/100", loss="ls-ce:0.1"), "dnc")
    with pytest.raises(ParameterError, match="not supported for certification"):
        losses.get("ls-ce:0.1").require_certifiable()


# ---- one place for the loss -------------------------------------------------------------------------

def _loss_literals(tree) -> list:
    """(line, text) of every comparison with a loss-name string literal (``loss == "mse"``, also
    ``in ("ce", "mse")``) and every ``choices=`` list naming a loss (an argparse list duplicating the
    registry). A default such as ``loss="ce"`` is data, not a switch, and is allowed."""
    names = set(losses.LOSSES)

    def is_name(o):
        if isinstance(o, ast.Constant) and isinstance(o.value, str):
            return o.value.split(":")[0] in names
        return isinstance(o, (ast.List, ast.Tuple, ast.Set)) and any(is_name(e) for e in o.elts)

    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(is_name(o) for o in [node.left] + list(node.comparators)):
            out.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.keyword) and node.arg == "choices" and is_name(node.value):
            out.append((node.value.lineno, ast.unparse(node)))
    return out


def test_no_module_outside_losses_switches_on_a_loss_name():
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        if path.name == "losses.py" and path.parent == PKG:
            continue
        for line, text in _loss_literals(ast.parse(path.read_text())):
            bad.append(f"{path.relative_to(PKG.parent)}:{line}: {text}")
    assert not bad, "loss behaviour must come from ufmtheory.losses:\n" + "\n".join(bad)


def test_the_checker_finds_a_string_switch():
    src = ('if model.loss == "mse":\n    pass\np.add_argument("--loss", choices=["ce", "mse"])\n'
           'ok = model.loss_fn == CE\nm = DeepUFM(3, 2, lam=1, loss="mse")\nb = loss in ("ls-ce:0.1",)\n')
    assert sorted(line for line, _ in _loss_literals(ast.parse(src))) == [1, 3, 6]
