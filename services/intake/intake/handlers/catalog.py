"""Loading and reading the flow catalog (审批事项目录): every version kept, none changed."""
import hashlib
import json

from intake.domain.catalog import Catalog, consultation_rules, guidance_facts, licence_rules
from intake.domain.model import CatalogVersion
from intake.handlers.common import catalog_version
from platform_kit.contracts import new_event
from platform_kit.errors import Conflict


def _canonical(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _loaded(catalog, record, **extra):
    return {**catalog.summary(), "sha256": record.sha256, "loaded_by": record.loaded_by,
            "loaded_at": record.loaded_at, **extra}


def load_catalog(cmd, identity, uow):
    catalog = Catalog.checked(cmd)
    latest = uow.catalogs.latest_version() or 0
    sha256 = hashlib.sha256(_canonical(cmd)).hexdigest()
    current = uow.catalogs.get(latest) if latest else None
    if current is not None and current.sha256 == sha256:
        # The same catalog loaded again (a restart re-seeding it): no new version, nothing changes.
        catalog.version = current.version
        return _loaded(catalog, current, unchanged=True)
    record = CatalogVersion(version=latest + 1, data=cmd, sha256=sha256, loaded_by=identity.sub)
    if not uow.catalogs.add(record):
        # Two operators loading at the same moment: the version number is taken, nothing was stored.
        raise Conflict("另一版本的目录正在同时载入，请重新提交")
    catalog.version = record.version
    # the services that act on catalog facts (consult: departments and default consultations;
    # certificate: departments and each item's licence) keep a copy
    uow.emit(new_event("catalog.loaded", source="intake", project_code=None, actor=identity.actor(), payload={
        "version": record.version, "loaded_by": identity.sub,
        "departments": [{"code": d.code, "name": d.name, "region": d.region} for d in catalog.departments.values()],
        "consultation_rules": [{"item_code": code, "consultations": rules}
                               for code, rules in sorted(consultation_rules(cmd).items())],
        "licence_rules": licence_rules(cmd), **guidance_facts(cmd)}))
    return _loaded(catalog, record)


def get_catalog(uow, version=None):
    catalog = catalog_version(uow, version)
    record = uow.catalogs.get(catalog.version)
    return {"version": catalog.version, "sha256": record.sha256, "loaded_at": record.loaded_at.isoformat(),
            **catalog.data}
