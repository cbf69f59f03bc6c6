"""uvicorn's supervisor for server processes that each listen on a socket of their own.

``sightgate serve --workers N`` binds one ``SO_REUSEPORT`` socket per process where the
kernel balances them (``listen`` in ``cli/server.py``). uvicorn's ``Multiprocess`` hands
every process all the sockets it is given, which would put each process back on every
socket; here process *i* gets socket *i*. Imported only by ``serve --workers`` (it
imports uvicorn).
"""

from __future__ import annotations

import logging

from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process

log = logging.getLogger("uvicorn.error")


class SocketPerProcess(Multiprocess):
    """``Multiprocess`` with one socket per process slot.

    The process that replaces one (after it died, or in SIGHUP's rolling restart) gets
    the same socket, which this parent keeps open throughout: the connections the kernel
    queued on it meanwhile wait for the new process instead of being refused. The number
    of processes is fixed: SIGTTIN and SIGTTOU would need sockets bound and closed while
    serving, so they are logged and ignored. Everything else (signals, the health
    checks, stopping when a process fails to start) is uvicorn's.
    """

    def _new(self, slot: int) -> Process:
        process = Process(self.config, [self.sockets[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._new(slot) for slot in range(self.processes_num)]

    def keep_subprocess_alive(self) -> None:
        """uvicorn's, replacing a dead process on its own slot's socket."""
        for slot, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # it may be hung rather than dead
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                log.error("Child process [%s] failed to start, stopping the parent.", process.pid)
                self.should_exit.set()
                return
            log.info("Child process [%s] died", process.pid)
            self.processes[slot] = self._new(slot)

    def restart_all(self) -> None:
        """uvicorn's rolling restart (SIGHUP), each replacement on its slot's socket."""
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._new(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    log.error(
                        "New child process [%s] was not ready in time; keeping [%s] and "
                        "aborting the restart.",
                        new.pid,
                        old.pid,
                    )
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def handle_ttin(self) -> None:
        log.info("Received SIGTTIN: the number of processes is fixed with a socket each.")

    def handle_ttou(self) -> None:
        log.info("Received SIGTTOU: the number of processes is fixed with a socket each.")
