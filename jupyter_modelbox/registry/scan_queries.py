"""``Queries`` by evaluating the search tree in Python over a ``DocumentStore`` (the embedded backend).

Each field path becomes a getter once per query, so a scan costs one predicate call per
document. An index planner for this store (issue 18) replaces the scans over the same tree.
"""

from __future__ import annotations

import heapq
from operator import itemgetter, methodcaller
from typing import Any

from .backend import Doc, DocumentStore, ModelFilter, Queries
from .metric_ops import series_id
from .search import MISSING, Getter, MatchAll, Node, dotted, predicate

MODEL_FIELD_NAMES = {"created": "created_at", "updated": "updated_at", "versions": "num_versions"}
VERSION_FIELD_NAMES = {"created": "created_at", "updated": "updated_at", "checkpoint": "checkpoint_uuid"}
EXPERIMENT_FIELD_NAMES = {"created": "created_at", "updated": "updated_at", "checkpoints": "num_checkpoints"}


NEWEST = itemgetter("created_at", "number")  # versions of every model: newest first, then highest number


def sort_models(models: list[Doc], sort_field: str, descending: bool) -> None:
    if sort_field in ("name", "description"):
        models.sort(key=lambda d: (d[sort_field].lower(), d[sort_field], d["created_at"]), reverse=descending)
    else:
        models.sort(key=lambda d: (d[sort_field], d["name"]), reverse=descending)


class ScanQueries(Queries):
    def __init__(self, docs: DocumentStore) -> None:
        self.docs = docs

    # -- models --------------------------------------------------------------------------------

    def models(
        self, node: Node, where: ModelFilter, sort_field: str, descending: bool, offset: int, limit: int | None
    ) -> tuple[list[Doc], int]:
        test = predicate(node, self._model_field)
        if where.namespace is not None:
            candidates = self.docs.find("models", "namespace", where.namespace)
        else:
            candidates = list(self.docs.scan("models"))
        name_part = where.name.lower() if where.name else None
        description_part = where.description.lower() if where.description else None
        matches = [
            doc
            for doc in candidates
            if (name_part is None or name_part in doc["name"].lower())
            and (description_part is None or description_part in doc["description"].lower())
            and (where.archived is None or doc["archived"] == where.archived)
            and (isinstance(node, MatchAll) or test(doc))
        ]
        sort_models(matches, sort_field, descending)
        return matches[offset : None if limit is None else offset + limit], len(matches)

    def _model_field(self, path: list[str]) -> Getter:
        head, rest = path[0], path[1:]
        if head == "metadata":
            return lambda doc: dotted(doc["metadata"], rest)
        if head == "tags":  # a model has the tags its versions hold
            return lambda doc: [t for v in self.docs.find("versions", "model_id", doc["id"]) for t in v["tags"]]
        return methodcaller("get", MODEL_FIELD_NAMES.get(head, head), MISSING)

    # -- versions ------------------------------------------------------------------------------

    def versions(self, node: Node, model_id: str | None, offset: int, limit: int | None) -> tuple[list[Doc], int]:
        models: dict[str, Doc] = {}
        if model_id is not None:
            candidates = self.docs.find("versions", "model_id", model_id)
        else:
            candidates = list(self.docs.scan("versions"))
        if not isinstance(node, MatchAll):
            test = predicate(node, lambda path: self._version_field(path, models))
            candidates = [v for v in candidates if test(v)]
        if model_id is not None:
            if limit is None:
                candidates.sort(key=lambda v: -v["number"])
                page = candidates[offset:]
            else:
                page = heapq.nlargest(offset + limit, candidates, key=lambda v: v["number"])[offset:]
        else:  # the table's order is about the creation order, which sorting (timsort) uses: ~linear
            candidates.sort(key=NEWEST, reverse=True)
            page = candidates[offset : None if limit is None else offset + limit]
        return page, len(candidates)

    def _version_field(self, path: list[str], models: dict[str, Doc]) -> Getter:
        head, rest = path[0], path[1:]
        if head == "metadata":
            return lambda doc: dotted(doc["metadata"], rest)
        if head == "metrics":
            return lambda doc: self._final_metric(doc, rest)
        if head in ("model", "namespace"):
            field = "name" if head == "model" else "namespace"

            def model_field(doc: Doc) -> Any:
                model = models.get(doc["model_id"])
                if model is None:
                    model = models[doc["model_id"]] = self.docs.get("models", doc["model_id"]) or {}
                return model.get(field, MISSING)

            return model_field
        return methodcaller("get", VERSION_FIELD_NAMES.get(head, head), MISSING)  # no Python frame per document

    def _final_metric(self, doc: Doc, path: list[str]) -> Any:
        """The last logged value of a metric; else the checkpoint's reported value."""
        series = self.docs.get("series", series_id(doc["id"], ".".join(path)))
        if series is not None and series.get("last"):
            return series["last"]["value"]
        checkpoint = self.docs.get("checkpoints", doc["checkpoint_uuid"]) if doc["checkpoint_uuid"] else None
        return dotted(checkpoint["metrics"], path) if checkpoint else MISSING

    # -- experiments ---------------------------------------------------------------------------

    def experiments(self, node: Node, namespace: str | None, offset: int, limit: int | None) -> tuple[list[Doc], int]:
        if namespace is not None:
            candidates = self.docs.find("experiments", "namespace", namespace)
        else:
            candidates = list(self.docs.scan("experiments"))
        if not isinstance(node, MatchAll):
            test = predicate(node, self._experiment_field)
            candidates = [e for e in candidates if test(e)]
        candidates.sort(key=lambda e: e["name"])
        candidates.sort(key=lambda e: e["created_at"], reverse=True)
        return candidates[offset : None if limit is None else offset + limit], len(candidates)

    @staticmethod
    def _experiment_field(path: list[str]) -> Getter:
        head, rest = path[0], path[1:]
        if head in ("metadata", "hparams"):
            return lambda doc: dotted(doc[head], rest)
        if head == "tags":  # experiments hold no tags
            return lambda doc: []
        field = EXPERIMENT_FIELD_NAMES.get(head, head)
        return lambda doc: doc.get(field, MISSING)
