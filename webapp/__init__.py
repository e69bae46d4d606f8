"""UI helpers of the Streamlit app (app.py): strings, state and URL encoding, charts,
exports and caching. Library-grade functions that belong elsewhere are marked so in
their module docstrings (fit statistics, scenario reader, sector parsing)."""
