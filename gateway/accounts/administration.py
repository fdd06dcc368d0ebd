"""Administration of accounts, part of :class:`gateway.accounts.book.AccountBook`: create, seed, unlock,
reset a password, activate and deactivate, and change a holder's details through a recorded request
(000 §17), each by an operator (every account) or a department administrator (the officers of their
own department and region, 002 §31)."""
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.accounts import policy
from gateway.accounts.tables import account_changes, accounts, aware
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_kit.identity import OPERATOR, ROLES

SYSTEM = "system"


def details_of(row):
    """The holder's details an administrator manages (000 §17)."""
    return {"name": row.name, "department": row.department, "region": row.region, "role": row.role,
            "steps": list(row.steps or ())}


class Administration:
    """Uses the book's settings, hasher, clock, engine, _check_strength, _set_password, _log, get."""

    # `by` is the administrator's Identity (an operator reaches every account, a department
    # administrator the officers of their own department and region: policy.reach_problem); None for
    # the operator's command line.
    def _check_reach(self, by, target):
        why = by is not None and policy.reach_problem(by.role, by.department, by.region, target)
        if why:
            raise Forbidden(why)

    def create(self, data, actor, reason="平台运营新建账号", by=None):
        """Create an account (``data`` as loaded by schemas.AccountIn). Conflict when it exists.

        The administrator chose the initial password, so its holder must change it at the first login.
        """
        now = self.clock()
        self._check_reach(by, data)
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
        """Create or overwrite an account, password included (demo seeding). ``data["totp_secret"]``,
        when given, is bound as the account's second factor."""
        now = self.clock()
        with self.engine.begin() as conn:
            exists = conn.execute(select(accounts.c.account).where(accounts.c.account == data["account"])
                                  .with_for_update()).first()
            if exists:
                conn.execute(update(accounts).where(accounts.c.account == data["account"])
                             .values(**self._row(data, now)))
                self._revoke_sessions(conn, data["account"], now)
                self._log(conn, data["account"], "reset", actor, now, reason)
            else:
                conn.execute(insert(accounts).values(**self._row(data, now), created_at=now))
                self._log(conn, data["account"], "created", actor, now, reason)
            if data.get("totp_secret"):
                self._log(conn, data["account"], "totp_enrolled", actor, now, "初始化时绑定双因素认证密钥")

    def _row(self, data, now):
        secret = data.get("totp_secret")
        return {"account": data["account"], "password_hash": self.hasher.hash(data["password"]),
                "role": data["role"], "name": data["name"], "department": data.get("department"),
                "region": data.get("region"), "org": data.get("org"), "steps": list(data.get("steps") or ()),
                "active": data.get("active", True), "failed_logins": 0, "locked_until": None,
                "password_changed_at": now, "must_change_password": False, "updated_at": now,
                "totp_secret": secret, "totp_enrolled_at": now if secret else None, "totp_last_counter": None,
                "recovery_codes": None, "totp_pending_secret": None, "pending_recovery_codes": None,
                "enrolment_token_hash": None, "enrolment_expires_at": None}

    def unlock(self, account, actor, reason, by=None):
        now = self.clock()
        with self.engine.begin() as conn:
            self._check_reach(by, details_of(self._existing(conn, account)))
            conn.execute(update(accounts).where(accounts.c.account == account).values(
                failed_logins=0, locked_until=None, updated_at=now))
            self._log(conn, account, "unlocked", actor, now, reason)
        return self.get(account)

    def reset_password(self, account, new_password, actor, reason, by=None):
        """Recovery by an administrator: a password the holder must change at the next login."""
        now = self.clock()
        self._check_strength(new_password, account)
        with self.engine.begin() as conn:
            self._check_reach(by, details_of(self._existing(conn, account)))
            self._set_password(conn, account, new_password, now, must_change=True)
            self._log(conn, account, "password_reset", actor, now, reason)
        return self.get(account)

    def set_active(self, account, active, actor, reason, by=None):
        """Nobody deactivates their own account, and the last active operator stays active."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = self._existing(conn, account)
            if not active and policy.deactivation_problem(actor, account, None):  # oneself, said first
                raise Forbidden(policy.deactivation_problem(actor, account, None)[1])
            self._check_reach(by, details_of(row))
            if not active:
                left = None
                if row.role == OPERATOR and row.active:
                    others = conn.execute(select(accounts.c.account).where(
                        accounts.c.role == OPERATOR, accounts.c.active.is_(True), accounts.c.account != account)
                        .with_for_update()).all()
                    left = len(others)
                refused = policy.deactivation_problem(actor, account, left)
                if refused:
                    status, why = refused
                    raise (Forbidden if status == 403 else Conflict)(why)
            conn.execute(update(accounts).where(accounts.c.account == account).values(active=active, updated_at=now))
            if not active:
                self._revoke_sessions(conn, account, now)
            self._log(conn, account, "activated" if active else "deactivated", actor, now, reason)
        return self.get(account)

    def change_details(self, account, changes, by, reason):
        """000 §17: a holder's details (name, department, region, role, steps) change only through this
        recorded request: who asked, when, why, the details before and after (kept, never
        overwritten). The administrator must reach the account both before and after the change."""
        now = self.clock()
        changes = {k: v for k, v in changes.items() if k in policy.DETAIL_FIELDS}
        if "steps" in changes:
            changes["steps"] = list(changes["steps"] or ())
        if by is not None and by.sub == account:
            raise Forbidden("不能变更本人账号的身份信息，请由其他管理员办理")
        if "role" in changes and changes["role"] not in ROLES:
            raise ValidationFailed("角色无效", [{"field": "role", "message": f"角色须为 {', '.join(ROLES)} 之一"}])
        with self.engine.begin() as conn:
            row = self._existing(conn, account)
            before = details_of(row)
            self._check_reach(by, before)
            after = dict(before, **changes)
            if after == before:
                raise ValidationFailed("没有需要变更的内容", [{"field": "name", "message": "至少变更一项身份信息"}])
            self._check_reach(by, after)
            if before["role"] == OPERATOR and after["role"] != OPERATOR and row.active:
                others = conn.execute(select(accounts.c.account).where(
                    accounts.c.role == OPERATOR, accounts.c.active.is_(True), accounts.c.account != account)
                    .with_for_update()).all()
                if not others:
                    raise Conflict("不能变更最后一个启用的平台运营账号的角色")
            changed = {k: v for k, v in after.items() if before[k] != v}
            conn.execute(update(accounts).where(accounts.c.account == account).values(**changed, updated_at=now))
            conn.execute(insert(account_changes).values(account=account, requested_by=by.sub if by else SYSTEM,
                                                        requested_at=now, reason=reason, before=before, after=after))
            # the tokens carry the old details: every session ends
            self._revoke_sessions(conn, account, now)
            self._log(conn, account, "details_changed", by.sub if by else SYSTEM, now,
                      f"{reason}（变更：{', '.join(sorted(changed))}）")
        return self.get(account)

    def changes_page(self, account, limit=None, offset=0):
        """(one page of the changes of `account`'s details, oldest first; how many in all)."""
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(account_changes)
                                 .where(account_changes.c.account == account)).scalar_one()
            rows = conn.execute(select(account_changes).where(account_changes.c.account == account)
                                .order_by(account_changes.c.id).limit(limit).offset(offset)).all()
        return [{"id": r.id, "requested_by": r.requested_by, "requested_at": aware(r.requested_at).isoformat(),
                 "reason": r.reason, "before": r.before, "after": r.after} for r in rows], total

    def check_reach(self, account, by):
        """Forbidden unless `by` may manage `account` (NotFound when there is no such account)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.account == account)).first()
        if row is None:
            raise NotFound(f"账号 {account} 不存在")
        self._check_reach(by, details_of(row))
