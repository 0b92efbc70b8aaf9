"""Input validation: every public entry point checks its arguments here.

Errors name the parameter and its valid range (DEVELOPERS.md, "Bad input"), so that a bad call
never produces a silent NaN, a hang or a plausible wrong number.
"""
from __future__ import annotations

import math
import numbers
from fractions import Fraction

import mpmath
import numpy as np


class ParameterError(ValueError):
    """A parameter is outside its valid range. The message names the parameter and the range."""


def _is_real_number(x) -> bool:
    return isinstance(x, (numbers.Real, mpmath.mpf, np.floating, np.integer)) and not isinstance(x, bool)


def integer(name: str, value, minimum: int, maximum: int | None = None) -> int:
    """An integer ``value`` with ``minimum <= value [<= maximum]``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, (float, np.floating, Fraction, mpmath.mpf)) and _finite(value) and float(value).is_integer():
            value = int(value)
        else:
            raise ParameterError(f"{name} must be an integer >= {minimum}"
                                 + (f" and <= {maximum}" if maximum is not None else "")
                                 + f", got {value!r}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        rng = f">= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
        raise ParameterError(f"{name} must be an integer {rng}, got {value}")
    return value


def _finite(x) -> bool:
    if isinstance(x, mpmath.mpf):
        return bool(mpmath.isfinite(x))
    if isinstance(x, Fraction):
        return True
    try:
        return math.isfinite(float(x))
    except (OverflowError, TypeError, ValueError):
        return False


def positive(name: str, value, allow_zero: bool = False):
    """A finite real ``value`` > 0 (or >= 0). Returns it unchanged (exact types are kept)."""
    if isinstance(value, str):
        try:
            value = mpmath.mpf(value)
        except (ValueError, TypeError):
            raise ParameterError(f"{name} must be a finite real number > 0, got {value!r}") from None
    if not _is_real_number(value) and not isinstance(value, Fraction):
        raise ParameterError(f"{name} must be a finite real number {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    if not _finite(value):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        shown = str(value) if isinstance(value, (Fraction, mpmath.mpf)) else repr(value)
        raise ParameterError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {shown}")
    return value


def finite_array(name: str, value, shape: tuple | None = None, ndim: int | None = None) -> np.ndarray:
    """A finite numeric array (float64 or object of mpf), with an optional required shape."""
    arr = np.asarray(value)
    if arr.dtype == object:
        flat = arr.ravel()
        for v in flat:
            if not (_is_real_number(v) or isinstance(v, Fraction)) or not _finite(v):
                raise ParameterError(f"{name} must contain finite real numbers only, found {v!r}")
    else:
        if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise ParameterError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
        arr = arr.astype(float)
        if not np.all(np.isfinite(arr)):
            raise ParameterError(f"{name} must contain finite numbers only (found NaN or inf)")
    if ndim is not None and arr.ndim != ndim:
        raise ParameterError(f"{name} must be a {ndim}-dimensional array, got shape {arr.shape}")
    if shape is not None and arr.shape != tuple(shape):
        raise ParameterError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    return arr


def choice(name: str, value, options) -> str:
    if value not in options:
        raise ParameterError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value
