"""Use cases on accounts: log in, refresh, log out, change password, create, unlock, list."""
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.accounts import policy
from gateway.accounts.tables import account_log, accounts, refresh_tokens
from platform_kit.db import make_engine
from platform_kit.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from platform_kit.identity import ROLES, Identity, issue_token

BAD_CREDENTIALS = "账号或密码错误（连续多次错误后账号将被暂时锁定）"
SYSTEM = "system"


class PasswordExpired(Forbidden):
    title = "密码已过期"


class PasswordChangeRequired(Forbidden):
    title = "须修改密码"


def utcnow():
    return datetime.now(timezone.utc)


def aware(moment):
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"

    def to_dict(self):
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "token_type": self.token_type, "expires_in": self.expires_in}


class AccountBook:
    def __init__(self, settings, engine=None, hasher=None, clock=utcnow):
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url, pool_size=5)
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        # verifying against this keeps an unknown account as slow as a wrong password
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    # ------------------------------------------------------------------ tokens
    def login(self, account, password):
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
                failed, locked_until = policy.after_failure(row.failed_logins, self.settings.max_failed_logins,
                                                            self.settings.lockout_seconds, now)
                conn.execute(update(accounts).where(accounts.c.account == account).values(
                    failed_logins=failed, locked_until=locked_until or row.locked_until, updated_at=now))
                self._log(conn, account, "login_failed", account, now, "密码错误")
                if locked_until:
                    self._log(conn, account, "locked", SYSTEM, now,
                              f"连续 {self.settings.max_failed_logins} 次密码错误，锁定至 {locked_until.isoformat()}")
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
                else:
                    self._log(conn, account, "logged_in", account, now, "登录成功")
                    tokens = self._issue(conn, row, uuid.uuid4().hex, now)
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
                    return self._issue(conn, row, held.family, now)
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
            self._log(conn, held.account, "logged_out", held.account, now, "退出登录")

    def _issue(self, conn, row, family, now):
        identity = identity_of(row)
        access = issue_token(self.settings.private_key, identity, ttl_seconds=self.settings.access_ttl, now=now)
        refresh = secrets.token_urlsafe(32)
        conn.execute(insert(refresh_tokens).values(
            token_hash=token_digest(refresh), family=family, account=row.account, issued_at=now,
            expires_at=now + timedelta(seconds=self.settings.refresh_ttl)))
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
            known = row is not None and row.active and not policy.is_locked(aware(row.locked_until), now)
            if not known or not self._verify(row.password_hash, current_password):
                if row is None:
                    self._verify(self._dummy_hash, current_password)
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
        conn.execute(update(refresh_tokens).where(refresh_tokens.c.account == account,
                                                  refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now))

    # ------------------------------------------------------------------ administration
    def create(self, data, actor, reason="平台运营新建账号"):
        """Create an account (``data`` as loaded by schemas.AccountIn). Conflict when it exists.

        The operator chose the initial password, so its holder must change it at the first login.
        """
        now = self.clock()
        self._check_strength(data["password"], data["account"], field="password")
        if data["role"] not in ROLES:
            raise ValidationFailed("角色无效", [{"field": "role", "message": f"角色须为 {', '.join(ROLES)} 之一"}])
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(accounts).values(**dict(self._row(data, now), must_change_password=True),
                                                     created_at=now))
                self._log(conn, data["account"], "created", actor, now, reason)
        except IntegrityError:
            raise Conflict(f"账号 {data['account']} 已存在") from None
        return self.get(data["account"])

    def put(self, data, actor, reason):
        """Create or overwrite an account, password included (demo seeding)."""
        now = self.clock()
        with self.engine.begin() as conn:
            exists = conn.execute(select(accounts.c.account).where(accounts.c.account == data["account"])
                                  .with_for_update()).first()
            if exists:
                conn.execute(update(accounts).where(accounts.c.account == data["account"])
                             .values(**self._row(data, now)))
                conn.execute(update(refresh_tokens).where(refresh_tokens.c.account == data["account"],
                                                          refresh_tokens.c.revoked_at.is_(None))
                             .values(revoked_at=now))
                self._log(conn, data["account"], "reset", actor, now, reason)
            else:
                conn.execute(insert(accounts).values(**self._row(data, now), created_at=now))
                self._log(conn, data["account"], "created", actor, now, reason)

    def _row(self, data, now):
        return {"account": data["account"], "password_hash": self.hasher.hash(data["password"]),
                "role": data["role"], "name": data["name"], "department": data.get("department"),
                "region": data.get("region"), "org": data.get("org"), "steps": list(data.get("steps") or ()),
                "active": data.get("active", True), "failed_logins": 0, "locked_until": None,
                "password_changed_at": now, "must_change_password": False, "updated_at": now}

    def unlock(self, account, actor, reason):
        now = self.clock()
        with self.engine.begin() as conn:
            self._existing(conn, account)
            conn.execute(update(accounts).where(accounts.c.account == account).values(
                failed_logins=0, locked_until=None, updated_at=now))
            self._log(conn, account, "unlocked", actor, now, reason)
        return self.get(account)

    def reset_password(self, account, new_password, actor, reason):
        """Recovery by an operator: a password the holder must change at the next login."""
        now = self.clock()
        self._check_strength(new_password, account)
        with self.engine.begin() as conn:
            self._existing(conn, account)
            self._set_password(conn, account, new_password, now, must_change=True)
            self._log(conn, account, "password_reset", actor, now, reason)
        return self.get(account)

    def set_active(self, account, active, actor, reason):
        now = self.clock()
        with self.engine.begin() as conn:
            self._existing(conn, account)
            conn.execute(update(accounts).where(accounts.c.account == account).values(active=active, updated_at=now))
            if not active:
                conn.execute(update(refresh_tokens).where(refresh_tokens.c.account == account,
                                                          refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now))
            self._log(conn, account, "activated" if active else "deactivated", actor, now, reason)
        return self.get(account)

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

    def list(self, limit, offset):
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(accounts)).scalar_one()
            rows = conn.execute(select(accounts).order_by(accounts.c.account).limit(limit).offset(offset)).all()
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


def identity_of(row):
    return Identity(sub=row.account, role=row.role, name=row.name, department=row.department,
                    region=row.region, org=row.org, steps=tuple(row.steps or ()))


def public_view(row, now):
    locked_until = aware(row.locked_until)
    return {"account": row.account, "role": row.role, "name": row.name, "department": row.department,
            "region": row.region, "org": row.org, "steps": list(row.steps or ()), "active": row.active,
            "locked": policy.is_locked(locked_until, now),
            "locked_until": locked_until.isoformat() if policy.is_locked(locked_until, now) else None,
            "password_changed_at": aware(row.password_changed_at).isoformat(),
            "must_change_password": row.must_change_password}
