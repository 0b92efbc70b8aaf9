"""``ufmtheory sweep``: gradient-descent sweeps on the DUFM — the paper's Figure 2 (P(DNC) against
width d and against λ) and Figure 5 (converged rank against d), or any grid.

Runs are appended to OUT/results.jsonl as they finish; rerunning the same command resumes (runs
already in the file are skipped; bad lines go to OUT/results.rejected.jsonl). Ctrl-C and SIGTERM stop
the workers at once and keep every finished run. Tables (JSON and CSV) and a PNG plot are written to
OUT. Every grid is checked (sizes, step budget, init scale, memory: limits.py) before any work.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import warnings
from fractions import Fraction

from .. import _validate as V
from .. import limits
from ..report import csv_text, json_text, text_table
from ..sweep import step_budget
from .common import CommandFailed, exact_number, int_range, output_folder, save_figure, write_text

PRESETS = ("fig2", "fig5", "custom")
STEP_FACTOR = 50  # GD steps = STEP_FACTOR / (lr·λ): the penalty's contraction (1 − ηλ)^k reaches e^-50


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: …)" only for options that have a default (not None) the help does not state."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def positive_seconds(text: str) -> float:
    """argparse type: a finite number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds > 0: {text!r}")
    return value


def preset_grids(preset: str, size: str, seeds: int | None, init_scale: list, init: str, lr: float,
                 root_seed: int, batch: int, polish: bool, factor: float) -> list:
    """[(part, axis, Grid)]: the grids of a preset; ``size`` is "full" or "reduced"."""
    from ..sweep import Grid

    full = size == "full"
    seeds = seeds if seeds is not None else (10 if full else 4)
    lam0 = Fraction(1, 1024)
    common = dict(K=[10], L=[2], n=[5], init=[init], init_scale=init_scale, lr=[lr], seeds=seeds,
                  root_seed=root_seed, batch=batch, polish=[polish])
    parts = []
    if preset == "fig2":
        ds = [10, 20, 30, 50, 70, 100, 140] if full else [10, 20, 40]
        parts.append(("d", "d", Grid(d=ds, lam=[lam0], max_steps=[step_budget(lam0, lr, factor)],
                                     name="fig2: P(DNC) vs d", **common)))
        d_lam = 70 if full else 20
        for e in ([8, 9, 10, 11, 12] if full else [9, 10, 11]):
            lam = Fraction(1, 2 ** e)
            parts.append(("lam", "lam", Grid(d=[d_lam], lam=[lam], max_steps=[step_budget(lam, lr, factor)],
                                             name=f"fig2: P(DNC) vs λ (λ=2^-{e})", **common)))
    elif preset == "fig5":
        ds = [10, 15, 20, 30, 40, 50, 70, 100] if full else [10, 20, 40]
        parts.append(("d", "d", Grid(d=ds, lam=[lam0], max_steps=[step_budget(lam0, lr, factor)],
                                     name="fig5: rank vs d", **common)))
    return parts


def add_parser(sub):
    p = sub.add_parser(
        "sweep", help="gradient-descent sweeps: P(DNC) and converged rank (paper Fig. 2, Fig. 5)",
        description="Full-batch gradient descent on the DUFM from random initialisations, many seeds, "
                    "each endpoint classified (DNC, paired, mixed, other) and compared with the exact "
                    "reduced-model optimum. Presets reproduce the paper's Figure 2 (P(DNC) against d "
                    "and λ; K=10, n=5, L=2, lr 0.5) and Figure 5 (rank against d). Results are appended "
                    "to OUT/results.jsonl; rerunning resumes.",
        formatter_class=_HelpFormatter)
    p.add_argument("--preset", choices=PRESETS, default="fig2",
                   help="fig2, fig5, or custom (a grid from --K/--L/--n/--d/--lam)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--reduced", "--quick", dest="reduced", action="store_true",
                      help="reduced preset: fewer widths/λ (fig2 λ-part at d=20), 4 seeds")
    p.add_argument("--seeds", type=int, help="runs per grid point (default 10, reduced 4)")
    p.add_argument("--root-seed", type=int, default=0, help="root of numpy SeedSequence(...).spawn")
    p.add_argument("--init", choices=["fan_in", "normal"], default="fan_in",
                   help="fan_in: H ~ N(0,σ²), W ~ N(0,σ²/d); normal: every entry N(0,σ²)")
    p.add_argument("--init-scale", default="1", help="σ; comma-separated list for several")
    p.add_argument("--lr", type=float, default=0.5, help="learning rate")
    p.add_argument("--step-factor", type=float, default=STEP_FACTOR,
                   help="GD steps per grid point = step-factor/(lr·λ)")
    p.add_argument("--grad-tol", type=float, default=1e-8, help="stop a run when ‖∇ℒ‖_F <= this")
    p.add_argument("--polish", action="store_true", help="finish each GD run with L-BFGS (scipy)")
    # the custom grid's options: default None, so that one given with another preset is refused, not ignored
    p.add_argument("--K", type=int, help="custom: classes (>= 2) (default: 10)")
    p.add_argument("--L", type=int, help="custom: weight matrices (>= 1) (default: 2)")
    p.add_argument("--n", type=int, help="custom: samples per class (>= 1) (default: 5)")
    p.add_argument("--d", type=int_range, help="custom: widths (>= K), e.g. 10,20,70 or 10..20 (default: 70)")
    p.add_argument("--lam", help="custom: λ values, comma-separated (exact: 2^-10,1/512) (default: 2^-10)")
    p.add_argument("--activation", choices=["linear", "relu"], help="custom: σ (default: linear)")
    p.add_argument("--loss", choices=["ce", "mse"], help="custom: fit term (default: ce)")
    p.add_argument("--batch", type=int, default=5, help="seeds per task (one vectorised GD call)")
    p.add_argument("--workers", type=int,
                   help=f"worker processes, 1..{limits.SWEEP_MAX_WORKERS} (default: CPU count; 1: in this process)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on Dask: a scheduler address (tcp://host:8786) or 'local' for a LocalCluster")
    p.add_argument("--dask-timeout", type=positive_seconds, default=10.0, metavar="SECONDS",
                   help="give up on a --dask scheduler that does not answer within this time")
    p.add_argument("--out", type=output_folder, default="sweep-out",
                   help="output folder (created if its parent exists): results.jsonl, tables, plot")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG")
    p.add_argument("--progress", choices=["auto", "on", "off"], default="auto", help="tqdm progress bar")
    p.add_argument("--json", action="store_true", help="print the tables as JSON")
    p.set_defaults(func=run)
    return p


def _floats(text: str, name: str) -> list:
    try:
        vals = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise V.ParameterError(f"{name} must be comma-separated numbers > 0, got {text!r}") from None
    if not vals:
        raise V.ParameterError(f"{name} must list at least one number > 0")
    return [float(V.positive(name, v)) for v in vals]


CUSTOM_DEFAULTS = {"K": 10, "L": 2, "n": 5, "d": [70], "lam": "2^-10", "activation": "linear", "loss": "ce"}


def build_parts(args) -> list:
    init_scale = _floats(args.init_scale, "--init-scale")
    given = [k for k in CUSTOM_DEFAULTS if getattr(args, k) is not None]
    if args.preset != "custom" and given:
        raise V.ParameterError(f"--{given[0]} applies to --preset custom only (the {args.preset} preset fixes its "
                               f"own grid); add --preset custom to sweep a grid of your own")
    for k, v in CUSTOM_DEFAULTS.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.preset != "custom":
        return preset_grids(args.preset, "reduced" if args.reduced else "full", args.seeds, init_scale,
                            args.init, args.lr, args.root_seed, args.batch, args.polish, args.step_factor)
    from ..sweep import Grid
    try:
        lams = [exact_number(x) for x in args.lam.split(",") if x.strip()]
    except argparse.ArgumentTypeError as exc:
        raise V.ParameterError(f"--lam: {exc}") from None
    if not lams:
        raise V.ParameterError(f"--lam must list at least one λ > 0 (e.g. 2^-10,1/512), got {args.lam!r}")
    for lam in lams:
        V.positive("--lam", lam)
    parts = []
    for lam in lams:
        parts.append(("custom", "d", Grid(
            K=[args.K], L=[args.L], n=[args.n], d=args.d, lam=[lam], activation=[args.activation],
            loss=[args.loss], init=[args.init], init_scale=init_scale, lr=[args.lr],
            max_steps=[step_budget(lam, args.lr, args.step_factor)], grad_tol=[args.grad_tol],
            polish=[args.polish], seeds=10 if args.seeds is None else args.seeds, root_seed=args.root_seed, batch=args.batch,
            name=f"custom λ={lam}")))
    return parts


def make_figure(preset: str, tables: dict, title: str, K: int | None = None):
    """The preset's figure: fig2, P(DNC) (Wilson 95% bars) and P(paired) against d and λ; fig5, the
    numerical rank of Z against d (every run and the mean), integer ticks from 0 to K."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if preset == "fig2":
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for ax, (part, xkey, xlab) in zip(axes, [("d", "d", "width d"), ("lam", "lam", "λ")]):
            rows = tables.get(part, [])
            for scale in sorted({r["init_scale"] for r in rows}):
                rs = [r for r in rows if r["init_scale"] == scale]
                x = [float(Fraction(r[xkey])) if xkey == "lam" else r[xkey] for r in rs]
                y = [r["P_dnc"] for r in rs]
                err = [[r["P_dnc"] - r["P_dnc_lo"] for r in rs], [r["P_dnc_hi"] - r["P_dnc"] for r in rs]]
                line = ax.errorbar(x, y, yerr=err, marker="o", capsize=3,
                                   label=f"P(DNC) ±95% Wilson, init scale {scale:g}")
                ax.plot(x, [r["n_paired"] / r["runs"] for r in rs], ls="--", marker="s", ms=4,
                        color=line[0].get_color(), alpha=0.6, label=f"P(paired), init scale {scale:g}")
            if xkey == "lam":
                ax.set_xscale("log", base=2)
            ax.set_xlabel(xlab)
            ax.set_ylabel("fraction of runs")
            ax.set_ylim(-0.05, 1.05)
            ax.legend(fontsize=8)
    else:
        fig, ax = plt.subplots(figsize=(6, 4))
        rows = tables.get("d", tables.get("custom", []))
        ranks = []
        for scale in sorted({r["init_scale"] for r in rows}):
            rs = [r for r in rows if r["init_scale"] == scale]
            for r in rs:
                ks = [int(k) for k in r["ranks"].split()]
                ranks.extend(ks)
                ax.scatter([r["d"]] * len(ks), ks, alpha=0.3, s=20)
            ax.plot([r["d"] for r in rs], [r["rank_mean"] for r in rs], marker="o", label=f"mean, init scale {scale:g}")
        top = max([K or 0] + ranks)
        ax.set_ylim(-0.5, top + 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("width d")
        ax.set_ylabel("numerical rank of Z")
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot(preset: str, tables: dict, path: str, title: str, K: int | None = None) -> None:
    """``make_figure`` written to ``path`` (a write error is a one-line CommandFailed)."""
    import matplotlib.pyplot as plt
    fig = make_figure(preset, tables, title, K)
    try:
        save_figure(fig, path, dpi=120)
    finally:
        plt.close(fig)


TABLE_COLUMNS = ["runs", "n_dnc", "n_paired", "n_mixed", "n_other", "n_zero", "P_dnc", "P_dnc_lo", "P_dnc_hi",
                 "rank_mean", "rank_min", "rank_max", "ranks", "converged", "max_abs_gap", "seeds",
                 "root_seed", "max_steps"]


class _Stop(KeyboardInterrupt):
    """SIGTERM, turned into the same clean stop as Ctrl-C."""


@contextlib.contextmanager
def _sigterm_stops():
    """While the sweep runs, SIGTERM raises ``_Stop`` in the main thread (finished runs are kept)."""
    def handler(signum, frame):
        raise _Stop()
    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def _warnings_as_lines():
    """Library warnings (a repaired results file) as one line each on standard error."""
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, *a, **k: print(f"ufmtheory sweep: warning: {message}",
                                                               file=sys.stderr, flush=True)
        yield


def run(args) -> int:
    from ..sweep import (SchedulerUnreachable, dask_executor, process_executor, read_results, run_key, run_sweep,
                         summarise)

    if args.workers is not None:
        V.integer("workers", args.workers, 1, limits.SWEEP_MAX_WORKERS)
    parts = build_parts(args)  # every grid is checked (sizes, steps, memory) before any work
    results_path = os.path.join(args.out, "results.jsonl")
    progress = None if args.progress == "auto" else args.progress == "on"
    wanted = {run_key(pt, i, g.root_seed) for _, _, g in parts for pt in g.points() for i in range(g.seeds)}
    records, new = {}, 0
    try:
        os.makedirs(args.out, exist_ok=True)
        already = len(wanted & {r["key"] for r in read_results(results_path)})  # in the file before this run
        with _sigterm_stops(), _warnings_as_lines():
            if args.dask:
                pool = dask_executor(args.dask, args.workers, args.dask_timeout)
            elif args.workers == 1:
                pool = contextlib.nullcontext(None)  # run_sweep runs the tasks in this process
            else:
                pool = process_executor(args.workers)  # one pool for every part
            with pool as ex:
                for part, axis, grid in parts:
                    res = run_sweep(grid, results_path, executor=ex, workers=args.workers, progress=progress)
                    new += res["done"]
                    for r in res["records"]:
                        records.setdefault(part, {})[r["key"]] = r
    except SchedulerUnreachable as exc:
        raise CommandFailed(str(exc)) from None
    except KeyboardInterrupt as exc:
        print(f"ufmtheory sweep: {'terminated' if isinstance(exc, _Stop) else 'interrupted'}; finished runs are in "
              f"{results_path}; rerun the same command to resume", file=sys.stderr)
        return 143 if isinstance(exc, _Stop) else 130
    except OSError as exc:
        if exc.filename is None:
            raise
        raise CommandFailed(f"cannot use {exc.filename!r}: {exc.strerror or exc}", status=2) from None
    tables, files = {}, {"results": results_path}
    name = args.preset + ("-reduced" if args.reduced and args.preset != "custom" else "")
    for part, recs in records.items():
        axis = "lam" if part == "lam" else "d"
        by = [axis, "init_scale"] if part != "custom" else ["lam", "d", "init_scale"]
        rows = summarise(list(recs.values()), by)
        tables[part] = rows
        stem = os.path.join(args.out, name if part == "custom" else f"{name}_{part}")
        write_text(stem + ".json", json_text(rows))
        write_text(stem + ".csv", csv_text(rows, by + TABLE_COLUMNS))
        files[f"{part}_json"], files[f"{part}_csv"] = stem + ".json", stem + ".csv"
    g0 = parts[0][2]
    setting = (f"K={g0.K[0]}, L={g0.L[0]}, n={g0.n[0]}, lr={g0.lr[0]:g}, init={g0.init[0]}, "
               f"init scale {','.join(f'{s:g}' for s in g0.init_scale)}, seeds {g0.seeds} (root {g0.root_seed})")
    if not args.no_plot and args.preset != "custom":
        files["plot"] = os.path.join(args.out, f"{name}.png")
        plot(args.preset, tables, files["plot"], f"{name}: {setting}", K=g0.K[0])
    out = {"preset": args.preset, "size": "reduced" if args.reduced else "full", "setting": setting,
           "grids": [{"part": part, **grid.to_dict()} for part, _, grid in parts],
           "runs": len(wanted), "runs_new": new, "runs_skipped": already, "tables": tables, "files": files}
    if args.json:
        print(json_text(out))
        return 0
    print(f"{name}: {setting}; {len(wanted)} runs: {new} new, {already} already in {results_path}")
    for part, rows in tables.items():
        axis = "lam" if part == "lam" else "d"
        cols = ([axis] if part != "custom" else ["lam", "d"]) + ["init_scale", "runs", "n_dnc", "n_paired",
                                                               "n_mixed", "n_other", "P_dnc", "ranks", "converged"]
        print(text_table([{k: (f"{v:.2f}" if isinstance(v, float) and k == "P_dnc" else v) for k, v in r.items()}
                          for r in rows], cols))
    for k, v in files.items():
        print(f"  {k}: {v}")
    return 0
