"""The daily circulation run: pickups expired, pre-due notices, reminders, blocks, claims, notice delivery.

``run_daily`` does one day's work and is safe to repeat; the scheduler runs it inside the node once a day,
and ``run_daily_for_settings`` is what ``natreg library run-daily`` calls.
"""

from .run import DailyReport, run_daily, run_daily_for_settings
from .scheduler import run_scheduler

__all__ = ["DailyReport", "run_daily", "run_daily_for_settings", "run_scheduler"]
