"""Where a version or checkpoint came from: the notebook, its executed cells, Python, packages, git, host.

``capture()`` runs in the kernel that creates the version. It never copies environment variables
and redacts secrets from cell text (see ``redact``): the record is stored with the version and
shown to everybody who can read the registry.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

MAX_CELLS = 200
MAX_CELL_BYTES = 256 * 1024
MAX_PACKAGES = 2000
GIT_TIMEOUT = 5.0
SESSIONS_TIMEOUT = 2.0
REDACTED = "[REDACTED]"
OPT_OUT_VALUES = {"0", "false", "no", "off"}

# Names of settings that hold secrets: their *values* are redacted wherever they appear in a cell.
_SECRET_WORD = (r"(?<![a-z])(?:token|secret|passw(?:or)?d|passphrase|api[_-]?key|access[_-]?key|private[_-]?key"
                r"|credentials?|auth|cookie|session[_-]?key)(?![a-z])")
SECRET_NAME = re.compile(_SECRET_WORD, re.IGNORECASE)
MIN_SECRET_LENGTH = 6
SECRET_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # name = "value", name: "value", "name": "value", environ["NAME"] = "value", setdefault("NAME", "value")
    (re.compile(r"([\w.\-]*" + _SECRET_WORD + r"[\w.\-]*['\"]?\]?\s*(?:=|:|,)\s*[rbf]?)(['\"])([^'\"\n]+)\2",
                re.IGNORECASE), rf"\1\2{REDACTED}\2"),
    (re.compile(r"(authorization['\"]?\s*[:=,]\s*['\"]?(?:token|bearer|basic)\s+)([^\s'\"]+)", re.IGNORECASE),
     rf"\1{REDACTED}"),
    (re.compile(r"([a-z][a-z0-9+.\-]*://[^/\s:@'\"]+:)([^@\s/'\"]+)(@)", re.IGNORECASE), rf"\1{REDACTED}\3"),
    (re.compile(r"([?&](?:token|access_token|api_key|apikey|key|sig|signature|password|secret)=)([^&\s'\"#]+)",
                re.IGNORECASE), rf"\1{REDACTED}"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),  # AWS access key ids
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b"), REDACTED),  # GitHub
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), REDACTED),  # Slack
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{20,}\b"), REDACTED),  # OpenAI-style API keys
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"), REDACTED),  # Hugging Face
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), REDACTED),  # Google API keys
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"), REDACTED),  # JWTs
]

_packages_cache: tuple[tuple[float, ...], dict[str, str], int] | None = None


def enabled(setting: bool | None) -> bool:
    """``ModelBox(lineage=...)`` when given, else ``$MODELBOX_LINEAGE`` (``0``/``false``/``no``/``off`` disable)."""
    if setting is not None:
        return setting
    return os.environ.get("MODELBOX_LINEAGE", "1").strip().lower() not in OPT_OUT_VALUES


def _shell() -> Any:
    """The running IPython shell, or ``None`` (plain scripts and the CLI record no lineage)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def in_kernel() -> bool:
    return _shell() is not None


# -- secrets ---------------------------------------------------------------------------------------


def secret_values(extra: Iterable[str | None] = ()) -> list[str]:
    """Values to blank out: ``extra`` (the registry token) and those of settings named like secrets.

    The environment is read only to learn what to remove; none of it is stored.
    """
    found = {v for v in extra if v and len(v) >= MIN_SECRET_LENGTH}
    found.update(value for name, value in os.environ.items()
                 if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH)
    return sorted(found, key=len, reverse=True)  # longest first: a secret containing another goes whole


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with known secret values and common secret shapes replaced by ``[REDACTED]``.

    Rules: (1) exact values of the registry token and of environment variables whose names contain
    token, secret, password, passphrase, api key, access key, private key, credential, auth, cookie
    or session key; (2) quoted values assigned to such names (``api_key = "…"``, ``{"token": "…"}``,
    ``environ["X_TOKEN"] = "…"``); (3) ``Authorization: token|bearer|basic …``; (4) passwords in
    URLs (``https://user:…@host``) and ``token=``/``key=``/``sig=`` query parameters; (5) private
    key blocks, AWS, GitHub, Slack, OpenAI-style, Hugging Face and Google keys, and JWTs.
    """
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# -- the parts -------------------------------------------------------------------------------------


def _kernel_id() -> str | None:
    try:
        from ipykernel import get_connection_file
    except ImportError:
        return None
    try:
        name = Path(get_connection_file()).name
    except RuntimeError:  # IPython without a kernel
        return None
    match = re.fullmatch(r"kernel-(.+)\.json", name)
    return match.group(1) if match else None


def _path_from_sessions() -> str | None:
    """Ask the Jupyter server that started this kernel which session (notebook) the kernel serves."""
    pid, kernel_id = os.environ.get("JPY_PARENT_PID"), _kernel_id()
    if not pid or not kernel_id:
        return None
    import requests
    from jupyter_core.paths import jupyter_runtime_dir

    try:
        info = json.loads((Path(jupyter_runtime_dir()) / f"jpserver-{pid}.json").read_text())
        token = info.get("token")
        answer = requests.get(info["url"].rstrip("/") + "/api/sessions", timeout=SESSIONS_TIMEOUT,
                              headers={"Authorization": f"token {token}"} if token else {})
        answer.raise_for_status()
        sessions = answer.json()
    except (OSError, ValueError, KeyError, requests.RequestException):
        return None
    for session in sessions:
        if session.get("kernel", {}).get("id") == kernel_id and session.get("path"):
            return str(Path(info.get("root_dir", "")) / session["path"])
    return None


def notebook() -> dict[str, Any] | None:
    """The notebook this kernel runs: ``$JPY_SESSION_NAME`` (set by jupyter_server), else the server's sessions."""
    path, source = os.environ.get("JPY_SESSION_NAME"), "JPY_SESSION_NAME"
    if not path:
        path, source = _path_from_sessions(), "api/sessions"
    if not path:
        return None
    return {"path": path, "name": Path(path).name, "source": source}


def cells(secrets: Iterable[str]) -> dict[str, Any] | None:
    """The cells executed so far (as typed, secrets redacted): the newest ``MAX_CELLS`` within ``MAX_CELL_BYTES``.

    ``sha256`` covers every executed cell's redacted text, each followed by a NUL byte.
    """
    shell = _shell()
    if shell is None:
        return None
    history = list(getattr(shell.history_manager, "input_hist_raw", None) or shell.user_ns.get("In", []))
    secrets = list(secrets)
    texts = [(number, redact(text, secrets)) for number, text in enumerate(history) if number and text.strip()]
    digest = hashlib.sha256()
    for _, text in texts:
        digest.update(text.encode() + b"\0")
    kept: list[dict[str, Any]] = []
    size = 0
    for number, text in reversed(texts[-MAX_CELLS:]):
        size += len(json.dumps(text))
        if size > MAX_CELL_BYTES:
            break
        kept.append({"execution_count": number, "source": text})
    kept.reverse()
    return {"count": len(texts), "sha256": digest.hexdigest(), "recorded": len(kept),
            "truncated": len(kept) < len(texts), "sources": kept}


def _site_stamps() -> tuple[float, ...]:
    stamps = []
    for entry in sys.path:
        try:
            stamps.append(os.stat(entry or ".").st_mtime)
        except OSError:
            stamps.append(0.0)
    return tuple(stamps)


def packages() -> tuple[dict[str, str], int]:
    """``{distribution: version}`` of what is installed (at most ``MAX_PACKAGES``) and how many there are.

    Reading every distribution's metadata takes a quarter of a second here, so the answer is kept
    until a folder on ``sys.path`` changes (which ``pip install`` does).
    """
    global _packages_cache
    stamps = _site_stamps()
    if _packages_cache is None or _packages_cache[0] != stamps:
        found: dict[str, str] = {}
        for dist in importlib_metadata.distributions():
            name = dist.metadata["Name"]
            if name and name not in found:
                found[name] = dist.version
        ordered = dict(sorted(found.items(), key=lambda item: item[0].lower()))
        _packages_cache = (stamps, dict(list(ordered.items())[:MAX_PACKAGES]), len(ordered))
    return dict(_packages_cache[1]), _packages_cache[2]


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"}, check=False)
    except (OSError, subprocess.SubprocessError):  # no git, or it hung
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git(folder: Path, secrets: Iterable[str] = ()) -> dict[str, Any] | None:
    """Commit, dirty flag (changes to tracked files), branch, root and origin of the repository holding ``folder``."""
    root = _git(folder, "rev-parse", "--show-toplevel")
    if root is None:
        return None
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    remote = _git(folder, "remote", "get-url", "origin")
    branch = _git(folder, "rev-parse", "--abbrev-ref", "HEAD")
    return {"commit": _git(folder, "rev-parse", "--verify", "-q", "HEAD"), "dirty": bool(status) if status is not None
            else None, "branch": branch if branch != "HEAD" else None, "root": root,
            "remote": redact(remote, secrets) if remote else None}


def _user() -> str | None:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return None


def capture(known_secrets: Iterable[str | None] = ()) -> dict[str, Any]:
    """The lineage record of something created now, from this kernel (see the module docstring)."""
    secrets = secret_values(known_secrets)
    book = notebook()
    if book is not None:
        book["path"] = redact(book["path"], secrets)
        book["name"] = redact(book["name"], secrets)
    folder = Path(book["path"]).parent if book and Path(book["path"]).is_absolute() else Path.cwd()
    installed, total = packages()
    return {
        "captured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "notebook": book,
        "cells": cells(secrets),
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": sys.executable},
        "packages": installed,
        "packages_total": total,
        "git": git(folder if folder.is_dir() else Path.cwd(), secrets),
        "host": {"hostname": socket.gethostname(), "user": _user(), "platform": platform.platform()},
    }


def json_size(value: Any) -> int:
    """Bytes of ``value`` as JSON, measured as the registry measures metadata against its limit."""
    return len(json.dumps(value, allow_nan=False, ensure_ascii=False).encode())


def fit(record: dict[str, Any], max_bytes: int) -> dict[str, Any] | None:
    """``record`` cut to at most ``max_bytes`` of JSON (the registry's ``max_metadata_bytes``).

    Creating a version must not fail because the lineage beside it is large: the oldest cell
    sources go first (``cells.truncated`` says so; ``count`` and ``sha256`` still cover every
    cell), then the package list (``packages_total`` stays); None if even the rest is too big.
    """
    if json_size(record) <= max_bytes:
        return record
    record = {**record}
    cells_info = record.get("cells")
    if cells_info and cells_info.get("sources"):
        sources = list(cells_info["sources"])
        overflow = json_size(record) - max_bytes
        while sources and overflow > 0:
            overflow -= json_size(sources.pop(0)) + 2  # the item and its ", " separator
        record["cells"] = {**cells_info, "sources": sources, "recorded": len(sources), "truncated": True}
        while sources and json_size(record) > max_bytes:  # the estimate fell short (rare): one more each time
            sources.pop(0)
            record["cells"]["recorded"] = len(sources)
    if json_size(record) > max_bytes and record.get("packages"):
        record["packages"] = {}
    return record if json_size(record) <= max_bytes else None


# -- showing it ------------------------------------------------------------------------------------


def summary(lineage: Mapping[str, Any] | None) -> str:
    """One line: ``notebook.ipynb · 12 cells · git 1a2b3c4 (dirty) · Python 3.11.2 · user@host``."""
    if not lineage:
        return ""
    return " · ".join(value for _, value in fields(lineage)[:4])


def fields(lineage: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """``(label, text)`` pairs for people: notebook, cells, git, python, host, packages, captured."""
    if not lineage:
        return []
    rows: list[tuple[str, str]] = []
    book = lineage.get("notebook") or {}
    if book.get("path"):
        rows.append(("notebook", str(book["path"])))
    cell_info = lineage.get("cells") or {}
    if cell_info:
        digest = str(cell_info.get("sha256"))[:12]
        rows.append(("cells", f"{cell_info.get('count', 0)} cells executed, sha256 {digest}"))
    repo = lineage.get("git") or {}
    if repo.get("commit"):
        rows.append(("git", f"{repo['commit'][:10]}{' (dirty)' if repo.get('dirty') else ''}"
                            f"{' on ' + repo['branch'] if repo.get('branch') else ''} in {repo.get('root')}"))
    python = lineage.get("python") or {}
    if python.get("version"):
        rows.append(("python", f"Python {python['version']}"))
    host = lineage.get("host") or {}
    if host:
        rows.append(("host", f"{host.get('user') or '?'}@{host.get('hostname') or '?'}"))
    if lineage.get("packages"):
        rows.append(("packages", f"{lineage.get('packages_total', len(lineage['packages']))} installed"))
    if lineage.get("captured_at"):
        rows.append(("captured", str(lineage["captured_at"])))
    return rows
