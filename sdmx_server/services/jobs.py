"""The job runner: a thread in every worker that takes queued submissions from the database.

Jobs are claimed with a lease that the runner renews while the job runs; if
the worker dies, the lease runs out and another worker takes the job up again
(the interrupted attempt's transaction was rolled back by the database, so it
left nothing behind).

When polling fails (the database is down, or busy) the runner logs once, then
backs off (doubling its wait up to ``max_backoff_seconds``) and logs again only
when it works again: a database stopped for minutes costs two log lines per
worker, and the runner recovers by itself.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from sdmx_server.services.submissions import SubmissionService
from sdmx_server.storage.db_health import unavailability

log = logging.getLogger(__name__)


class JobRunner:
    """Polls for jobs and runs them one at a time."""

    def __init__(
        self,
        submissions: SubmissionService,
        *,
        poll_seconds: float = 1.0,
        lease_seconds: float = 60.0,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self.submissions = submissions
        self.poll = poll_seconds
        self.max_backoff = max(max_backoff_seconds, poll_seconds)
        self.failures = 0  # consecutive failed polls (0 when the last one worked)
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the polling thread (daemon: it never keeps the process alive)."""
        self._thread = threading.Thread(target=self._loop, name="sdmx-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop after the current job."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def run_once(self) -> bool:
        """Claim and run one job; True if there was one."""
        job = self.submissions.claim(self.owner, self.lease)
        if job is None:
            return False
        done = threading.Event()
        heartbeat = threading.Thread(target=self._renew, args=(job, done), daemon=True)
        heartbeat.start()
        try:
            log.info("running job %s", job)
            self.submissions.run_job(job, self.owner)
        finally:
            done.set()
            heartbeat.join(timeout=5)
        return True

    def _renew(self, job: str, done: threading.Event) -> None:
        interval = max(1.0, self.lease.total_seconds() / 3)
        while not done.wait(interval):
            try:
                if not self.submissions.renew(job, self.owner, self.lease):
                    log.warning("lost the lease of job %s", job)
                    return
            except Exception as exc:  # noqa: BLE001 - try again at the next beat
                if unavailability(exc) is not None:
                    log.warning("could not renew the lease of job %s: database unavailable", job)
                else:
                    log.exception("could not renew the lease of job %s", job)

    def next_wait(self) -> float:
        """Seconds until the next poll: the poll interval, doubled per consecutive failure up to the maximum."""
        if not self.failures:
            return self.poll
        return float(min(self.max_backoff, self.poll * 2 ** min(self.failures, 30)))

    def poll_once(self) -> bool:
        """One turn of the loop: run a job if there is one; failures are logged once per run of them."""
        try:
            ran = self.run_once()
        except Exception as exc:  # noqa: BLE001 - the runner must survive a bad job or a database outage
            self.failures += 1
            if self.failures == 1:
                if unavailability(exc) is not None:
                    log.warning(
                        "job runner: database unavailable (%s); backing off up to %.0f s",
                        str(exc).strip().splitlines()[0]
                        if str(exc).strip()
                        else type(exc).__name__,
                        self.max_backoff,
                    )
                else:
                    log.exception("job runner error; backing off up to %.0f s", self.max_backoff)
            return False
        if self.failures:
            log.warning("job runner: working again after %d failed polls", self.failures)
            self.failures = 0
        return ran

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.poll_once():
                continue
            self._stop.wait(self.next_wait())
