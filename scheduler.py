"""``python scheduler.py``: the daemon that keeps the VIVA Militer archive current.

By default: ``latest`` every 15 minutes (and at start), ``recheck`` every hour, and a nightly
``backfill`` of the last 3 days. Every crawl runs in a child process with a time limit; see
``python scheduler.py --help`` and ``scheduling/``."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError

from storage.config import ConfigError, database_problem, resolve_database_url
from storage.migrate import SchemaTooNewError, ensure_schema
from storage.runs import RunJournal
from viva_militer_archive.scheduling.daemon import Daemon, worst_exit_code
from viva_militer_archive.scheduling.durations import ScheduleError
from viva_militer_archive.scheduling.options import config_from
from viva_militer_archive.settings import Settings, from_environment

log = logging.getLogger("scheduler")


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run the daemon (or each job once with ``--once``); returns the exit code. ``settings``
    default to the environment's, read here once."""
    settings = settings or from_environment()
    try:
        config = config_from(argv, settings)
        url = resolve_database_url(config.database_url or settings.database_url)
    except (ScheduleError, ConfigError) as exc:
        print(f"scheduler: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        ensure_schema(url)
        repaired = RunJournal(url).mark_interrupted()
    except (OperationalError, SchemaTooNewError) as exc:
        print(f"scheduler: error: {database_problem(url, exc)}", file=sys.stderr)
        return 1
    if repaired:
        log.warning("Marked runs %s as interrupted (left running by a crash)", repaired)
    daemon = Daemon(config, url)
    if config.once:
        return worst_exit_code([daemon.run_job(job.name) for job in config.jobs])
    return daemon.serve()


if __name__ == "__main__":
    sys.exit(main())
