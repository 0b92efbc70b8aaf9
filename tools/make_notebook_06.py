"""Writes notebooks/06_explorer.ipynb (kept as a script so the notebook's source is reviewable)."""
import nbformat as nbf

cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s))  # noqa: E731
code = lambda s: cells.append(nbf.v4.new_code_cell(s))  # noqa: E731

md("""# 06 — Explorer: which structure wins at given K, L, n, λ?

Garrod & Keating, *The Persistence of Neural Collapse Despite Low-Rank Bias* (arXiv:2410.23169).
For a K×K pattern S at scale t the linear DUFM's loss reduces to (SPEC §2)

$$f_S(t) = \\bar g_S(t) + \\tfrac{L+1}{2}\\,\\lambda n^{1/(L+1)}\\, t^{2/(L+1)}\\sum_i s_i(S)^{2/(L+1)},\\qquad f_S(0) = \\log K .$$

Move the sliders (K classes, L weight matrices, n samples per class, λ on a log scale) and pick
structures. The explorer shows

* **left:** f_S(t) for each picked structure on a t-range covering all its positive critical points,
  each marked (● local minimum, × local maximum, ■ degenerate; ★ the structure's optimum), found with
  proven brackets by `ufmtheory.compare`; the dotted line is the zero solution's loss log K;
* **text:** the winner (lowest loss, or "zero") and its margin over the runner-up;
* **right:** where (K, L) sits in Theorem 1's region 4m^{L+1} < (2m−1)^{L+1}, m = ⌊K/2⌋, in which no DNC
  solution is a global minimum for any λ and n (the region is sufficient, not necessary).

The widgets only call the plain function `update(K, L, n, lam, structures)`; the cells after the
widgets call it for a few settings and check its answers against values computed here by hand.""")

code("""import matplotlib
matplotlib.use("Agg")
%matplotlib inline
import contextlib
import io
import pathlib
import tempfile
import time
from fractions import Fraction

import ipywidgets as W
import matplotlib.pyplot as plt
import mpmath
import numpy as np
from IPython.display import display

import ufmtheory as ut
from ufmtheory.certificates.inequalities import t1_holds
from ufmtheory.precision import nstr
from ufmtheory.structures import NAMED

NOTEBOOK_START, NOTEBOOK_CPU = time.perf_counter(), time.process_time()""")

md("""## The update function
`explore` computes (no drawing), `draw` plots, `update` does both and prints the summary. λ is passed to
the model exactly: a slider value 2^e is a binary float, kept exact by `DeepUFM`; the label shows it.""")

code('''MARKERS = {"local min": "o", "local max": "x", "degenerate": "s"}


def lam_power(lam):
    """"2^e" for λ = 2^e (e to 4 digits when λ is not an exact power of two)."""
    q = Fraction(lam)
    if q.numerator & (q.numerator - 1) == 0 and q.denominator & (q.denominator - 1) == 0:
        return f"2^{q.numerator.bit_length() - q.denominator.bit_length()}"
    return f"2^{mpmath.nstr(mpmath.log(mpmath.mpf(q.numerator) / q.denominator, 2), 4)}"


def lam_label(lam):
    """λ as shown to the reader: 2^e and the exact value used (a fraction, or the binary float's repr)."""
    q = Fraction(lam)
    if q.denominator <= 2**40:
        return f"λ = {lam_power(q)} = {q}" + (f" = {float(q)!r}" if q.denominator > 1 else "")
    return f"λ = {lam_power(q)} = {float(q)!r} (this binary float exactly)"


def explore(K, L, n, lam, structures, dps=20):
    """Winner, margin over the runner-up, and every positive critical point, for the picked structures."""
    if not structures:
        raise ValueError("pick at least one structure")
    lam = Fraction(lam)  # exact: a float is a binary fraction
    model = ut.DeepUFM(K=K, L=L, n=n, lam=lam)
    res = ut.compare(model, [NAMED[s](K) for s in structures], dps=dps)
    zero = res["zero_loss"]
    crit, best_min = {}, {}
    for r in res["results"]:
        crit[r.name] = [(cp.t, cp.loss, cp.kind) for cp in r.critical_points if cp.t > 0]
        mins = [cp.loss for cp in r.critical_points if cp.t > 0 and cp.kind == "local min"]
        best_min[r.name] = min(mins) if mins else None
    # runner-up: the best other candidate (zero, or a structure's lowest positive local minimum)
    cands = [("zero", zero)] + [(s, v) for s, v in best_min.items() if v is not None]
    winner = res["winner"]
    win_loss = dict(cands)[winner]
    others = sorted((v, s) for s, v in cands if s != winner)
    runner, margin = (others[0][1], others[0][0] - win_loss) if others else (None, None)
    return {"K": K, "L": L, "n": n, "lam": lam, "structures": tuple(structures),
            "winner": winner, "ties": list(res["ties"]), "winner_loss": win_loss,
            "runner_up": runner, "margin": margin, "zero_loss": zero,
            "optimum": {r.name: (r.kind, r.scale, r.loss) for r in res["results"]},
            "critical_points": crit, "theorem1": t1_holds(K, L), "results": res["results"]}


def _curves(ax, data, ts, log=True):
    """Each structure's f_S on ts, its positive critical points, and its optimum (★)."""
    with mpmath.workdps(15):
        for k, r in enumerate(data["results"]):
            color = f"C{k}"
            ax.plot(ts, [float(r.problem.value(t)) for t in ts], color=color, label=r.name)
            for t, loss, kind in data["critical_points"][r.name]:
                ax.plot(float(t), float(loss), MARKERS[kind], color=color, ms=7, mfc="none", mew=1.5)
            if r.kind != "zero":
                ax.plot(float(r.scale), float(r.loss), "*", color=color, ms=13, mec="k", mew=0.5, alpha=0.8)
    ax.axhline(float(data["zero_loss"]), ls=":", color="gray", label="zero solution: log K")
    ax.set_xscale("log" if log else "linear")


def draw(data, fig=None):
    """f_S(t) with its critical points (left, with a zoom on the optima) and the Theorem 1 region with
    (K, L) marked (right)."""
    fig = fig or plt.figure(figsize=(11, 4.2))
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.3, 1]})
    ts_all = [float(t) for pts in data["critical_points"].values() for t, _, _ in pts]
    t_lo = min([1e-3] + [t / 10 for t in ts_all])
    t_hi = max([30.0] + [3 * t for t in ts_all])
    logK = float(data["zero_loss"])
    _curves(ax, data, np.geomspace(t_lo, t_hi, 300))
    ax.set_xlim(t_lo, t_hi); ax.set_ylim(0, (1.5 if data["winner"] == "zero" else 1.15) * logK)
    ax.set_xlabel("scale t"); ax.set_ylabel("f_S(t)")
    marks = [plt.Line2D([], [], ls="", marker=mk, color="k", mfc="none", label=kd) for kd, mk in MARKERS.items()]
    marks.append(plt.Line2D([], [], ls="", marker="*", color="gray", mec="k", ms=11, label="optimum"))
    ax.legend(handles=ax.get_legend_handles_labels()[0] + marks, loc="lower left", fontsize=8, ncol=2)
    margin = "" if data["margin"] is None else f", margin {float(data['margin']):.3g}"
    verdict = f"{data['winner']} ties with {', '.join(data['ties'])}" if data["ties"] else f"{data['winner']} wins{margin}"
    ax.set_title(f"K={data['K']}, L={data['L']}, n={data['n']}, λ={lam_power(data['lam'])}: {verdict}", fontsize=10)
    opt = [(float(r.scale), float(r.loss)) for r in data["results"] if r.kind != "zero"]
    if opt:  # zoom on the optima, where the winner is decided
        t0, t1 = min(t for t, _ in opt) / 1.6, max(t for t, _ in opt) * 1.6
        f0, f1 = min(f for _, f in opt), max(f for _, f in opt)
        pad = max(f1 - f0, 0.02 * logK)
        zoom = ax.inset_axes([0.2, 0.3, 0.38, 0.48])
        _curves(zoom, data, np.linspace(t0, t1, 200), log=False)
        zoom.set_xlim(t0, t1); zoom.set_ylim(f0 - 0.3 * pad, f1 + 0.7 * pad)
        zoom.tick_params(labelsize=7); zoom.set_title("zoom on the optima", fontsize=8)
    Ks = np.arange(2, max(20, data["K"] + 2) + 1)
    Ls = np.arange(1, max(8, data["L"] + 2) + 1)
    region = np.array([[t1_holds(int(k), int(l)) for k in Ks] for l in Ls])
    ax2.imshow(region, origin="lower", cmap="Blues", vmin=0, vmax=1.6, aspect="auto",
               extent=(Ks[0] - 0.5, Ks[-1] + 0.5, Ls[0] - 0.5, Ls[-1] + 0.5))
    ax2.plot(data["K"], data["L"], "*", color="red" if data["theorem1"] else "orange", ms=16, mec="k")
    ax2.set_xlabel("K"); ax2.set_ylabel("L")
    ax2.set_title("Theorem 1 region (blue), m = ⌊K/2⌋:\\n" r"$4m^{L+1} < (2m-1)^{L+1}$" + "; ★ = (K, L)",
                  fontsize=9)
    fig.tight_layout()
    return fig


def summary(data):
    """The text shown under the plot."""
    lines = [f"K = {data['K']}, L = {data['L']}, n = {data['n']}, {lam_label(data['lam'])}"]
    for name, (kind, scale, loss) in data["optimum"].items():
        pts = ", ".join(f"{kd} t={nstr(t, 8)} f={nstr(f, 10)}" for t, f, kd in data["critical_points"][name]) or "none"
        lines.append(f"  {name:8s} optimum: {kind:23s} t* = {nstr(scale, 10):>14s}  loss {nstr(loss, 12)}"
                     f"   [positive critical points: {pts}]")
    lines.append(f"  zero     loss log K = {nstr(data['zero_loss'], 12)}")
    tie = f" (tied with {', '.join(data['ties'])})" if data["ties"] else ""
    lines.append(f"WINNER: {data['winner']}{tie}, loss {nstr(data['winner_loss'], 12)}")
    if data["runner_up"] is None:
        lines.append("  no runner-up: no picked structure has a positive local minimum")
    else:
        tied = " (a tie)" if data["runner_up"] in data["ties"] else ""
        lines.append(f"  margin over the runner-up ({data['runner_up']}): {nstr(data['margin'], 8)}{tied}")
    m, L = data["K"] // 2, data["L"]
    where = "inside" if data["theorem1"] else "outside"
    lines.append(f"Theorem 1: (K, L) = ({data['K']}, {L}) is {where} the region "
                 f"(m = {m}: 4·m^(L+1) = {4 * m ** (L + 1)} vs (2m−1)^(L+1) = {(2 * m - 1) ** (L + 1)})"
                 + (": no DNC solution is a global minimum, for any λ and n." if data["theorem1"] else
                    "; the theorem says nothing here (DNC may still lose)."))
    return "\\n".join(lines)


def update(K, L, n, lam, structures, show=True, png=None):
    """Compute, draw and print one setting; returns the data of ``explore``."""
    data = explore(K, L, n, lam, structures)
    fig = draw(data)
    if png:
        fig.savefig(png, dpi=90)
    print(summary(data))
    if show:
        plt.show()
    else:
        plt.close(fig)
    return data''')

md("""## The widgets
Sliders for K, L, n and log₂ λ, a multi-select of the named structures (`ufmtheory.structures.NAMED`).
Each change calls `update` (through `observe`) and shows its figure in an image widget and its summary
in a text widget; the latest result is kept in `LAST`. (No `Output` widget: capturing output in one
makes headless execution by nbclient hang now and then, jupyter/nbclient#312.)
Computing one setting takes well under a second up to K = 30.""")

code('''K_w = W.IntSlider(value=10, min=2, max=30, description="K", continuous_update=False)
L_w = W.IntSlider(value=2, min=1, max=10, description="L", continuous_update=False)
n_w = W.IntSlider(value=5, min=1, max=100, description="n", continuous_update=False)
lam_w = W.FloatLogSlider(value=2.0 ** -10, base=2, min=-30, max=2, step=0.25, description="λ",
                         readout_format=".3g", continuous_update=False)
lam_text = W.Label()
s_w = W.SelectMultiple(options=list(NAMED), value=tuple(NAMED), description="structures", rows=len(NAMED))
LAST = {}
plot_w = W.Image(format="png")
text_w = W.Textarea(layout=W.Layout(width="100%", height="12em"), disabled=True)


def on_change(change=None):
    K, L, n, lam, structures = K_w.value, L_w.value, n_w.value, lam_w.value, s_w.value
    lam_text.value = lam_label(lam)
    png = io.BytesIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # update prints the summary; the widget shows it
            data = update(K, L, n, lam, structures, show=False, png=png)
    except (ValueError, ut.PrecisionError) as err:  # a ParameterError is a ValueError
        LAST["data"] = None
        text_w.value = f"cannot compute: {err}"
        return
    LAST["data"] = data
    plot_w.value = png.getvalue()
    text_w.value = summary(data)


for w in (K_w, L_w, n_w, lam_w, s_w):
    w.observe(on_change, names="value")
on_change()
display(W.HBox([W.VBox([K_w, L_w, n_w, W.HBox([lam_w, lam_text])]), s_w]), plot_w, text_w)''')

md("""## Checks: the callback against values computed by hand
An independent minimisation of f_S written here from SPEC §3 (the fits and singular values of DNC,
paired blocks and the regular polygon), not from `ufmtheory`: f is scanned on a fine logarithmic grid,
every grid local minimum is refined with `mpmath.findroot` on f′, and the best is compared with f(0) = log K.""")

code('''def f_hand(name, K, L, n, lam):
    """f_S(t) for the named structure, from SPEC §3 (fit ḡ_S and the singular values of S)."""
    K, lam = int(K), mpmath.mpf(Fraction(lam).numerator) / Fraction(lam).denominator
    p = mpmath.mpf(2) / (L + 1)
    mu = (L + 1) * lam / 2 * mpmath.mpf(n) ** (mpmath.mpf(1) / (L + 1))
    m = K // 2
    if name == "dnc":  # S = I − 11ᵀ/K: singular values 1 (K−1 times)
        fit, P = (lambda t: mpmath.log(1 + (K - 1) * mpmath.exp(-t))), K - 1
    elif name == "paired":  # singular values 2 (m times), and 1 once for odd K
        pair = lambda t: mpmath.log(1 + mpmath.exp(-2 * t) + (K - 2) * mpmath.exp(-t))  # noqa: E731
        if K % 2 == 0:
            fit, P = pair, m * 2 ** p
        else:
            fit = lambda t: (2 * m * pair(t) + mpmath.log(1 + (K - 1) * mpmath.exp(-t))) / K  # noqa: E731
            P = m * 2 ** p + 1
    elif name == "polygon" and K >= 3:  # circulant cos(2π(j−c)/K): eigenvalues K/2 twice, 0 otherwise
        fit = lambda t: mpmath.log(mpmath.fsum(mpmath.exp(t * (mpmath.cos(2 * mpmath.pi * j / K) - 1))  # noqa: E731
                                               for j in range(K)))
        P = 2 * (mpmath.mpf(K) / 2) ** p
    else:
        raise ValueError(name)
    return lambda t: fit(t) + mu * P * t ** p


def hand_minimum(f, t_max=10**4, points=1200):
    """(t*, f(t*)) minimising f over t >= 0: f(0) against every refined grid local minimum."""
    best = (mpmath.mpf(0), f(mpmath.mpf(0)))
    ts = [mpmath.mpf(x) for x in np.geomspace(1e-12, t_max, points)]
    fs = [f(t) for t in ts]
    for i in range(1, points - 1):
        if fs[i] < fs[i - 1] and fs[i] <= fs[i + 1]:
            t = mpmath.findroot(lambda s: mpmath.diff(f, s), ts[i])
            assert ts[i - 1] <= t <= ts[i + 1], "refinement left its grid cell"
            if f(t) < best[1]:
                best = (t, f(t))
    return best


def hand_winner(K, L, n, lam, structures):
    """Winner and per-structure minima by hand ("zero" when nothing beats log K)."""
    with mpmath.workdps(30):
        mins = {s: hand_minimum(f_hand(s, K, L, n, lam)) for s in structures}
        cands = sorted([(mpmath.log(K), "zero")] + [(v, s) for s, (t, v) in mins.items() if t > 0])
        return cands[0][1], mins, cands


def stated_theorem1(K, L):
    """Theorem 1's region as the paper states it."""
    return (K >= 4 and L >= 3) or (K >= 6 and L == 2)


TOL = mpmath.mpf(10) ** -15''')

md("""### Figure 1's setting: K = 10, L = 2, n = 5, λ = 2⁻¹⁰ — paired blocks beat DNC
The same call also saves the figure as a PNG (in a temporary folder).""")

code('''png = pathlib.Path(tempfile.mkdtemp()) / "06_explorer_fig1.png"
fig1 = update(10, 2, 5, 2.0 ** -10, ("dnc", "paired", "polygon"), png=png)
assert png.stat().st_size > 10_000
w, mins, cands = hand_winner(10, 2, 5, 2.0 ** -10, ("dnc", "paired", "polygon"))
print("by hand:", w, {s: (mpmath.nstr(t, 10), mpmath.nstr(v, 12)) for s, (t, v) in mins.items()})
assert fig1["winner"] == w == "paired" and not fig1["ties"]
assert fig1["runner_up"] == cands[1][1] == "dnc"
assert abs(fig1["margin"] - (cands[1][0] - cands[0][0])) < TOL
for s, (t, v) in mins.items():
    assert abs(fig1["optimum"][s][1] - t) < 1e-12 * t and abs(fig1["optimum"][s][2] - v) < TOL, s
assert fig1["theorem1"] and stated_theorem1(10, 2)
print("Figure 1 checks hold")''')

md("""### L = 1 (the ordinary UFM): DNC wins, by Zhu et al.'s closed form
With one λ for both factors the non-zero optimum exists iff K√n·λ < 1, at margin
t* = log(1/(√n λ) − K + 1) (SPEC §4 Peers). For K = 3 the polygon is (3/2)·DNC (cos(2π/3) = −1/2), so the
two tie: the same matrix up to scale.""")

code('''def zhu(K, n, lam):
    """(non-zero optimum?, t*, loss) for L = 1 with λ_H = λ_W = λ (Zhu et al. 2021)."""
    with mpmath.workdps(30):
        lam = mpmath.mpf(Fraction(lam).numerator) / Fraction(lam).denominator
        if not K * mpmath.sqrt(n) * lam < 1:
            return False, mpmath.mpf(0), mpmath.log(K)
        t = mpmath.log(1 / (mpmath.sqrt(n) * lam) - K + 1)
        return True, t, mpmath.log(1 + (K - 1) * mpmath.exp(-t)) + lam * mpmath.sqrt(n) * (K - 1) * t


dnc3 = update(3, 1, 5, 2.0 ** -10, ("dnc", "paired", "polygon"))
nonzero, t_star, loss_star = zhu(3, 5, 2.0 ** -10)
assert nonzero and {dnc3["winner"], *dnc3["ties"]} == {"dnc", "polygon"} and dnc3["runner_up"] != "paired"
assert abs(dnc3["optimum"]["dnc"][1] - t_star) < TOL * t_star and abs(dnc3["winner_loss"] - loss_star) < TOL
w, mins, cands = hand_winner(3, 1, 5, 2.0 ** -10, ("dnc", "paired", "polygon"))
assert abs(mins["dnc"][1] - loss_star) < TOL and w in ("dnc", "polygon")
for s, (t, v) in mins.items():  # odd-K paired blocks and the K = 3 polygon by hand too
    assert abs(dnc3["optimum"][s][2] - v) < TOL, s
assert not dnc3["theorem1"] and not stated_theorem1(3, 1)

zero3 = update(3, 1, 4, 0.25, ("dnc", "paired"), show=False)  # K√n·λ = 3·2/4 = 1.5 >= 1
assert not zhu(3, 4, 0.25)[0] and zero3["winner"] == "zero"
print("L = 1 checks hold")''')

md("""### A λ large enough that the zero solution wins (L = 2)""")

code('''big = update(10, 2, 5, 0.5, ("dnc", "paired", "polygon"))
w, mins, cands = hand_winner(10, 2, 5, 0.5, ("dnc", "paired", "polygon"))
assert big["winner"] == w == "zero" and all(t == 0 for t, _ in mins.values())
assert all(kind == "zero" for kind, _, _ in big["optimum"].values())
print("large-λ checks hold")''')

md("""### One widget change, programmatically
Setting a slider's value runs the callback exactly as a click would: from Figure 1's setting, L = 1
makes DNC the winner (Zhu et al.) and leaves Theorem 1's region.""")

code('''K_w.value, L_w.value, n_w.value, lam_w.value, s_w.value = 10, 2, 5, 2.0 ** -10, ("dnc", "paired")
before = LAST["data"]
assert before["winner"] == "paired" and before["theorem1"]
L_w.value = 1
after = LAST["data"]
assert after is not before and after["L"] == 1 and lam_text.value == "λ = 2^-10 = 1/1024 = 0.0009765625"
assert after["winner"] == "dnc" and zhu(10, 5, 2.0 ** -10)[0] and not after["theorem1"]
assert abs(after["winner_loss"] - zhu(10, 5, 2.0 ** -10)[2]) < TOL
print(f"widget change: winner {before['winner']} -> {after['winner']}")''')

code('''print(f"all assertions hold ({time.perf_counter() - NOTEBOOK_START:.1f} s wall, "
      f"{time.process_time() - NOTEBOOK_CPU:.1f} s CPU)")''')

nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
nbf.write(nb, "notebooks/06_explorer.ipynb")
