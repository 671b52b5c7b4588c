"""Entry point of the ``sjt`` console script.

The full command tree imports every part of the service (database, item bank, reports), which
takes seconds. ``sjt simulate``, ``sjt calibrate`` and ``sjt score`` run on files only, so
``main`` builds just the command asked for when it is one of those: ``sjt score`` on 100,000
candidates then starts in well under a second instead of several.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
from typing import Any

import typer

from cli.errors import guard_commands

COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("cli.psychometrics", "simulate"),
    "calibrate": ("cli.psychometrics", "calibrate"),
    "score": ("cli.psychometrics", "score_command"),
    "item-analysis": ("cli.psychometrics", "item_analysis"),
    "demo": ("cli.admin", "demo"),
    "invite": ("cli.admin", "invite"),
    "remind": ("cli.mail", "remind"),
    "report": ("cli.reports", "report"),
    "rescore": ("cli.models", "rescore_command"),
    "scores": ("cli.models", "scores_command"),
    "responses": ("cli.models", "responses_command"),
    "fairness": ("cli.models", "fairness"),
    "cat-sim": ("cli.cat_sim", "cat_sim"),
    "purge": ("cli.privacy", "purge"),
    "export": ("cli.privacy", "export"),
    "backup": ("cli.privacy", "backup"),
    "restore": ("cli.privacy", "restore"),
}
"""The commands of ``sjt``, in the order its help lists them: name → (module, function)."""
GROUPS: dict[str, tuple[str, str]] = {
    "bank": ("cli.bank", "app"),
    "user": ("cli.users", "users"),
    "settings": ("cli.settings", "settings"),
    "model": ("cli.models", "models"),
}
"""The command groups of ``sjt`` (listed after the commands): name → (module, Typer app)."""
FILE_COMMANDS = ("simulate", "calibrate", "score")
"""Commands that need neither the database nor the bank at import time."""


def _load(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


def build_app() -> typer.Typer:
    """The complete ``sjt`` command tree."""
    app = typer.Typer(
        help="Situational-judgement test for customer-service staff.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for name, (module, function) in COMMANDS.items():
        app.command(name)(_load(module, function))
    for name, (module, group) in GROUPS.items():
        app.add_typer(_load(module, group), name=name)
    guard_commands(app)  # every command: user and environment errors end in one paragraph
    flow_help_texts(app)
    return app


def flowing_help(doc: str) -> str:
    """``doc`` with each prose paragraph joined into one line; lists and indented blocks keep
    their lines. Rich then wraps the text to the terminal's width."""
    paragraphs = []
    for paragraph in doc.split("\n\n"):
        lines = paragraph.splitlines()
        if any(LAID_OUT.match(line) for line in lines):
            paragraphs.append(paragraph)
        else:
            paragraphs.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(paragraphs)


LAID_OUT = re.compile(r"\s|[-*] |\d+[.)] |\x08")
"""A line that is part of a layout (indented, a list entry, click's ``\\b`` marker)."""


def flow_help_texts(app: typer.Typer) -> None:
    """Give every command a one-line summary (its docstring's first paragraph) and a help text
    whose paragraphs flow.

    Typer's rich help keeps the docstring's line breaks, so text that wraps in the source
    printed as ragged half-lines, in ``sjt --help`` and in each command's ``--help``.
    """
    for info in app.registered_commands:
        doc = inspect.getdoc(info.callback) if info.callback is not None else None
        if info.help is None and doc:
            if info.short_help is None:
                info.short_help = " ".join(doc.split("\n\n")[0].split())
            info.help = flowing_help(doc)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            flow_help_texts(group.typer_instance)


def single_command(name: str) -> typer.Typer:
    """A one-command app for ``name`` (one of ``FILE_COMMANDS``)."""
    app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    app.command(name)(_load(*COMMANDS[name]))
    guard_commands(app)
    flow_help_texts(app)
    return app


def __getattr__(name: str) -> Any:
    """``cli.main.app``: the complete command tree, built on first use."""
    if name == "app":
        value = build_app()
        globals()["app"] = value
        return value
    raise AttributeError(f"module 'cli.main' has no attribute {name!r}")


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main() -> None:
    """Run the command line; every file it creates is readable by its owner only.

    The file commands run their matrix products on one BLAS thread unless the environment
    says otherwise (the variables must be set before numpy is imported): the products are tall
    and thin, and spinning BLAS threads slow a run down badly when other processes compete for
    the cores (``make bench`` measures both).
    """
    os.umask(0o077)  # databases, backups, exports and reports hold personal data
    arguments = sys.argv[1:]
    if arguments and arguments[0] in FILE_COMMANDS:
        for variable in BLAS_THREAD_VARIABLES:
            os.environ.setdefault(variable, "1")
        single_command(arguments[0])(args=arguments[1:], prog_name=f"sjt {arguments[0]}")
    else:
        build_app()()


if __name__ == "__main__":
    main()
