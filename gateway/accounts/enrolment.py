"""The second factor's use cases, part of :class:`gateway.accounts.book.AccountBook`: a code checked
at login, enrolment through a short-lived token, and its reset by an operator."""
import uuid

from sqlalchemy import select, update

from gateway.accounts import policy, second_factor
from gateway.accounts.tables import accounts, aware, token_digest
from platform_kit.errors import Conflict, Forbidden, Unauthenticated

SYSTEM = "system"


class SecondFactorEnrolmentRequired(Forbidden):
    """The password was right, but an administrator has no second factor yet: the caller gets a
    short-lived enrolment token that only the enrolment routes accept."""

    title = "须绑定双因素认证"

    def __init__(self, detail, enrolment_token, expires_at):
        super().__init__(detail)
        self.enrolment_token = enrolment_token
        self.expires_at = expires_at


class Enrolment:
    """Uses the book's settings, hasher, clock, engine, _failure, _verify, _log, _issue."""

    def _second_factor(self, conn, row, code, now):
        """True when `code` is a fresh TOTP code of `row` or one of its unused recovery codes (then
        used up); the step or the code is recorded as used."""
        if second_factor.looks_like_totp(code):
            counter = second_factor.accepted_counter(row.totp_secret, code, now, row.totp_last_counter)
            if counter is None:
                return False
            conn.execute(update(accounts).where(accounts.c.account == row.account).values(totp_last_counter=counter))
            return True
        given = second_factor.normal_recovery_code(code)
        kept = list(row.recovery_codes or ())
        for index, entry in enumerate(kept):
            if given and entry.get("used_at") is None and self._verify(entry["hash"], given):
                kept[index] = dict(entry, used_at=now.isoformat())
                conn.execute(update(accounts).where(accounts.c.account == row.account).values(recovery_codes=kept))
                left = sum(1 for e in kept if e.get("used_at") is None)
                self._log(conn, row.account, "recovery_code_used", row.account, now,
                          f"以恢复码代替动态验证码登录，尚余 {left} 个恢复码")
                return True
        return False

    def _enrolling(self, conn, enrolment_token, now):
        row = conn.execute(select(accounts).where(
            accounts.c.enrolment_token_hash == token_digest(enrolment_token or "")).with_for_update()).first()
        if (row is None or aware(row.enrolment_expires_at) <= now or not row.active
                or policy.is_locked(aware(row.locked_until), now) or not second_factor.required(row.role)):
            raise Unauthenticated("绑定令牌无效或已过期，请重新以账号密码登录")
        return row

    def start_enrolment(self, enrolment_token):
        """A new TOTP secret and ten recovery codes for the holder of `enrolment_token`, shown this once;
        they count only after a first code confirms them (:meth:`confirm_enrolment`)."""
        now = self.clock()
        secret = second_factor.new_secret()
        codes = second_factor.new_recovery_codes()
        with self.engine.begin() as conn:
            row = self._enrolling(conn, enrolment_token, now)
            conn.execute(update(accounts).where(accounts.c.account == row.account).values(
                totp_pending_secret=secret, updated_at=now,
                pending_recovery_codes=[{"hash": self.hasher.hash(code), "used_at": None} for code in codes]))
            self._log(conn, row.account, "totp_enrolment_started", row.account, now,
                      "生成双因素认证密钥与恢复码，待首个动态验证码确认")
        return {"account": row.account, "secret": secret,
                "otpauth_uri": second_factor.provisioning_uri(secret, row.account),
                "recovery_codes": codes, "expires_at": aware(row.enrolment_expires_at).isoformat()}

    def confirm_enrolment(self, enrolment_token, code):
        """The first valid code of the new secret binds it; the holder is then logged in (the password
        was checked when the enrolment token was issued). A wrong code counts as a failed login."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = self._enrolling(conn, enrolment_token, now)
            if row.totp_pending_secret is None:
                raise Conflict("尚未取得双因素认证密钥，请先调用 POST /auth/totp/enrolment")
            counter = second_factor.accepted_counter(row.totp_pending_secret, code, now)
            if counter is None:
                self._failure(conn, row, now, "totp_enrolment_failed", "绑定双因素认证时动态验证码错误")
                failure = Unauthenticated("动态验证码错误（连续多次错误后账号将被暂时锁定）")
            else:
                conn.execute(update(accounts).where(accounts.c.account == row.account).values(
                    totp_secret=row.totp_pending_secret, totp_enrolled_at=now, totp_last_counter=counter,
                    recovery_codes=row.pending_recovery_codes, totp_pending_secret=None,
                    pending_recovery_codes=None, enrolment_token_hash=None, enrolment_expires_at=None,
                    failed_logins=0, locked_until=None, updated_at=now))
                self._log(conn, row.account, "totp_enrolled", row.account, now, "绑定双因素认证（TOTP）")
                self._log(conn, row.account, "logged_in", row.account, now, "绑定双因素认证后登录")
                return self._issue(conn, row, uuid.uuid4().hex, now, amr=("pwd", "otp"))
        raise failure

    def reset_second_factor(self, account, by, reason):
        """An operator clears another account's second factor (lost phone): its holder enrols anew at
        the next login; every session of the account ends."""
        now = self.clock()
        if by is not None and by.sub == account:
            raise Forbidden("不能重置本人账号的双因素认证，请由其他平台运营办理")
        with self.engine.begin() as conn:
            self._existing(conn, account)
            conn.execute(update(accounts).where(accounts.c.account == account).values(
                totp_secret=None, totp_enrolled_at=None, totp_last_counter=None, recovery_codes=None,
                totp_pending_secret=None, pending_recovery_codes=None, enrolment_token_hash=None,
                enrolment_expires_at=None, updated_at=now))
            self._revoke_sessions(conn, account, now)
            self._log(conn, account, "totp_reset", by.sub if by else SYSTEM, now, reason)
        return self.get(account)
