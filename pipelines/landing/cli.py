"""Subcommands of this domain for the `calltrack` CLI."""

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this domain's subcommands (none yet)."""
