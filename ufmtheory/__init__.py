"""ufmtheory: check theorems about deep unconstrained feature models (DUFMs).

Data flows model → reduction → structures → scale optimisation → theorem checks → CLI/notebooks:

>>> import ufmtheory as ut
>>> model = ut.DeepUFM(K=10, L=2, n=5, lam="2^-10")
>>> best = ut.compare(model, [ut.dnc(10), ut.paired(10)])
>>> best["winner"]
'paired'
"""
from ._validate import ParameterError
from .model import DeepUFM, Parameters
from .precision import DEFAULT_DPS, PrecisionError
from .reduction import balanced_parameters, minimal_penalty, reduced_loss, schatten_penalty
from .scale import ScaleOptimum, ScaleProblem, compare, loss_at_scale, optimal_scale
from .structures import Structure, dnc, from_matrix, named, paired, polygon, q_K

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_DPS", "DeepUFM", "Parameters", "ParameterError", "PrecisionError", "ScaleOptimum",
    "ScaleProblem", "Structure", "balanced_parameters", "compare", "dnc", "from_matrix",
    "loss_at_scale", "minimal_penalty", "named", "optimal_scale", "paired", "polygon", "q_K",
    "reduced_loss", "schatten_penalty",
]
