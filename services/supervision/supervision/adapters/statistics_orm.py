"""Tables of the statistics (:mod:`supervision.domain.statistics`): counters added to as events are
recorded, the once-per-case marks and the Chinese names of departments and items."""
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from supervision.adapters.orm import Base


class StatisticsCounterRow(Base):
    """A counter of the statistics (domain.statistics): added to in the transaction that records each
    event, once per event; read by summing over months. Each event adds at three grains
    (``domain.statistics.GRAINS``): per department and region; per item and stage too; per officer;
    a dimension a grain does not keep is ''. A query reads the smallest grain that has its grouping."""
    __tablename__ = "statistics_counters"

    grain: Mapped[str] = mapped_column(String(10), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)          # YYYY-MM, Asia/Shanghai
    department: Mapped[str] = mapped_column(String(40), primary_key=True)    # '' when unknown
    region: Mapped[str] = mapped_column(String(12), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    officer: Mapped[str] = mapped_column(String(80), primary_key=True)       # '' when not an officer's act
    indicator: Mapped[str] = mapped_column(String(30), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    used_days: Mapped[int] = mapped_column(Integer)      # working days used, summed (conclusions)
    limit_days: Mapped[int] = mapped_column(Integer)     # promised limit with extensions, summed
    longest_days: Mapped[int] = mapped_column(Integer)   # the longest time used


class StatisticsMarkRow(Base):
    """That an indicator counted once per case (overdue) was counted for a case: inserted once."""
    __tablename__ = "statistics_marks"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(30), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))


class StatisticsNameRow(Base):
    """The Chinese name of a department (catalog.loaded) or an item (case events), for tables and charts."""
    __tablename__ = "statistics_names"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)   # department / item
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
