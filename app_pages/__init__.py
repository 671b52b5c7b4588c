"""Thin Streamlit pages; each calls into assessment, scoring and reports."""
