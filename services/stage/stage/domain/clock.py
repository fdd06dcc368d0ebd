"""The legal clock of a case or a stage (DESIGN.md §4; 000 §12, 002 §7–10, §14, 004 §13).

Day-counting convention (the only place it is written down; everything else calls this module):

- A clock counts **working days** of the official calendar (State Council schedule with its
  adjusted working weekends), dates in Asia/Shanghai.
- The day a clock starts (acceptance 受理 for a case, receipt for a stage) is **not counted**; the
  deadline is the **end of the N-th working day after it**, N = limit + extensions.
- A pause (supplement 补正 from the day its notice is issued, 002 §8) that starts on day S does not
  count S or any later day; a resumption on day R counts again **from the day after R**, exactly
  like an acceptance, and continues the same clock (it is not restarted).
- Stopping (conclusion 办结, return 退回, withdrawal) on day C counts C: used days are the working
  days in (start, C] minus the paused ones.
- ``used_days`` of an open clock are the working days in (start, today] minus paused ones; its
  ``remaining_days`` are N − used, never below zero (a clock past its deadline shows
  ``overdue_days`` instead).
- An extension (002 §14) adds working days to N; it never moves the start.
- The light (亮灯预警, 000 §18) of a running clock is red after its deadline day, yellow from the
  first day on which at most ``yellow_days`` working days are left (``LIGHT_YELLOW_DAYS``), green
  before; a paused clock keeps the light it had when it paused, a stopped one is green if it
  stopped within its limit and red otherwise. :meth:`Clock.facts` publishes this to every reader.
- If a computation needs a year whose schedule is not loaded, it assumes Monday–Friday for that
  year and the clock is flagged ``estimated`` (never a silent guess).

State kept (in the database, updated incrementally by each event): the closed counting segments
(from, to] with their working-day totals, the start of the running segment (or the pause day), the
extension, and the resulting deadline. :func:`replay` recomputes the same state from the event
history; tests hold the two equal.
"""
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from platform_kit.clock_facts import GREEN, RED, YELLOW, light_on

ONE_DAY = timedelta(days=1)


@dataclass
class Clock:
    limit_days: int
    started_on: date = None          # acceptance / receipt day (not counted)
    extension_days: int = 0
    used_before: int = 0             # working days in the closed segments
    segments: list = field(default_factory=list)   # closed counting segments [(from, to)], (from, to]
    running_since: date = None       # the running segment counts (running_since, ...]
    paused_since: date = None
    stopped_on: date = None
    due_on: date = None              # end of the N-th counted working day; None while paused before it
    estimated: bool = False          # some day of an unloaded year was assumed Monday–Friday

    # ------------------------------------------------------------------ state
    @property
    def total_days(self):
        return self.limit_days + self.extension_days

    @property
    def started(self):
        return self.started_on is not None

    @property
    def running(self):
        return self.running_since is not None

    @property
    def paused(self):
        return self.paused_since is not None

    @property
    def stopped(self):
        return self.stopped_on is not None

    # ------------------------------------------------------------------ transitions
    @classmethod
    def start(cls, limit_days, on, calendar):
        clock = cls(limit_days=limit_days, started_on=on, running_since=on)
        clock._project(calendar)
        return clock

    def pause(self, on, calendar):
        """Pause from day `on` (not counted)."""
        self._require_running("暂停")
        if on < self.running_since:
            raise ValueError("暂停日期早于计时起点")
        self._close_segment(on - ONE_DAY, calendar)
        self.paused_since = on
        self._project(calendar)

    def resume(self, on, calendar):
        """Resume on day `on`; counting continues from the day after."""
        if not self.paused:
            raise ValueError("计时未暂停，无法恢复")
        if on < self.paused_since:
            raise ValueError("恢复日期早于暂停日期")
        self.paused_since = None
        self.running_since = on
        self._project(calendar)

    def stop(self, on, calendar):
        """Stop on day `on` (counted). A paused clock stops where it paused."""
        if self.stopped:
            raise ValueError("计时已终止")
        projected = self.due_on
        if self.running:
            if on < self.running_since:
                raise ValueError("终止日期早于计时起点")
            self._close_segment(on, calendar)
        self.paused_since = None
        self.stopped_on = on
        self._project(calendar)
        if self.due_on is None:
            self.due_on = projected   # stopped within the limit: the deadline it was running to

    def extend(self, days, calendar):
        if days < 1:
            raise ValueError("延长天数必须为正数")
        if self.stopped:
            raise ValueError("计时已终止，无法延长")
        self.extension_days += days
        self._project(calendar)

    # ------------------------------------------------------------------ readings
    def used_days(self, today, calendar):
        used = self.used_before
        if self.running and today > self.running_since:
            cal = calendar.estimating()
            used += cal.working_days_between(self.running_since, today)
        return used

    def remaining_days(self, today, calendar):
        return max(0, self.total_days - self.used_days(today, calendar))

    def overdue_days(self, today, calendar):
        return max(0, self.used_days(today, calendar) - self.total_days)

    def on_time(self):
        """For a stopped clock: it stopped within its limit."""
        return self.used_before <= self.total_days

    def yellow_on(self, calendar, yellow_days):
        """The first day the light of this running clock is yellow: the day from which at most
        `yellow_days` working days are left before its deadline (the resumption day itself when no
        more are left then). None unless running."""
        if not self.running:
            return None
        left = self.total_days - self.used_before
        if left <= yellow_days:
            return self.running_since
        return calendar.estimating().add_working_days(self.running_since, left - yellow_days)

    def facts(self, on, calendar, yellow_days):
        """What every reader of this clock is told on day `on` (platform_kit.clock_facts): the
        deadline, the day it turns yellow, and the light on `on`, computed here and nowhere else.
        A paused or stopped clock's light stays what it is on `on`."""
        used = self.used_days(self.stopped_on or on, calendar)
        total = self.total_days
        facts = {
            "limit_days": self.limit_days, "extension_days": self.extension_days,
            "started_on": self.started_on, "due_on": self.due_on,
            "yellow_on": self.yellow_on(calendar, yellow_days), "yellow_days": yellow_days,
            "paused": self.paused, "stopped_on": self.stopped_on, "used_days": used,
            "remaining_days": max(0, total - used), "as_of": on,
        }
        facts["due_estimated"] = self.estimated
        if self.stopped or self.paused:
            facts["light"] = RED if used > total else (YELLOW if not self.stopped and total - used <= yellow_days
                                                       else GREEN)
        else:
            facts["light"] = light_on(facts, on)
        return facts

    def light(self, today, calendar, yellow_days=2):
        """green / yellow (at most `yellow_days` working days left) / red (past the deadline)."""
        return light_on(self.facts(today, calendar, yellow_days), today)

    # ------------------------------------------------------------------ internals
    def _require_running(self, what):
        if not self.running:
            raise ValueError(f"计时未在运行，无法{what}")

    def _close_segment(self, last_counted, calendar):
        cal = calendar.estimating()
        if last_counted > self.running_since:
            days = cal.working_days_between(self.running_since, last_counted)
            if days:
                self.segments.append((self.running_since, last_counted))
                self.used_before += days
        self.estimated = self.estimated or cal.estimated
        self.running_since = None

    def _project(self, calendar):
        """The deadline: the day the N-th counted working day falls on, if known."""
        cal = calendar.estimating()
        total = self.total_days
        if self.used_before >= total:
            self.due_on = self._reached_in_segments(total, cal)
        elif self.running:
            self.due_on = cal.add_working_days(self.running_since, total - self.used_before)
        else:
            self.due_on = None  # paused or stopped before the limit: decided by when it resumes
        self.estimated = self.estimated or cal.estimated

    def _reached_in_segments(self, total, cal):
        counted = 0
        for start, end in self.segments:
            days = cal.working_days_between(start, end)
            if counted + days >= total:
                return cal.add_working_days(start, total - counted)
            counted += days
        return None  # unreachable: used_before is the sum of the segments

    def recompute(self, calendar):
        """Recount every closed segment and the deadline (after a year's schedule is loaded)."""
        cal = calendar.estimating()
        self.used_before = sum(cal.working_days_between(a, b) for a, b in self.segments)
        self.estimated = cal.estimated
        projected = self.due_on
        self._project(calendar)
        if self.due_on is None and self.stopped:
            self.due_on = projected

    def copy(self):
        return replace(self, segments=list(self.segments))


# ---------------------------------------------------------------------------- history
START, PAUSE, RESUME, STOP, EXTEND = "start", "pause", "resume", "stop", "extend"


def replay(limit_days, history, calendar):
    """A clock rebuilt from its history [(kind, day, days?)], in order. Kinds: start, pause,
    resume, stop, extend (with days)."""
    clock = None
    for entry in history:
        kind, day = entry[0], entry[1]
        if kind == START:
            clock = Clock.start(limit_days, day, calendar)
        elif kind == PAUSE:
            clock.pause(day, calendar)
        elif kind == RESUME:
            clock.resume(day, calendar)
        elif kind == STOP:
            clock.stop(day, calendar)
        elif kind == EXTEND:
            clock.extend(entry[2], calendar)
    return clock


def deadline(start, limit_days, calendar):
    """The deadline of an uninterrupted clock started on `start`, and whether it is an estimate."""
    cal = calendar.estimating()
    return cal.add_working_days(start, limit_days), cal.estimated


def yellow_before(today, calendar, yellow_days):
    """The earliest deadline that does not make a running clock yellow on `today`.

    A running clock is yellow from ``yellow_on``: from the day on which at most `yellow_days` working
    days are left before its deadline. On `today` that holds exactly when the deadline falls before the
    (`yellow_days` + 1)-th working day after today; it is red when the deadline is before today. So a
    list decides today's light of many running clocks by comparing their stored deadlines with today
    and this day (``stage.adapters.repositories.case_light``), the same light :meth:`Clock.facts` gives.
    A paused or stopped clock keeps the light of its used days against its limit."""
    return calendar.estimating().add_working_days(today, yellow_days + 1)


@dataclass(frozen=True)
class LightsOn:
    """What deciding the lights of `today` in a list needs (:func:`yellow_before`)."""
    today: date
    yellow_before: date
    yellow_days: int

    @classmethod
    def of(cls, today, calendar, yellow_days):
        return cls(today, yellow_before(today, calendar, yellow_days), yellow_days)

    def light(self, clock):
        """The light of `clock` (None: not started) by the dates it stores, as the list query decides it."""
        if clock is None:
            return GREEN
        if clock.paused or clock.stopped:
            used, total = clock.used_before, clock.total_days
            return RED if used > total else (YELLOW if not clock.stopped and total - used <= self.yellow_days
                                             else GREEN)
        if clock.due_on < self.today:
            return RED
        return YELLOW if clock.due_on < self.yellow_before else GREEN
