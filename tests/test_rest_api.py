"""The REST API of a real Jupyter server: auth, XSRF, the OpenAPI document, errors, uploads, events."""

from __future__ import annotations

import getpass
import hashlib
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests

from jupyter_modelbox import ModelBox
from jupyter_modelbox.client.http import HttpTransport
from jupyter_modelbox.server.memory import keep_freed_memory
from jupyter_modelbox.server.routes import ROUTES, handler_methods

from .helpers.cutting_proxy import CuttingProxy
from .helpers.jupyter import JupyterServer


class Api:
    """Plain HTTP against the server (no client library), with the token unless told otherwise."""

    def __init__(self, server: JupyterServer) -> None:
        self.server = server
        self.base = server.url + "modelbox/api"

    def __call__(self, method: str, path: str, token: bool = True, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"token {self.server.token}"
        return requests.request(method, self.base + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture
def api(jupyter_server: JupyterServer, tmp_path: Path) -> Api:
    jupyter_server.reset(tmp_path / "registry")
    return Api(jupyter_server)


def concrete(template: str) -> str:
    return re.sub(r"\{\w+\}", "x", template)


def test_openapi_document_covers_every_route_and_verb(api: Api) -> None:
    document = api("GET", "/openapi.json").json()
    assert document["openapi"].startswith("3.")
    for template, handler in ROUTES:
        assert template in document["paths"], template
        assert set(document["paths"][template]) == set(handler_methods(handler)), template


def test_every_route_refuses_unauthenticated_requests(api: Api) -> None:
    checked = 0
    for template, handler in ROUTES:
        for verb in handler_methods(handler):
            answer = api(verb.upper(), concrete(template), token=False, data=b"{}")
            assert answer.status_code == 403, (verb, template, answer.status_code)
            wrong = api(verb.upper(), concrete(template), token=False, data=b"{}",
                        headers={"Authorization": "token wrong"})
            assert wrong.status_code == 403, (verb, template, wrong.status_code)
            checked += 1
    assert checked >= 40


def test_cookie_sessions_need_the_xsrf_token_for_writes(jupyter_server: JupyterServer, api: Api) -> None:
    browser = requests.Session()
    login = browser.get(jupyter_server.url + "login", timeout=30)
    xsrf = browser.cookies.get("_xsrf")
    assert login.status_code == 200 and xsrf
    logged_in = browser.post(jupyter_server.url + "login", data={"password": jupyter_server.token, "_xsrf": xsrf},
                             allow_redirects=False, timeout=30)
    assert logged_in.status_code == 302
    assert browser.get(api.base + "/models", timeout=30).status_code == 200  # the cookie authenticates reads
    refused = browser.post(api.base + "/models", json={"name": "sneaky"}, timeout=30)
    assert refused.status_code == 403 and "_xsrf" in refused.json()["message"]
    accepted = browser.post(api.base + "/models", json={"name": "fine"}, headers={"X-XSRFToken": xsrf}, timeout=30)
    assert accepted.status_code == 201
    assert [m["name"] for m in api("GET", "/models").json()["models"]] == ["fine"]
    written = 0
    for template, handler in ROUTES:  # every write verb of every route refuses a cross-site request
        for verb in handler_methods(handler):
            if verb in ("post", "put", "patch", "delete"):
                # a fresh connection each: the server drops one whose streamed body it refused unread
                answer = browser.request(verb.upper(), api.base + concrete(template), data=b"{}", timeout=30,
                                         headers={"Connection": "close"})
                assert answer.status_code == 403, (verb, template, answer.status_code)
                written += 1
    assert written >= 20


@pytest.mark.parametrize(("method", "path", "body", "status", "reason", "message"), [
    ("POST", "/models", b"{not json", 400, "InvalidArgumentError", "not valid JSON"),
    ("POST", "/models", b"[1, 2]", 400, "InvalidArgumentError", "must be a JSON object"),
    ("POST", "/models", b'{"nam": "x"}', 422, "InvalidArgumentError", "unknown field(s) nam"),
    ("POST", "/models", b"{}", 422, "InvalidArgumentError", "missing required field(s): name"),
    ("POST", "/models", b'{"name": "a/b"}', 422, "InvalidArgumentError", "must not contain '/'"),
    ("POST", "/models", b'{"name": "' + b"x" * 300 + b'"}', 413, "PayloadTooLargeError", "the limit is 256"),
    ("GET", "/models/nope", None, 404, "NotFoundError", "model 'nope' does not exist"),
    ("GET", "/models?offset=-1", None, 422, "InvalidArgumentError", "'offset' must be >= 0"),
    ("GET", "/models?sort_by=size", None, 422, "InvalidArgumentError", "sort_by must be one of"),
    ("GET", "/uploads/abc", None, 404, "NotFoundError", "upload abc does not exist"),
])
def test_errors_are_json_with_the_right_code(
    api: Api, method: str, path: str, body: bytes | None, status: int, reason: str, message: str
) -> None:
    answer = api(method, path, data=body)
    assert answer.status_code == status
    assert answer.json()["reason"] == reason and message in answer.json()["message"]


def test_duplicate_name_is_409_and_owner_defaults_to_the_user(api: Api) -> None:
    created = api("POST", "/models", json={"name": "m"})
    assert created.status_code == 201 and created.json()["owner"] == getpass.getuser()
    again = api("POST", "/models", json={"name": "m"})
    assert again.status_code == 409 and again.json()["reason"] == "AlreadyExistsError"


def upload(api: Api, data: bytes) -> str:
    upload_id = api("POST", "/uploads", json={}).json()["upload_id"]
    assert api("PUT", f"/uploads/{upload_id}?offset=0", data=data).json()["offset"] == len(data)
    return upload_id


def test_interrupted_chunk_resumes_from_the_bytes_that_arrived(api: Api, jupyter_server: JupyterServer) -> None:
    data = np.random.default_rng(0).bytes(3 * 1024 * 1024)
    upload_id = api("POST", "/uploads", json={}).json()["upload_id"]
    # a PUT announcing the whole file whose connection dies after the first MiB
    with socket.create_connection(("127.0.0.1", jupyter_server.port), timeout=30) as sock:
        sock.sendall(
            f"PUT /modelbox/api/uploads/{upload_id}?offset=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: token {jupyter_server.token}\r\nContent-Length: {len(data)}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n".encode() + data[: 1024 * 1024]
        )
        time.sleep(0.5)
    deadline = time.monotonic() + 10
    while (received := api("GET", f"/uploads/{upload_id}").json()["offset"]) < 1024 * 1024:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert received == 1024 * 1024
    # the bytes can be counted before the server has seen the connection end and let go of the session
    while "still being received" in (wrong_offset := api("PUT", f"/uploads/{upload_id}?offset=0", data=b"xx")).text:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert wrong_offset.status_code == 409 and f"from offset {received}" in wrong_offset.json()["message"]
    assert api("PUT", f"/uploads/{upload_id}?offset={received}", data=data[received:]).json()["offset"] == len(data)
    blob = api("POST", f"/uploads/{upload_id}/finish", json={"checksum": hashlib.sha256(data).hexdigest()}).json()
    assert blob == {"checksum": hashlib.sha256(data).hexdigest(), "size": len(data)}


def test_corrupted_chunk_is_caught_by_the_checksum(api: Api) -> None:
    data = b"model weights" * 1000
    damaged = bytearray(data)
    damaged[500] ^= 0x01
    upload_id = upload(api, bytes(damaged))
    answer = api("POST", f"/uploads/{upload_id}/finish", json={"checksum": hashlib.sha256(data).hexdigest()})
    assert answer.status_code == 422 and answer.json()["reason"] == "IntegrityError"
    assert "corrupted in transit" in answer.json()["message"]


def test_download_streams_with_checksum_safe_headers_and_ranges(api: Api) -> None:
    data = bytes(range(256)) * 1000
    upload_id = upload(api, data)
    checksum = hashlib.sha256(data).hexdigest()
    api("POST", f"/uploads/{upload_id}/finish", json={"checksum": checksum})
    model = api("POST", "/models", json={"name": "m"}).json()
    artifact = api("POST", f"/objects/{model['id']}/artifacts",
                   json={"path": 'evil"<script>.bin', "checksum": checksum}).json()
    whole = api("GET", f"/artifacts/{artifact['id']}/content")
    assert whole.content == data and whole.headers["X-Checksum-Sha256"] == checksum
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.headers["Content-Type"] == "application/octet-stream"
    assert whole.headers["Content-Disposition"].startswith('attachment; filename="evil_<script>.bin"')
    part = api("GET", f"/artifacts/{artifact['id']}/content", headers={"Range": "bytes=1000-"})
    assert part.status_code == 206 and part.content == data[1000:]
    assert part.headers["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    # bytes in this server's folder: no URL that serves them without it
    assert api("GET", f"/artifacts/{artifact['id']}/url").json() == {"url": None, "expires_in": 0}


def test_events_long_poll_wakes_on_a_change(api: Api) -> None:
    last = api("GET", "/events").json()["last_seq"]
    answers: list[requests.Response] = []
    poller = threading.Thread(target=lambda: answers.append(api("GET", f"/events?since={last}&timeout=20")))
    started = time.monotonic()
    poller.start()
    time.sleep(0.5)
    api("POST", "/models", json={"name": "live"})
    poller.join(30)
    assert time.monotonic() - started < 10
    [event] = answers[0].json()["events"]
    assert event["kind"] == "model.created" and event["name"] == "live" and event["seq"] == last + 1
    empty = api("GET", f"/events?since={last + 1}&timeout=0.2").json()
    assert empty["events"] == [] and empty["last_seq"] == last + 1


def test_downsampled_series_keeps_the_spike(api: Api, jupyter_server: JupyterServer) -> None:
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as mb:
        version = mb.new_model("m").new_model_version()
        values = np.sin(np.arange(200_000) / 1000)
        values[123_456] = 50.0
        version.log_metrics({"loss": values}, step=np.arange(200_000))
        answer = api("GET", f"/objects/{version.id}/metrics?key=loss&max_points=500").json()
    assert len(answer["value"]) <= 500 and max(answer["value"]) == 50.0
    assert answer["step"] == sorted(answer["step"])


def test_uploads_larger_than_the_servers_request_memory_work(tmp_path: Path) -> None:
    one_mib = 1024 * 1024
    data = np.random.default_rng(1).bytes(20 * one_mib)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    args = (f"--ServerApp.max_buffer_size={one_mib}", f"--ServerApp.max_body_size={one_mib}")
    with JupyterServer(tmp_path, extra_args=args) as server, ModelBox(url=server.url, token=server.token) as mb:
        model = mb.new_model("big")
        [artifact] = model.upload_artifact([source])
        assert artifact.size == len(data) and artifact.checksum == hashlib.sha256(data).hexdigest()
        assert artifact.download(tmp_path / "copy.bin").read_bytes() == data


def test_the_server_reuses_the_memory_of_upload_pieces_instead_of_faulting_it_in_again(tmp_path: Path) -> None:
    """Minor page faults of the server process while it receives 64 MiB (after a first upload warmed it
    up): with ``keep_freed_bytes`` (the default) the pieces' memory is reused; with 0 (glibc's own
    thresholds) it went back to the kernel every few MiB and each page was faulted in again."""
    source = tmp_path / "upload.bin"
    source.write_bytes(np.random.default_rng(2).bytes(64 * 1024 * 1024))
    faults = {}
    for keep in (32 * 1024 * 1024, 0):
        args = (f"--ModelboxApp.keep_freed_bytes={keep}",)
        with JupyterServer(tmp_path / str(keep), extra_args=args) as server, \
                ModelBox(url=server.url, token=server.token) as mb:
            model = mb.new_model("uploads")
            model.upload_artifact([source])
            before = _minor_faults(server)
            source.write_bytes(source.read_bytes()[::-1])  # other bytes: stored again, not deduplicated
            model.upload_artifact([source])
            faults[keep] = _minor_faults(server) - before
    assert faults[32 * 1024 * 1024] * 4 < faults[0], faults


def test_keep_freed_bytes_beyond_a_c_int_is_capped_not_wrapped_around() -> None:
    mib = 1024 * 1024
    assert keep_freed_memory(8 * 1024 * mib) == (32 * mib, 2**31 - 1)  # not 8 GiB modulo 2**32 (0)
    assert keep_freed_memory(0) is None
    assert keep_freed_memory(32 * mib) == (16 * mib, 32 * mib)  # glibc on Linux, as here and in CI (and the
    # default, which this test process keeps from here on)


def _minor_faults(server: JupyterServer) -> int:
    assert server.process is not None
    stat = Path(f"/proc/{server.process.pid}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[7])  # minflt, the 10th field


def test_copy_from_the_file_browser_stays_inside_the_root(api: Api, jupyter_server: JupyterServer) -> None:
    notebooks = jupyter_server.workdir / "notebooks"
    (notebooks / "runs" / "best").mkdir(parents=True, exist_ok=True)
    (notebooks / "runs" / "best" / "model.onnx").write_bytes(b"onnx bytes")
    (notebooks / "runs" / "best" / ".secret").write_text("hidden")
    (notebooks / "weights.pt").write_bytes(b"torch bytes")
    (jupyter_server.workdir / "outside.txt").write_text("not served")
    model = api("POST", "/models", json={"name": "m"}).json()
    answer = api("POST", f"/objects/{model['id']}/artifacts-from-contents", json={"paths": ["weights.pt", "runs"]})
    assert answer.status_code == 201
    assert sorted((a["path"], a["checksum"]) for a in answer.json()["artifacts"]) == [
        ("runs/best/model.onnx", hashlib.sha256(b"onnx bytes").hexdigest()),
        ("weights.pt", hashlib.sha256(b"torch bytes").hexdigest()),
    ]
    for escape in ("../outside.txt", "/../outside.txt", "runs/../../outside.txt"):
        refused = api("POST", f"/objects/{model['id']}/artifacts-from-contents", json={"paths": [escape]})
        assert refused.status_code == 404 and refused.json()["reason"] == "NotFoundError", escape
    (notebooks / "new.txt").write_text("new")  # one registry call for all the files: a refusal records none
    twice = api("POST", f"/objects/{model['id']}/artifacts-from-contents",
                json={"paths": ["new.txt", "weights.pt", "weights.pt"]})
    assert twice.status_code == 422 and "given more than once: weights.pt" in twice.json()["message"]
    assert len(api("GET", f"/objects/{model['id']}/artifacts").json()["artifacts"]) == 2


def test_client_upload_resumes_after_the_connection_drops_mid_request(
    jupyter_server: JupyterServer, tmp_path: Path
) -> None:
    size = 12 * 1024 * 1024
    data = np.random.default_rng(2).bytes(size)
    source = tmp_path / "weights.bin"
    source.write_bytes(data)
    reported: list[int] = []
    with CuttingProxy(jupyter_server.port, cut_after=5 * 1024 * 1024) as proxy:
        transport = HttpTransport(proxy.url, jupyter_server.token)
        blob = transport.upload_blob(source, progress=reported.append)
    assert proxy.cuts == 1
    assert blob == {"checksum": hashlib.sha256(data).hexdigest(), "size": size}
    assert proxy.upstream_bytes < size + 5 * 1024 * 1024  # continued from what arrived, did not start over
    assert reported == sorted(reported) and reported[-1] == size


def test_a_chunk_sent_from_a_stale_offset_is_refused_and_names_the_offset(api: Api) -> None:
    upload_id = upload(api, b"x" * 30_000)
    answer = api("PUT", f"/uploads/{upload_id}?offset=0", data=b"x" * 100_000)
    assert answer.status_code == 409 and answer.json()["reason"] == "ConflictError"
    assert "send the chunk from offset 30000" in answer.json()["message"]
    assert api("GET", f"/uploads/{upload_id}").json()["offset"] == 30_000


def test_stale_edits_are_refused_with_412(api: Api) -> None:
    model = api("POST", "/models", json={"name": "m"})
    etag = model.headers["ETag"]
    path = f"/models/{model.json()['id']}"
    first = api("PATCH", path, json={"description": "mine"}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] != etag
    stale = api("PATCH", path, json={"description": "theirs"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["reason"] == "PreconditionFailedError"
    assert "reload it and try again" in stale.json()["message"]
    assert api("GET", path).json()["description"] == "mine"
    metadata = f"/objects/{model.json()['id']}/metadata"
    current = api("GET", metadata).headers["ETag"]
    assert api("PATCH", metadata, json={"metadata": {"a": 1}}, headers={"If-Match": current}).status_code == 200
    assert api("PATCH", metadata, json={"metadata": {"a": 2}}, headers={"If-Match": current}).status_code == 412
    assert api("DELETE", path, headers={"If-Match": etag}).status_code == 412
    assert api("PATCH", path, json={}, headers={"If-Match": "nonsense"}).status_code == 422


def test_tag_changes_take_if_match_and_refuse_a_stale_revision_with_412(api: Api) -> None:
    model = api("POST", "/models", json={"name": "tagged"}).json()
    first = api("POST", f"/models/{model['id']}/versions", json={}).json()
    second = api("POST", f"/models/{model['id']}/versions", json={})
    loaded = second.headers["ETag"]
    tags = f"/versions/{second.json()['id']}/tags"
    tagged = api("POST", tags, json={"tag": "staging"}, headers={"If-Match": loaded})
    assert tagged.status_code == 200 and tagged.json()["tags"] == ["staging"]
    assert tagged.headers["ETag"] == f'"{second.json()["revision"] + 1}"'
    # someone tagged it meanwhile: an add, a move and a removal from the old revision are all refused
    stale = api("POST", tags, json={"tag": "production"}, headers={"If-Match": loaded})
    assert stale.status_code == 412 and stale.json()["reason"] == "PreconditionFailedError"
    assert "reload it and try again" in stale.json()["message"]
    api("POST", f"/versions/{first['id']}/tags", json={"tag": "production"})
    moved = api("POST", tags, json={"tag": "production", "move": True}, headers={"If-Match": loaded})
    assert moved.status_code == 412
    assert api("DELETE", f"{tags}/staging", headers={"If-Match": loaded}).status_code == 412
    assert api("GET", f"/versions/{second.json()['id']}").json()["tags"] == ["staging"]
    assert api("GET", f"/versions/{first['id']}").json()["tags"] == ["production"]
    # from the current revision they go through; without If-Match as before
    current = tagged.headers["ETag"]
    moved = api("POST", tags, json={"tag": "production", "move": True}, headers={"If-Match": current})
    assert moved.status_code == 200 and sorted(moved.json()["tags"]) == ["production", "staging"]
    removed = api("DELETE", f"{tags}/staging", headers={"If-Match": moved.headers["ETag"]})
    assert removed.status_code == 200 and removed.json()["tags"] == ["production"]
    assert api("DELETE", f"{tags}/production").json()["tags"] == []
    assert api("POST", tags, json={"tag": "x"}, headers={"If-Match": "nonsense"}).status_code == 422


def test_a_model_patch_is_one_write_that_lands_whole_or_not_at_all(api: Api) -> None:
    taken = api("POST", "/models", json={"name": "taken"}).json()
    model = api("POST", "/models", json={"name": "m"}).json()
    path = f"/models/{model['id']}"
    archived = api("PATCH", path, json={"archived": True})
    assert archived.status_code == 200 and archived.json()["archived"]
    seq = api("GET", "/info").json()["last_event_seq"]
    # unarchive + a rename that cannot happen: refused as a whole, so the model stays archived
    refused = api("PATCH", path, json={"archived": False, "name": taken["name"]},
                  headers={"If-Match": archived.headers["ETag"]})
    assert refused.status_code == 409 and refused.json()["reason"] == "AlreadyExistsError"
    assert api("GET", path).json()["archived"] is True
    assert api("GET", "/info").json()["last_event_seq"] == seq
    # unarchive, rename and archive again: one revision later, the events of each step in one write
    done = api("PATCH", path, json={"archived": False, "name": "n", "description": "d"},
               headers={"If-Match": archived.headers["ETag"]})
    assert done.status_code == 200 and done.json()["revision"] == archived.json()["revision"] + 1
    assert (done.json()["name"], done.json()["description"], done.json()["archived"]) == ("n", "d", False)
    kinds = [e["kind"] for e in api("GET", f"/events?since={seq}").json()["events"]]
    assert kinds == ["model.unarchived", "model.updated"]
    again = api("PATCH", path, json={"description": "e", "archived": True}, headers={"If-Match": done.headers["ETag"]})
    assert again.json()["archived"] and again.json()["description"] == "e"
    assert again.json()["revision"] == done.json()["revision"] + 1
    # nothing to change: the revision is still checked, and nothing is written
    assert api("PATCH", path, json={}, headers={"If-Match": done.headers["ETag"]}).status_code == 412
    unchanged = api("PATCH", path, json={}, headers={"If-Match": again.headers["ETag"]})
    assert unchanged.status_code == 200 and unchanged.json()["revision"] == again.json()["revision"]
    assert api("PATCH", path, json={"archived": "yes"}).status_code == 422


def test_limits_are_configurable_and_enforced(tmp_path: Path) -> None:
    args = ("--ModelboxApp.max_metadata_keys=3", "--ModelboxApp.max_name_length=10",
            "--ModelboxApp.max_json_body_bytes=2000", "--ModelboxApp.max_metadata_bytes=500")
    with JupyterServer(tmp_path, extra_args=args) as server:
        api = Api(server)
        info = api("GET", "/info").json()
        limits = info["limits"]
        assert (limits["max_metadata_keys"], limits["max_name_length"], limits["max_json_body_bytes"]) == (3, 10, 2000)
        assert info["checksum_first"] is False  # a folder renames an upload into place: hashing first gains nothing
        assert info["ranged_downloads"] is False  # one stream from a local file is faster
        assert info["direct_downloads"] is False  # the bytes are in this server's folder
        for body, message in [
            ({"name": "x" * 11}, "the limit is 10"),
            ({"name": "m", "metadata": {"a": 1, "b": 2, "c": 3, "d": 4}}, "has 4 keys; the limit is 3"),
            ({"name": "m", "metadata": {"a": "x" * 600}}, "the limit is 500"),
            ({"name": "m", "description": "x" * 3000}, "the limit is 2000 (ModelboxApp.max_json_body_bytes)"),
        ]:
            answer = api("POST", "/models", json=body)
            assert answer.status_code == 413 and message in answer.json()["message"], answer.json()
        assert api("GET", "/models").json()["total"] == 0


def test_metric_columns_as_json_lists_or_raw_arrays(api: Api) -> None:
    import base64

    model = api("POST", "/models", json={"name": "m"}).json()
    path = f"/objects/{model['id']}/metrics"
    as_lists = {"loss": {"step": [0, None], "wallclock": [1.0, 2.0], "value": [0.5, {"f": "nan"}]}}
    assert api("POST", path, json={"series": as_lists}).json() == {"points": 2}
    raw = {"dtype": "<f8", "b64": base64.b64encode(np.array([0.25, 0.125]).tobytes()).decode()}
    as_arrays = {"loss": {"step": {"dtype": "<i8", "b64": base64.b64encode(np.array([5, 6]).tobytes()).decode()},
                          "wallclock": raw, "value": raw}}
    assert api("POST", path, json={"series": as_arrays}).json() == {"points": 2}
    frame = api("GET", f"{path}?key=loss").json()
    assert frame["step"] == [0, 5, 6, None] and frame["value"][1:3] == [0.25, 0.125]
    for broken, message in [({"dtype": "<f4", "b64": ""}, "needs dtype"), ({"dtype": "<f8", "b64": "!!"}, "base64"),
                            ({"dtype": "<f8", "b64": base64.b64encode(b"abc").decode()}, "not whole")]:
        answer = api("POST", path, json={"series": {"loss": {"wallclock": broken, "value": [1.0]}}})
        assert answer.status_code == 422 and message in answer.json()["message"]
    not_base64 = api("POST", path, json={"series": {"loss": {"wallclock": [1.0], "value": [{"b": "\u0087*"}]}}})
    assert not_base64.status_code == 422 and "'b' must be a base64 string" in not_base64.json()["message"]


def test_artifact_batch_records_all_or_nothing(api: Api) -> None:
    version = api("POST", f"/models/{api('POST', '/models', json={'name': 'm'}).json()['id']}/versions", json={})
    path = f"/objects/{version.json()['id']}/artifact-batch"
    blobs = []
    for data in (b"first", b"second"):
        upload_id = upload(api, data)
        blobs.append(api("POST", f"/uploads/{upload_id}/finish",
                         json={"checksum": hashlib.sha256(data).hexdigest()}).json())
    good = [{"path": "a.txt", **blobs[0]}, {"path": "dir/b.txt", **blobs[1]}]
    for body, message in [
        ({"artifacts": []}, "non-empty list"),
        ({"artifacts": [{"path": "a.txt"}]}, "artifacts[0] needs 'path' and 'checksum'"),
        ({"artifacts": [*good, {"path": "c.txt", "checksum": "0" * 64}]}, "no uploaded bytes have sha256"),
        ({"artifacts": [*good, {"path": "a.txt", **blobs[1]}]}, "given more than once: a.txt"),
        ({"artifacts": [{**good[0], "extra": 1}]}, "unknown: extra"),
    ]:
        answer = api("POST", path, json=body)
        assert answer.status_code in (404, 422) and message in answer.json()["message"], answer.json()
    assert api("GET", f"/objects/{version.json()['id']}/artifacts").json()["artifacts"] == []
    created = api("POST", path, json={"artifacts": good, "mime_type": "text"})
    assert created.status_code == 201
    assert [(a["path"], a["checksum"], a["mime_type"]) for a in created.json()["artifacts"]] == [
        ("a.txt", blobs[0]["checksum"], "text"), ("dir/b.txt", blobs[1]["checksum"], "text")]


def test_the_client_takes_the_proxy_for_its_server_from_the_environment_once(
    jupyter_server: JupyterServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read when the transport is made (requests would read it again for every call): a proxy set for
    the server's URL is used, ``NO_PROXY`` exempts the server, and later changes apply to new transports."""
    from jupyter_modelbox.registry.errors import ServerUnavailableError

    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    before = HttpTransport(jupyter_server.url, jupyter_server.token)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead = unused.getsockname()[1]  # nothing listens there once closed
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
    with pytest.raises(ServerUnavailableError, match=f"cannot reach the Jupyter server at {jupyter_server.url}"):
        HttpTransport(jupyter_server.url, jupyter_server.token).info()  # through the proxy, which is not there
    assert before.info()["version"]  # made before the proxy was set: goes directly
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert HttpTransport(jupyter_server.url, jupyter_server.token).info()["version"]
