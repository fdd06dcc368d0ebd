"""The province's side of the front database (前置库), for tests, the local run and a rehearsal.

``python scripts/province_checker.py create --url URL`` creates the front database's tables (the DDL the
province publishes: the common columns and the tables of the national exchange standard, plus the row
version column ``SJBB``); ``run --url URL [--interval 1]`` checks every new row (``SJSCZT = 0``), table
by table in dependency order, and writes ``SJSCZT = 1`` (taken in) or ``SJSCZT = 2`` with the reason in
``SBYY``; ``check-once`` does one pass. ``create-database --admin-url … --name …`` makes an empty database.

The published checks (each rejection's reason starts with the check's name):
- 必填项为空: a required column is empty (``REQUIRED``);
- 代码不在代码表: a coded column holds a value outside its national code list (``CODE_LISTS``);
- 行政区划代码无效: ``XZQHDM`` (and ``JSDDXZQH``) is not a six-digit GB/T 2260 code of the province;
- 上级数据不存在: the parent row (flow of a stage, stage of an item, flow of a project, project of a unit,
  case, red line or intermediary service, case of a step, document or attachment) was not taken in;
- 计划竣工时间早于计划开工时间: ``NJCSJ`` before ``NKGSJ``;
- 无效原因为空: a withdrawal (``SJYXBS = 0``) without ``SJWXYY``.
"""
import argparse
import re
import sys
import time

from sqlalchemy import create_engine, text

COMMON = [("LSH", "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"), ("XZQHDM", "VARCHAR(12)"),
          ("DFSJZJ", "VARCHAR(200) NOT NULL"), ("SJBB", "INT NOT NULL"), ("SJYXBS", "INT NOT NULL DEFAULT 1"),
          ("SJWXYY", "VARCHAR(500)"), ("SJSCZT", "INT NOT NULL DEFAULT 0"), ("SBYY", "VARCHAR(1000)"),
          ("SCSJ", "DATETIME"), ("GXSJ", "DATETIME")]
V, N, T = "VARCHAR(200)", "DOUBLE", "LONGTEXT"
TABLES = {   # in dependency order
    "SPGL_DFXMSPLCXXB": {"SPLCBM": V, "SPLCMC": V, "SPLCBBH": N, "SPLCSXSJ": V, "SPLCLX": V, "SPLCSM": T,
                         "FJMC": V, "FJLX": V, "FJID": V},
    "SPGL_DFXMSPLCJDXXB": {"SPLCBM": V, "SPLCBBH": N, "SPJDBM": V, "SPJDMC": V, "SPJDXH": N, "DYBZSPJDXH": V,
                           "SPJDSX": N, "LCBSXLX": V},
    "SPGL_DFXMSPLCJDSXXXB": {"SPLCBM": V, "SPLCBBH": N, "SPJDXH": N, "SPSXBM": V, "SPSXBBH": N, "SPSXMC": V,
                             "DYBZSPSXBM": V, "SFSXGZCNZ": V, "BJLX": V, "SQDX": V, "SPSXBLSX": N, "SPBMBM": V,
                             "SPBMMC": V, "SFLCBSX": V},
    "SPGL_XMJBXXB": {"XMDM": V, "XMMC": V, "GCDM": V, "GCFW": T, "XMTZLY": V, "TDHQFS": V, "LXLX": V, "GCFL": V,
                     "JSXZ": V, "ZTZE": N, "JSDDXZQH": V, "JSDD": V, "JSGMJNR": T, "YDMJ": N, "JZMJ": N,
                     "NKGSJ": V, "NJCSJ": V, "SBSJ": V, "SPLCBM": V, "SPLCBBH": N, "XMSFWQBJ": V, "XMWQBJSJ": V},
    "SPGL_XMDWXXB": {"XMDM": V, "GCDM": V, "DWTYSHXYDM": V, "DWMC": V, "DWLX": V},
    "SPGL_XMSPSXBLXXB": {"GCDM": V, "SPSXBM": V, "SPSXBBH": N, "SPLCBM": V, "SPLCBBH": N, "SPSXSLBM": V,
                         "SPBMBM": V, "SPBMMC": V, "SLFS": V, "GKFS": V, "SXBLSX": N},
    "SPGL_XMSPSXBLXXXXB": {"SPSXSLBM": V, "BLCS": V, "BLR": V, "BLZT": V, "BLYJ": T, "BLSJ": V},
    "SPGL_XMSPSXPFWJXXB": {"SPSXSLBM": V, "PFRQ": V, "PFWH": V, "PFWJBT": V, "PFWJYXQX": V, "FJMC": V, "FJLX": V,
                           "FJID": V},
    "SPGL_XMQTFJXXB": {"SPSXSLBM": V, "FJMC": V, "FJFL": V, "FJLX": V, "FJID": V},
    "SPGL_XMYDHXJZXXB": {"XMDM": V, "JZWJXH": V, "JZWJMC": V, "JZWJSM": T, "JZWJFJ": T},
    "SPGL_XMSPSXBLTBCXXXB": {"SPSXSLBM": V, "TBCX": V, "TBCXMC": V, "TBCXKSSJ": V, "TBCXSXLX": V, "TBCXSX": N},
    "SPGL_ZJFWSXBLXXB": {"XMDM": V, "ZJFWSXMC": V, "ZJFWSXBM": V, "ZJFWSXSLBM": V, "BLSX": N, "SXLX": V,
                         "ZJJGDM": V, "ZJJGMC": V, "WTR": V, "WTRDM": V, "KSSJ": V, "JSSJ": V},
}
REQUIRED = {
    "SPGL_DFXMSPLCXXB": ("SPLCBM", "SPLCMC", "SPLCBBH", "SPLCLX"),
    "SPGL_DFXMSPLCJDXXB": ("SPLCBM", "SPLCBBH", "SPJDMC", "SPJDXH", "DYBZSPJDXH"),
    "SPGL_DFXMSPLCJDSXXXB": ("SPLCBM", "SPLCBBH", "SPJDXH", "SPSXBM", "SPSXMC", "SPBMBM"),
    "SPGL_XMJBXXB": ("XMDM", "XMMC", "GCDM", "LXLX", "JSDDXZQH", "SPLCBM", "SPLCBBH"),
    "SPGL_XMDWXXB": ("XMDM", "DWMC", "DWLX"),
    "SPGL_XMSPSXBLXXB": ("GCDM", "SPSXBM", "SPSXSLBM", "SPBMBM", "SLFS"),
    "SPGL_XMSPSXBLXXXXB": ("SPSXSLBM", "BLZT", "BLSJ"),
    "SPGL_XMSPSXPFWJXXB": ("SPSXSLBM", "PFRQ", "PFWH", "PFWJBT"),
    "SPGL_XMQTFJXXB": ("SPSXSLBM", "FJMC", "FJID"),
    "SPGL_XMYDHXJZXXB": ("XMDM", "JZWJMC", "JZWJFJ"),
    "SPGL_XMSPSXBLTBCXXXB": ("SPSXSLBM", "TBCX"),
    "SPGL_ZJFWSXBLXXB": ("XMDM", "ZJFWSXMC", "ZJJGDM", "ZJJGMC"),
}
CODE_LISTS = {
    "SPLCLX": set(range(1, 11)), "DYBZSPJDXH": set(range(1, 6)), "BLZT": set(range(1, 17)),
    "SLFS": set(range(1, 6)), "DWLX": set(range(1, 10)), "SFSXGZCNZ": {0, 1}, "LXLX": {1, 2, 3},
    "TBCX": {1, 2, 4, 5, 7}, "SXLX": {1, 2}, "TBCXSXLX": {1, 2},
}
# GB/T 2260 codes of the province's divisions taken in by this front database (Henan: 41xxxx)
DIVISION = re.compile(r"^41\d{4}$")
PARENTS = {   # table: (parent table, [(column here, column there)])
    "SPGL_DFXMSPLCJDXXB": ("SPGL_DFXMSPLCXXB", [("SPLCBM", "SPLCBM"), ("SPLCBBH", "SPLCBBH")]),
    "SPGL_DFXMSPLCJDSXXXB": ("SPGL_DFXMSPLCJDXXB", [("SPLCBM", "SPLCBM"), ("SPLCBBH", "SPLCBBH"),
                                                    ("SPJDXH", "SPJDXH")]),
    "SPGL_XMJBXXB": ("SPGL_DFXMSPLCXXB", [("SPLCBM", "SPLCBM"), ("SPLCBBH", "SPLCBBH")]),
    "SPGL_XMDWXXB": ("SPGL_XMJBXXB", [("XMDM", "XMDM")]),
    "SPGL_XMSPSXBLXXB": ("SPGL_XMJBXXB", [("GCDM", "XMDM")]),
    "SPGL_XMSPSXBLXXXXB": ("SPGL_XMSPSXBLXXB", [("SPSXSLBM", "SPSXSLBM")]),
    "SPGL_XMSPSXPFWJXXB": ("SPGL_XMSPSXBLXXB", [("SPSXSLBM", "SPSXSLBM")]),
    "SPGL_XMQTFJXXB": ("SPGL_XMSPSXBLXXB", [("SPSXSLBM", "SPSXSLBM")]),
    "SPGL_XMYDHXJZXXB": ("SPGL_XMJBXXB", [("XMDM", "XMDM")]),
    "SPGL_XMSPSXBLTBCXXXB": ("SPGL_XMSPSXBLXXB", [("SPSXSLBM", "SPSXSLBM")]),
    "SPGL_ZJFWSXBLXXB": ("SPGL_XMJBXXB", [("XMDM", "XMDM")]),
}


def ddl():
    for name, columns in TABLES.items():
        body = ", ".join(f"{c} {t}" for c, t in COMMON + list(columns.items()))
        yield (f"CREATE TABLE IF NOT EXISTS {name} ({body}, INDEX ix_{name}_key (DFSJZJ, SJBB), "
               f"INDEX ix_{name}_status (SJSCZT)) DEFAULT CHARSET=utf8mb4")


def create(engine):
    with engine.begin() as conn:
        for statement in ddl():
            conn.execute(text(statement))


def _empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _code(value):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return value


def problems(conn, table, row):
    """The reasons `row` of `table` is rejected (empty: it is taken in)."""
    found = []
    if row["SJYXBS"] == 0 and _empty(row["SJWXYY"]):
        found.append("无效原因为空：SJYXBS=0 时须填写 SJWXYY")
    for column in REQUIRED[table]:
        if _empty(row.get(column)):
            found.append(f"必填项为空：{column}")
    for column, allowed in CODE_LISTS.items():
        if column in row and not _empty(row[column]) and _code(row[column]) not in allowed:
            found.append(f"代码不在代码表：{column}={row[column]}")
    for column in ("XZQHDM", "JSDDXZQH"):
        if column in row and not DIVISION.match(str(row[column] or "")):
            found.append(f"行政区划代码无效：{column}={row[column]}")
    start, end = row.get("NKGSJ"), row.get("NJCSJ")
    if not _empty(start) and not _empty(end) and str(end) < str(start):
        found.append(f"计划竣工时间早于计划开工时间：NKGSJ={start}，NJCSJ={end}")
    if table in PARENTS and not found:
        parent, pairs = PARENTS[table]
        where = " AND ".join(f"{there} = :{here}" for here, there in pairs)
        taken = conn.execute(text(f"SELECT 1 FROM {parent} WHERE {where} AND SJSCZT = 1 AND SJYXBS = 1 LIMIT 1"),
                             {here: row[here] for here, _ in pairs}).first()
        if not taken:
            found.append(f"上级数据不存在：{parent} " + "，".join(f"{there}={row[here]}" for here, there in pairs))
    return found


def snapshot(engine):
    """The last serial number of every table, read in one transaction: a pass checks only the rows
    written before it began, so a row is never checked before a parent written ahead of it."""
    with engine.begin() as conn:
        return {table: conn.execute(text(f"SELECT COALESCE(MAX(LSH), 0) FROM {table}")).scalar() for table in TABLES}


def check_once(engine):
    """Check every new row, table by table in dependency order; answers (taken in, rejected)."""
    taken = rejected = 0
    last = snapshot(engine)
    for table in TABLES:
        with engine.begin() as conn:
            for row in conn.execute(text(f"SELECT * FROM {table} WHERE SJSCZT = 0 AND LSH <= :last ORDER BY LSH"),
                                    {"last": last[table]}).mappings().all():
                reasons = problems(conn, table, dict(row))
                if reasons:
                    conn.execute(text(f"UPDATE {table} SET SJSCZT = 2, SBYY = :why WHERE LSH = :lsh"),
                                 {"why": "；".join(reasons)[:1000], "lsh": row["LSH"]})
                    rejected += 1
                else:
                    conn.execute(text(f"UPDATE {table} SET SJSCZT = 1 WHERE LSH = :lsh"), {"lsh": row["LSH"]})
                    taken += 1
    return taken, rejected


def create_database(admin_url, name):
    engine = create_engine(admin_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}` DEFAULT CHARACTER SET utf8mb4"))
    engine.dispose()


def drop_database(admin_url, name):
    engine = create_engine(admin_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("create", "run", "check-once", "create-database"))
    parser.add_argument("--url", help="the front database (SQLAlchemy URL)")
    parser.add_argument("--admin-url", default="mysql+pymysql://root@127.0.0.1:3306/")
    parser.add_argument("--name", help="database to create (create-database)")
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args(argv)
    if args.command == "create-database":
        create_database(args.admin_url, args.name)
        return 0
    engine = create_engine(args.url, pool_pre_ping=True)
    if args.command == "create":
        create(engine)
    elif args.command == "check-once":
        print("taken in %d, rejected %d" % check_once(engine))
    else:
        create(engine)
        while True:
            try:
                taken, rejected = check_once(engine)
                if taken or rejected:
                    print(f"taken in {taken}, rejected {rejected}", flush=True)
            except Exception as exc:     # the province keeps checking whatever one pass met
                print(f"check failed: {exc!r}", file=sys.stderr, flush=True)
            time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
