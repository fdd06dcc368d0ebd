"""Errors that cross the RPC boundary.

Each is registered with nameko so that a caller receives the same exception type, with its
arguments, instead of a generic RemoteError. The gateway maps them to HTTP problems once.
"""
from nameko.exceptions import deserialize_to_instance


class PlatformError(Exception):
    """Base of every expected (user-caused) error. `status` is the HTTP status it maps to."""

    status = 400
    title = "请求错误"

    def __init__(self, detail="", errors=None):
        super().__init__(detail, errors or [])
        self.detail = detail
        self.errors = errors or []

    def __str__(self):
        return self.detail


@deserialize_to_instance
class ValidationFailed(PlatformError):
    """Input failed its schema. `errors` is a list of {"field": ..., "message": ...}."""

    status = 422
    title = "输入校验失败"


@deserialize_to_instance
class Unauthenticated(PlatformError):
    status = 401
    title = "未认证"


@deserialize_to_instance
class Forbidden(PlatformError):
    status = 403
    title = "无权操作"


@deserialize_to_instance
class NotFound(PlatformError):
    status = 404
    title = "未找到"


@deserialize_to_instance
class Conflict(PlatformError):
    """The request is well-formed but the current state does not allow it."""

    status = 409
    title = "状态冲突"


@deserialize_to_instance
class CallAnswerLost(Conflict):
    """A retried write was acted on before, but its answer could not be kept (platform_kit.calls)."""

    title = "请求已办理"


@deserialize_to_instance
class SealUnusable(PlatformError):
    """The seal certificate that would seal a document is revoked or outside its validity (platform_kit.seal):
    nothing is sealed with it until the seal is replaced."""

    status = 503
    title = "印章证书不可用"


@deserialize_to_instance
class CalendarNotLoaded(PlatformError):
    """A working-day computation needs a year whose official schedule is not loaded."""

    status = 409
    title = "工作日历未载入"


@deserialize_to_instance
class TooManyRequests(PlatformError):
    """A client sent more of a rate-limited request than allowed in the window (e.g. anonymous complaints)."""

    status = 429
    title = "请求过于频繁"


EXPECTED_ERRORS = (ValidationFailed, Unauthenticated, Forbidden, NotFound, Conflict, CalendarNotLoaded,
                   TooManyRequests)
