"""Delivery: candidate sessions, the adaptive engine, exposure control, data-quality flags."""
