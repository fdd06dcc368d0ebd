"""What a route of the gateway is: an :class:`Operation` (path and method → ``service.method``, how the
RPC arguments are built, which schema the body must satisfy, what is documented as the answer) and
the :class:`Param` of its query and path, with the parameters every list shares.
"""
from dataclasses import dataclass, field

from platform_kit.contracts import STAGES
from platform_kit.wire import intake

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
    args: tuple = ()             # "path:<field>", "body", "filters", "query:<name>", "client" (its address)
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
    http_read: bool = False      # read from the service's HTTP read port (same path) when it is configured
    query: tuple = ()
    path_params: tuple = ()      # constraints on path fields the service enforces
    paged: bool = False          # limit/offset travel in the filters; the service answers one page
    public: bool = False         # no token needed (and none is forwarded)
    idempotent: bool = None      # honours Idempotency-Key; default: every POST a service answers for a caller
    multipart: bool = False
    tag: str = ""
    errors: tuple = (400, 401, 403, 404, 409, 422)
    operation_id: str = field(default="")

    def __post_init__(self):
        if self.idempotent is None:  # every write a service makes on a caller's behalf, case actions included
            object.__setattr__(self, "idempotent", self.method == "POST" and not self.public
                               and self.service != "gateway")

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
