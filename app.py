"""ganviz — an interactive GAN laboratory. ``streamlit run app.py``

This file only wires the pages together; every page is in ``pages/`` and every computation in
the ``ganviz`` package.
"""
import streamlit as st
import torch

# One server trains for many browser sessions at once, each in its own worker thread: one
# intra-op thread per training keeps them from fighting over the cores (on a busy 2-core CPU,
# 2 threads per op made small models ~20x slower than 1). GPUs are unaffected.
torch.set_num_threads(1)

st.set_page_config(page_title="ganviz — GAN laboratory", page_icon="🧪", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/train.py", title="Train", icon="🏋️", url_path="train"),
    st.Page("pages/mode_collapse.py", title="Mode collapse", icon="🎯", url_path="mode-collapse"),
    st.Page("pages/phase_diagram.py", title="Phase diagram", icon="🗺️", url_path="phase-diagram"),
    st.Page("pages/landscape.py", title="Minimax landscape", icon="⛰️", url_path="landscape"),
    st.Page("pages/evaluate.py", title="Evaluate", icon="📏", url_path="evaluate"),
    st.Page("pages/latent.py", title="Latent explorer", icon="🧭", url_path="latent"),
    st.Page("pages/style_transfer.py", title="Style transfer", icon="🎨", url_path="style-transfer"),
]

st.navigation(PAGES).run()
