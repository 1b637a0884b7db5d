"""nnviz: neural-network fundamentals you can see and touch, computed by real PyTorch.

The package holds all of the app's logic and never imports streamlit, so every
piece is usable from a notebook or the command line as well as from the pages.
"""

__version__ = "0.1.0"
