"""ganviz — an interactive GAN laboratory. ``streamlit run app.py``

This file only wires the pages together; every page is in ``pages/`` and every computation in
the ``ganviz`` package.
"""
import streamlit as st
import torch

from ui import present, session

# One server trains for many browser sessions at once, each in its own worker thread: one
# intra-op thread per training keeps them from fighting over the cores (more threads per op made
# small models much slower on a busy CPU; docs/tuning_notes.md). GPUs are unaffected.
torch.set_num_threads(1)

st.set_page_config(page_title="ganviz — GAN laboratory", page_icon="🧪", layout="wide")
session.budgets_from_secrets()
session.warm_up_training_processes()
present.sidebar_toggle()  # every page: ?present=1 or the sidebar switch (ui/present.py)

# Each page's URL is its file name (/train, /mode_collapse, ...), the name Streamlit gives a file
# in ``pages/`` before app.py has run: a shared link that is a fresh server's first request then
# finds its page instead of raising a "Page not found" dialog (see ui/__init__.py).
PAGES = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/train.py", title="Train", icon="🏋️"),
    st.Page("pages/mode_collapse.py", title="Mode collapse", icon="🎯"),
    st.Page("pages/image_collapse.py", title="Mode collapse in images", icon="🔷"),
    st.Page("pages/phase_diagram.py", title="Phase diagram", icon="🗺️"),
    st.Page("pages/landscape.py", title="Minimax landscape", icon="⛰️"),
    st.Page("pages/evaluate.py", title="Evaluate", icon="📏"),
    st.Page("pages/latent.py", title="Latent explorer", icon="🧭"),
    st.Page("pages/style_transfer.py", title="Style transfer", icon="🎨"),
]

with session.rerun_if_released():
    st.navigation(PAGES).run()
