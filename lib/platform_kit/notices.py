"""Names of notice kinds and urgency levels, shared by the supervision service's rules, its wire
formats and the gateway's documentation (plain constants: no framework here)."""

# what a notice is about
URGE, REMINDER, SUPERVISION, DOCUMENT, SUPPLEMENT, DECISION, COMPLETION = (
    "urge", "reminder", "supervision", "document", "supplement", "decision", "completion")
COMPLAINT, GUIDANCE, COORDINATION, INSPECTION, ACCOUNTABILITY = (
    "complaint", "guidance", "coordination", "inspection", "accountability")
KINDS = (URGE, REMINDER, SUPERVISION, DOCUMENT, SUPPLEMENT, DECISION, COMPLETION, COMPLAINT, GUIDANCE,
         COORDINATION, INSPECTION, ACCOUNTABILITY)
KIND_NAMES = {URGE: "催办", REMINDER: "提醒", SUPERVISION: "督办", DOCUMENT: "文书送达", SUPPLEMENT: "补正通知",
              DECISION: "审批决定", COMPLETION: "办结通知", COMPLAINT: "投诉举报", GUIDANCE: "辅导答复",
              COORDINATION: "协调申请", INSPECTION: "督查", ACCOUNTABILITY: "问责"}

# 000 §18: three urgency levels of an urge
NORMAL, URGENT, VERY_URGENT = "normal", "urgent", "very_urgent"
URGENCIES = (NORMAL, URGENT, VERY_URGENT)
URGENCY_NAMES = {NORMAL: "一般", URGENT: "紧急", VERY_URGENT: "特急"}

# invitations to answer: a consultation (征询) or a joint review (会审) asks a department's office
CONSULTATION = "consultation"
KINDS = KINDS + (CONSULTATION,)
KIND_NAMES[CONSULTATION] = "征询会审"

# how a notice travels besides the inbox (notification.requested): e-mail when the contact directory
# knows an address, SMS to a phone whose holder subscribed
INBOX, EMAIL, SMS = "inbox", "email", "sms"
CHANNELS = (INBOX, EMAIL, SMS)
