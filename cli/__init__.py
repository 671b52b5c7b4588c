"""The ``sjt`` command line: thin commands that call into items, scoring, assessment, reports."""
