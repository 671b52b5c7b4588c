"""Recruiter operations: candidate overviews, invitations, exports, privacy requests."""
