"""A department's inbox of consultations or joint reviews, as one SQL query: what it is asked about
(or what it started), within the officer's region, in a state. Consultations and joint reviews share
the shape (``region``, ``answered_on``, ``closed_on`` and a table of the departments asked)."""
from sqlalchemy import or_, select

from consult.domain.consultation import ANSWERED, CLOSED, OPEN
from platform_kit.errors import Forbidden
from platform_kit.identity import SUPERVISOR, region_prefix


def department_inbox(filters, identity, *, model, asked, asked_key, started_by, own_role, noun):
    """The query of `model` rows for ``filters`` (department, role, state). An officer sees their own
    department only, a supervisor any; both only within their region. `asked` is the table of the
    departments asked (`asked_key` its column naming the row), `started_by` the column of the
    department that started it, which ``role == own_role`` selects instead."""
    department = filters.get("department") or identity.department
    if identity.role != SUPERVISOR and department != identity.department:
        raise Forbidden(f"只能查看本部门的{noun}")
    query = select(model)
    if department:
        if filters.get("role") == own_role:
            query = query.where(started_by == department)
        else:
            query = query.where(model.id.in_(select(asked_key).where(asked.department == department)))
    prefix = region_prefix(identity.region)
    if identity.role != SUPERVISOR or prefix:
        if not prefix:
            raise Forbidden(f"账号未设置行政区划，无法查看{noun}")
        query = query.where(or_(model.region.is_(None), model.region.like(f"{prefix}%")))
    state = filters.get("state")
    if state == OPEN:
        query = query.where(model.answered_on.is_(None), model.closed_on.is_(None))
    elif state == ANSWERED:
        query = query.where(model.answered_on.is_not(None), model.closed_on.is_(None))
    elif state == CLOSED:
        query = query.where(model.closed_on.is_not(None))
    return query
