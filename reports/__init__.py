"""PDF candidate profiles and feedback reports (reportlab lives only here)."""
