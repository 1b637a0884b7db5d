"""nnviz's web server: ``streamlit run serve.py`` serves the app (``app.py``) with its live feeds.

The feeds (:mod:`ui.feed`) are the route from which a training page's live canvases fetch their newer figures
without rerunning the page. ``streamlit run app.py`` serves the same app without them: its live areas rerun instead
(slower in a browser on the server's own cores, the same numbers).
"""

import streamlit as st

from nnviz.heap import freeze_imports
from ui import feed

# The pages' code and what it imports on first use (torchvision: the first MNIST load), imported before the first
# visitor and frozen out of the garbage collector's scans (nnviz.heap).
freeze_imports(modules=("torchvision.datasets",), packages=("nnviz", "ui"))

app = st.App("app.py", routes=feed.routes())
