"""Use cases on accounts: log in (with a second factor for administrators), refresh, log out,
change password, enrol and reset the second factor, create, change a holder's details, unlock,
deactivate, list."""
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update

from gateway.accounts import certificates, policy, second_factor
from gateway.accounts.administration import Administration
from gateway.accounts.certificate_login import CertificateLogin
from gateway.accounts.enrolment import Enrolment, SecondFactorEnrolmentRequired
from gateway.accounts.tables import account_log, accounts, aware, refresh_tokens, token_digest
from platform_kit.db import make_engine
from platform_kit.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from platform_kit.identity import Identity, issue_token

BAD_CREDENTIALS = "账号、密码或动态验证码错误（平台运营与部门管理员须同时提交动态验证码；连续多次错误后账号将被暂时锁定）"
SYSTEM = "system"


class PasswordExpired(Forbidden):
    title = "密码已过期"


class PasswordChangeRequired(Forbidden):
    title = "须修改密码"


def utcnow():
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"

    def to_dict(self):
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "token_type": self.token_type, "expires_in": self.expires_in}


class AccountBook(Enrolment, Administration, CertificateLogin):
    """Every account use case; the second factor's enrolment (:class:`Enrolment`), the
    administration of accounts (:class:`Administration`) and certificate login
    (:class:`CertificateLogin`) are written beside it."""

    def __init__(self, settings, engine=None, hasher=None, clock=utcnow):
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url, pool_size=10)
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self.session_listeners = []   # called when sessions end here (SessionCheck forgets what it kept)
        # verifying against this keeps an unknown account as slow as a wrong password
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    # ------------------------------------------------------------------ tokens
    def login(self, account, password, totp=None):
        """Tokens for `account`; operators and department administrators also give `totp` (a code
        of their authenticator app, or one of their recovery codes)."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(accounts).where(accounts.c.account == account).with_for_update()).first()
            if row is None:
                self._verify(self._dummy_hash, password)
                raise Unauthenticated(BAD_CREDENTIALS)
            if not row.active or policy.is_locked(aware(row.locked_until), now):
                self._verify(self._dummy_hash, password)
                self._log(conn, account, "login_refused", account, now,
                          "账号已停用" if not row.active else "账号锁定期间尝试登录")
                raise_later = Unauthenticated(BAD_CREDENTIALS)
            elif not self._verify(row.password_hash, password):
                self._failure(conn, row, now, "login_failed", "密码错误")
                raise_later = Unauthenticated(BAD_CREDENTIALS)
            elif not certificates.method_allowed(self.settings.login_methods, row.role, certificates.PASSWORD):
                self._log(conn, account, "login_refused", account, now, f"角色 {row.role} 不允许以密码登录")
                raise_later = Unauthenticated(f"角色 {row.role} 须以数字证书（CA 锁）登录")
            elif (second_factor.required(row.role) and row.totp_enrolled_at is not None
                  and not self._second_factor(conn, row, totp, now)):
                self._failure(conn, row, now, "login_failed",
                              "缺少动态验证码" if not totp else "动态验证码错误或已使用")
                raise_later = Unauthenticated(BAD_CREDENTIALS)
            else:
                raise_later = None
                values = {"failed_logins": 0, "locked_until": None, "updated_at": now}
                if self.hasher.check_needs_rehash(row.password_hash):
                    values["password_hash"] = self.hasher.hash(password)
                conn.execute(update(accounts).where(accounts.c.account == account).values(**values))
                if row.must_change_password:
                    self._log(conn, account, "login_refused", account, now, "密码由平台运营设置，尚未修改")
                    raise_later = PasswordChangeRequired("密码由平台运营设置，请先修改密码（POST /auth/password）")
                elif policy.password_expired(aware(row.password_changed_at), self.settings.password_max_age_days,
                                             now):
                    self._log(conn, account, "login_refused", account, now, "密码已过期")
                    raise_later = PasswordExpired(
                        f"密码已超过 {self.settings.password_max_age_days} 天未修改，请先修改密码")
                elif second_factor.required(row.role) and row.totp_enrolled_at is None:
                    token = secrets.token_urlsafe(32)
                    expires_at = now + timedelta(seconds=second_factor.ENROLMENT_SECONDS)
                    conn.execute(update(accounts).where(accounts.c.account == account).values(
                        enrolment_token_hash=token_digest(token), enrolment_expires_at=expires_at))
                    self._log(conn, account, "login_refused", account, now, "管理账号尚未绑定双因素认证，已发放绑定令牌")
                    raise_later = SecondFactorEnrolmentRequired(
                        "平台运营与部门管理员须绑定双因素认证后登录：请以 enrolment_token 调用 POST /auth/totp/enrolment "
                        "取得密钥，再以验证器生成的动态验证码调用 POST /auth/totp/confirmation", token, expires_at)
                else:
                    self._log(conn, account, "logged_in", account, now, "登录成功")
                    amr = ("pwd", "otp") if second_factor.required(row.role) else ("pwd",)
                    tokens = self._issue(conn, row, uuid.uuid4().hex, now, amr=amr)
        # the failure count and the log commit even though the caller gets an error
        if raise_later:
            raise raise_later
        return tokens

    def refresh(self, refresh_token):
        now = self.clock()
        digest = token_digest(refresh_token or "")
        with self.engine.begin() as conn:
            held = conn.execute(select(refresh_tokens).where(refresh_tokens.c.token_hash == digest)
                                .with_for_update()).first()
            if held is None:
                raise Unauthenticated("刷新令牌无效")
            if held.used_at is not None or held.revoked_at is not None:
                # a used token presented again: someone else may hold a copy; end the whole family
                conn.execute(update(refresh_tokens).where(refresh_tokens.c.family == held.family,
                                                          refresh_tokens.c.revoked_at.is_(None))
                             .values(revoked_at=now))
                self._sessions_ended()
                self._log(conn, held.account, "refresh_reused", held.account, now,
                          "已使用的刷新令牌被再次提交，同一登录的全部令牌作废")
                failure = Unauthenticated("刷新令牌已使用或已作废，请重新登录")
            elif aware(held.expires_at) <= now:
                failure = Unauthenticated("刷新令牌已过期，请重新登录")
            else:
                row = conn.execute(select(accounts).where(accounts.c.account == held.account)).first()
                if row is None or not row.active or policy.is_locked(aware(row.locked_until), now):
                    failure = Unauthenticated("账号不可用，请联系平台运营")
                else:
                    conn.execute(update(refresh_tokens).where(refresh_tokens.c.token_hash == digest)
                                 .values(used_at=now))
                    return self._issue(conn, row, held.family, now, amr=tuple(held.amr or ("pwd",)),
                                       cert=(held.cert_issuer, held.cert_serial) if held.cert_serial else None)
        raise failure

    def logout(self, refresh_token):
        now = self.clock()
        with self.engine.begin() as conn:
            held = conn.execute(select(refresh_tokens).where(
                refresh_tokens.c.token_hash == token_digest(refresh_token or ""))).first()
            if held is None:
                raise Unauthenticated("刷新令牌无效")
            conn.execute(update(refresh_tokens).where(refresh_tokens.c.family == held.family,
                                                      refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now))
            self._sessions_ended()
            self._log(conn, held.account, "logged_out", held.account, now, "退出登录")

    def _failure(self, conn, row, now, event, reason):
        """One more failure of `row`'s holder (wrong password, code or current password): counted into
        the same lockout as login."""
        failed, locked_until = policy.after_failure(row.failed_logins, self.settings.max_failed_logins,
                                                    self.settings.lockout_seconds, now)
        conn.execute(update(accounts).where(accounts.c.account == row.account).values(
            failed_logins=failed, locked_until=locked_until or row.locked_until, updated_at=now))
        self._log(conn, row.account, event, row.account, now, reason)
        if locked_until:
            self._log(conn, row.account, "locked", SYSTEM, now,
                      f"连续 {self.settings.max_failed_logins} 次验证失败，锁定至 {locked_until.isoformat()}")

    def _revoke_sessions(self, conn, account, now):
        conn.execute(update(refresh_tokens).where(refresh_tokens.c.account == account,
                                                  refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now))
        self._sessions_ended()

    def _sessions_ended(self):
        for listener in self.session_listeners:
            listener()

    def _issue(self, conn, row, family, now, amr=("pwd",), cert=None):
        """Tokens of session `family`, opened with `amr`; `cert`: (issuer, serial) of a cert login."""
        identity = identity_of(row, amr=amr, cert=cert[1] if cert else None, sid=family)
        access = issue_token(self.settings.private_key, identity, ttl_seconds=self.settings.access_ttl, now=now)
        refresh = secrets.token_urlsafe(32)
        conn.execute(insert(refresh_tokens).values(
            token_hash=token_digest(refresh), family=family, account=row.account, issued_at=now,
            expires_at=now + timedelta(seconds=self.settings.refresh_ttl), amr=list(amr),
            cert_issuer=cert[0] if cert else None, cert_serial=cert[1] if cert else None))
        return Tokens(access, refresh, self.settings.access_ttl)

    def _verify(self, password_hash, password):
        try:
            return self.hasher.verify(password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False

    # ------------------------------------------------------------------ passwords
    def change_password(self, account, current_password, new_password):
        """The holder changes their own password (also when it has expired)."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(accounts).where(accounts.c.account == account).with_for_update()).first()
            if row is None:
                self._verify(self._dummy_hash, current_password)
                failure = Unauthenticated(BAD_CREDENTIALS)
            elif not row.active or policy.is_locked(aware(row.locked_until), now):
                self._verify(self._dummy_hash, current_password)
                self._log(conn, account, "password_change_refused", account, now,
                          "账号已停用" if not row.active else "账号锁定期间尝试修改密码")
                failure = Unauthenticated(BAD_CREDENTIALS)
            elif not self._verify(row.password_hash, current_password):
                # the same counter and lockout as login: the change is no way around it
                self._failure(conn, row, now, "password_change_failed", "修改密码时原密码错误")
                failure = Unauthenticated(BAD_CREDENTIALS)
            elif self._verify(row.password_hash, new_password):
                failure = ValidationFailed("新密码不得与原密码相同",
                                           [{"field": "new_password", "message": "新密码不得与原密码相同"}])
            else:
                self._check_strength(new_password, account)
                self._set_password(conn, account, new_password, now)
                self._log(conn, account, "password_changed", account, now, "本人修改密码")
                return
        raise failure

    def _check_strength(self, password, account, field="new_password"):
        problems = policy.password_problems(password, account)
        if problems:
            raise ValidationFailed("密码强度不足", [{"field": field, "message": m} for m in problems])

    def _set_password(self, conn, account, password, now, must_change=False):
        conn.execute(update(accounts).where(accounts.c.account == account).values(
            password_hash=self.hasher.hash(password), password_changed_at=now, failed_logins=0,
            locked_until=None, must_change_password=must_change, updated_at=now))
        # a new password ends every session opened with the old one
        self._revoke_sessions(conn, account, now)

    def _existing(self, conn, account):
        row = conn.execute(select(accounts).where(accounts.c.account == account).with_for_update()).first()
        if row is None:
            raise NotFound(f"账号 {account} 不存在")
        return row

    def get(self, account):
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.account == account)).first()
        if row is None:
            raise NotFound(f"账号 {account} 不存在")
        return public_view(row, self.clock())

    def list(self, limit, offset, role=None, department=None, region=None):
        where = [column == value for column, value in ((accounts.c.role, role), (accounts.c.department, department),
                                                       (accounts.c.region, region)) if value is not None]
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(accounts).where(*where)).scalar_one()
            rows = conn.execute(select(accounts).where(*where).order_by(accounts.c.account)
                                .limit(limit).offset(offset)).all()
        now = self.clock()
        return [public_view(row, now) for row in rows], total

    def history(self, account):
        return self.history_page(account)[0]

    def history_page(self, account, limit=None, offset=0):
        """(one page of `account`'s log, oldest first; how many entries it has in all)."""
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(account_log)
                                 .where(account_log.c.account == account)).scalar_one()
            rows = conn.execute(select(account_log).where(account_log.c.account == account)
                                .order_by(account_log.c.id).limit(limit).offset(offset)).all()
        return [{"event": r.event, "actor": r.actor, "at": aware(r.at).isoformat(), "reason": r.reason}
                for r in rows], total

    def _log(self, conn, account, event, actor, now, reason):
        conn.execute(insert(account_log).values(account=account, event=event, actor=actor, at=now, reason=reason))


def identity_of(row, amr=(), cert=None, sid=None):
    return Identity(sub=row.account, role=row.role, name=row.name, department=row.department,
                    region=row.region, org=row.org, steps=tuple(row.steps or ()), amr=tuple(amr), cert=cert,
                    sid=sid)


def public_view(row, now):
    locked_until = aware(row.locked_until)
    return {"account": row.account, "role": row.role, "name": row.name, "department": row.department,
            "region": row.region, "org": row.org, "steps": list(row.steps or ()), "active": row.active,
            "locked": policy.is_locked(locked_until, now),
            "locked_until": locked_until.isoformat() if policy.is_locked(locked_until, now) else None,
            "password_changed_at": aware(row.password_changed_at).isoformat(),
            "must_change_password": row.must_change_password,
            "second_factor": row.totp_enrolled_at is not None,
            "recovery_codes_left": sum(1 for e in (row.recovery_codes or ()) if e.get("used_at") is None)}
