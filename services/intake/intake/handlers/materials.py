"""Materials (申请材料): each upload a new version, offered again for later stages (000 §7), verified
once against the paper original by the first department that handles it (000 §11)."""
import uuid

from intake.domain import material as material_rules
from intake.domain.model import Material, MaterialVersion, Verification
from intake.domain import project as project_rules
from intake.handlers.common import SOURCE, find_project, page_answer, readable_project
from platform_kit.contracts import new_event
from platform_kit.errors import Conflict, Forbidden, NotFound


def material_version_view(material, version):
    return {"material_id": material.id, "version": version.version, "name": material.name,
            "sha256": version.sha256, "size": version.size, "content_type": version.content_type,
            "uploaded_by": version.uploaded_by, "uploaded_at": version.uploaded_at,
            "channel": version.channel or material_rules.ELECTRONIC, "form": material_rules.form_label(version.channel),
            "paper_copies": version.paper_copies, "paper_pages": version.paper_pages}


def _verification_view(verification):
    if verification is None:
        return None
    return {"department": verification.department, "case_id": verification.case_id,
            "verified_by": verification.verified_by, "verified_at": verification.verified_at,
            "verified_on": verification.verified_on}


def _material_of(uow, project_code, material_id, lock=False):
    material = uow.materials.get(material_id, lock=lock)
    if material is None or material.project_code != project_code:
        raise NotFound(f"项目 {project_code} 中没有材料 {material_id}")
    return material


def _uploadable_project(uow, project_code, identity):
    project = find_project(uow, project_code)
    return project_rules.check_uploader(identity, project, uow.case_facts.departments_of(project_code)
                                        if identity.role == "officer" else set())


def check_upload(project_code, cmd, identity, uow):
    """Refuse an upload before any byte is stored: unknown project, someone else's project, an officer
    whose department has no case of it, paper registered by anyone but the window clerk."""
    _uploadable_project(uow, project_code, identity)
    material_rules.check_channel(identity.role, cmd.get("channel"), cmd.get("paper_copies"), cmd.get("paper_pages"))
    if cmd.get("material_id") is not None:
        _material_of(uow, project_code, cmd["material_id"])


def upload_material(project_code, cmd, identity, uow, staged, today=None):
    """Record one uploaded version; `staged` is the inspected content, put in place before commit. A
    version an officer uploads (a notice, an approval document, a scan) is first entered by their
    department (000 §11): its verification is recorded with the upload."""
    _uploadable_project(uow, project_code, identity)
    channel, copies, pages = material_rules.check_channel(identity.role, cmd.get("channel"), cmd.get("paper_copies"),
                                                          cmd.get("paper_pages"))
    if cmd.get("material_id"):
        material = _material_of(uow, project_code, cmd["material_id"], lock=True)
        number = uow.materials.latest_version_number(material.id) + 1
    else:
        material = Material(id=str(uuid.uuid4()), project_code=project_code, name=cmd["name"],
                            created_by=identity.sub)
        uow.materials.add(material)
        number = 1
    facts = staged.facts
    version = MaterialVersion(material_id=material.id, version=number, sha256=facts["sha256"], size=facts["size"],
                              content_type=facts["content_type"], storage_key=staged.key, uploaded_by=identity.sub,
                              channel=channel, paper_copies=copies, paper_pages=pages)
    if not uow.materials.add_version(version):
        raise Conflict("该材料正在同时上传新版本，请重试")
    uow.materials.lock_content(staged.key)
    staged.publish()
    uow.emit(new_event("material.uploaded", source=SOURCE, project_code=project_code, actor=identity.actor(),
                       payload={"material_id": material.id, "version": number, "name": material.name,
                                "sha256": facts["sha256"], "content_type": facts["content_type"],
                                "size": facts["size"], "channel": channel}))
    if identity.role == "officer":
        _first_entry_by_uploader(uow, material, version, identity, today)
    return material_version_view(material, version)


def _first_entry_by_uploader(uow, material, version, identity, today):
    case_id = uow.case_facts.case_of(material.project_code, identity.department, identity.region)
    if uow.materials.add_verification(Verification(material_id=material.id, version=version.version,
                                                   department=identity.department, case_id=case_id,
                                                   verified_by=identity.sub, verified_on=today)):
        uow.emit(new_event("material.verified", source=SOURCE, project_code=material.project_code,
                           actor=identity.actor(), payload={
                               "material_id": material.id, "version": version.version, "name": material.name,
                               "sha256": version.sha256, "department": identity.department, "case_id": case_id,
                               "verified_by": identity.sub, "verified_on": today}))


def remove_content_if_unreferenced(uow, key, delete):
    """The content of a failed upload goes only if no committed version refers to it."""
    uow.materials.lock_content(key)
    if not uow.materials.content_referenced(key):
        delete()


def list_materials(project_code, page, identity, uow):
    """One page of the project's materials with all their versions, offered again for later stages
    (000 §7). `page`: {limit, offset}."""
    readable_project(uow, project_code, identity)
    found = uow.materials.page(project_code, page["limit"], page["offset"])
    verified = uow.materials.verifications([m.id for m in found.items])
    declarations = uow.declarations.of_project(project_code)
    items = []
    for material in found.items:
        versions = [{**material_version_view(material, v),
                     "verification": _verification_view(verified.get((material.id, v.version)))}
                    for v in material.versions]
        items.append({
            "material_id": material.id, "name": material.name, "created_by": material.created_by,
            "created_at": material.created_at, "latest_version": versions[-1]["version"] if versions else None,
            "versions": versions,
            "declared_in": [{"declaration_id": d.id, "stage": d.stage, "version": m["version"]}
                            for d in declarations for m in d.materials if m["material_id"] == material.id],
        })
    return page_answer(found, items)


def _stored(uow, material_id, version):
    material = uow.materials.get(material_id)
    stored = uow.materials.version(material_id, version)
    if material is None or stored is None:
        raise NotFound(f"材料 {material_id} 第 {version} 版不存在")
    return material, stored


def material_content(material_id, version, identity, uow, storage, max_bytes):
    """One stored version of a material and where its bytes are; refused when the caller may not read
    the project or the version is larger than `max_bytes` (fetch it over HTTP instead)."""
    material, stored = _stored(uow, material_id, version)
    readable_project(uow, material.project_code, identity)
    if max_bytes is not None and stored.size > max_bytes:
        raise Conflict(f"材料超过 {max_bytes} 字节，请通过 HTTP 下载")
    if not storage.exists(stored.storage_key):
        raise NotFound(f"材料 {material_id} 第 {version} 版的文件不在存储中")
    return {**material_version_view(material, stored), "storage_key": stored.storage_key}


def read_content(storage, view):
    """The bytes of a stored version, checked against the SHA-256 they are addressed by."""
    with storage.open(view["storage_key"]) as fh:
        content = fh.read()
    material_rules.check_digest(content, view["sha256"])
    return content


def verify_material(material_id, version, cmd, identity, uow, today):
    """First-entry verification (首录负责制, 000 §11): recorded once, by the first department handling a
    case that carries this version; every later call returns that record instead of a new one."""
    material, stored = _stored(uow, material_id, version)
    declarations = uow.declarations.of_project(material.project_code)
    if not material_rules.may_verify(identity.department, material_id, version,
                                     [{"materials": d.materials, "items": d.items} for d in declarations]):
        raise Forbidden("本部门没有使用该材料此版本的办件，不能核验")
    existing = uow.materials.verification(material_id, version)
    if existing is not None:
        return {**material_version_view(material, stored), "verification": _verification_view(existing),
                "first_entry": False}
    first = uow.materials.add_verification(Verification(
        material_id=material_id, version=version, department=identity.department, case_id=cmd["case_id"],
        verified_by=identity.sub, verified_on=today))
    recorded = uow.materials.verification(material_id, version)   # ours, or the one that came first
    if first:
        uow.emit(new_event("material.verified", source=SOURCE, project_code=material.project_code,
                           actor=identity.actor(), payload={
                               "material_id": material_id, "version": version, "name": material.name,
                               "sha256": stored.sha256, "department": recorded.department,
                               "case_id": recorded.case_id, "verified_by": recorded.verified_by,
                               "verified_on": recorded.verified_on}))
    return {**material_version_view(material, stored), "verification": _verification_view(recorded),
            "first_entry": first}
