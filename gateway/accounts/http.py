"""Falcon resources of the gateway's own account routes: tokens, passwords, the second factor, and
the administration of accounts by operators and department administrators. No account rules here:
they live in :mod:`gateway.accounts.book` and :mod:`gateway.accounts.policy`."""
import falcon

from gateway import schemas
from gateway.accounts.book import SecondFactorEnrolmentRequired
from gateway.problems import TYPE_BASE, problem, render
from gateway.resources import json_body, no_store, page_params
from platform_kit.errors import ValidationFailed
from platform_kit.identity import DEPT_ADMIN, OFFICER, OPERATOR


class Login:
    public_methods = {"POST"}

    def __init__(self, book):
        self.book = book

    def on_post(self, req, resp):
        data = json_body(req, schemas.LoginIn)
        no_store(resp)
        try:
            resp.media = self.book.login(data["account"], data["password"], data["totp"]).to_dict()
        except SecondFactorEnrolmentRequired as exc:
            # the password was right: the token that lets its holder bind a second factor
            render(resp, problem(exc.status, exc.title, exc.detail, TYPE_BASE + "second-factor-enrolment-required",
                                 enrolment_token=exc.enrolment_token, expires_at=exc.expires_at.isoformat()))


class TotpEnrolment:
    """Public, but only an enrolment token (issued by a login) opens it."""

    public_methods = {"POST"}

    def __init__(self, book):
        self.book = book

    def on_post(self, req, resp):
        data = json_body(req, schemas.TotpEnrolmentIn)
        resp.media = self.book.start_enrolment(data["enrolment_token"])
        resp.status = falcon.HTTP_201
        no_store(resp)


class TotpConfirmation:
    public_methods = {"POST"}

    def __init__(self, book):
        self.book = book

    def on_post(self, req, resp):
        data = json_body(req, schemas.TotpConfirmationIn)
        resp.media = self.book.confirm_enrolment(data["enrolment_token"], data["totp"]).to_dict()
        no_store(resp)


class CertificateChallenge:
    public_methods = {"POST"}

    def __init__(self, book):
        self.book = book

    def on_post(self, req, resp):
        if req.content_length:
            json_body(req, schemas.CertificateChallengeIn)
        resp.media = self.book.certificate_challenge()
        resp.status = falcon.HTTP_201
        no_store(resp)


class CertificateLogin:
    public_methods = {"POST"}

    def __init__(self, book):
        self.book = book

    def on_post(self, req, resp):
        data = json_body(req, schemas.CertificateLoginIn)
        no_store(resp)
        resp.media = self.book.certificate_login(data["certificate"], data["nonce"], data["signature"]).to_dict()


class Refresh:
    public_methods = {"POST"}

    def __init__(self, book):
        self.book = book

    def on_post(self, req, resp):
        data = json_body(req, schemas.RefreshIn)
        resp.media = self.book.refresh(data["refresh_token"]).to_dict()
        no_store(resp)


class Logout:
    public_methods = {"POST"}

    def __init__(self, book):
        self.book = book

    def on_post(self, req, resp):
        self.book.logout(json_body(req, schemas.RefreshIn)["refresh_token"])
        resp.status = falcon.HTTP_204


class Password:
    """The holder changes their own password; public, so that an expired password can be changed."""

    public_methods = {"POST"}

    def __init__(self, book):
        self.book = book

    def on_post(self, req, resp):
        data = json_body(req, schemas.ChangePasswordIn)
        self.book.change_password(data["account"], data["current_password"], data["new_password"])
        resp.status = falcon.HTTP_204


def administrator(req):
    """The caller, when an operator or a department administrator (who manage accounts)."""
    return req.context.identity.require(OPERATOR, DEPT_ADMIN)


class Accounts:
    def __init__(self, book):
        self.book = book

    def on_get(self, req, resp):
        admin = administrator(req)
        limit, offset = page_params(req)
        if admin.role == OPERATOR:
            items, total = self.book.list(limit, offset)
        else:  # a department administrator sees the officers of their own department and region
            items, total = self.book.list(limit, offset, role=OFFICER, department=admin.department or "",
                                          region=admin.region or "")
        resp.media = {"items": items, "total": total, "limit": limit, "offset": offset}

    def on_post(self, req, resp):
        admin = administrator(req)
        data = json_body(req, schemas.AccountIn)
        reason = "平台运营新建账号" if admin.role == OPERATOR else "部门管理员新建本部门账号"
        resp.media = self.book.create(data, actor=admin.sub, reason=reason, by=admin)
        resp.status = falcon.HTTP_201


class Account:
    def __init__(self, book):
        self.book = book

    def _readable(self, req, account):
        identity = req.context.identity
        if identity.sub != account:
            self.book.check_reach(account, administrator(req))

    def on_get(self, req, resp, account):
        self._readable(req, account)
        resp.media = self.book.get(account)

    def on_get_log(self, req, resp, account):
        self._readable(req, account)
        self.book.get(account)  # 404 for an unknown account
        limit, offset = page_params(req)
        events, total = self.book.history_page(account, limit, offset)
        resp.media = {"items": events, "total": total, "limit": limit, "offset": offset}

    def on_get_changes(self, req, resp, account):
        self._readable(req, account)
        self.book.get(account)
        limit, offset = page_params(req)
        items, total = self.book.changes_page(account, limit, offset)
        resp.media = {"items": items, "total": total, "limit": limit, "offset": offset}

    def on_post_changes(self, req, resp, account):
        admin = administrator(req)
        data = json_body(req, schemas.AccountChangeIn)
        reason = data.pop("reason")
        if not data:
            raise ValidationFailed("没有需要变更的内容", [{"field": "name", "message": "至少给出一项要变更的身份信息"}])
        resp.media = self.book.change_details(account, data, by=admin, reason=reason)
        resp.status = falcon.HTTP_201

    def on_post_unlock(self, req, resp, account):
        admin = administrator(req)
        data = json_body(req, schemas.ReasonIn)
        resp.media = self.book.unlock(account, actor=admin.sub, reason=data["reason"], by=admin)

    def on_post_password_reset(self, req, resp, account):
        admin = administrator(req)
        data = json_body(req, schemas.PasswordResetIn)
        resp.media = self.book.reset_password(account, data["new_password"], actor=admin.sub,
                                              reason=data["reason"], by=admin)

    def on_post_deactivation(self, req, resp, account):
        admin = administrator(req)
        data = json_body(req, schemas.ReasonIn)
        resp.media = self.book.set_active(account, False, actor=admin.sub, reason=data["reason"], by=admin)

    def on_post_activation(self, req, resp, account):
        admin = administrator(req)
        data = json_body(req, schemas.ReasonIn)
        resp.media = self.book.set_active(account, True, actor=admin.sub, reason=data["reason"], by=admin)

    def on_post_totp_reset(self, req, resp, account):
        operator = req.context.identity.require(OPERATOR)
        data = json_body(req, schemas.ReasonIn)
        resp.media = self.book.reset_second_factor(account, by=operator, reason=data["reason"])


class Certificates:
    """The certificates bound to an account (004 §19), and their revocation after a loss (004 §20)."""

    def __init__(self, book):
        self.book = book

    def on_get(self, req, resp, account):
        identity = req.context.identity
        resp.media = {"items": self.book.certificates(account, by=None if identity.sub == account
                                                      else administrator(req))}

    def on_post(self, req, resp, account):
        admin = administrator(req)
        data = json_body(req, schemas.CertificateBindingIn)
        resp.media = self.book.bind_certificate(account, data["certificate"], data["reason"], by=admin)
        resp.status = falcon.HTTP_201

    def on_post_revocation(self, req, resp, account, serial):
        admin = administrator(req)
        data = json_body(req, schemas.ReasonIn)
        resp.media = self.book.revoke_certificate(account, serial, data["reason"], by=admin)
