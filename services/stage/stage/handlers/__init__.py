"""Use cases of the stage service: a command and a unit of work in, a plain dict out.

Use cases read and write through the repositories of the unit of work (stage.adapters.repositories;
in unit tests, in-memory ones); no use case touches the database session itself.
"""
from stage.handlers.calendar import list_calendar_years, load_calendar_year
from stage.handlers.consultations import (record_consultation_closed, record_consultation_lapsed,
                                          record_consultation_opened, record_consultation_replied)
from stage.handlers.deciding import act_on_case, special_handle
from stage.handlers.extensions import extend_limit
from stage.handlers.joint_review import record_joint_review_conclusion
from stage.handlers.opening import attach_licence, open_stage, record_supplement_received
from stage.handlers.roster import configure_step, list_step_assignments
from stage.handlers.sweep import sweep, sweep_all
from stage.handlers.views import count_cases, get_case, list_cases, list_stages

__all__ = ["open_stage", "attach_licence", "record_supplement_received", "act_on_case", "special_handle",
           "extend_limit", "sweep", "sweep_all", "list_cases", "count_cases", "get_case", "list_stages", "load_calendar_year",
           "list_calendar_years", "configure_step", "list_step_assignments", "record_consultation_opened",
           "record_consultation_replied", "record_consultation_lapsed", "record_consultation_closed",
           "record_joint_review_conclusion"]
