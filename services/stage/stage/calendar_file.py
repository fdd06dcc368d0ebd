"""Loading a year's holiday schedule from a file into the stage database (operators).

``python -m stage.calendar_file schedule.yml [--url URL] [--by NAME]`` where the file holds::

    year: 2027
    holidays: [2027-01-01, 2027-01-02, ...]      # 放假日期
    working_weekends: [2027-02-07, ...]           # 调休上班的周末

The file goes through the same validation as the ``load_calendar_year`` RPC (malformed, duplicate,
out-of-year or contradictory entries are refused and nothing is loaded), and the load is recorded
with who made it, and published to the platform (``calendar.year_loaded``); estimated deadlines are
counted again in the same transaction (``stage.clock_recomputed``), exactly as the RPC does.
"""
import argparse
import json
import sys
from pathlib import Path

import yaml
from sqlalchemy.orm import sessionmaker

from platform_kit.calendar import today_in_shanghai
from platform_kit.db import make_engine, transaction
from platform_kit.errors import PlatformError
from platform_kit.identity import Identity
from platform_kit.migrate import default_url
from platform_kit.validation import load
from stage import handlers
from stage.adapters.orm import metadata
from stage.adapters.repositories import repositories
from stage.schemas import LoadCalendarYear
from stage.settings import configured_yellow_days


def read_schedule(path):
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: 文件内容应为包含 year、holidays、working_weekends 的对象")
    # YAML reads bare dates as dates; the schema reads ISO strings
    return {key: [str(d) for d in value] if isinstance(value, list) else value for key, value in data.items()}


def load_file(path, url, loaded_by, yellow_days=None):
    cmd = load(LoadCalendarYear(), read_schedule(path))
    engine = make_engine(url, pool_size=1)
    try:
        with transaction(sessionmaker(bind=engine), metadata, repositories) as uow:
            return handlers.load_calendar_year(cmd, Identity(sub=loaded_by, role="operator", name=loaded_by),
                                               uow, today_in_shanghai(),
                                               configured_yellow_days() if yellow_days is None else yellow_days)
    finally:
        engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description="载入某年法定节假日与调休安排")
    parser.add_argument("file", help="YAML or JSON file: year, holidays, working_weekends")
    parser.add_argument("--url", default=None, help="stage database URL (default: STAGE_DATABASE_URL)")
    parser.add_argument("--by", default="operator-cli", help="who is loading it (recorded)")
    args = parser.parse_args(argv)
    try:
        result = load_file(args.file, args.url or default_url("stage"), args.by)
    except PlatformError as exc:
        print(f"未载入：{exc.detail}", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error['field']}: {error['message']}", file=sys.stderr)
        return 1
    print(f"{result['year']} 年已载入：放假 {result['holidays']} 天，调休上班 {result['working_weekends']} 天，"
          f"重新计算期限 {result['recomputed_clocks']} 个")
    return 0


if __name__ == "__main__":
    sys.exit(main())
