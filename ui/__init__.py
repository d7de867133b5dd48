"""Shared Streamlit helpers for the pages: session state, config forms, live panels, Plotly figures.
Only widgets and drawing live here; every computation comes from the ``ganviz`` package."""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# Streamlit keeps its pre-``st.navigation`` behaviour for a project with a ``pages/`` folder
# until ``app.py`` has run once: a shared link that opens a page directly (``/train?loss=hinge``)
# as the server's first request would run that page alone, without app.py's navigation and
# layout. Every page imports ``ui``; if that legacy mode is still on, switch it off and rerun,
# which goes through app.py to the same page and keeps the link's query parameters.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
