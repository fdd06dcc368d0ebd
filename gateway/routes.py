"""The HTTP routes that forward to a service method (docs/interfaces.md), as one table.

Each :class:`Operation` says which path and method map to which ``service.method``, how the RPC
arguments are built (path fields, query filters, the request body), which schema the body must
satisfy, and what is documented as the answer. :mod:`gateway.resources` turns the table into
Falcon resources and :mod:`gateway.openapi` into the OpenAPI document, so the two cannot drift.
Bodies and answers of the services are their wire formats (:mod:`platform_kit.wire`).
"""
from dataclasses import dataclass, field

from gateway import schemas as s
from platform_kit.contracts import STAGES
from platform_kit.states import CASE_STATES
from platform_kit.wire import certificate, consult, intake, stage, supervision

DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET = 50, 200, 10 ** 9


@dataclass(frozen=True)
class Param:
    """A query-string or path parameter and the values the server accepts for it."""

    name: str
    type: str = "string"        # string | integer
    description: str = ""
    minimum: int = None
    maximum: int = None
    enum: tuple = None
    pattern: str = None
    min_length: int = None
    max_length: int = None
    default: object = None

    def schema(self):
        out = {"type": self.type}
        for key, value in (("minimum", self.minimum), ("maximum", self.maximum), ("pattern", self.pattern),
                           ("minLength", self.min_length), ("maxLength", self.max_length),
                           ("default", self.default)):
            if value is not None:
                out[key] = value
        if self.enum is not None:
            out["enum"] = list(self.enum)
        return out



@dataclass(frozen=True)
class Operation:
    path: str                    # Falcon template; `{field:int}` converts the field
    method: str
    service: str
    rpc: str
    summary: str
    args: tuple = ()             # "path:<field>", "body", "filters", "query:<name>"
    body: type = None            # marshmallow schema of the JSON body
    into_body: tuple = ()        # (body key, path field): path fields the RPC expects inside the body
    response: type = None        # documented answer: the object, or for a listing its items (or the
    #                              service's whole list answer when that schema has `items`)
    status: int = 200
    created_outcome: bool = False  # 201 when the answer's `outcome` is "created", else `status`
    media: tuple = ("application/json",)  # the answer's media types
    media_in: tuple = ()         # the media types a multipart form's file may have
    binary: bool = False         # the service answers {content_type, content_base64}: sent as the file
    http_download: bool = False  # streamed from intake's HTTP port (same path) when it is configured
    query: tuple = ()
    path_params: tuple = ()      # constraints on path fields the service enforces
    paged: bool = False          # limit/offset travel in the filters; the service answers one page
    public: bool = False         # no token needed (and none is forwarded)
    idempotent: bool = False     # honours Idempotency-Key
    multipart: bool = False
    tag: str = ""
    errors: tuple = (400, 401, 403, 404, 409, 422)
    operation_id: str = field(default="")

    @property
    def id(self):
        return self.operation_id or self.rpc

    @property
    def json(self):
        return self.media == ("application/json",)


PAGE = (Param("limit", "integer", f"每页条数（1–{MAX_LIMIT}，默认 {DEFAULT_LIMIT}）", minimum=1, maximum=MAX_LIMIT,
              default=DEFAULT_LIMIT),
        Param("offset", "integer", "跳过条数（默认 0）", minimum=0, maximum=MAX_OFFSET, default=0))
CODE = Param("code", description="项目代码 YYYY-行政区划代码-48-01-六位序号", pattern=intake.PROJECT_CODE_PATTERN)
STAGE = Param("stage", description="审批阶段", enum=STAGES)
VERSION = Param("version", "integer", "材料版本号", minimum=1)
MATERIAL_TYPES = intake.MATERIAL_CONTENT_TYPES
MONTH = supervision.MONTH_PATTERN
STATISTICS_PERIOD = (Param("month", description="统计月份 YYYY-MM（默认本月）", pattern=MONTH),
                     Param("from", description="起始月份 YYYY-MM", pattern=MONTH),
                     Param("to", description="结束月份 YYYY-MM", pattern=MONTH),
                     Param("department", description="部门代码", min_length=1, max_length=40),
                     Param("region", description="行政区划代码（市级含所辖区县）", pattern=r"^\d{6}$"))
STATISTICS_GROUP = Param("group_by", description="分组：department 部门 / region 行政区划 / item 事项 / stage 阶段 / "
                         "officer 经办人 / month 月份", enum=supervision.STATISTICS_GROUPS)

OPERATIONS = (
    # intake
    Operation("/catalog", "PUT", "intake", "load_catalog", "载入新版本事项目录（平台运营）", args=("body",),
              body=intake.CatalogIn, response=intake.CatalogLoaded, tag="intake"),
    Operation("/catalog", "GET", "intake", "get_catalog",
              "查看事项目录（默认最新版本；公开，含各事项的常见问题 faq 与常见错误 common_errors）",
              args=("query:version",), query=(Param("version", "integer", "目录版本号"),),
              response=intake.CatalogVersionOut, public=True, tag="intake", errors=(400, 404, 422)),
    Operation("/projects", "POST", "intake", "register_project",
              "登记项目，生成项目代码与查询码（申请人网上登记；综合窗口代为登记时须填写 applicant_org 与 applicant_name）",
              args=("body",), body=intake.RegisterProject, response=intake.ProjectOut, status=201, idempotent=True,
              tag="intake"),
    Operation("/projects", "GET", "intake", "list_projects",
              "项目列表（最新登记的在前）：申请人见本单位项目；综合窗口、审批人员、督查见本行政区划内项目；平台运营见全部",
              args=("filters",), query=(Param("q", description="项目名称或项目代码的一部分", min_length=1, max_length=100),
                                        Param("category", description="项目类别代码", pattern=r"^[A-Za-z][A-Za-z0-9_\-]{0,39}$"),
                                        Param("region", description="行政区划代码（市级含所辖区县）", pattern=r"^\d{6}$"),
                                        Param("source", description="online 网上登记 / window 窗口登记 / investment_platform 推送",
                                              enum=intake.SOURCES)) + PAGE,
              response=intake.ProjectListOut, paged=True, tag="intake"),
    Operation("/projects/{code}/query-code", "POST", "intake", "reissue_query_code",
              "重新发放项目查询码（综合窗口，须说明理由；原查询码随即失效，新查询码仅此一次答复）",
              args=("path:code", "body"), body=intake.ReissueQueryCode, path_params=(CODE,), response=intake.ProjectOut, status=201, tag="intake"),
    Operation("/projects/{code}", "GET", "intake", "get_project", "查看项目", args=("path:code",),
              path_params=(CODE,), response=intake.ProjectOut, tag="intake"),
    Operation("/projects/{code}", "PUT", "intake", "push_project",
              "投资项目在线审批监管平台推送项目（按项目代码幂等；首次 201，其后 200）", args=("body",),
              body=intake.PushProjectBody, into_body=(("project_code", "code"),), path_params=(CODE,),
              response=intake.ProjectOut, created_outcome=True, tag="intake"),
    Operation("/projects/{code}/materials", "POST", "intake", "upload_material", "上传申报材料（multipart/form-data）",
              args=("path:code", "body"), body=s.MaterialForm, path_params=(CODE,),
              response=intake.MaterialVersionOut, status=201, idempotent=True, multipart=True,
              media_in=MATERIAL_TYPES, tag="intake"),
    Operation("/projects/{code}/materials", "GET", "intake", "list_materials", "项目的材料及其各版本（可供后续阶段复用）",
              args=("path:code", "filters"), query=PAGE, path_params=(CODE,), paged=True,
              response=intake.MaterialListOut, tag="intake"),
    Operation("/materials/{material_id}/versions/{version:int}/verification", "POST", "intake", "verify_material",
              "材料首次录入核验（与纸质原件比对）", args=("path:material_id", "path:version", "body"),
              body=intake.VerifyMaterial, path_params=(VERSION,), response=intake.MaterialVersionOut,
              tag="intake"),
    Operation("/projects/{code}/declarations", "POST", "intake", "submit_declaration", "提交阶段申报",
              args=("path:code", "body"), body=intake.SubmitDeclaration, path_params=(CODE,),
              response=intake.DeclarationOut, status=201, idempotent=True, tag="intake"),
    Operation("/projects/{code}/supplements", "POST", "intake", "submit_supplement",
              "经窗口提交补正材料（按最近一次补正告知）", args=("path:code", "body"), body=intake.SubmitSupplement,
              path_params=(CODE,), response=intake.SupplementOut, status=201, idempotent=True, tag="intake"),
    Operation("/declarations/{declaration_id}", "GET", "intake", "get_declaration", "查看申报",
              args=("path:declaration_id",), response=intake.DeclarationOut, tag="intake"),
    Operation("/projects/{code}/checklists/{stage}", "GET", "intake", "get_checklist",
              "某阶段的材料清单：已上传、平台提供（前序证照）、尚缺", args=("path:code", "path:stage"),
              path_params=(CODE, STAGE), response=intake.ChecklistOut, tag="intake"),
    Operation("/projects/{code}/drafts/{stage}", "PUT", "intake", "save_draft",
              "暂存阶段申报（必填项可暂缺，返回仍待补齐的字段）", args=("path:code", "body"), body=intake.DraftBody,
              into_body=(("stage", "stage"),), path_params=(CODE, STAGE), response=intake.DraftOut, tag="intake"),
    Operation("/projects/{code}/drafts/{stage}", "GET", "intake", "get_draft", "查看暂存的阶段申报",
              args=("path:code", "path:stage"), path_params=(CODE, STAGE), response=intake.DraftOut, tag="intake"),
    Operation("/projects/{code}/drafts/{stage}/submission", "POST", "intake", "submit_draft",
              "提交暂存的阶段申报（与提交申报相同）", args=("path:code", "path:stage"), path_params=(CODE, STAGE),
              response=intake.DeclarationOut, status=201, idempotent=True, tag="intake"),
    Operation("/materials/{material_id}/versions/{version:int}/content", "GET", "intake", "get_material_content",
              "下载材料某一版本的文件（以上传时的文件类型返回）", args=("path:material_id", "path:version"),
              path_params=(VERSION,), media=MATERIAL_TYPES, binary=True, http_download=True, tag="intake"),
    Operation("/projects/{code}/documents", "GET", "intake", "list_documents",
              "项目的窗口文书（登记凭单、受理通知书、补正通知书、不予受理决定书等）", args=("path:code", "filters"),
              query=PAGE, path_params=(CODE,), paged=True, response=intake.DocumentListOut, tag="intake"),
    Operation("/documents", "GET", "intake", "list_my_documents",
              "我的文书：本单位各项目的窗口文书（最新的在前，仅申请人）", args=("filters",), query=PAGE, paged=True,
              response=intake.MyDocumentListOut, tag="intake"),
    Operation("/documents/{document_id}", "GET", "intake", "get_document", "查看窗口文书（含 PDF 的 base64）",
              args=("path:document_id",), response=intake.DocumentContentOut, tag="intake"),
    Operation("/documents/{document_id}/content", "GET", "intake", "get_document", "下载窗口文书 PDF",
              args=("path:document_id",), media=("application/pdf",), binary=True, tag="intake",
              operation_id="get_document_pdf"),
    Operation("/documents/{document_id}/loss-report", "POST", "intake", "report_lost_notice",
              "登记受理通知书遗失（综合窗口）", args=("path:document_id", "body"), body=intake.ReportLostNotice,
              response=intake.DocumentOut, status=201, tag="intake"),
    Operation("/guides/preview", "POST", "intake", "preview_guide",
              "某类项目的办事指南（流程图 JSON）预览（公开，含各事项的常见问题与常见错误）",
              args=("body",), body=intake.PreviewGuide, response=intake.GuideOut, public=True, tag="intake",
              errors=(400, 404, 422)),
    Operation("/projects/{code}/guide", "GET", "intake", "get_guide", "项目的办事指南及各事项办理状态",
              args=("path:code",), path_params=(CODE,), response=intake.GuideOut, tag="intake"),
    Operation("/projects/{code}/guide.svg", "GET", "intake", "get_guide_svg", "项目流程图（SVG）",
              args=("path:code",), path_params=(CODE,), media=("image/svg+xml",), tag="intake"),
    # stage
    Operation("/cases", "GET", "stage", "list_cases",
              "办件列表（按可见范围；按今日亮灯 light 筛选时未办结的在前、时限最近的在前）", args=("filters",),
              query=(Param("project_code"), Param("state", description="办件状态", enum=CASE_STATES),
                     Param("department"), Param("light", description="今日亮灯 green/yellow/red",
                                                enum=supervision.LIGHTS)) + PAGE,
              response=stage.CaseOut, paged=True, tag="stage"),
    Operation("/cases/counters", "GET", "stage", "count_cases",
              "办件计数（工作台）：待本部门办理、补正中、临近时限（黄灯）、已超时限（红灯）、已办结", args=(),
              response=stage.CaseCountersOut, tag="stage", errors=(401, 403)),
    Operation("/cases/{case_id}", "GET", "stage", "get_case", "查看办件及其全部决定记录", args=("path:case_id",),
              response=stage.CaseOut, tag="stage"),
    Operation("/cases/{case_id}/actions", "POST", "stage", "act_on_case", "对办件作出受理、补正、审查、决定、办结等操作",
              args=("path:case_id", "body"), body=stage.ActOnCase, response=stage.CaseOut, tag="stage"),
    Operation("/cases/{case_id}/special-handling", "POST", "stage", "special_handle", "特殊办理（越过受阻环节，须说明理由）",
              args=("path:case_id", "body"), body=stage.SpecialHandle, response=stage.CaseOut, tag="stage"),
    Operation("/cases/{case_id}/extensions", "POST", "stage", "extend_limit", "延长办件时限（牵头部门）",
              args=("body",), body=stage.ExtensionBody, into_body=(("case_id", "case_id"),),
              response=stage.ExtensionOut, status=201, tag="stage", operation_id="extend_case_limit"),
    Operation("/stages/{stage_id}/extensions", "POST", "stage", "extend_limit", "延长阶段时限（牵头部门）",
              args=("body",), body=stage.ExtensionBody, into_body=(("stage_id", "stage_id"),),
              response=stage.ExtensionOut, status=201, tag="stage", operation_id="extend_stage_limit"),
    Operation("/projects/{code}/stages", "GET", "stage", "list_stages", "项目各阶段及其办件、总时限",
              args=("path:code", "filters"), query=PAGE, response=stage.StageListOut, paged=True, tag="stage"),
    Operation("/step-assignments", "POST", "stage", "configure_step", "指定或取消事项某一环节的责任人（部门管理员）",
              args=("body",), body=stage.ConfigureStep, response=stage.StepAssignmentsOut, status=201, tag="stage"),
    Operation("/step-assignments", "GET", "stage", "list_step_assignments", "事项各环节的责任人及其变更记录",
              args=("filters",), query=(Param("item_code"),), response=stage.StepAssignmentsOut, tag="stage"),
    Operation("/calendar", "GET", "stage", "get_calendar", "已载入的工作日历年份及载入记录", response=stage.CalendarOut,
              tag="stage"),
    Operation("/calendar/years", "POST", "stage", "load_calendar_year", "载入某年法定节假日与调休上班日（平台运营）",
              args=("body",), body=stage.LoadCalendarYear, response=stage.CalendarYearLoadedOut, status=201,
              tag="stage"),
    # certificate
    Operation("/projects/{code}/licences", "GET", "certificate", "list_licences", "项目的电子证照",
              args=("path:code", "filters"), query=PAGE, response=certificate.LicenceListOut, paged=True,
              tag="certificate"),
    Operation("/licences/{licence_id}", "GET", "certificate", "get_licence", "查看电子证照（含签名）",
              args=("path:licence_id",), response=certificate.LicenceOut, tag="certificate"),
    Operation("/licences/{licence_id}/revocation", "POST", "certificate", "revoke_licence",
              "撤销电子证照（发证部门或平台运营，须说明理由）", args=("path:licence_id", "body"),
              body=certificate.RevokeLicence, response=certificate.LicenceOut, tag="certificate"),
    Operation("/licences/verify", "POST", "certificate", "verify_licence", "验证电子证照签名（公开）",
              args=("body",), body=certificate.VerifyLicence, response=certificate.VerdictOut, public=True,
              tag="certificate", errors=(400, 422)),
    Operation("/licences/check", "POST", "certificate", "check_licence",
              "按证照编号与核验码核验电子证照（公开；证照上的二维码指向门户的核验页）", args=("body",),
              body=certificate.CheckLicence, response=certificate.LicenceCheckOut, public=True,
              tag="certificate", errors=(400, 404, 422)),
    Operation("/licences/keys", "GET", "certificate", "get_signing_keys", "证照签名公钥（公开）",
              response=certificate.SigningKeysOut, public=True, tag="certificate", errors=()),
    # supervision
    Operation("/supervision/projects/{code}", "GET", "supervision", "get_project_overview",
              "项目各阶段、各办件的法定时限与办理情况", args=("path:code",), response=supervision.ProjectOverviewOut,
              tag="supervision"),
    Operation("/supervision/clocks", "GET", "supervision", "list_clocks",
              "办理时限一览（最紧急的在前；审批人员仅见本部门牵头的阶段与本部门的办件）",
              args=("filters",), query=(Param("department", min_length=1, max_length=40),
                                        Param("state", description="open/closed", enum=("open", "closed")),
                                        Param("kind", description="stage/case", enum=("stage", "case")),
                                        Param("project_code", min_length=1, max_length=40),
                                        Param("light", description="green/yellow/red", enum=supervision.LIGHTS))
              + PAGE, response=supervision.ClocksOut, paged=True, tag="supervision"),
    Operation("/progress", "POST", "supervision", "public_progress",
              "凭项目代码与查询码查询办理进度（公开；项目不存在与查询码错误答复相同的 404）", args=("body",),
              body=supervision.ProgressQuery, response=supervision.ProgressOut, public=True, tag="supervision",
              errors=(400, 404, 422)),
    Operation("/inbox", "GET", "supervision", "list_inbox",
              "本账号的消息（催办、督办、提醒、文书送达、补正、决定、办结、投诉答复等），新的在前，注明本账号是否已读",
              args=("filters",), query=(
                  Param("kind", description="消息类别", enum=supervision.NOTICE_KINDS),
                  Param("project_code", description="项目代码", max_length=40),
                  Param("unread", "boolean", "只看未读")) + PAGE,
              response=supervision.NoticesOut, paged=True, tag="inbox", errors=(400, 401, 403, 422)),
    Operation("/inbox/counts", "GET", "supervision", "inbox_counts", "本账号的未读消息数（合计与按类别）",
              response=supervision.InboxCountsOut, tag="inbox", errors=(401, 403)),
    Operation("/inbox/{notification_id}/read", "POST", "supervision", "read_notice",
              "标记消息已读（记录本账号首次阅读的时间；重复标记不变）", args=("path:notification_id",),
              body=supervision.NoticeReadIn, response=supervision.NoticeOut, tag="inbox", errors=(401, 403, 404)),
    # statistics (supervision)
    Operation("/statistics", "GET", "supervision", "get_statistics",
              "审批统计：接件、受理、不予受理、办结、特殊程序、预警、逾期、补正、催办、投诉等指标及受理率、办结率、逾期率、"
              "用时率、按时办结率，平均与最长用时，环比、同比与部门按时办结率排名（督查限本行政区划，审批人员与部门管理员限本部门，"
              "平台运营全部）", args=("filters",), query=STATISTICS_PERIOD + (STATISTICS_GROUP,) + PAGE,
              response=supervision.StatisticsOut, paged=True, tag="statistics", errors=(400, 401, 403, 422)),
    Operation("/statistics/export", "GET", "supervision", "export_statistics",
              "导出审批统计（CSV 为带 BOM 的 UTF-8，XLSX 为 Excel 工作簿；中文表头，末行为合计）", args=("filters",),
              query=STATISTICS_PERIOD + (STATISTICS_GROUP, Param("format", description="csv / xlsx",
                                                                 enum=supervision.EXPORT_FORMATS)),
              media=("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), binary=True,
              tag="statistics", errors=(400, 401, 403, 422)),
    Operation("/statistics/chart.svg", "GET", "supervision", "statistics_chart",
              "统计图（SVG，服务端绘制）：ranking 部门按时办结率排名，trend 按月接件、办结、逾期趋势", args=("filters",),
              query=STATISTICS_PERIOD + (Param("kind", description="ranking 排名 / trend 趋势",
                                               enum=supervision.CHART_KINDS),),
              media=("image/svg+xml",), tag="statistics", errors=(400, 401, 403, 422)),
    # consult
    Operation("/consultations", "POST", "consult", "open_consultation", "发起部门征求意见",
              args=("body",), body=consult.OpenConsultation, response=consult.ConsultationOut, status=201,
              idempotent=True, tag="consult"),
    Operation("/consultations/{consultation_id}/replies", "POST", "consult", "reply_to_consultation",
              "答复征求意见", args=("path:consultation_id", "body"), body=consult.ReplyToConsultation,
              response=consult.ConsultationOut, status=201, tag="consult"),
    Operation("/consultations/{consultation_id}", "GET", "consult", "get_consultation", "查看征求意见及答复",
              args=("path:consultation_id",), response=consult.ConsultationOut, tag="consult"),
    Operation("/consultations", "GET", "consult", "list_consultations",
              "部门征询收件箱：发给本部门（本行政区划内）或本部门发起的征询，含答复期限、亮灯和状态（待答复的在前）",
              args=("filters",),
              query=(Param("department", min_length=1, max_length=40),
                     Param("role", description="addressed 发给本部门 / initiated 本部门发起",
                           enum=("addressed", "initiated")),
                     Param("state", description="open 待答复 / answered 待会签 / closed 已办结", enum=consult.STATES),
                     Param("light", description="答复时限今日亮灯 green/yellow/red", enum=supervision.LIGHTS))
              + PAGE, response=consult.ConsultationOut, paged=True, tag="consult"),
    Operation("/consultations/{consultation_id}/countersign", "POST", "consult", "countersign_consultation",
              "办结会签：发起部门汇总全部答复（含逾期视为无意见）后办结征询", args=("path:consultation_id", "body"),
              body=consult.Countersign, response=consult.ConsultationOut, tag="consult"),
    Operation("/joint-reviews", "POST", "consult", "convene_joint_review",
              "召集会审（方案联审、联合审图、联合测绘、联合验收）：仅本阶段牵头部门，反馈期限须在阶段承诺时限内",
              args=("body",), body=consult.ConveneJointReview, response=consult.JointReviewOut, status=201,
              idempotent=True, tag="consult"),
    Operation("/joint-reviews/{joint_review_id}/answers", "POST", "consult", "answer_joint_review",
              "受邀部门反馈会审意见（同意、有条件同意、不同意、无意见；意见不可更改）",
              args=("path:joint_review_id", "body"), body=consult.AnswerJointReview,
              response=consult.JointReviewOut, status=201, tag="consult"),
    Operation("/joint-reviews/{joint_review_id}/minutes", "POST", "consult", "record_joint_review_minutes",
              "牵头部门形成会审纪要和结论并办结会审（受邀部门均已反馈或反馈期限已过）",
              args=("path:joint_review_id", "body"), body=consult.JointReviewMinutes,
              response=consult.JointReviewOut, tag="consult"),
    Operation("/joint-reviews/{joint_review_id}", "GET", "consult", "get_joint_review", "查看会审及各部门意见",
              args=("path:joint_review_id",), response=consult.JointReviewOut, tag="consult"),
    Operation("/joint-reviews", "GET", "consult", "list_joint_reviews",
              "部门会审收件箱：本部门受邀（本行政区划内）或本部门召集的会审，含反馈期限、亮灯和状态（待反馈的在前）",
              args=("filters",),
              query=(Param("department", min_length=1, max_length=40),
                     Param("role", description="invited 本部门受邀 / convened 本部门召集", enum=("invited", "convened")),
                     Param("state", description="open 待反馈 / answered 待形成纪要 / closed 已办结",
                           enum=consult.JOINT_REVIEW_STATES))
              + PAGE, response=consult.JointReviewOut, paged=True, tag="consult"),
)


# The gateway's own routes (accounts, tokens, platform); documented from here, served by
# dedicated resources in gateway.resources.
GATEWAY_OPERATIONS = (
    Operation("/auth/login", "POST", "gateway", "login",
              "登录，取得访问令牌与刷新令牌（平台运营与部门管理员须同时提交动态验证码 totp；未绑定时答复 403 "
              "second-factor-enrolment-required 及绑定令牌 enrolment_token）", body=s.LoginIn,
              response=s.TokensOut, public=True, tag="auth", errors=(400, 401, 403, 422)),
    Operation("/auth/totp/enrolment", "POST", "gateway", "start_totp_enrolment",
              "以绑定令牌取得双因素认证密钥、otpauth 地址与十个恢复码（仅此一次显示）", body=s.TotpEnrolmentIn,
              response=s.TotpEnrolmentOut, status=201, public=True, tag="auth", errors=(400, 401, 422)),
    Operation("/auth/totp/confirmation", "POST", "gateway", "confirm_totp_enrolment",
              "以新密钥的首个动态验证码确认绑定，并取得令牌", body=s.TotpConfirmationIn, response=s.TokensOut,
              public=True, tag="auth", errors=(400, 401, 409, 422)),
    Operation("/auth/refresh", "POST", "gateway", "refresh", "以刷新令牌换取新令牌（刷新令牌仅可使用一次）",
              body=s.RefreshIn, response=s.TokensOut, public=True, tag="auth", errors=(400, 401, 422)),
    Operation("/auth/logout", "POST", "gateway", "logout", "退出登录，作废该次登录的刷新令牌", body=s.RefreshIn,
              status=204, public=True, tag="auth", errors=(400, 401, 422)),
    Operation("/auth/password", "POST", "gateway", "change_password", "修改本人密码（密码过期时亦可；原密码错误与登录失败合并计数、锁定）",
              body=s.ChangePasswordIn, status=204, public=True, tag="auth", errors=(400, 401, 422)),
    Operation("/accounts", "GET", "gateway", "list_accounts", "账号列表（平台运营；部门管理员见本部门审批人员）", query=PAGE,
              response=s.AccountOut, paged=True, tag="accounts", errors=(401, 403, 422)),
    Operation("/accounts", "POST", "gateway", "create_account", "新建账号（平台运营；部门管理员仅可新建本部门、本区划的审批人员账号）", body=s.AccountIn,
              response=s.AccountOut, status=201, tag="accounts", errors=(400, 401, 403, 409, 422)),
    Operation("/accounts/{account}", "GET", "gateway", "get_account", "查看账号（本人、平台运营或本部门管理员）",
              response=s.AccountOut, tag="accounts", errors=(401, 403, 404)),
    Operation("/accounts/{account}/log", "GET", "gateway", "account_log",
              "账号记录：登录、失败、锁定、改密、重置、停用、双因素认证、身份信息变更（本人、平台运营或本部门管理员）", query=PAGE, response=s.AccountEventOut,
              paged=True, tag="accounts", errors=(401, 403, 404, 422)),
    Operation("/accounts/{account}/unlock", "POST", "gateway", "unlock_account", "解除账号锁定（平台运营或本部门管理员）",
              body=s.ReasonIn, response=s.AccountOut, tag="accounts", errors=(400, 401, 403, 404, 422)),
    Operation("/accounts/{account}/password-reset", "POST", "gateway", "reset_password",
              "重置密码（平台运营或本部门管理员；持有人下次登录前须修改）", body=s.PasswordResetIn, response=s.AccountOut,
              tag="accounts", errors=(400, 401, 403, 404, 422)),
    Operation("/accounts/{account}/deactivation", "POST", "gateway", "deactivate_account",
              "停用账号并作废其刷新令牌（平台运营或本部门管理员；不得停用本人账号或最后一个启用的平台运营账号）",
              body=s.ReasonIn, response=s.AccountOut, tag="accounts", errors=(400, 401, 403, 404, 409, 422)),
    Operation("/accounts/{account}/activation", "POST", "gateway", "activate_account", "启用账号（平台运营或本部门管理员）",
              body=s.ReasonIn, response=s.AccountOut, tag="accounts", errors=(400, 401, 403, 404, 422)),
    Operation("/accounts/{account}/changes", "POST", "gateway", "change_account_details",
              "变更持有人身份信息（姓名、部门、区划、角色、环节；须说明理由，变更前后均留存）", body=s.AccountChangeIn,
              response=s.AccountOut, status=201, tag="accounts", errors=(400, 401, 403, 404, 409, 422)),
    Operation("/accounts/{account}/changes", "GET", "gateway", "list_account_changes",
              "账号身份信息的变更记录（本人、平台运营或本部门管理员）", query=PAGE, response=s.AccountChangeOut,
              paged=True, tag="accounts", errors=(401, 403, 404, 422)),
    Operation("/accounts/{account}/totp-reset", "POST", "gateway", "reset_second_factor",
              "重置他人账号的双因素认证（平台运营；持有人下次登录时重新绑定）", body=s.ReasonIn,
              response=s.AccountOut, tag="accounts", errors=(400, 401, 403, 404, 422)),
    Operation("/auth/certificate/challenge", "POST", "gateway", "certificate_challenge",
              "取得证书登录的一次性挑战码（两分钟内有效；请求体为空对象或省略）", body=s.CertificateChallengeIn,
              response=s.CertificateChallengeOut, status=201, public=True, tag="auth", errors=(400, 422)),
    Operation("/auth/certificate/login", "POST", "gateway", "certificate_login",
              "以数字证书（CA 锁）登录：提交证书与对挑战码的签名，取得与密码登录相同的令牌（amr 为 cert）",
              body=s.CertificateLoginIn, response=s.TokensOut, public=True, tag="auth", errors=(400, 401, 422)),
    Operation("/accounts/{account}/certificates", "POST", "gateway", "bind_certificate",
              "为账号绑定数字证书（平台运营或本部门管理员；记入账号日志，同一证书只能绑定一次）",
              body=s.CertificateBindingIn, response=s.CertificateOut, status=201, tag="accounts",
              errors=(400, 401, 403, 404, 409, 422)),
    Operation("/accounts/{account}/certificates", "GET", "gateway", "list_certificates",
              "账号绑定的数字证书（本人、平台运营或本部门管理员）", response=s.CertificateListOut, tag="accounts",
              errors=(401, 403, 404)),
    Operation("/accounts/{account}/certificates/{serial}/revocation", "POST", "gateway", "revoke_certificate",
              "挂失吊销账号的数字证书（平台运营或本部门管理员）：证书立即不能登录，以其登录的会话全部结束",
              body=s.ReasonIn, response=s.CertificateOut, tag="accounts", errors=(400, 401, 403, 404, 409, 422)),
    Operation("/health", "GET", "gateway", "health", "各服务是否就绪（全部就绪时 200，否则 503）",
              response=s.HealthOut, public=True, tag="platform", errors=(503,)),
    Operation("/openapi.json", "GET", "gateway", "openapi", "本 OpenAPI 文档", public=True, tag="platform",
              errors=()),
)
