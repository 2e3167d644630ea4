"""``%modelbox`` and ``%%modelbox``: the CLI's verbs in a notebook, plus ``plot``, ``panel`` and ``register-object``.

The grammar is the CLI's (``cli.parser``) with the notebook-only verbs added; the work is the
CLI's ``run``. Results are returned (``x = %modelbox describe mnist``) and shown as tables:
DataFrames as they are, models, versions and checkpoints as HTML field tables.
"""

from __future__ import annotations

import argparse
import html
import json
import shlex
from collections.abc import Sequence
from typing import Any

import pandas as pd
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, line_cell_magic, magics_class

from . import Checkpoint, Experiment, Model, ModelBox, ModelVersion
from .cli import ParserExit, build_parser, parse_args, run
from .cli import UsageError as CliUsageError
from .cli.commands import get_version
from .cli.parser import ArgumentParser, json_object, target
from .cli.render import cell, object_fields, title, to_jsonable

# verbs that take a JSON object from the cell body, and the option it fills
BODY_OPTIONS = {"metadata": ("--merge", "merge"), "create": ("--metadata", "metadata"),
                "new-version": ("--metadata", "metadata"), "new-checkpoint": ("--metadata", "metadata"),
                "register-object": ("--metadata", "metadata")}
X_AXES = ("step", "wallclock", "relative")


def _smoothing(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number in [0, 1)")
    return value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return int(text)


def _notebook_verbs(add: Any) -> None:
    p = add("plot", "plot metric curves of NAME's versions (or of NAME:VERSION) as a MetricsPlot widget")
    p.add_argument("target", type=target, metavar="NAME[:VERSION]")
    p.add_argument("keys", nargs="*", metavar="KEYS", help="metric keys (default: all)")
    p.add_argument("--x", choices=X_AXES, default="step", help="the x axis (default: step)")
    p.add_argument("--smoothing", type=_smoothing, default=0.0, metavar="S", help="EWM weight in [0, 1)")
    p.add_argument("--log", action="store_true", help="log-scale y axis")
    p.add_argument("--live", action="store_true", help="redraw while points are logged")
    p.add_argument("--max-points", type=_positive_int, default=2000, metavar="N", help="points per key and version")
    p = add("panel", "a panel widget for model NAME: browse, register, plot and drop artifacts")
    p.add_argument("name", metavar="NAME")
    p = add("register-object", "save the notebook variable VARIABLE (a model object) as model NAME's next version")
    p.add_argument("name", metavar="NAME")
    p.add_argument("variable", metavar="VARIABLE", help="a variable of this notebook, e.g. clf")
    p.add_argument("--framework", metavar="F", help="sklearn, torch, onnx, pickle... (default: from its type)")
    p.add_argument("--metadata", type=json_object, metavar="JSON", help="the version's metadata, a JSON object")


def magic_parser() -> ArgumentParser:
    """The CLI's parser (``prog`` ``%modelbox``) with the notebook verbs ``plot``, ``panel`` and
    ``register-object``."""
    return build_parser(prog="%modelbox", extra_verbs=_notebook_verbs)


def parse_cell_body(body: str) -> dict[str, Any]:
    """A JSON object, or ``key: value`` lines (values that parse as JSON are JSON, others text)."""
    from .widgets.metadata_editor import parse_row_value

    text = body.strip()
    if not text:
        raise UsageError("the cell is empty: write a JSON object or 'key: value' lines")
    if text.startswith(("{", "[")):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"the cell is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") \
                from None
        if not isinstance(value, dict):
            raise UsageError("the cell must hold a JSON object")
        return value
    found: dict[str, Any] = {}
    for number, line in enumerate(body.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, colon, raw = stripped.partition(":")
        if not colon or not key.strip():
            raise UsageError(f"cell line {number}: expected 'key: value', got {stripped!r}")
        if key.strip() in found:
            raise UsageError(f"cell line {number}: key {key.strip()!r} is given twice")
        found[key.strip()] = parse_row_value(raw.strip())
    if not found:
        raise UsageError("the cell has no 'key: value' lines")
    return found


def object_html(obj: Model | ModelVersion | Checkpoint | Experiment) -> str:
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                   f"<td style='text-align:left'>{html.escape(cell(v, k, limit=None))}</td></tr>"
                   for k, v in object_fields(obj).items())
    return f"<b>{html.escape(title(obj))}</b><table>{rows}</table>"


class Description(dict):
    """``describe``'s result (``{"model", "version", "checkpoint", "experiment"}``) or ``experiment
    describe``'s (``{"experiment", "checkpoints"}``), shown as field tables."""

    def _repr_html_(self) -> str:
        parts = [v.to_html() if isinstance(v, pd.DataFrame) else object_html(v) for v in self.values() if v is not None]
        if "model" in self and self.get("version") is None:
            parts.append("<i>no versions yet</i>")
        return "".join(parts)


@magics_class
class ModelboxMagics(Magics):
    """``%modelbox VERB ...`` (and ``%%modelbox VERB ...`` with a JSON or ``key: value`` cell body)."""

    def __init__(self, shell: InteractiveShell | None = None) -> None:
        super().__init__(shell)
        self.parser = magic_parser()
        self.boxes: dict[tuple[str | None, str | None, str | None], ModelBox] = {}

    def box(self, args: argparse.Namespace) -> ModelBox:
        """This shell's ``ModelBox`` (``ModelBox()``), or the one ``--root``/``--url`` name."""
        key = (args.root, args.url, args.token)
        if key not in self.boxes:
            if args.root:
                self.boxes[key] = ModelBox(root=args.root)
            elif args.url:
                self.boxes[key] = ModelBox(url=args.url, token=args.token)
            else:
                self.boxes[key] = ModelBox()
        return self.boxes[key]

    def parse(self, argv: Sequence[str]) -> argparse.Namespace | None:
        """Parsed arguments; ``None`` after ``--help``; IPython's ``UsageError`` with the usage line."""
        try:
            return parse_args(argv, self.parser)
        except CliUsageError as exc:
            raise UsageError(f"{exc.usage}\n{exc.prog}: error: {exc.message}") from None
        except ParserExit as exc:
            if exc.status:
                raise UsageError(exc.message.strip()) from None
            return None

    @line_cell_magic
    def modelbox(self, line: str, cell: str | None = None) -> Any:
        """Manage the model registry; ``%modelbox --help`` lists the verbs, ``%modelbox VERB --help`` one."""
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise UsageError(f"{self.parser.format_usage().strip()}\n%modelbox: error: {exc}") from None
        args = self.parse(argv)
        if args is None:
            return None
        if cell is not None:
            args = self._with_cell_body(argv, args, cell)
        box = self.box(args)
        result = self._run(box, args)
        return to_jsonable(result) if args.as_json and args.verb not in ("plot", "panel") else result

    def _with_cell_body(self, argv: list[str], args: argparse.Namespace, body: str) -> argparse.Namespace:
        if args.verb not in BODY_OPTIONS:
            raise UsageError(f"%%modelbox {args.verb} takes no cell body; these verbs do: "
                             f"{', '.join(sorted(BODY_OPTIONS))}")
        option, dest = BODY_OPTIONS[args.verb]
        if getattr(args, dest) is not None:
            raise UsageError(f"give {option} on the line or in the cell body, not both")
        parsed = self.parse([*argv, option, json.dumps(parse_cell_body(body))])
        assert parsed is not None
        return parsed

    def _run(self, box: ModelBox, args: argparse.Namespace) -> Any:
        if args.verb == "plot":
            from .widgets import MetricsPlot

            model = box.get_model(args.target.name, args.namespace)
            source = model if args.target.ref is None else get_version(model, args.target.ref)
            return MetricsPlot(source, keys=args.keys or None, x=args.x, smoothing=args.smoothing, log_y=args.log,
                               live=args.live, max_points=args.max_points)
        if args.verb == "panel":
            from .widgets import panel

            return panel(box.get_model(args.name, args.namespace))
        if args.verb == "register-object":
            return self._register_object(box, args)
        result = run(box, args)
        described = args.verb == "describe" or (args.verb == "experiment" and args.action == "describe")
        return Description(result) if described else result

    def _register_object(self, box: ModelBox, args: argparse.Namespace) -> ModelVersion:
        namespace = self.shell.user_ns if self.shell is not None else {}
        if args.variable not in namespace:
            raise UsageError(f"there is no variable {args.variable!r} in this notebook")
        model = box.get_model(args.name, args.namespace)
        return model.log_model(namespace[args.variable], framework=args.framework, **(args.metadata or {}))

    def close(self) -> None:
        for box in self.boxes.values():
            box.close()
        self.boxes.clear()


RICH_TYPES = (Model, ModelVersion, Checkpoint, Experiment)


def load_ipython_extension(ipython: InteractiveShell) -> None:
    ipython.register_magics(ModelboxMagics)
    formatter = ipython.display_formatter.formatters["text/html"]
    for kind in RICH_TYPES:
        formatter.for_type(kind, object_html)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    magics = ipython.magics_manager.registry.pop("ModelboxMagics", None)
    if magics is not None:
        magics.close()
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("modelbox", None)
    formatter = ipython.display_formatter.formatters["text/html"]
    for kind in RICH_TYPES:
        formatter.pop(kind, None)
