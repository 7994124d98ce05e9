"""The background fetcher: a readable copy for every saved page the browser did not capture.

:class:`Fetcher` takes due jobs from the queue (``claim``), fetches them (at most two at
a time, :mod:`.fetch`), extracts each in turn in a child process (:class:`Extractor`,
:mod:`.extract_child`) and reports every outcome (``finish``), which the queue stores or
schedules again (``retry``). ``claim`` and ``finish`` are only ever called from the thread
that runs :meth:`Fetcher.run_once` (or :meth:`Fetcher.run`), one at a time.

Idle, the fetcher holds no page and has loaded neither ``requests`` nor trafilatura (the
host never loads trafilatura: only the child does). Each fetch runs on a daemon thread of
its own that ends with it: a fetch still waiting for its server never holds up the exit.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Sequence

from pocket_companion.articles.fetch import FetchFailed, Page, fetch_page
from pocket_companion.articles.model import Article, FetchJob, FetchOutcome
from pocket_companion.children import isolated, python_argv
from pocket_companion.logs import get_logger

log = get_logger(__name__)
MIN_SLEEP = 1.0  # a job due now that claim did not give (another host has it): not a spin
CHILD = "pocket_companion.articles.extract_child"
Claim = Callable[[int], list[FetchJob]]
Finish = Callable[[FetchJob, FetchOutcome], None]
Fetch = Callable[[str], Page]
Extract = Callable[[Page], Article | None]


class Extractor:
    """Runs :mod:`.extract_child` on one page: killed after ``timeout`` seconds, limited to
    ``memory`` bytes of address space. ``command`` replaces the child (tests: one that
    hangs)."""

    def __init__(self, timeout: float = 15.0, memory: int = 512 * 1024 * 1024,
                 command: Sequence[str] | None = None) -> None:
        self.timeout, self.memory = timeout, memory
        self.command = list(command) if command else python_argv(CHILD)

    def __call__(self, page: Page) -> Article | None:
        import subprocess

        header = {"url": page.url, "charset": page.charset, "memory": self.memory,
                  "cpu": int(self.timeout * 2) + 1}
        try:
            proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
                **isolated())  # type: ignore[call-overload]
        except OSError as exc:  # no process to be had now (too many open files, say)
            raise FetchFailed(f"the extraction could not start ({exc.strerror})",
                              retry=True) from None
        data = json.dumps(header).encode("utf-8") + b"\n" + page.body
        try:
            out, err = proc.communicate(data, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise FetchFailed(f"extracting the article took longer than {self.timeout:.0f} s",
                              retry=False) from None
        return _answer(out, err, proc.returncode)


def _answer(out: bytes, err: bytes, status: int) -> Article | None:
    """The child's article from its output, or why there is none."""
    try:
        answer = json.loads(out.splitlines()[-1])
    except (IndexError, ValueError):
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        log.warning("article extraction failed (exit status %s): %s", status, last[0][:300])
        memory = "MemoryError" in last[0]
        raise FetchFailed("the page needs too much memory to extract" if memory else
                          f"the extraction failed (exit status {status})",
                          retry=not memory and status >= 0) from None
    if not isinstance(answer, dict):
        raise FetchFailed("the extraction gave no answer", retry=False)
    if isinstance(answer.get("error"), str):
        raise FetchFailed(answer["error"], retry=False)
    fields = answer.get("article")
    if fields is None:
        return None
    try:
        article = Article(**fields)
    except TypeError:
        article = None
    if article is None or not isinstance(article.words, int) or \
            not all(isinstance(value, str) for value in article[:-1]):
        raise FetchFailed("the extraction gave an article of the wrong shape", retry=False)
    return article


class Fetcher:
    """Fetches what is due (see the module's text).

    ``fetch`` and ``extract`` default to the real ones; ``clock`` (seconds, as the queue's
    times) and ``due`` (when the next job is due, None when none is) let :meth:`run`
    sleep just long enough; without ``due`` it looks again every ``poll`` seconds.
    """

    def __init__(self, claim: Claim, finish: Finish, *, fetch: Fetch = fetch_page,
                 extract: Extract | None = None, clock: Callable[[], float] = time.time,
                 due: Callable[[], float | None] | None = None, batch: int = 4,
                 parallel: int = 2, poll: float = 60.0) -> None:
        self.claim, self.finish, self.fetch = claim, finish, fetch
        self.extract: Extract = extract if extract is not None else Extractor()
        self.clock, self.due = clock, due
        self.batch, self.parallel, self.poll = batch, parallel, poll
        self._wake = threading.Event()
        self._planned: float | None = None  # when a sleeping fetcher looks again

    def wake(self, due: float | None = None) -> None:
        """New jobs were queued (or the fetcher should stop): look now; not for jobs due
        (``due``) no sooner than it looks anyway."""
        planned = self._planned
        if due is not None and planned is not None and due >= planned:
            return
        self._wake.set()

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Claim up to ``batch`` due jobs, fetch, extract and finish them; how many."""
        jobs = self.claim(self.batch)
        waiting = list(jobs)
        fetched: queue.SimpleQueue[tuple[FetchJob, Page | BaseException]] = queue.SimpleQueue()
        running = 0
        while waiting or running:
            while waiting and running < self.parallel:  # two pages in memory at most
                self._start(waiting.pop(0), fetched)
                running += 1
            job, result = fetched.get()
            running -= 1
            if stop is not None and stop.is_set():
                break  # the rest stay claimed: the queue hands them out again later
            if waiting:  # the next fetch runs while this page is extracted
                self._start(waiting.pop(0), fetched)
                running += 1
            self.finish(job, self._outcome(job, result))
        return len(jobs)

    def _start(self, job: FetchJob,
               fetched: queue.SimpleQueue[tuple[FetchJob, Page | BaseException]]) -> None:
        """Fetch ``job`` on a thread of its own: a daemon, so that a fetch still waiting
        for its server never holds up the host's exit (an executor's threads would)."""

        def work() -> None:
            try:
                fetched.put((job, self.fetch(job.url)))
            except BaseException as exc:  # handed over whole, as a future would
                fetched.put((job, exc))

        threading.Thread(target=work, name="fetch", daemon=True).start()

    def _outcome(self, job: FetchJob, result: Page | BaseException) -> FetchOutcome:
        try:
            if isinstance(result, BaseException):
                raise result
            article = self.extract(result)
        except FetchFailed as exc:
            log.info("no copy of item %s: %s", job.item_id, exc.message)
            return FetchOutcome(None, exc.message, exc.retry)
        except Exception:  # a bug must not stop the fetcher: this page fails, alone
            log.exception("fetching item %s failed", job.item_id)
            return FetchOutcome(None, "an internal error (see the log)", False)
        return FetchOutcome(article)

    def run(self, stop: threading.Event) -> None:
        """Fetch until ``stop`` is set (then call :meth:`wake` to end a sleep at once),
        sleeping while nothing is due."""
        while not stop.is_set():
            try:
                done = self.run_once(stop)
            except Exception:  # the queue failed (a locked database): try again later
                log.exception("the article fetcher could not read its queue")
                done = 0
            if done or stop.is_set():
                continue
            sleep = self._sleep()
            self._planned = self.clock() + sleep
            self._wake.wait(sleep)
            self._planned = None
            self._wake.clear()

    def _sleep(self) -> float:
        """Seconds until the next job is due (at most ``poll``)."""
        if self.due is None:
            return self.poll
        when = self.due()
        if when is None:
            return self.poll
        return min(self.poll, max(MIN_SLEEP, when - self.clock()))

