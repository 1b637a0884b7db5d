"""nnviz: the multipage app. Page config, navigation and the shared sidebar; nothing else."""

import streamlit as st

import ui
from ui.registry import HOME, SECTIONS

st.set_page_config(page_title="nnviz — see and touch neural networks", page_icon="🧠", layout="wide")


def _page(spec, default: bool = False) -> st.Page:
    return st.Page(spec.path, title=spec.title, icon=spec.icon, default=default)


with st.sidebar:
    st.toggle(
        "Presenter mode",
        key=ui.PRESENTER_KEY,
        help="Larger type and less chrome, sized for a 1280×720 projector.",
    )
    st.number_input(
        "Seed",
        min_value=0,
        max_value=2**31 - 1,
        value=ui.DEFAULT_SEED,
        step=1,
        key=ui.SEED_KEY,
        help="Every random thing in the app (data, initial weights, shuffling) derives from this seed.",
    )
    st.caption("Every number on screen is computed by PyTorch.")

navigation = st.navigation(
    {"Start": [_page(HOME, default=True)]}
    | {section: [_page(spec) for spec in pages] for section, pages in SECTIONS.items() if pages}
)

# Less empty space above the title, so a page's first chart is visible on a 1280×720 screen.
st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 2.5rem; }</style>")
if ui.presenter_on():
    st.html(
        """<style>
        html { font-size: 20px; }
        header[data-testid="stHeader"] { display: none; }
        [data-testid="stMainBlockContainer"] { padding: 1rem 2rem; max-width: 100%; }
        h1 { font-size: 2.1rem !important; }
        </style>"""
    )

navigation.run()
