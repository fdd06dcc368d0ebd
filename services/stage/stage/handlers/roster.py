"""Responsible persons per item, region and step (000 §15), named by the department's administrator."""
from platform_kit.errors import Forbidden
from stage.domain.roster import Roster, RosterChange


def configure_step(cmd, identity, uow):
    Roster.authorize_change(identity)
    uow.roster.add(RosterChange(identity.department, cmd["item_code"], identity.region, cmd["step"], cmd["officer"],
                                cmd["granted"], cmd["reason"], identity.sub))
    return list_step_assignments({"item_code": cmd["item_code"]}, identity, uow)


def list_step_assignments(filters, identity, uow):
    if identity.role not in ("dept_admin", "supervisor", "operator"):
        raise Forbidden("无权查看责任人配置")
    own = identity.role == "dept_admin"   # an administrator sees their own department and region
    changes = uow.roster.changes(department=identity.department if own else None,
                                 item_code=filters.get("item_code") or None,
                                 region=identity.region if own else None)
    roster = Roster(changes)
    current = [{"department": d, "item_code": i, "region": r, "step": s, "officers": sorted(named)}
               for (d, i, r, s), named in sorted(roster.current.items()) if named]
    history = [{"department": c.department, "item_code": c.item_code, "region": c.region, "step": c.step,
                "officer": c.officer, "granted": c.granted, "reason": c.reason, "changed_by": c.changed_by,
                "changed_at": c.changed_at.isoformat() if c.changed_at else None} for c in changes]
    return {"current": current, "history": history}
