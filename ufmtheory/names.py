"""Names the command line lists in its help: the named structures, the structure families and the
entry-point group of theorem plugins. Kept here, free of heavy imports (no sympy, no scipy), so that
``ufmtheory --help`` does not import the modules that build them; those modules take the names from here.
"""

#: The named structures (``structures.NAMED``: each name is the function that builds it).
STRUCTURE_NAMES = ("dnc", "paired", "polygon")

#: The coupled odd-K family (``ufmtheory.coupled``: pairs at a scale a plus a centred singleton with coupled
#: β, γ; three scales, odd K only), compared by ``compare`` and ``phase`` besides the named structures.
COUPLED_NAME = "coupled"

#: What ``compare --structures`` accepts: the named structures and the coupled family (odd K).
COMPARE_NAMES = STRUCTURE_NAMES + (COUPLED_NAME,)

#: The named families (``families.named_family``), besides ``blocks:a+b+…``.
FAMILY_NAMES = ("dnc", "paired", "paired2", "paired2c", "polygon")

#: Entry-point group of theorem-check plugins (``theorems.plugins``).
PLUGIN_GROUP = "ufmtheory.theorems"
