"""Joint guidance facts in intake (:mod:`intake.adapters.guidance_orm`)."""
from sqlalchemy import select

from intake.adapters.guidance_orm import GuidanceListRefRow, GuideEntryRow


class GuidanceRepository:
    def __init__(self, session):
        self.session = session

    def add_entry(self, entry):
        if self.session.get(GuideEntryRow, entry["id"]) is None:
            self.session.add(GuideEntryRow(**entry))
        self.session.flush()

    def entries(self):
        """{item_code: {"faq": [{question, answer}], "common_errors": [text]}}, oldest first."""
        out = {}
        for row in self.session.execute(select(GuideEntryRow).order_by(GuideEntryRow.published_on,
                                                                       GuideEntryRow.id)).scalars():
            entry = out.setdefault(row.item_code, {"faq": [], "common_errors": []})
            if row.kind == "faq":
                entry["faq"].append({"question": row.question, "answer": row.answer})
            else:
                entry["common_errors"].append(row.answer)
        return out

    def add_list(self, *, list_id, project_code, kind, stage, issued_on, supersedes):
        if self.session.get(GuidanceListRefRow, list_id) is None:
            self.session.add(GuidanceListRefRow(list_id=list_id, project_code=project_code, kind=kind, stage=stage,
                                                issued_on=issued_on, superseded=False))
        if supersedes:
            replaced = self.session.get(GuidanceListRefRow, supersedes)
            if replaced is not None:
                replaced.superseded = True
        self.session.flush()

    def list_ref(self, list_id):
        return self.session.get(GuidanceListRefRow, list_id)
