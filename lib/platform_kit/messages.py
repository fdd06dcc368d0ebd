"""marshmallow's validation messages said in Chinese, once for every service and the gateway.

``chinese(message)`` keeps the values a message carries (the allowed choices, the lengths, the
bounds); a message the platform wrote itself is returned as it is.
"""
import re

MESSAGES = {
    "Missing data for required field.": "必填字段缺失",
    "Unknown field.": "未知字段",
    "Field may not be null.": "不能为空值",
    "Invalid input type.": "请求体须为 JSON 对象",
    "Invalid type.": "类型不正确",
    "Invalid value.": "取值不正确",
    "Invalid input.": "取值不正确",
    "Not a valid string.": "须为字符串",
    "Not a valid utf-8 string.": "须为 UTF-8 字符串",
    "Not a valid integer.": "须为整数",
    "Not a valid number.": "须为数字",
    "Number too large.": "数值过大",
    "Special numeric values (nan or infinity) are not permitted.": "不允许 NaN 或无穷大",
    "Not a valid boolean.": "须为 true 或 false",
    "Not a valid list.": "须为列表",
    "Not a valid tuple.": "须为数组",
    "Not a valid mapping type.": "须为对象",
    "Not a valid date.": "须为日期（YYYY-MM-DD）",
    "Not a valid datetime.": "须为日期时间（ISO 8601）",
    "Not a valid aware datetime.": "须为带时区的日期时间（ISO 8601）",
    "Not a valid naive datetime.": "须为不带时区的日期时间（ISO 8601）",
    "Not a valid time.": "须为时间（HH:MM:SS）",
    "Not a valid aware time.": "须为带时区的时间",
    "Not a valid naive time.": "须为不带时区的时间",
    "Not a valid period of time.": "须为时间长度",
    "Not a valid UUID.": "须为 UUID",
    "Not a valid URL.": "须为网址（URL）",
    "Not a valid email address.": "须为电子邮件地址",
    "Not a valid IP address.": "须为 IP 地址",
    "Not a valid IPv4 address.": "须为 IPv4 地址",
    "Not a valid IPv6 address.": "须为 IPv6 地址",
    "Not a valid IP interface.": "须为 IP 接口地址",
    "Not a valid IPv4 interface.": "须为 IPv4 接口地址",
    "Not a valid IPv6 interface.": "须为 IPv6 接口地址",
    "String does not match expected pattern.": "格式不正确",
}

_BOUNDS = {"greater than or equal to": "大于或等于", "greater than": "大于",
           "less than or equal to": "小于或等于", "less than": "小于"}
_BOUND = "(greater than or equal to|greater than|less than or equal to|less than)"

PATTERNS = (
    (re.compile(r"^Must be one of: (.*)\.$", re.S), lambda m: f"须为以下之一: {m[1]}"),
    (re.compile(r"^One or more of the choices you made was not in: (.*)\.$", re.S),
     lambda m: f"每一项须为以下之一: {m[1]}"),
    (re.compile(r"^One or more of the choices you made was in: (.*)\.$", re.S),
     lambda m: f"不得为以下之一: {m[1]}"),
    (re.compile(r"^Length must be between (\S+) and (\S+)\.$"), lambda m: f"长度须在 {m[1]} 到 {m[2]} 之间"),
    (re.compile(r"^Shorter than minimum length (\S+)\.$"), lambda m: f"长度至少为 {m[1]}"),
    (re.compile(r"^Longer than maximum length (\S+)\.$"), lambda m: f"长度至多为 {m[1]}"),
    (re.compile(r"^Length must be (\S+)\.$"), lambda m: f"长度须为 {m[1]}"),
    (re.compile(rf"^Must be {_BOUND} (.+) and {_BOUND} (.+)\.$", re.S),
     lambda m: f"须{_BOUNDS[m[1]]} {m[2]} 且{_BOUNDS[m[3]]} {m[4]}"),
    (re.compile(rf"^Must be {_BOUND} (.+)\.$", re.S), lambda m: f"须{_BOUNDS[m[1]]} {m[2]}"),
    (re.compile(r"^Must be equal to (.*)\.$", re.S), lambda m: f"须等于 {m[1]}"),
)


def chinese(message):
    """`message` in Chinese when it is one of marshmallow's, unchanged otherwise."""
    if not isinstance(message, str):
        return message
    if message in MESSAGES:
        return MESSAGES[message]
    for pattern, say in PATTERNS:
        match = pattern.match(message)
        if match:
            return say(match)
    return message
