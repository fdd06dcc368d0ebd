"""Entrypoints of what the province needs of a project (001 §10), mixed into the intake service:
the land red-line boundary, intermediary service records, and the window's corrections."""
from platform_kit.rpc import rpc

from intake.handlers import project_records as handlers
from platform_kit.calendar import today_in_shanghai
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.identity import APPLICANT, CLERK
from platform_kit.validation import load
from platform_kit.wire import PageFilters
from platform_kit.wire.intake import (BoundaryIn, BoundaryOut, IntermediariesOut, IntermediaryIn,
                                      IntermediaryOut, IntermediaryWithdrawal, ProjectCorrection, ProjectOut)


class ProjectRecords:
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_boundary(self, project_code, data):
        identity = self.auth.identity(APPLICANT, CLERK)
        cmd = load(BoundaryIn(), data, detail="用地红线信息不正确")
        with self.db.unit_of_work() as uow:
            return BoundaryOut().dump(handlers.record_boundary(project_code, cmd, identity, uow, today_in_shanghai()))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_boundary(self, project_code):
        identity = self.auth.identity()
        with self.db.reading() as uow:
            return BoundaryOut().dump(handlers.get_boundary(project_code, identity, uow))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_intermediary(self, project_code, data):
        identity = self.auth.identity(APPLICANT, CLERK)
        cmd = load(IntermediaryIn(), data, detail="中介服务信息不正确")
        with self.db.unit_of_work() as uow:
            return IntermediaryOut().dump(handlers.record_intermediary(project_code, cmd, identity, uow))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_intermediaries(self, project_code, filters=None):
        identity = self.auth.identity()
        cmd = load(PageFilters(), filters or {}, detail="查询条件不正确")
        with self.db.reading() as uow:
            return IntermediariesOut().dump(handlers.list_intermediaries(project_code, cmd, identity, uow))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def withdraw_intermediary(self, project_code, record_id, data):
        identity = self.auth.identity(APPLICANT, CLERK)
        cmd = load(IntermediaryWithdrawal(), data)
        with self.db.unit_of_work() as uow:
            return IntermediaryOut().dump(handlers.withdraw_intermediary(project_code, record_id, cmd, identity, uow,
                                                                        today_in_shanghai()))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def correct_project(self, project_code, data):
        identity = self.auth.identity(CLERK)
        cmd = load(ProjectCorrection(), data, detail="项目更正信息不正确")
        with self.db.unit_of_work() as uow:
            return ProjectOut().dump(handlers.correct_project(project_code, cmd, identity, uow))
