"""Certificate login (004 §19–§20), part of :class:`gateway.accounts.book.AccountBook`: one-time
challenges, the login that answers one with a signature of the holder's certificate key, the
bindings of certificates to accounts, their revocation through the platform, and the ending of the
sessions opened with a certificate the CA has put on its CRL.

The certificate's rules are in :mod:`gateway.accounts.certificates`."""
import base64
import secrets
from datetime import timedelta

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.accounts import certificates as certs
from gateway.accounts import policy
from gateway.accounts.administration import details_of
from gateway.accounts.tables import (accounts, aware, certificate_bindings, certificate_challenges,
                                     refresh_tokens, token_digest)
from platform_kit.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from platform_kit.pki import parse_serial, serial_hex

CHALLENGE_SECONDS = 120
CERT_LOGIN_FAILED = "证书登录失败：{why}（连续多次失败后账号将被暂时锁定）"
SYSTEM = "system"


class CertificateLogin:
    """Uses the book's settings (ca_bundle, crl_file, login_methods), clock, engine, _failure, _log,
    _issue, _existing, _check_reach, get."""

    _crl_file = None
    _crl_generation_seen = 0

    @property
    def crl(self):
        if self._crl_file is None and self.settings.crl_file:
            self._crl_file = certs.CrlFile(self.settings.crl_file)
        return self._crl_file

    # ------------------------------------------------------------------ login
    def certificate_challenge(self):
        """A one-time nonce (valid for two minutes) the holder's USB key signs."""
        now = self.clock()
        nonce = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        expires_at = now + timedelta(seconds=CHALLENGE_SECONDS)
        with self.engine.begin() as conn:
            conn.execute(certificate_challenges.delete().where(certificate_challenges.c.expires_at < now
                                                               - timedelta(hours=1)))
            conn.execute(insert(certificate_challenges).values(nonce_hash=token_digest(nonce), issued_at=now,
                                                               expires_at=expires_at))
        return {"nonce": nonce, "expires_at": expires_at.isoformat()}

    def certificate_login(self, certificate_pem, nonce, signature):
        """Tokens for the account the certificate is bound to, when the signature over `nonce` (its
        UTF-8 bytes) was made with the certificate's key and the certificate is trusted, valid, meant
        for signatures and not revoked (by the CA's CRL or through the platform)."""
        now = self.clock()
        certificate = self._refuse_unless(lambda: certs.load_certificate(certificate_pem))
        facts = certs.describe(certificate)
        with self.engine.begin() as conn:
            binding = conn.execute(select(certificate_bindings).where(
                certificate_bindings.c.issuer == facts["issuer"], certificate_bindings.c.serial == facts["serial"])
            ).first()
            row = binding and conn.execute(select(accounts).where(accounts.c.account == binding.account)
                                           .with_for_update()).first()
            failure = self._certificate_problem(conn, certificate, nonce, signature, binding, row, now)
            if failure is None:
                if not certs.method_allowed(self.settings.login_methods, row.role, certs.CERTIFICATE):
                    self._log(conn, row.account, "login_refused", row.account, now,
                              f"角色 {row.role} 不允许以证书登录（证书 {facts['serial']}）")
                    failure = Unauthenticated(f"角色 {row.role} 不允许以数字证书登录，请以密码登录")
                else:
                    conn.execute(update(accounts).where(accounts.c.account == row.account).values(
                        failed_logins=0, locked_until=None, updated_at=now))
                    self._log(conn, row.account, "logged_in", row.account, now,
                              f"数字证书登录成功（签发者 {facts['issuer']}，序列号 {facts['serial']}）")
                    return self._issue(conn, row, secrets.token_hex(16), now, amr=("cert",),
                                       cert=(facts["issuer"], facts["serial"]))
        raise failure

    def _refuse_unless(self, read):
        try:
            return read()
        except certs.CertificateRefused as exc:
            raise Unauthenticated(CERT_LOGIN_FAILED.format(why=exc)) from None

    def _certificate_problem(self, conn, certificate, nonce, signature, binding, row, now):
        """None when the login may go on, else the Unauthenticated to raise (failures counted into the
        bound account's lockout, and logged)."""
        nonce_hash = token_digest(nonce or "")
        challenge = conn.execute(select(certificate_challenges).where(
            certificate_challenges.c.nonce_hash == nonce_hash).with_for_update()).first()
        why = None
        if challenge is None or challenge.used_at is not None:
            why = "挑战码无效或已使用，请重新获取"
        elif aware(challenge.expires_at) <= now:
            why = "挑战码已过期，请重新获取"
        if challenge is not None and challenge.used_at is None:
            conn.execute(update(certificate_challenges).where(certificate_challenges.c.nonce_hash == nonce_hash)
                         .values(used_at=now))
        platform_fault = False
        if why is None:
            try:
                certs.verify_signature(certificate, (nonce or "").encode(), signature)
                self._trusted(certificate, now)
            except certs.CertificateRefused as exc:
                why, platform_fault = str(exc), isinstance(exc, certs.NotConfigured)
        if why is None and (binding is None or row is None):
            return Unauthenticated(CERT_LOGIN_FAILED.format(why="证书未绑定平台账号，请联系平台运营或本部门管理员"))
        if why is None and binding.revoked_at is not None:
            why = "证书已挂失吊销"
        if row is None:
            return Unauthenticated(CERT_LOGIN_FAILED.format(why=why))
        if not row.active or policy.is_locked(aware(row.locked_until), now):
            self._log(conn, row.account, "login_refused", row.account, now,
                      "账号已停用" if not row.active else "账号锁定期间尝试以证书登录")
            return Unauthenticated(CERT_LOGIN_FAILED.format(why="账号不可用"))
        if why is not None and platform_fault:
            self._log(conn, row.account, "login_refused", row.account, now, f"证书登录未能完成：{why}")
            return Unauthenticated(CERT_LOGIN_FAILED.format(why=why))
        if why is not None:
            self._failure(conn, row, now, "login_failed", f"证书登录失败：{why}（序列号 {binding.serial}）")
            return Unauthenticated(CERT_LOGIN_FAILED.format(why=why))
        return None

    def _trusted(self, certificate, now):
        if not self.settings.ca_bundle:
            raise certs.NotConfigured("平台未配置受信任的 CA，暂不能以证书登录")
        chain = certs.verify_chain(certificate, certs.load_anchors(self.settings.ca_bundle), now)
        certs.check_usage(certificate)
        if not self.settings.crl_file:
            raise certs.NotConfigured("平台未配置证书吊销列表（CRL），暂不能以证书登录")
        self.crl.check(certificate, chain[1], now)

    # ------------------------------------------------------------------ CRL → sessions
    def end_sessions_on_crl(self):
        """Read the CRL again when its file changed, and end every session opened with a certificate
        now on it. True when the CRL was read again."""
        if self.crl is None:
            return False
        crl = self.crl.current()
        if self.crl.generation == self._crl_generation_seen:
            return False
        self._crl_generation_seen = self.crl.generation
        if crl is None:
            return True
        issuer = crl.issuer.rfc4514_string()
        serials = {serial_hex(r.serial_number) for r in crl}
        if serials:
            now = self.clock()
            with self.engine.begin() as conn:
                ended = conn.execute(update(refresh_tokens).where(
                    refresh_tokens.c.cert_issuer == issuer, refresh_tokens.c.cert_serial.in_(serials),
                    refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now).returning(
                    refresh_tokens.c.account, refresh_tokens.c.cert_serial)).all()
                self._sessions_ended()
                for account, serial in sorted(set(ended)):
                    self._log(conn, account, "sessions_ended", SYSTEM, now,
                              f"证书 {serial} 已列入 CA 的证书吊销列表，以其登录的会话全部结束")
        return True

    # ------------------------------------------------------------------ bindings
    def bind_certificate(self, account, certificate_pem, reason, by):
        """Bind a certificate to `account` (by an operator or the account's department administrator):
        recorded in the account log; a certificate bound once is never bound again."""
        now = self.clock()
        try:
            certificate = certs.load_certificate(certificate_pem)
            certs.check_usage(certificate)
            if self.settings.ca_bundle:
                certs.verify_chain(certificate, certs.load_anchors(self.settings.ca_bundle), now)
        except certs.CertificateRefused as exc:
            raise ValidationFailed("证书不能绑定", [{"field": "certificate", "message": str(exc)}]) from None
        facts = certs.describe(certificate)
        try:
            with self.engine.begin() as conn:
                self._check_reach(by, details_of(self._existing(conn, account)))
                conn.execute(insert(certificate_bindings).values(
                    account=account, issuer=facts["issuer"], serial=facts["serial"], subject=facts["subject"],
                    fingerprint=facts["fingerprint"], not_after=facts["not_after"], certificate=certificate_pem,
                    bound_by=by.sub if by else SYSTEM, bound_at=now, reason=reason))
                self._log(conn, account, "certificate_bound", by.sub if by else SYSTEM, now,
                          f"{reason}（证书序列号 {facts['serial']}，持有人 {facts['holder_name']}）")
        except IntegrityError:
            raise Conflict(f"证书 {facts['serial']} 已绑定过平台账号，不能再次绑定") from None
        return self._binding_view(self._bindings(account, facts["serial"])[0])

    def certificates(self, account, by=None):
        if by is not None and by.sub != account:
            self.check_reach(account, by)
        else:
            self.get(account)
        return [self._binding_view(row) for row in self._bindings(account)]

    def revoke_certificate(self, account, serial, reason, by):
        """004 §20: after a loss report the platform revokes the binding at once: the certificate no
        longer logs in and every session opened with it ends."""
        now = self.clock()
        try:
            serial = serial_hex(parse_serial(serial))
        except ValueError:
            raise NotFound(f"账号 {account} 没有序列号为 {serial} 的证书") from None
        with self.engine.begin() as conn:
            self._check_reach(by, details_of(self._existing(conn, account)))
            binding = conn.execute(select(certificate_bindings).where(
                certificate_bindings.c.account == account, certificate_bindings.c.serial == serial)
                .with_for_update()).first()
            if binding is None:
                raise NotFound(f"账号 {account} 没有序列号为 {serial} 的证书")
            if binding.revoked_at is not None:
                raise Conflict(f"证书 {serial} 已于 {aware(binding.revoked_at).isoformat()} 吊销")
            conn.execute(update(certificate_bindings).where(certificate_bindings.c.id == binding.id).values(
                revoked_at=now, revoked_by=by.sub if by else SYSTEM, revocation_reason=reason))
            conn.execute(update(refresh_tokens).where(and_(
                refresh_tokens.c.cert_issuer == binding.issuer, refresh_tokens.c.cert_serial == serial,
                refresh_tokens.c.revoked_at.is_(None))).values(revoked_at=now))
            self._sessions_ended()
            self._log(conn, account, "certificate_revoked", by.sub if by else SYSTEM, now,
                      f"{reason}（证书序列号 {serial}，以其登录的会话全部结束）")
        return self._binding_view(self._bindings(account, serial)[0])

    def _bindings(self, account, serial=None):
        where = [certificate_bindings.c.account == account]
        if serial is not None:
            where.append(certificate_bindings.c.serial == serial)
        with self.engine.connect() as conn:
            return conn.execute(select(certificate_bindings).where(*where).order_by(certificate_bindings.c.id)).all()

    @staticmethod
    def _binding_view(row):
        def iso(moment):
            return aware(moment).isoformat() if moment is not None else None
        return {"serial": row.serial, "issuer": row.issuer, "subject": row.subject, "fingerprint": row.fingerprint,
                "not_after": iso(row.not_after), "bound_by": row.bound_by, "bound_at": iso(row.bound_at),
                "reason": row.reason, "revoked": row.revoked_at is not None, "revoked_at": iso(row.revoked_at),
                "revoked_by": row.revoked_by, "revocation_reason": row.revocation_reason}
