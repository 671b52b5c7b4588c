"""The service layer between the item bank, the psychometric engine and the app.

Sub-packages, one job each (lower layers first; a package imports only those above it in this
list, plus ``items`` and ``scoring``):

``persistence``
    The store: the only code that touches the database (SQLAlchemy, table definitions, Alembic
    migrations, backup and restore).
``access``
    Staff accounts and roles.
``delivery``
    A candidate's test: the adaptive engine, exposure control, data-quality flags, the delivery
    service and CAT simulation.
``psychometrics``
    Psychometric operations on collected data: model versions, review, fairness, calibration jobs
    and the data-file formats.
``recruiting``
    Recruiter operations: candidate overviews, invitations, exports and privacy requests.

Shared by all of them: ``errors`` (the package's error types), ``clock`` (time), ``vocabulary``
(the closed sets: language, status, form), ``session_values`` (the immutable session and its
responses). ``demo`` seeds a demonstration database and may use
every sub-package.
"""
