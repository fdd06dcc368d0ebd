"""Use cases of the supervision service: project every event into the read model
(:mod:`.projecting`), read it back for staff (:mod:`.reading`), and answer the public's progress
query (:mod:`.progress`)."""
from supervision.handlers.progress import public_progress
from supervision.handlers.projecting import CASE_CLOCK_FIELDS, STAGE_CLOCK_FIELDS, projection_for, record_event
from supervision.handlers.reading import clocks_by_light, light_sql, list_clocks, project_overview

__all__ = ["record_event", "projection_for", "CASE_CLOCK_FIELDS", "STAGE_CLOCK_FIELDS", "project_overview",
           "list_clocks", "light_sql", "public_progress", "clocks_by_light"]
