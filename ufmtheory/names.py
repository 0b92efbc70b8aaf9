"""Names the command line lists in its help: the named structures, the structure families and the
entry-point group of theorem plugins. The pattern names are views of the registry (``patterns``), which,
like this module, is free of heavy imports (no sympy, no scipy), so that ``ufmtheory --help`` does not
import the modules that build them; those modules take the names from here or from the registry.
"""
from .patterns import COUPLED, names

#: The named one-scale structures (``structures.NAMED``): the registry's names that ``certify`` accepts.
STRUCTURE_NAMES = names("certify")

#: The coupled odd-K family (``ufmtheory.coupled``: pairs at a scale a plus a centred singleton with coupled
#: β, γ; three scales, odd K only), compared by ``compare`` and ``phase`` besides the named structures.
(COUPLED_NAME,) = names(kind=COUPLED)

#: What ``compare --structures`` accepts: the named structures and the coupled family (odd K).
COMPARE_NAMES = names("compare")

#: The named families (``families.named_family``, ``phase --structures``), besides ``blocks:a+b+…``.
FAMILY_NAMES = names("phase")

#: Entry-point group of theorem-check plugins (``theorems.plugins``).
PLUGIN_GROUP = "ufmtheory.theorems"
