"""Notices outside the inbox (000 §13, 002 §22: results and notices reach the applicant; 000 §18:
urges reach the responsible persons): on which channels a notice travels, the template it is told
with, and the e-mail made of it.

Every notice is in the inbox. It is also sent by e-mail when the contact directory knows an
address for its audience, and listed for SMS when the audience's phone holder subscribed. The
message is named by a template (``notice.<kind>``) and its parameters, all text, so that an SMS
gateway or a department system renders it with its own wording; the platform renders the e-mail
itself (Chinese subject and body).
"""
from dataclasses import dataclass

from platform_kit.notices import EMAIL, INBOX, KIND_NAMES, SMS, URGENCY_NAMES

PLATFORM_NAME = "工程建设项目审批管理系统"
SENT, FAILED = "sent", "failed"


@dataclass(frozen=True)
class Contact:
    """The current addresses of an audience (None: none recorded)."""

    email: str = None
    phone: str = None
    sms: bool = False


def channels(contact):
    """The channels a notice to an audience with `contact` travels on: the inbox always."""
    out = [INBOX]
    if contact is not None and contact.email:
        out.append(EMAIL)
    if contact is not None and contact.phone and contact.sms:
        out.append(SMS)
    return out


def template(notice, notification_id):
    """(name, parameters) of the message telling `notice`."""
    return f"notice.{notice.kind}", {
        "notification_id": notification_id, "kind": notice.kind, "kind_name": KIND_NAMES.get(notice.kind, "消息"),
        "urgency": notice.urgency, "urgency_name": URGENCY_NAMES.get(notice.urgency, ""),
        "title": notice.title, "body": notice.body or "", "project_code": notice.project_code,
        "case_id": notice.case_id, "subject": notice.subject, "sender": notice.sender}


def render_email(name, parameters):
    """(subject, text) of the e-mail for a template and its parameters."""
    p = {key: (value or "") for key, value in parameters.items()}
    kind_name = p.get("kind_name") or "消息"
    urgent = p.get("urgency") not in ("", "normal")
    subject = (f"【{p.get('urgency_name')}】" if urgent else "") + f"【{kind_name}】{p.get('title') or kind_name}"
    lines = [p.get("body") or p.get("title") or kind_name, ""]
    if p.get("project_code"):
        lines.append(f"项目代码：{p['project_code']}")
    if urgent:
        lines.append(f"紧急程度：{p.get('urgency_name')}")
    lines += [f"消息类别：{kind_name}", "",
              f"请登录{PLATFORM_NAME}，在“消息”中查看详情。本邮件由系统自动发送，请勿直接回复。",
              f"（消息编号：{p.get('notification_id')}，模板：{name}）"]
    return f"{PLATFORM_NAME}：{subject}"[:300], "\n".join(lines)
