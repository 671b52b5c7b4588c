"""Delivery: data files, sessions, the adaptive engine, the store, invitations and accounts."""
