"""Streamlit front end of the territorial carbon model (thin: see webapp/ and the library).

Run: ``streamlit run app.py``. Pages: Explore, Compare, History, Sensitivity, Present,
Model; Chinese by default, English by the switch in the sidebar. The scenario is kept
per session and encoded in the page URL.
"""

import streamlit as st

st.set_page_config(page_title="国土空间碳中和情景模拟器 | Territorial carbon scenarios", page_icon="🌏",
                   layout="wide", initial_sidebar_state="expanded")

from webapp.ui import main  # noqa: E402  (after set_page_config)

main()
