"""In-memory repositories with the methods of :mod:`intake.adapters.repositories`, for unit tests of
the use cases on a :class:`platform_kit.fakes.FakeUnitOfWork` (no database, no broker).

A repository hands out copies and stores copies, as a database would: a use case that changes a
record without giving it back to its repository changes nothing.
"""
import copy
import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from intake.domain import model
from intake.domain.catalog import Catalog
from platform_kit.calendar import official_calendar
from platform_kit.fakes import FakeUnitOfWork
from platform_kit.identity import region_prefix
from platform_kit.times import utcnow

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())


def _copy(record):
    return copy.deepcopy(record) if record is not None else None


def _page(items, limit, offset):
    return model.Page([_copy(i) for i in items[offset:offset + limit]], len(items), limit, offset)


class FakeCatalogs:
    def __init__(self):
        self.versions = {}

    def latest_version(self):
        return max(self.versions) if self.versions else None

    def get(self, version):
        return _copy(self.versions.get(version))

    def add(self, record):
        if record.version in self.versions:
            return False
        record.loaded_at = utcnow()
        self.versions[record.version] = _copy(record)
        return True

    def parsed(self, version):
        record = self.versions.get(version)
        return Catalog(record.data, version) if record else None


class FakeProjects:
    def __init__(self):
        self.projects, self.counters, self.revisions, self.query_code_list = {}, {}, [], []

    def get(self, project_code, lock=False):
        return _copy(self.projects.get(project_code))

    def add(self, project):
        if project.project_code in self.projects:
            return False
        project.registered_at = project.registered_at or utcnow()
        self.projects[project.project_code] = _copy(project)
        return True

    def update(self, project):
        self.projects[project.project_code] = _copy(project)

    def next_sequence(self, year, region):
        self.counters[(year, region)] = self.counters.get((year, region), 0) + 1
        return self.counters[(year, region)]

    def reserve_sequence(self, year, region, sequence):
        self.counters[(year, region)] = max(self.counters.get((year, region), 0), sequence)

    def latest_revision(self, project_code):
        return max((r.revision for r in self.revisions if r.project_code == project_code), default=None)

    def add_revision(self, revision):
        revision.pushed_at = utcnow()
        self.revisions.append(_copy(revision))

    def page(self, scope, limit, offset, q=None, category=None, region=None, source=None):
        if scope.nothing:
            return model.Page([], 0, limit, offset)
        found = [p for p in self.projects.values()
                 if (not scope.applicant_org or p.applicant_org == scope.applicant_org)
                 and (not scope.region_prefix or p.region.startswith(scope.region_prefix))
                 and (not q or q in p.name or q in p.project_code)
                 and (not category or p.category == category)
                 and (not region or p.region.startswith(region_prefix(region) or region))
                 and (not source or p.source == source)]
        found.sort(key=lambda p: (p.registered_at, p.project_code), reverse=True)
        return _page(found, limit, offset)

    def add_query_code(self, query_code):
        query_code.issued_at = utcnow()
        self.query_code_list.append(_copy(query_code))

    def query_codes(self, project_code):
        return [_copy(c) for c in self.query_code_list if c.project_code == project_code]


class FakeMaterials:
    def __init__(self):
        self.materials, self.verified, self.locked = {}, {}, []

    def get(self, material_id, lock=False):
        return _copy(self.materials.get(material_id))

    def add(self, material):
        material.created_at = utcnow()
        self.materials[material.id] = _copy(material)

    def add_version(self, version):
        stored = self.materials[version.material_id]
        if any(v.version == version.version for v in stored.versions):
            return False
        version.uploaded_at = utcnow()
        stored.versions.append(_copy(version))
        return True

    def version(self, material_id, version):
        material = self.materials.get(material_id)
        return _copy(next((v for v in material.versions if v.version == version), None)) if material else None

    def latest_version_number(self, material_id):
        return max((v.version for v in self.materials[material_id].versions), default=0)

    def of_project(self, project_code):
        return [_copy(m) for m in self.materials.values() if m.project_code == project_code]

    def page(self, project_code, limit, offset):
        return _page([m for m in self.materials.values() if m.project_code == project_code], limit, offset)

    def lock_content(self, key):
        self.locked.append(key)

    def content_referenced(self, key):
        return any(v.storage_key == key for m in self.materials.values() for v in m.versions)

    def verification(self, material_id, version):
        return _copy(self.verified.get((material_id, version)))

    def verifications(self, material_ids):
        return {k: _copy(v) for k, v in self.verified.items() if k[0] in material_ids}

    def add_verification(self, verification):
        key = (verification.material_id, verification.version)
        if key in self.verified:
            return False
        self.verified[key] = replace(verification, verified_at=utcnow())
        return True


class FakeDeclarations:
    def __init__(self):
        self.declarations = []

    def get(self, declaration_id):
        return _copy(next((d for d in self.declarations if d.id == declaration_id), None))

    def add(self, declaration):
        declaration.submitted_at = utcnow()
        self.declarations.append(_copy(declaration))

    def of_project(self, project_code):
        return [_copy(d) for d in self.declarations if d.project_code == project_code]

    def stages_of(self, project_code):
        return {d.stage for d in self.declarations if d.project_code == project_code}

    def departments_of(self, project_code):
        return {(i["department"], i["region"]) for d in self.declarations if d.project_code == project_code
                for i in d.items}

    def latest_of_stage(self, project_code, stage):
        found = [d for d in self.declarations if d.project_code == project_code and d.stage == stage]
        return found[-1].id if found else None


class FakeDrafts:
    def __init__(self):
        self.drafts = {}

    def get(self, project_code, stage, lock=False):
        return _copy(self.drafts.get((project_code, stage)))

    def save(self, draft):
        draft.saved_at = draft.saved_at or utcnow()
        self.drafts[(draft.project_code, draft.stage)] = _copy(draft)


class FakeDocuments:
    def __init__(self, projects=None):
        self.documents, self.counters, self.lost, self.files = [], {}, [], {}
        self.projects = projects   # FakeProjects: the documents of an organisation's projects

    def keep_sealed(self, document_id, content, sha256, sealed_at):
        self.files.setdefault(document_id, (content, sealed_at))
        return self.files[document_id]

    def sealed(self, document_id):
        return self.files.get(document_id)

    def page_of_organisation(self, applicant_org, limit, offset):
        found = [(d, self.projects.projects[d.project_code].name) for d in reversed(self.documents)
                 if self.projects.projects[d.project_code].applicant_org == applicant_org]
        return model.Page([(_copy(d), name) for d, name in found[offset:offset + limit]], len(found), limit, offset)

    def next_sequence(self, kind, region, year):
        self.counters[(kind, region, year)] = self.counters.get((kind, region, year), 0) + 1
        return self.counters[(kind, region, year)]

    def add(self, document):
        document.issued_at = utcnow()
        self.documents.append(_copy(document))

    def get(self, document_id, lock=False):
        return _copy(next((d for d in self.documents if d.id == document_id), None))

    def page(self, project_code, limit, offset):
        return _page([d for d in self.documents if d.project_code == project_code], limit, offset)

    def number_of_event(self, event_id):
        return next((d.document_no for d in self.documents if d.event_id == event_id), None)

    def of_fact(self, fact_key):
        return _copy(next((d for d in self.documents if d.fact_key == fact_key), None))

    def first_of_case(self, case_id, kind):
        return _copy(next((d for d in self.documents if d.case_id == case_id and d.kind == kind), None))

    def losses(self, document_ids):
        return {i: [_copy(loss) for loss in self.lost if loss.document_id == i] for i in document_ids}

    def add_loss(self, loss):
        loss.recorded_at = utcnow()
        self.lost.append(_copy(loss))

    def of_kind(self, kind):
        return [d for d in self.documents if d.kind == kind]


class FakeCaseFacts:
    def __init__(self):
        self.facts = []

    def add(self, fact):
        if any(f.event_id == fact.event_id for f in self.facts):
            return False
        self.facts.append(replace(fact, recorded_at=utcnow()))
        return True

    def of_case(self, case_id):
        return [_copy(f) for f in self.facts if f.case_id == case_id]

    def departments_of(self, project_code):
        return {(f.department, f.region) for f in self.facts if f.project_code == project_code}


class FakeConsultations:
    def __init__(self):
        self.requests = []
        self.closed = {}

    def add(self, request):
        if any((r.event_id, r.department) == (request.event_id, request.department) for r in self.requests):
            return False
        self.requests.append(replace(request, recorded_at=utcnow()))
        return True

    def close(self, consultation_id, project_code, closed_on, event_id):
        if consultation_id in self.closed:
            return False
        self.closed[consultation_id] = closed_on
        return True

    def open_grants(self, project_code):
        return {(r.department, r.region) for r in self.requests
                if r.project_code == project_code and r.consultation_id not in self.closed}


class FakeSupplements:
    def __init__(self):
        self.submissions = []

    def for_request(self, request_event_id):
        return _copy(next((s for s in self.submissions if s.request_event_id == request_event_id), None))

    def add(self, submission):
        if self.for_request(submission.request_event_id) is not None:
            return False
        submission.submitted_at = utcnow()
        self.submissions.append(_copy(submission))
        return True


class FakeLicences:
    def __init__(self):
        self.licences, self.revoked = [], {}

    def valid_of(self, project_code):
        found = [lic for lic in self.licences if lic.project_code == project_code and lic.licence_id not in self.revoked]
        return [_copy(lic) for lic in sorted(found, key=lambda lic: (lic.issued_on, lic.licence_no))]

    def latest_of_case(self, case_id):
        found = sorted((lic for lic in self.licences if lic.case_id == case_id), key=lambda lic: lic.issued_on)
        return _copy(found[-1]) if found else None

    def add(self, licence):
        if any(lic.licence_id == licence.licence_id for lic in self.licences):
            return False
        self.licences.append(_copy(licence))
        return True

    def add_revocation(self, revocation):
        if revocation.licence_id in self.revoked:
            return False
        self.revoked[revocation.licence_id] = _copy(revocation)
        return True


class FakeConclusions:
    def __init__(self):
        self.conclusions = []

    def stages_of(self, project_code):
        return {c.stage for c in self.conclusions if c.project_code == project_code}

    def stages_of_projects(self, project_codes):
        return {code: self.stages_of(code) for code in project_codes}

    def add(self, conclusion):
        if conclusion.stage in self.stages_of(conclusion.project_code):
            return False
        self.conclusions.append(_copy(conclusion))
        return True


class FakeCalendar:
    """The platform's calendar as the tests set it (``official_calendar()`` unless told otherwise)."""

    def __init__(self, calendar=None):
        self.calendar = calendar or official_calendar()

    def current(self):
        return self.calendar

    def load(self, year, holidays, working_weekends):
        self.calendar = self.calendar.with_year(year, holidays, working_weekends)


class FakeStaged:
    """Inspected upload content waiting for its transaction (as ``intake.adapters.storage`` stages it)."""

    def __init__(self, sha256="ab" * 32, size=44, content_type="application/pdf"):
        self.facts = {"sha256": sha256, "size": size, "content_type": content_type}
        self.key = f"{sha256[:2]}/{sha256}"
        self.published = False

    def publish(self):
        self.published = True
        return self.key


class FakeGuidance:
    """Guide entries published by lead departments and the one-time lists declarations may name."""

    def __init__(self):
        self.published, self.lists = [], {}

    def add_entry(self, entry):
        if all(e["id"] != entry["id"] for e in self.published):
            self.published.append(dict(entry))

    def entries(self):
        out = {}
        for row in sorted(self.published, key=lambda e: (e["published_on"], e["id"])):
            entry = out.setdefault(row["item_code"], {"faq": [], "common_errors": []})
            if row["kind"] == "faq":
                entry["faq"].append({"question": row["question"], "answer": row["answer"]})
            else:
                entry["common_errors"].append(row["answer"])
        return out

    def add_list(self, *, list_id, project_code, kind, stage, issued_on, supersedes):
        self.lists.setdefault(list_id, SimpleNamespace(list_id=list_id, project_code=project_code, kind=kind,
                                                       stage=stage, issued_on=issued_on, superseded=False))
        if supersedes in self.lists:
            self.lists[supersedes].superseded = True

    def list_ref(self, list_id):
        return self.lists.get(list_id)


def fake_uow(calendar=None):
    projects = FakeProjects()
    return FakeUnitOfWork(
        catalogs=FakeCatalogs(), projects=projects, materials=FakeMaterials(),
        declarations=FakeDeclarations(), drafts=FakeDrafts(), documents=FakeDocuments(projects),
        case_facts=FakeCaseFacts(), consultations=FakeConsultations(), supplements=FakeSupplements(),
        licences=FakeLicences(), conclusions=FakeConclusions(), calendar=FakeCalendar(calendar),
        guidance=FakeGuidance())
