"""Sending e-mail through an SMTP server (``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_FROM``; optional
``SMTP_USER``/``SMTP_PASSWORD``, ``SMTP_STARTTLS``, ``SMTP_TIMEOUT``). Without ``SMTP_HOST`` the
service sends no e-mail (notices still reach the inbox and the notification.requested event)."""
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from nameko.extensions import DependencyProvider

SENDER_NAME = "工程建设项目审批管理系统"


class MailFailed(Exception):
    """The server refused the message or could not be reached; the text says why."""


def _flag(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "noreply@localhost"
    user: str = None
    password: str = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config):
        host = config.get("SMTP_HOST")
        if not host:
            return None
        return cls(host=str(host), port=int(config.get("SMTP_PORT") or 25),
                   sender=str(config.get("SMTP_FROM") or f"noreply@{host}"),
                   user=config.get("SMTP_USER") or None, password=config.get("SMTP_PASSWORD") or None,
                   starttls=_flag(config.get("SMTP_STARTTLS") or False),
                   timeout=float(config.get("SMTP_TIMEOUT") or 10))


class SmtpMailer:
    def __init__(self, settings):
        self.settings = settings

    def message(self, to, subject, text, message_id):
        msg = EmailMessage()
        msg["From"] = formataddr((SENDER_NAME, self.settings.sender))
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        domain = self.settings.sender.rpartition("@")[2] or "localhost"
        msg["Message-ID"] = f"<{message_id}@{domain}>"   # the same for every attempt of one delivery
        msg.set_content(text, charset="utf-8")
        return msg

    def send(self, to, subject, text, message_id):
        s = self.settings
        msg = self.message(to, subject, text, message_id)
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.user:
                    smtp.login(s.user, s.password or "")
                refused = smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailFailed(f"收件人被拒绝：{_reasons(exc.recipients)}") from None
        except smtplib.SMTPResponseException as exc:
            raise MailFailed(f"邮件服务器拒绝：{exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailFailed(f"无法连接邮件服务器 {s.host}:{s.port}：{exc}") from None
        if refused:
            raise MailFailed(f"收件人被拒绝：{_reasons(refused)}")


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reasons(recipients):
    return "；".join(f"{address} {code} {_text(message)}" for address, (code, message) in recipients.items())


class Mailer(DependencyProvider):
    """The service's mailer, or None when no SMTP server is configured."""

    def setup(self):
        settings = SmtpSettings.from_config(self.container.config)
        self.mailer = SmtpMailer(settings) if settings else None

    def get_dependency(self, worker_ctx):
        return self.mailer
