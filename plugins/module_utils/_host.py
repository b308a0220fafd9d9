# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access to one host's network stack: the root namespace or a named one.

Reads go through an rtnetlink socket opened *inside* the target namespace (setns on
this thread, open the socket, switch back: the socket keeps its namespace, and no
helper process is spawned) and the small decoder in _netlink.py. Writes go through
``ip [-n NS] -batch -`` with exactly the commands the plan shows, so what check mode
reports is literally what apply runs. Files follow ``ip netns exec``'s view of /etc.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import socket
import subprocess
import tempfile
import time
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

from ansible_collections.pbr.linux.plugins.module_utils import _netlink as netlink
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError, invalid

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = "/run/netns"
NETNS_ETC_DIR = "/etc/netns"
_NS_NAME = re.compile(r"[A-Za-z0-9_.-]{1,255}")
# One lock per network namespace, shared by every module task and pbr-linux-restore (flock(2))
LOCK_DIR = "/run/pbr-linux"
LOCK_WAIT = 60.0
LOCK_WAIT_ENV = "PBR_LINUX_LOCK_TIMEOUT"


def check_namespace_name(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str) or not _NS_NAME.fullmatch(value) or value in (".", ".."):
        raise invalid("namespace", value, "a network namespace name as listed by `ip netns list`")
    return value


def etc_root(namespace: Optional[str], etc: str = "/etc", netns_etc: str = NETNS_ETC_DIR) -> str:
    """Where /etc/iproute2 is for commands run in ``namespace`` (as ip netns exec sees it).

    ``etc`` and ``netns_etc`` (the roots for /etc and /etc/netns) are overridable for tests.
    """
    if namespace and os.path.isdir(os.path.join(netns_etc, namespace, "iproute2")):
        return os.path.join(netns_etc, namespace)
    return etc


def lock_path(namespace: Optional[str], lock_dir: str = LOCK_DIR) -> str:
    """The lock file of one namespace (the root one: ``host.lock``); pbr-linux-restore uses the same names."""
    return os.path.join(lock_dir, f"netns-{namespace}.lock" if namespace else "host.lock")


def lock_wait() -> float:
    """Seconds a task waits for the lock: LOCK_WAIT, or the PBR_LINUX_LOCK_TIMEOUT environment variable."""
    text = os.environ.get(LOCK_WAIT_ENV)
    if text is None:
        return LOCK_WAIT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86400:
        raise invalid(LOCK_WAIT_ENV, text, "a number of seconds from 0 to 86400 (environment of the managed host)")
    return value


@contextlib.contextmanager
def host_lock(namespace: Optional[str], wait: Optional[float] = None, lock_dir: str = LOCK_DIR) -> Iterator[None]:
    """Hold the namespace's lock while the body reads, plans and applies: two tasks (or a task and
    pbr-linux-restore) on one host never interleave. Waits at most ``wait`` seconds, then fails saying who holds it."""
    wait = lock_wait() if wait is None else wait
    os.makedirs(lock_dir, mode=0o755, exist_ok=True)
    path = lock_path(namespace, lock_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                with open(path) as handle:
                    holder = handle.read().strip() or "unknown"
                where = f"namespace {namespace!r}" if namespace else "the host"
                raise PbrError(
                    f"another pbr.linux task or pbr-linux-restore holds the lock of {where} ({path}, held by: "
                    f"{holder}); waited {wait:g} s. Nothing was changed. Run again when it is done, or set "
                    f"{LOCK_WAIT_ENV} on the managed host to wait longer",
                    "namespace",
                    namespace,
                )
            time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} (pbr.linux module)\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


class BatchError(Exception):
    """``ip -batch`` stopped: ``done`` commands had succeeded before ``failed``.

    ``exact`` is False when ip did not say which line failed: it exits at once, without its
    ``Command failed -:N`` line, on an argument it cannot parse. Then at least ``done``
    commands ran, and the caller has to find out how many more did (see engine.apply_plan).
    """

    def __init__(self, done: int, failed: Optional[str], stderr: str, exact: bool = True) -> None:
        super().__init__(stderr)
        self.done = done
        self.failed = failed
        self.stderr = stderr
        self.exact = exact


class Host:
    """One network namespace of the managed host."""

    def __init__(self, namespace: Optional[str] = None, ip_bin: str = "ip") -> None:
        self.namespace = check_namespace_name(namespace)
        self.ip_bin = ip_bin
        self._ipr: Any = None
        self._sock: Optional[socket.socket] = None
        if self.namespace and not os.path.exists(os.path.join(NETNS_RUN_DIR, self.namespace)):
            raise PbrError(
                f"namespace: {self.namespace!r} does not exist; expected a network namespace "
                "listed by `ip netns list` (pbr.linux never creates one)",
                "namespace",
                self.namespace,
            )

    def lock(self, wait: Optional[float] = None) -> Any:
        """This namespace's host-wide lock (see :func:`host_lock`)."""
        return host_lock(self.namespace, wait)

    # -- netlink -------------------------------------------------------------------
    def in_namespace(self, make: Callable[[], Any]) -> Any:
        """Call ``make`` with this thread switched into the namespace, then switch back.

        Sockets keep the namespace they were created in, and /proc/sys/net files the one
        they were opened in, so reads need no helper process.
        """
        if not self.namespace:
            return make()
        own = os.open("/proc/self/ns/net", os.O_RDONLY)
        target = os.open(os.path.join(NETNS_RUN_DIR, self.namespace), os.O_RDONLY)
        try:
            _setns(target)
            try:
                return make()
            finally:
                _setns(own)
        finally:
            os.close(own)
            os.close(target)

    def netlink(self) -> socket.socket:
        """An rtnetlink socket in this namespace (see _netlink.py for the dump reader)."""
        if self._sock is None:
            self._sock = self.in_namespace(netlink.open_socket)
        return self._sock

    def ipr(self) -> Any:
        """A pyroute2 IPRoute in this namespace (used by tests as an independent oracle)."""
        if self._ipr is None:
            from pyroute2 import IPRoute

            self._ipr = self.in_namespace(IPRoute)
        return self._ipr

    def close(self) -> None:
        if self._ipr is not None:
            self._ipr.close()
            self._ipr = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def link_names(self) -> List[str]:
        return [name for name in netlink.link_names(self.netlink()).values() if name]

    # -- ip -batch --------------------------------------------------------------------
    def ip_prefix(self) -> List[str]:
        return [self.ip_bin] + (["-n", self.namespace] if self.namespace else [])

    def run_batch(self, commands: Sequence[Sequence[str]], force: bool = False) -> None:
        """Run commands (argv lists *without* the leading ``ip``) via ``ip -batch``.

        Consecutive commands sharing their global options (``-4``/``-6``) go in one batch.
        On failure raises BatchError with the number of commands that did succeed.
        """
        done = 0
        for opts, lines in _group_by_options(commands):
            text = "".join(_batch_line(line) + "\n" for line in lines)
            argv = self.ip_prefix() + list(opts) + (["-force"] if force else []) + ["-batch", "-"]
            proc = subprocess.run(argv, input=text, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                if force:
                    raise BatchError(done, None, proc.stderr.strip())
                match = re.search(r"Command failed -:(\d+)", proc.stderr)
                if not match:  # ip gave up parsing some line: the lines before it did run
                    raise BatchError(done, None, _first_error(proc.stderr), exact=False)
                ok = int(match.group(1)) - 1
                failed = " ".join(list(opts) + list(lines[ok])) if ok < len(lines) else None
                raise BatchError(done + ok, failed, _first_error(proc.stderr))
            done += len(lines)

    def ip_cmd(self, args: Sequence[str]) -> str:
        proc = subprocess.run(self.ip_prefix() + list(args), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise PbrError(f"`ip {' '.join(args)}` failed: {proc.stderr.strip()}")
        return proc.stdout


def _first_error(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if not ln.startswith("Command failed")]
    return lines[0] if lines else stderr.strip()


_NEEDS_QUOTES = re.compile(r"[\s\"'\\]")
_SPECIAL_BUT_SPACE = re.compile(r"[^\S ]|[\"'\\]")


def _quote(arg: str) -> str:
    return arg if arg and not _NEEDS_QUOTES.search(arg) else '"' + arg.replace('"', '\\"') + '"'


def _batch_line(args: Sequence[str]) -> str:
    """One ``ip -batch`` line; checked as a whole first (50,000 routes: one regex per line, not per word)."""
    text = " ".join(args)
    if all(args) and text.count(" ") == len(args) - 1 and not _SPECIAL_BUT_SPACE.search(text):
        return text
    return " ".join(_quote(a) for a in args)


def _group_by_options(commands: Sequence[Sequence[str]]) -> List[Tuple[Tuple[str, ...], List[Sequence[str]]]]:
    groups: List[Tuple[Tuple[str, ...], List[Sequence[str]]]] = []
    for cmd in commands:
        n = 0
        while n < len(cmd) and cmd[n].startswith("-"):
            n += 1
        opts, rest = tuple(cmd[:n]), cmd[n:]
        if groups and groups[-1][0] == opts:
            groups[-1][1].append(rest)
        else:
            groups.append((opts, [rest]))
    return groups


def atomic_write(path: str, content: str, mode: int = 0o644) -> None:
    """Write ``content`` to ``path`` through a temp file and rename (directories created)."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pbr-", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_text(path: str) -> Optional[str]:
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


Runner = Callable[[Sequence[Sequence[str]]], None]
