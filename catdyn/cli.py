"""The ``catdyn`` command line.

>>> main(["--version"])
catdyn 0.1.0
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from catdyn import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="catdyn",
        description="State structural claims about learning as category theory, check their "
        "laws, and run them as experiments.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(f"catdyn {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
