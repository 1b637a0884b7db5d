"""nnviz: the multipage app. Page config, navigation, the page's state and the shared sidebar; nothing else."""

import sys

import streamlit as st
import torch

import ui
from nnviz.trainer_process import TRAINER
from ui import lecture, state
from ui.predict import QUIZ_KEY
from ui.registry import HOME, SECTIONS, all_pages

# The server's policy (comments, not docstrings: Streamlit would draw a bare string on every page).
# Live training runs in the trainer process (nnviz.trainer_process: a GIL of its own, one torch thread), started
# with the server so that the first Play does not wait seconds for it to import torch.
TRAINER.start()
# One torch thread per script thread: the visitors' script threads (and, when training ran in the server, its
# workers) each computing with torch's default team (one thread per core) made the idle team members spin on the
# 2 cores, and the in-app training ran ~40x below headless (benchmarks/app_training.py).
SERVER_TORCH_THREADS = 1
# How long a thread may hold the GIL while another waits for it (Python's default is 5 ms). A training worker gives
# the GIL up for every torch op and waits to get it back; with several visitors' script threads drawing, the
# default 5 ms per op made 4 training sessions ~35 % slower (benchmarks/app_training.py).
SERVER_SWITCH_INTERVAL_S = 0.0005

torch.set_num_threads(SERVER_TORCH_THREADS)
sys.setswitchinterval(SERVER_SWITCH_INTERVAL_S)
st.set_page_config(page_title="nnviz — see and touch neural networks", page_icon="🧠", layout="wide")

PAGES = {spec.path: st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec is HOME) for spec in all_pages()}
navigation = st.navigation(
    {"Start": [PAGES[HOME.path]]}
    | {section: [PAGES[spec.path] for spec in specs] for section, specs in SECTIONS.items() if specs}
)
view = state.open_view(next(path for path, page in PAGES.items() if page is navigation))
lecture.apply(view[ui.PRESENTER_KEY])

with st.sidebar:
    view.toggle(
        ui.PRESENTER_KEY,
        "Presenter mode",
        help="Larger type, the sidebar folded away, sized for a 1280×720 projector. `?presenter=1` in a link.",
    )
    view.toggle(
        QUIZ_KEY,
        "Predict, then reveal",
        help="The step-by-step pages ask for your prediction before they show the answer. `?quiz=0` in a link.",
    )
    view.number_input(
        ui.SEED_KEY,
        "Seed",
        help="Every random thing in the app (data, initial weights, shuffling) derives from this seed.",
    )
    st.caption("Every number on screen is computed by PyTorch.")

view.show_notices()
view.show_hidden_note()
navigation.run()

with st.sidebar:
    view.share()
