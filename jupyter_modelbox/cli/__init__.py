"""The ``modelbox`` command line (also ``jupyter modelbox`` and ``python -m jupyter_modelbox.cli``).

The grammar lives in ``parser``, the work in ``commands``, the output in ``render``: the
``%modelbox`` magics reuse the first two with the kernel's ``ModelBox``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import ModelBox, ModelBoxError
from .commands import check_folder_findings, database_schema, migrate_registry, run
from .parser import ParserExit, UsageError, build_parser, parse_args
from .render import render

__all__ = ["ParserExit", "UsageError", "build_parser", "main", "open_box", "parse_args", "render", "run"]


def open_box(args: argparse.Namespace) -> ModelBox:
    """The registry chosen by ``--root``, ``--url``/``--token``, ``--database-url``/``--blob-root``, or
    else the default one."""
    if args.root:
        return ModelBox(root=args.root)
    if args.url:
        return ModelBox(url=args.url, token=args.token)
    if args.database_url:
        blob_root = args.blob_root or os.environ.get("MODELBOX_BLOB_ROOT")
        return ModelBox(database_url=args.database_url, blob_root=blob_root)
    return ModelBox()


def _error(message: str) -> None:
    print(f"modelbox: error: {' '.join(message.split())}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 registry error, 2 usage error)."""
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as exc:
        verb = exc.prog.removeprefix("modelbox").strip()
        _error(f"{exc.message} (see 'modelbox {verb + ' ' if verb else ''}--help')")
        return exc.status
    except ParserExit as exc:
        if exc.message:
            _error(exc.message)
        return exc.status
    try:
        if args.verb == "check" and args.root:
            result = check_folder_findings(args)
        elif args.verb == "db":
            result = database_schema(args)
        elif args.verb == "migrate":
            result = migrate_registry(args)
        else:
            with open_box(args) as box:
                result = run(box, args)
        text = render(result, args)
    except ModelBoxError as exc:
        _error(exc.message)
        return 1
    except OSError as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if args.verb == "check" and ((result["level"] == "error") & ~result["repaired"].astype(bool)).any():
        return 1  # problems that need a person: scripts must notice
    return 0
