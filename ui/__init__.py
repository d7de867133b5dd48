"""Shared Streamlit helpers for the pages: session state, config forms, Plotly figures.
Only widgets and drawing live here; every computation comes from the ``ganviz`` package."""
