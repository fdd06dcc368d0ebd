"""Every error leaves the gateway as ``application/problem+json`` (RFC 9457).

Expected errors (``platform_kit.errors``, raised here or by a service) keep their status and
field list; transport failures map to 502/503/504; anything else is a 500 whose detail never
carries the trace (it goes to the log with a reference the caller can quote).
"""
import json
import logging
import math
import re
import uuid
from datetime import datetime, timezone

import falcon
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gateway.rpc import OutcomeUnknown, RemoteFailure, RpcTimeout, ServiceUnavailable
from platform_kit.errors import PlatformError

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://approval-platform.example/problems/"

HTTP_TITLES = {
    400: "请求格式错误", 401: "未认证", 403: "无权操作", 404: "未找到", 405: "不支持的请求方法",
    406: "无法提供所需格式", 408: "请求超时", 409: "状态冲突", 411: "缺少内容长度", 413: "请求内容过大",
    415: "不支持的内容类型", 422: "输入校验失败", 429: "请求过于频繁", 500: "服务器内部错误",
    502: "上游服务错误", 503: "服务暂不可用", 504: "上游服务超时",
}


def slug(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem(status, title=None, detail="", type_=None, errors=None, **extra):
    body = {"type": type_ or "about:blank", "title": title or HTTP_TITLES.get(status, "错误"),
            "status": status, "detail": detail or ""}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def render(resp, body, headers=None):
    resp.status = body["status"]
    resp.content_type = PROBLEM
    resp.text = json.dumps(body, ensure_ascii=False)
    for name, value in (headers or {}).items():
        resp.set_header(name, value)


def serialize_http_error(req, resp, exc):
    """Falcon's own errors (unknown route, 405, malformed JSON, 415, ...)."""
    status = exc.status_code
    title = HTTP_TITLES.get(status) or exc.title
    detail = exc.description or ""
    if isinstance(exc, falcon.MediaMalformedError):
        detail = "请求体不是合法的 JSON"
    elif status == 404 and not detail:
        detail = f"没有这个地址: {req.path}"
    elif status == 405 and not detail:
        detail = f"{req.path} 不支持 {req.method}"
    render(resp, problem(status, title, detail))


def _reference(req):
    """What the caller can quote to find the logged trace: the request id."""
    return req.context.get("request_id") or uuid.uuid4().hex


def on_platform_error(req, resp, exc, params):
    headers = {"WWW-Authenticate": 'Bearer realm="approval-platform"'} if exc.status == 401 else None
    render(resp, problem(exc.status, exc.title, exc.detail, TYPE_BASE + slug(type(exc).__name__),
                         exc.errors), headers)


OUTCOME_UNKNOWN = TYPE_BASE + "outcome-unknown"
OUTCOME_UNKNOWN_TITLE = "结果未知"
OUTCOME_UNKNOWN_DETAIL = "结果未知，请使用同一 Idempotency-Key 重试"
READS = ("GET", "HEAD", "OPTIONS")


def on_outcome_unknown(req, resp, exc, params):
    """A timeout, or the broker lost after the request was sent: for a read a plain 504/503; for a write
    the request may have taken effect, so the answer says so and how to learn the outcome."""
    log.warning("%s %s: %s", req.method, req.path, exc)
    status = 504 if isinstance(exc, RpcTimeout) else 503
    retry_after = 5
    if exc.retry_after is not None:
        retry_after = max(1, math.ceil((exc.retry_after - datetime.now(timezone.utc)).total_seconds()))
    if req.method in READS:
        type_ = TYPE_BASE + ("service-timeout" if status == 504 else "service-unavailable")
        render(resp, problem(status, detail=str(exc), type_=type_), {"Retry-After": str(retry_after)})
        return
    render(resp, problem(status, OUTCOME_UNKNOWN_TITLE, f"{OUTCOME_UNKNOWN_DETAIL}（{exc}）", OUTCOME_UNKNOWN),
           {"Retry-After": str(retry_after)})


def on_unavailable(req, resp, exc, params):
    log.warning("%s %s: %s", req.method, req.path, exc)
    render(resp, problem(503, detail=str(exc), type_=TYPE_BASE + "service-unavailable"),
           {"Retry-After": "5"})


def on_database_error(req, resp, exc, params):
    """The gateway's database restarting or out of connections: 503, try again soon. Other database
    errors (a bug) stay a 500."""
    if isinstance(exc, DBAPIError) and not (exc.connection_invalidated
                                            or isinstance(exc, (OperationalError, InterfaceError))):
        return on_unexpected(req, resp, exc, params)
    log.warning("%s %s: database unavailable: %s", req.method, req.path, exc.__class__.__name__)
    render(resp, problem(503, detail="平台数据库暂不可用，请稍后重试", type_=TYPE_BASE + "database-unavailable"),
           {"Retry-After": "5"})


def on_remote_failure(req, resp, exc, params):
    reference = _reference(req)
    log.error("%s %s: remote failure [%s] %s: %s", req.method, req.path, reference, exc.exc_type, exc.value)
    render(resp, problem(502, detail=f"后端服务处理失败，请稍后重试（参考编号 {reference}）",
                         type_=TYPE_BASE + "remote-failure", reference=reference))


def on_unexpected(req, resp, exc, params):
    if isinstance(exc, (falcon.HTTPError, falcon.HTTPStatus)):
        raise exc  # Falcon's own handlers render these
    reference = _reference(req)
    log.exception("%s %s: unexpected error [%s]", req.method, req.path, reference)
    render(resp, problem(500, detail=f"服务器内部错误（参考编号 {reference}）", reference=reference))


def install(app):
    app.set_error_serializer(serialize_http_error)
    app.add_error_handler(Exception, on_unexpected)
    app.add_error_handler(PlatformError, on_platform_error)
    app.add_error_handler(OutcomeUnknown, on_outcome_unknown)
    app.add_error_handler(ServiceUnavailable, on_unavailable)
    app.add_error_handler((DBAPIError, DisconnectionError, PoolTimeout), on_database_error)
    app.add_error_handler(RemoteFailure, on_remote_failure)
