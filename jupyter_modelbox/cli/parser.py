"""The ``modelbox`` argument grammar: one parser for the command line and the ``%modelbox`` magics.

The parser never exits the process: ``--help``/``--version`` raise ``ParserExit(0)`` after printing,
bad input raises ``UsageError`` (status 2) carrying the usage line of the verb that rejected it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from .. import __version__

SORT_FIELDS = ("name", "description", "creation_time", "last_updated_time")
REF_PATTERN = re.compile(r"^[\w.\-]+$")
ALL_TAGS = ""  # the value of a bare ``--history``

DESCRIPTION = """\
Manage a jupyter_modelbox model registry.

TARGET is NAME (a model) or NAME:REF (one of its versions), where REF is a version number,
a unique tag, or 'latest'. --namespace chooses the namespace of every NAME (default: "default").
"""

EPILOG = """\
examples:
  modelbox create mnist --description "digits" --metadata '{"dataset": "mnist"}'
  modelbox register-version mnist $(modelbox new-checkpoint model.h5 --framework tensorflow)
  modelbox log mnist:latest loss=0.12 note=warmup --step 3
  modelbox --json describe mnist --version production
  modelbox compare mnist --versions 3 production --diff-only
"""


class ParserExit(Exception):
    """The parser stopped before a command could run; ``status`` is the process exit code."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class UsageError(ParserExit):
    """Bad command-line input; ``usage`` is the usage line of the (sub)command that rejected it."""

    def __init__(self, message: str, usage: str, prog: str) -> None:
        super().__init__(2, message)
        self.usage = usage
        self.prog = prog


class ArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises instead of exiting, so a notebook kernel survives bad input."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.format_usage().strip(), self.prog)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise ParserExit(status, message or "")


@dataclass(frozen=True)
class Target:
    """``NAME`` (a model) or ``NAME:REF`` (a version of it)."""

    name: str
    ref: str | None = None

    def __str__(self) -> str:
        return self.name if self.ref is None else f"{self.name}:{self.ref}"


# -- argument types ----------------------------------------------------------------------------


def target(text: str) -> Target:
    name, colon, ref = text.rpartition(":")
    if not colon:
        name, ref = text, ""
    if not name.strip() or (colon and not REF_PATTERN.match(ref)):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not NAME or NAME:REF (REF: a version number, a unique tag or 'latest')"
        )
    return Target(name, ref or None)


def json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not valid JSON ({exc.msg} at character {exc.pos}); strings need quotes: '\"text\"'"
        ) from None


def json_object(text: str) -> dict[str, Any]:
    value = json_value(text)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            f"{text!r} is JSON but not an object; write it like '{{\"key\": \"value\"}}'"
        )
    return value


def metric_pair(text: str) -> tuple[str, float | str]:
    """``key=value``: numbers become floats, anything else stays a string."""
    key, equals, raw = text.partition("=")
    if not equals or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not key=value")
    try:
        return key, float(raw)
    except ValueError:
        return key, raw


def non_negative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a non-negative integer")
    return int(text)


def wallclock(text: str) -> float:
    """Seconds since the epoch, or an ISO 8601 date-time (local time when it has no offset)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither seconds since the epoch nor an ISO date-time") from None


class JsonPairAction(argparse.Action):
    """``--set KEY JSON_VALUE`` (repeatable): collects ``(key, decoded value)`` pairs."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        key, raw = values
        try:
            value = json_value(raw)
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, f"{key}: {exc}") from None
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest) or []), (key, value)])


# -- the grammar -------------------------------------------------------------------------------


def _connection_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Options accepted before or after the verb; after it, they only override what was given before."""
    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("registry and output")
    group.add_argument("--json", dest="as_json", action="store_true", default=default(False),
                       help="print JSON for scripts instead of text tables")
    group.add_argument("--url", default=default(None), help="a Jupyter server running the modelbox extension")
    group.add_argument("--token", default=default(None), help="the Jupyter server's token (with --url)")
    group.add_argument("--root", default=default(None), help="a registry folder opened in this process")
    group.add_argument("--database-url", metavar="URL", default=default(None),
                       help="a PostgreSQL registry opened in this process, postgresql://user@host:5432/db "
                       "(default with no other choice: $MODELBOX_DATABASE_URL)")
    group.add_argument("--blob-root", metavar="DIR", default=default(None),
                       help="with --database-url: the folder of artifact bytes (default: $MODELBOX_BLOB_ROOT)")
    group.add_argument("--namespace", metavar="NS", default=default(None),
                       help='namespace of the model names (default: "default"; list: all)')


def _verbs(add: Any) -> None:
    p = add("create", "create a model")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--description", default="", metavar="D")
    p.add_argument("--metadata", type=json_object, metavar="JSON", help="a JSON object")

    p = add("list", "list models")
    p.add_argument("--sort-by", choices=SORT_FIELDS, default="name")
    p.add_argument("--order-by", choices=("asc", "desc"), default="asc")
    p.add_argument("--name", metavar="SUBSTR", help="names containing SUBSTR (any case)")
    p.add_argument("--description", metavar="SUBSTR", help="descriptions containing SUBSTR (any case)")
    p.add_argument("--offset", type=non_negative_int, default=0, metavar="N")
    p.add_argument("--limit", type=non_negative_int, metavar="N")

    p = add("describe", "show a model, its metadata and its latest version")
    p.add_argument("target", type=target, metavar="NAME")
    p.add_argument("--version", metavar="REF", help="show this version instead of the latest")

    p = add("register-version", "register a checkpoint as the model's next version")
    p.add_argument("name", metavar="NAME")
    p.add_argument("checkpoint_uuid", metavar="CHECKPOINT_UUID")

    p = add("list-versions", "list a model's versions, newest first")
    p.add_argument("name", metavar="NAME")

    p = add("new-checkpoint", "upload files or folders as a checkpoint and print its uuid")
    p.add_argument("files", nargs="+", metavar="FILES")
    p.add_argument("--metadata", type=json_object, metavar="JSON", help="a JSON object")
    p.add_argument("--framework", metavar="F")
    p.add_argument("--format", metavar="F", help="e.g. h5, pt, onnx")

    p = add("new-version", "create the model's next version (without a checkpoint)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--label", metavar="L", help="your version label (default: the number)")
    p.add_argument("--description", default="", metavar="D")
    p.add_argument("--framework", metavar="F")
    p.add_argument("--tag", dest="tags", action="extend", nargs="+", default=[], metavar="T", help="unique tags")
    p.add_argument("--metadata", type=json_object, metavar="JSON", help="a JSON object")

    p = add("upload", "copy files or folders into the registry as artifacts of TARGET")
    p.add_argument("target", type=target, metavar="TARGET")
    p.add_argument("files", nargs="+", metavar="FILES")

    p = add("track", "record where files live (paths or URIs) without copying them")
    p.add_argument("target", type=target, metavar="TARGET")
    p.add_argument("paths", nargs="+", metavar="PATHS")

    p = add("artifacts", "list the artifacts of TARGET (a version's include its checkpoint's)")
    p.add_argument("target", type=target, metavar="TARGET")

    p = add("download", "download TARGET's artifacts (checksums verified) into DEST")
    p.add_argument("target", type=target, metavar="TARGET")
    p.add_argument("dest", metavar="DEST", help="a folder (or a file path with --path)")
    p.add_argument("--path", metavar="ARTIFACT_PATH", help="only this artifact")

    p = add("log", "log metrics: numbers become floats, other values stay strings")
    p.add_argument("target", type=target, metavar="TARGET")
    p.add_argument("metrics", type=metric_pair, nargs="+", metavar="key=value")
    p.add_argument("--step", type=non_negative_int, metavar="N")
    p.add_argument("--wallclock", type=wallclock, metavar="T", help="epoch seconds or ISO date-time")

    p = add("metrics", "show or export logged metrics")
    p.add_argument("target", type=target, metavar="TARGET")
    p.add_argument("--keys", action="extend", nargs="+", metavar="K", help="only these keys")
    p.add_argument("--format", choices=("csv", "json"), help="export format (default with --output: its suffix)")
    p.add_argument("--output", metavar="FILE", help="write the export to FILE")

    p = add("tag", "give a version a unique tag, move or remove it, or show a model's tag history")
    p.add_argument("target", type=target, metavar="TARGET", help="NAME:REF (NAME with --history)")
    p.add_argument("tag", nargs="?", metavar="TAG")
    p.add_argument("--move", action="store_true", help="take the tag from the version holding it")
    p.add_argument("--remove", action="store_true", help="remove the tag from this version")
    p.add_argument("--history", nargs="?", const=ALL_TAGS, metavar="TAG",
                   help="every set/move/removal of TAG (or of every tag) on model NAME")

    p = add("metadata", "show or change metadata (no option: show)")
    p.add_argument("target", type=target, metavar="TARGET")
    p.add_argument("--set", dest="set_pairs", nargs=2, action=JsonPairAction, default=[],
                   metavar=("KEY", "JSON_VALUE"), help="set KEY to a JSON value (repeatable)")
    p.add_argument("--merge", type=json_object, metavar="JSON", help="merge a JSON object's top-level keys")
    p.add_argument("--remove", dest="remove_keys", action="extend", nargs="+", default=[], metavar="KEY")

    p = add("search", "find models (or, with --versions or --model, versions) with the search language")
    p.add_argument("query", metavar="QUERY", help="e.g. \"name ~ mnist and (tag:production or metrics.loss < 0.1)\"")
    p.add_argument("--versions", action="store_true", help="search the versions of every model")
    p.add_argument("--model", metavar="NAME", help="search this model's versions")
    p.add_argument("--sort-by", choices=SORT_FIELDS, default="name", help="for models")
    p.add_argument("--order-by", choices=("asc", "desc"), default="asc", help="for models")
    p.add_argument("--offset", type=non_negative_int, default=0, metavar="N")
    p.add_argument("--limit", type=non_negative_int, metavar="N")

    p = add("compare", "compare versions of a model side by side (fields, metadata, metric last/min/max)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--versions", action="extend", nargs="+", metavar="REF",
                   help="version numbers, tags or 'latest' (default: every version, newest first)")
    p.add_argument("--diff-only", action="store_true", help="only the rows whose values differ")

    p = add("check", "verify the registry: records, version numbers, tags, artifact bytes (exit 1 on errors)")
    p.add_argument("--repair", action="store_true",
                   help="fix what is safe to fix; damaged journal records and removed records are saved aside")
    p.add_argument("--no-verify-bytes", dest="verify_bytes", action="store_false",
                   help="do not re-hash every artifact's bytes (faster)")

    p = add("export", "back up the whole registry (documents, metrics, artifact bytes) to a new folder or .tar")
    p.add_argument("path", metavar="PATH")

    p = add("import", "restore an export (folder or .tar) into an empty registry")
    p.add_argument("path", metavar="PATH")

    p = add("migrate", "copy a registry folder (documents, metrics, artifact bytes) into an empty PostgreSQL "
                       "registry and verify every record (the folder is left as it was)")
    p.add_argument("--from", dest="source", required=True, metavar="PATH", help="the registry folder")
    p.add_argument("--to", dest="target_url", required=True, metavar="URL", help="postgresql://user@host:5432/db")

    p = add("db", "the PostgreSQL registry's schema: upgrade it to this version's (also done on first use)")
    p.add_argument("action", choices=("upgrade",), metavar="ACTION", help="upgrade")


def build_parser(prog: str = "modelbox", extra_verbs: Callable[[Any], None] | None = None) -> ArgumentParser:
    """The whole grammar; ``parser.verbs`` maps each verb to its subparser.

    ``extra_verbs(add)`` adds more verbs the same way (``add(name, help) -> subparser``), with the
    shared options (``--url``, ``--json``...): the magics add ``plot`` and ``panel`` so.
    """
    parser = ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG, allow_abbrev=False,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _connection_options(parser, suppress=False)
    shared = ArgumentParser(add_help=False, allow_abbrev=False)
    _connection_options(shared, suppress=True)
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs: dict[str, ArgumentParser] = {}

    def add(name: str, help_text: str) -> ArgumentParser:
        verbs[name] = subparsers.add_parser(name, help=help_text, description=help_text, parents=[shared],
                                            allow_abbrev=False)
        return verbs[name]

    _verbs(add)
    if extra_verbs is not None:
        extra_verbs(add)
    parser.verbs = verbs  # type: ignore[attr-defined]
    return parser


def _check(args: argparse.Namespace) -> str | None:
    """Rules argparse cannot express; the problem, or ``None``."""
    chosen = [name for name, value in (("--url", args.url), ("--root", args.root),
                                       ("--database-url", args.database_url)) if value]
    if len(chosen) > 1:
        return f"choose one registry: {' or '.join(chosen)}, not more"
    if args.blob_root and not args.database_url and args.verb != "migrate":
        return "--blob-root is only used with --database-url"
    if args.verb == "db" and not (args.database_url or os.environ.get("MODELBOX_DATABASE_URL")):
        return "db works on a PostgreSQL registry: give --database-url (or set $MODELBOX_DATABASE_URL)"
    if args.verb == "migrate" and (args.url or args.root or args.database_url):
        return "migrate takes its registries from --from and --to (with --blob-root)"
    if args.verb == "migrate" and not (args.blob_root or os.environ.get("MODELBOX_BLOB_ROOT")):
        return "migrate needs --blob-root (or $MODELBOX_BLOB_ROOT): the folder for the database registry's bytes"
    if args.token and not args.url:
        return "--token is only used with --url"
    if args.verb == "describe" and args.target.ref is not None and args.version is not None:
        return f"give the version once: {args.target} or --version {args.version}"
    if args.verb == "describe" and args.version is not None and not REF_PATTERN.match(args.version):
        return f"--version {args.version!r} is not a version number, a unique tag or 'latest'"
    if args.verb == "tag":
        if args.history is not None:
            if args.target.ref is not None or args.tag is not None or args.move or args.remove:
                return "write tag NAME --history [TAG], without NAME:REF, --move or --remove"
        elif args.tag is None:
            return "TAG is required (or use --history)"
        elif args.target.ref is None:
            return f"tags belong to versions: write {args.target.name}:REF"
        elif args.move and args.remove:
            return "choose --move or --remove, not both"
    if args.verb == "compare":
        bad = [ref for ref in args.versions or [] if not REF_PATTERN.match(ref)]
        if bad:
            return f"--versions {bad[0]!r} is not a version number, a unique tag or 'latest'"
    if args.verb == "log":
        keys = [key for key, _ in args.metrics]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            return f"metric {duplicates[0]!r} is given more than once"
    return None


def parse_args(argv: Sequence[str], parser: ArgumentParser | None = None) -> argparse.Namespace:
    """Parse one command; raises ``UsageError`` for bad input and ``ParserExit`` after ``--help``."""
    parser = parser or build_parser()
    args = parser.parse_args(list(argv))
    problem = _check(args)
    if problem:
        parser.verbs[args.verb].error(problem)  # type: ignore[attr-defined]
    return args
