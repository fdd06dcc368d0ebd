"""Falcon resources: HTTP in, one service call (or one account use case) out. No domain rules."""
import base64
import logging
import threading
import time
from functools import partial

import falcon

from gateway.bodies import MAX_JSON_BYTES
from gateway.idempotency import Claim, Pending, call_key, check_key, request_hash
from gateway.problems import TYPE_BASE, problem, render
from gateway.operation import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from gateway.rpc import OutcomeUnknown
from gateway.uploads import SpooledMaterial
from platform_kit.errors import ValidationFailed
from platform_kit.validation import load

log = logging.getLogger(__name__)



# ---------------------------------------------------------------------------------- helpers
def json_body(req, schema):
    """The JSON body loaded with `schema` (a per-field 422 when it does not satisfy it)."""
    return _checked(req, schema)[1]


def checked_body(req, schema):
    """The JSON body as the client sent it, once it satisfies `schema`: what a service is given, so
    that the service loads the same JSON (dates as text, its own defaults) with its own schema."""
    return _checked(req, schema)[0]


def _checked(req, schema):
    if (req.content_length or 0) > MAX_JSON_BYTES:
        raise falcon.HTTPContentTooLarge(description=f"请求体不得超过 {MAX_JSON_BYTES // (1024 * 1024)} MB")
    raw = req.get_media(default_when_empty=None)  # size, nesting, text and numbers checked by gateway.bodies
    return raw, load(schema(), raw)  # marshmallow's messages said in Chinese by load


def integer_param(req, name, default=None, minimum=None, maximum=None):
    raw = req.get_param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed("查询参数不符合要求", [{"field": name, "message": "须为整数"}]) from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValidationFailed("查询参数不符合要求",
                               [{"field": name, "message": f"须在 {minimum} 到 {maximum} 之间"}])
    return value


def page_params(req):
    return (integer_param(req, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            integer_param(req, "offset", 0, 0, MAX_OFFSET))


def no_store(resp):
    resp.set_header("Cache-Control", "no-store")


# ---------------------------------------------------------------------------------- forwarding
class Forward:
    """Every operation of one path: build the RPC arguments, call, answer."""

    def __init__(self, operations, rpc, settings, idempotency=None, uploads=None, read_ports=None):
        self.operations = {op.method: op for op in operations}
        self.public_methods = {op.method for op in operations if op.public}
        self.rpc = rpc
        self.settings = settings
        self.idempotency = idempotency
        self.uploads = uploads  # intake's HTTP port for material files, when configured
        self.read_ports = read_ports or {}  # services' HTTP read ports, when configured (gateway.read_ports)

    def respond(self, req, resp, **params):
        op = self.operations[req.method]
        if op.http_download and self.uploads is not None:
            return self._stream_download(resp, params, req.context.token)
        if op.http_read and op.service in self.read_ports:
            resp.data = self.read_ports[op.service].get(op.path, params, self._filters(op, req), req.context.token)
            resp.content_type = falcon.MEDIA_JSON
            resp.status = op.status
            return
        if op.multipart:
            material = SpooledMaterial.read(req, self.settings.material_max_bytes)
            try:
                self._respond(op, req, resp, params, material, material.fingerprint())
            finally:
                material.close()
            return
        body = checked_body(req, op.body) if op.body else None
        if body is not None:
            body = dict(body, **{name: params[field] for name, field in op.into_body})
        self._respond(op, req, resp, params, body, body)

    def _respond(self, op, req, resp, params, body, fingerprint):
        token = None if op.public else req.context.token
        key = req.get_header("Idempotency-Key") if op.idempotent and self.idempotency else None
        if key is None:
            status, result = self._call(op, req, params, body, token)
        else:
            status, result = self._once(op, req, resp, params, body, token, check_key(key), fingerprint)
        resp.status = status
        if op.binary:
            send_file(resp, result)
        elif op.json:
            resp.media = result
        else:
            resp.content_type = op.media[0]
            resp.text = result

    def _once(self, op, req, resp, params, body, token, key, fingerprint):
        """The call made at most once per key (gateway.idempotency): the stored answer when there is one."""
        lease = self.settings.rpc_timeout + self.settings.idempotency_grace
        digest = request_hash(req.method, req.path, fingerprint)
        outcome = self.idempotency.wait(req.context.identity.sub, key, req.method, req.path, digest, lease,
                                        self.settings.idempotency_wait)
        if isinstance(outcome, Pending):
            raise OutcomeUnknown(f"使用该 Idempotency-Key 的请求仍在处理（至迟 {outcome.lease_until:%H:%M:%S} UTC 前有结论）",
                                 retry_after=outcome.lease_until)
        if not isinstance(outcome, Claim):
            resp.set_header("Idempotent-Replayed", "true")
            return outcome
        claim = outcome
        try:
            status, result = self._call(op, req, params, body, token, late=partial(self._late, op, claim),
                                        late_for=lease, call_key=call_key(claim, digest))
        except OutcomeUnknown:
            raise  # the service may have acted: the claim stays, a late answer is stored (_late)
        except BaseException:
            self.idempotency.release(claim)  # reached no service, or the service refused: nothing done
            raise
        stored = self.idempotency.complete_eventually(claim, status, result)
        if stored is None:
            # the database went away after the service acted: the answer is stored once it is back,
            # and a retry with the key waits for it meanwhile
            raise OutcomeUnknown("答复暂未能保存，请稍后以同一 Idempotency-Key 重试", retry_after=claim.lease_until)
        if not stored:
            log.warning("the answer to %s %s came after its claim was taken over", req.method, req.path)
        return status, result

    def _late(self, op, claim, outcome):
        """The answer to a call that timed out, arrived within its lease: stored for the retry."""
        if isinstance(outcome, BaseException):
            self.idempotency.release(claim)
        else:
            self.idempotency.complete_eventually(claim, self._status(op, outcome), outcome)

    @staticmethod
    def _status(op, result):
        if op.created_outcome and isinstance(result, dict) and result.get("outcome") == "created":
            return 201
        return op.status

    def _stream_download(self, resp, params, token):
        upstream = self.uploads.download(params["material_id"], params["version"], token)
        resp.content_type = upstream.headers.get("Content-Type", "application/octet-stream")
        for name in ("Content-Length", "ETag", "Content-Disposition"):
            if upstream.headers.get(name):
                resp.set_header(name, upstream.headers[name])
        resp.stream = upstream.raw  # read and closed block by block by the WSGI server

    @staticmethod
    def _filters(op, req):
        filters = {q.name: req.get_param(q.name) for q in op.query
                   if q.name not in ("limit", "offset") and req.get_param(q.name)}
        if op.paged:  # the service pages where the data is and answers {items, total, limit, offset}
            filters["limit"], filters["offset"] = page_params(req)
        return filters

    def _call(self, op, req, params, body, token, call_key=None, **late):
        if op.multipart:
            if self.uploads is not None:
                return op.status, self.uploads.upload(params["code"], body, token, call_key)
            body = body.rpc_data()
        args = []
        for source in op.args:
            kind, _, name = source.partition(":")
            if kind == "path":
                args.append(params[name])
            elif kind == "body":
                args.append(body)
            elif kind == "query":
                spec = next(q for q in op.query if q.name == name)
                args.append(integer_param(req, name) if spec.type == "integer" else req.get_param(name))
            elif kind == "client":    # the client's address (gateway.audit.middleware.client_address)
                args.append(req.context.get("client") or req.remote_addr)
            elif kind == "filters":
                args.append(self._filters(op, req))
        result = self.rpc.call(op.service, op.rpc, args, token=token, request_id=req.context.request_id,
                               call_key=call_key, **late)
        return self._status(op, result), result


EXTENSIONS = {"application/pdf": ".pdf", "application/ofd": ".ofd", "image/jpeg": ".jpg", "image/png": ".png"}


def send_file(resp, result):
    """A service answer ``{content_type, content_base64, ...}`` sent as the file itself."""
    content = base64.b64decode(result["content_base64"])
    resp.content_type = result.get("content_type") or "application/octet-stream"
    resp.data = content
    if result.get("sha256"):
        resp.etag = result["sha256"]
    name = result.get("name") or result.get("title") or result.get("document_no")
    if name:
        resp.downloadable_as = name + EXTENSIONS.get(resp.content_type, "")


def forward_resource(operations, rpc, settings, idempotency=None, uploads=None, read_ports=None):
    """A Forward answering only the methods it has operations for (Falcon answers 405 to others)."""
    responders = {f"on_{op.method.lower()}": Forward.respond for op in operations}
    cls = type(f"Forward_{operations[0].rpc}", (Forward,), responders)
    return cls(operations, rpc, settings, idempotency, uploads, read_ports)


# ---------------------------------------------------------------------------------- platform
class Health:
    """Every service's RPC ``health``, and the services' HTTP ports the gateway uses (``<service>-http``),
    all asked at once: the answer never waits longer than ``GATEWAY_HEALTH_TIMEOUT``."""
    public_methods = {"GET"}

    def __init__(self, rpc, settings, ports=None):
        self.rpc = rpc
        self.settings = settings
        self.ports = ports or {}   # {name: an object with ping(timeout) -> True or the reason}

    def on_get(self, req, resp):
        pinged = {}
        threads = [threading.Thread(target=lambda name=name, port=port: pinged.__setitem__(
            name, port.ping(self.settings.health_timeout)), daemon=True) for name, port in self.ports.items()]
        for thread in threads:
            thread.start()
        services = self._services()
        deadline = time.monotonic() + self.settings.health_timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for name in self.ports:
            answer = pinged.get(name, "no answer in time")
            services[name] = "ok" if answer is True else answer
        no_store(resp)
        if all(state == "ok" for state in services.values()):
            resp.media = {"status": "ok", "services": services}
        else:
            failed = sorted(name for name, state in services.items() if state != "ok")
            render(resp, problem(503, detail=f"以下服务未就绪: {', '.join(failed)}",
                                 type_=TYPE_BASE + "service-unavailable", services=services))

    def _services(self):
        calls = {service: (service, "health", ()) for service in self.settings.services}
        if hasattr(self.rpc, "call_all"):
            outcomes = self.rpc.call_all(calls, timeout=self.settings.health_timeout)
        else:
            outcomes = {}
            for key, (service, method, args) in calls.items():
                try:
                    outcomes[key] = self.rpc.call(service, method, args, timeout=self.settings.health_timeout)
                except Exception as exc:  # any failure means "not ready"; say which and why
                    outcomes[key] = exc
        services = {}
        for service, outcome in outcomes.items():
            if isinstance(outcome, Exception):
                services[service] = f"{type(outcome).__name__}: {outcome}"
            elif isinstance(outcome, dict) and outcome.get("status") == "ok":
                services[service] = "ok"
            else:
                services[service] = f"unexpected answer: {outcome!r}"
        return services


class OpenApi:
    public_methods = {"GET"}

    def __init__(self, document):
        self.document = document

    def on_get(self, req, resp):
        resp.media = self.document
