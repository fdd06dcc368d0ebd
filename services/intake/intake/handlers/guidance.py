"""Joint guidance facts (联合辅导, 003): published guide entries and issued lists."""


def record_guide_entry(envelope, uow, consumer):
    """consult/guidance.published: a FAQ entry or common-error example joins the item's public guide
    (003 §6, §15)."""
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    uow.guidance.add_entry({"id": p["entry_id"], "item_code": p["item_code"], "kind": p["kind"],
                            "question": p.get("question"), "answer": p["answer"], "department": p["department"],
                            "published_on": p["published_on"]})
    return True


def record_guidance_list(envelope, uow, consumer):
    """consult/guidance.listed: a list the applicant may name in the stage's declaration (003 §11(四))."""
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    uow.guidance.add_list(list_id=p["list_id"], project_code=envelope.project_code, kind=p["kind"], stage=p["stage"],
                          issued_on=p["issued_on"], supersedes=p.get("supersedes"))
    return True
