"""ganviz — an interactive GAN laboratory. ``streamlit run app.py``

This file only wires the pages together; every page is in ``pages/`` and every computation in
the ``ganviz`` package.
"""
import streamlit as st

st.set_page_config(page_title="ganviz — GAN laboratory", page_icon="🧪", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/train.py", title="Train", icon="🏋️", url_path="train"),
]

st.navigation(PAGES).run()
