"""Routes of the exchange with the province (001 §10–§11), part of :data:`gateway.routes.OPERATIONS`:
what the province needs of a project (red-line boundary, intermediary services, the window's
corrections; intake), the exchange's status, rejections and operator tasks (supervision's exchange)."""
from gateway.operation import CODE, PAGE, Operation, Param
from platform_kit.wire import exchange, intake

RECORD = Param("record_id", description="中介服务记录编号", min_length=1, max_length=36)

EXCHANGE = (
    # intake: what the province needs of a project
    Operation("/projects/{code}/boundary", "PUT", "intake", "record_boundary",
              "登记项目用地红线（GeoJSON 面，经纬度；申请人或综合窗口；每次登记为新的一版，校验闭合、自相交与面积）",
              args=("path:code", "body"), body=intake.BoundaryIn, path_params=(CODE,), response=intake.BoundaryOut,
              tag="province"),
    Operation("/projects/{code}/boundary", "GET", "intake", "get_boundary", "查看项目现行的用地红线",
              args=("path:code",), path_params=(CODE,), response=intake.BoundaryOut, tag="province",
              errors=(401, 403, 404)),
    Operation("/projects/{code}/intermediary-services", "POST", "intake", "record_intermediary",
              "登记项目的中介服务（中介机构、统一社会信用代码、服务事项与起止日期；申请人或综合窗口）",
              args=("path:code", "body"), body=intake.IntermediaryIn, path_params=(CODE,),
              response=intake.IntermediaryOut, status=201, idempotent=True, tag="province"),
    Operation("/projects/{code}/intermediary-services", "GET", "intake", "list_intermediaries",
              "项目的中介服务记录（含已撤回的）", args=("path:code", "filters"), query=PAGE, path_params=(CODE,),
              paged=True, response=intake.IntermediariesOut, tag="province", errors=(400, 401, 403, 404, 422)),
    Operation("/projects/{code}/intermediary-services/{record_id}/withdrawal", "POST", "intake",
              "withdraw_intermediary", "撤回误登记的中介服务记录（须说明理由；向省级平台报送无效标记）",
              args=("path:code", "path:record_id", "body"), body=intake.IntermediaryWithdrawal,
              path_params=(CODE, RECORD), response=intake.IntermediaryOut, tag="province"),
    Operation("/projects/{code}/corrections", "POST", "intake", "correct_project",
              "综合窗口更正项目信息（如省级平台退回后；须说明理由，记为项目的新修订版本并重新上报）",
              args=("path:code", "body"), body=intake.ProjectCorrection, path_params=(CODE,),
              response=intake.ProjectOut, tag="province"),
    # supervision's exchange with the provincial front database
    Operation("/exchange/status", "GET", "exchange", "status",
              "省级前置库交换状况：各表待上传行数、最早未上传数据的等待时间、按原因统计的退回、最近一次上传与回读",
              response=exchange.ExchangeStatusOut, tag="province", errors=(401, 403)),
    Operation("/exchange/rejections", "GET", "exchange", "list_rejections",
              "省级平台退回的数据（SJSCZT=2）及平台的处理：自动重发、等待上级数据或转人工",
              args=("filters",), query=(Param("table", description="前置库表名", min_length=1, max_length=40),
                                        Param("outcome", description="resent / waiting / task",
                                              enum=exchange.OUTCOMES)) + PAGE,
              response=exchange.RejectionsOut, paged=True, tag="province", errors=(400, 401, 403, 422)),
    Operation("/exchange/tasks", "GET", "exchange", "list_tasks",
              "需人工更正的退回数据（运营任务），注明责任部门与问责清单记录",
              args=("filters",), query=(Param("state", description="open / resolved", enum=exchange.TASK_STATES),)
              + PAGE, response=exchange.TasksOut, paged=True, tag="province", errors=(400, 401, 403, 422)),
    Operation("/exchange/tasks/{task_id}/resolution", "POST", "exchange", "resolve_task",
              "平台运营记录任务的处理情况并关闭任务（更正后的数据被接收时自动关闭）",
              args=("path:task_id", "body"), body=exchange.TaskResolutionIn, response=exchange.TaskOut,
              tag="province", errors=(400, 401, 403, 404, 409, 422)),
)

# the gateway's own routes for the provincial account (gateway.accounts.province), documented here
PROVINCE_LINKS = (
    Operation("/province/attachments/{material_id}/versions/{version:int}/link", "GET", "gateway",
              "attachment_link", "省级平台账号取得某一附件版本的签名下载链接（默认 300 秒后失效，记入审计日志）",
              path_params=(Param("material_id", min_length=1, max_length=36),
                           Param("version", "integer", "材料版本号", minimum=1)),
              response=exchange.AttachmentLinkOut, tag="province", errors=(401, 403)),
    Operation("/province/files/{token}", "GET", "gateway", "signed_file",
              "凭签名链接下载附件（无需登录；链接过期或无效答复 403；记入审计日志）",
              media=intake.MATERIAL_CONTENT_TYPES, binary=True, public=True, tag="province",
              errors=(403, 404)),
)
