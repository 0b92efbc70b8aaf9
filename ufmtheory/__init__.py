"""ufmtheory: check theorems about deep unconstrained feature models (DUFMs).

Data flows model → reduction → structures → scale optimisation → theorem checks → CLI/notebooks:

>>> import ufmtheory as ut
>>> model = ut.DeepUFM(K=10, L=2, n=5, lam="2^-10")
>>> best = ut.compare(model, [ut.dnc(10), ut.paired(10)])
>>> best["winner"]
'paired'

The names below are loaded on first use (PEP 562), so ``import ufmtheory`` — and the command line's
start-up — does not pay for sympy and scipy until they are needed.
"""
import importlib

__version__ = "0.1.0"

#: public name → the module that defines it
_EXPORTS = {
    "ParameterError": "._validate",
    "DeepUFM": ".model", "Parameters": ".model",
    "DEFAULT_DPS": ".precision", "PrecisionError": ".precision",
    "balanced_parameters": ".reduction", "minimal_penalty": ".reduction", "reduced_loss": ".reduction",
    "schatten_penalty": ".reduction",
    "ScaleOptimum": ".scale", "ScaleProblem": ".scale", "compare": ".scale", "loss_at_scale": ".scale",
    "optimal_scale": ".scale",
    "Structure": ".structures", "dnc": ".structures", "from_matrix": ".structures", "named": ".structures",
    "paired": ".structures", "polygon": ".structures", "q_K": ".structures",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ufmtheory' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
