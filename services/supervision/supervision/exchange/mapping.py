"""The mapping from exchange records to front-database rows, as data (``mapping/v<n>.json``).

A record is a dict (see :mod:`supervision.exchange.facts`); a mapping names, per record kind, the
province's table, the dependency rank (flows → stages → items → project → units → cases → steps →
documents → attachments → red line → intermediary services), the local key (``DFSJZJ``) and the
parent row, and per column where its value comes from: a record field, a constant, or a field
translated through a national code list. A value missing from its code list is sent as it is (the
province rejects it; a later mapping version fixes it and the rejected row is sent again).
Plain Python: no SQL, nameko or HTTP.
"""
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).parent / "mapping"


@dataclass(frozen=True)
class Row:
    kind: str
    table: str
    rank: int
    key: str
    columns: dict
    division: str
    valid: bool
    invalid_reason: str
    parent: tuple        # (table, key) or None
    mapping_version: int
    common: dict = field(default=None, compare=False)     # the mapping's names of the common columns

    def front(self, version, updated_at):
        """The front-database row of this record as version `version` staged at `updated_at` (local
        time text), ready to write: all but the upload time (``SCSJ``), which the push adds."""
        c = self.common
        return {**self.columns, c["division"]: self.division, c["key"]: self.key, c["valid"]: 1 if self.valid else 0,
                c["invalid_reason"]: self.invalid_reason or None, c["status"]: 0, c["updated_at"]: updated_at,
                c["version"]: version}

    @property
    def digest(self):
        body = json.dumps([self.columns, self.valid, self.invalid_reason, self.division], sort_keys=True,
                          ensure_ascii=False, default=str)
        return hashlib.sha256(body.encode()).hexdigest()


class Mapping:
    def __init__(self, body):
        self.body = body
        self.version = int(body["version"])
        self.tables = body["tables"]
        self.code_lists = body["code_lists"]
        self.common = body["common"]

    @classmethod
    def load(cls, version=None):
        return _load(version or latest_version())

    def table_of(self, kind):
        return self.tables[kind]["table"]

    def kind_of(self, table):
        return next(kind for kind, spec in self.tables.items() if spec["table"] == table)

    def ranked_tables(self):
        return [spec["table"] for _, spec in sorted(self.tables.items(), key=lambda kv: kv[1]["rank"])]

    def value(self, spec, record):
        if isinstance(spec, str):
            return _plain(record.get(spec))
        if "const" in spec:
            return spec["const"]
        raw = record.get(spec["from"])
        if raw is None:
            return None
        return self.code_lists[spec["code"]].get(str(raw), raw)

    def row(self, kind, record):
        spec = self.tables[kind]
        parent = spec.get("parent")
        return Row(kind=kind, table=spec["table"], rank=spec["rank"], key=spec["key"].format(**record),
                   columns={column: self.value(source, record) for column, source in spec["columns"].items()},
                   division=record.get(spec.get("division", "region")) or "",
                   valid=record.get("valid", True), invalid_reason=record.get("invalid_reason") or "",
                   parent=(self.tables[parent["kind"]]["table"], parent["key"].format(**record)) if parent else None,
                   mapping_version=self.version, common=self.common)


def _plain(value):
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def latest_version():
    return max(int(path.stem[1:]) for path in FOLDER.glob("v*.json"))


@lru_cache(maxsize=None)
def _load(version):
    return Mapping(json.loads((FOLDER / f"v{version}.json").read_text(encoding="utf-8")))
