# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""src_valid_mark, kernel I/O: /proc/sys of the task's network namespace, read and written."""

from __future__ import annotations

import errno
import os
from typing import Any, Dict, List, Optional, Sequence

from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark_notation import (
    CONF,
    PROC_SYS,
    Slot,
    _int,
    proc_path,
    sysctl_key,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError


# ---------------------------------------------------------------------------- /proc/sys
class ProcSys:
    """net.ipv4.conf.* of one namespace, read and written through /proc/sys."""

    def __init__(self, host: Optional[Host], root: str = PROC_SYS) -> None:
        self.host = host
        self.root = root

    def _inside(self, make: Any) -> Any:
        return self.host.in_namespace(make) if self.host is not None else make()

    def interfaces(self) -> List[str]:
        """Every name under net/ipv4/conf (the interfaces with IPv4 configuration, plus all/default)."""
        return sorted(self._inside(lambda: os.listdir(os.path.join(self.root, *CONF))))

    def read(self, slots: Sequence[Slot]) -> Dict[Slot, int]:
        """Current values of the slots that exist (a missing interface is simply left out)."""

        def read_all() -> Dict[Slot, int]:
            values: Dict[Slot, int] = {}
            for slot in slots:
                path = proc_path(*slot, root=self.root)
                try:
                    with open(path) as handle:
                        text = handle.read(64)
                except FileNotFoundError:
                    continue
                except OSError as err:
                    raise PbrError(f"cannot read {path}{self._where()}: {err.strerror}") from None
                number = _int(text)
                if number is not None:
                    values[slot] = number
            return values

        return self._inside(read_all)

    def write(self, interface: str, setting: str, value: int) -> None:
        path = proc_path(interface, setting, root=self.root)
        try:
            fd = self._inside(lambda: os.open(path, os.O_WRONLY))
        except OSError as err:
            if err.errno == errno.EROFS:
                raise PbrError(
                    read_only_message(sysctl_key(interface, setting), value, self._where()), "interfaces", interface
                ) from None
            what = "the interface does not exist" if err.errno == errno.ENOENT else err.strerror
            raise PbrError(f"cannot open {path}{self._where()}: {what}", "interfaces", interface) from None
        try:
            os.write(fd, f"{value}\n".encode())
        except OSError as err:
            raise PbrError(
                f"the kernel refused `{sysctl_command(interface, setting, value)}`{self._where()}: {err.strerror}",
                "interfaces",
                interface,
            ) from None
        finally:
            os.close(fd)

    def _where(self) -> str:
        return f" in namespace {self.host.namespace}" if self.host is not None and self.host.namespace else ""


def sysctl_command(interface: str, setting: str, value: int) -> str:
    return f"sysctl -w {sysctl_key(interface, setting)}={value}"


def read_only_message(key: str, value: int, where: str = "") -> str:
    """/proc/sys mounted read-only (the podman and docker default for a container): say how to set it instead."""
    return (
        f"cannot set {key}={value}{where}: /proc/sys is read-only here (a container's default with podman and "
        f"docker). Set the value when the container starts (podman/docker run --sysctl {key}={value}; "
        f"compose: sysctls: {{{key}: {value}}}) or run it with a writable /proc/sys (podman "
        "--security-opt unmask=/proc/sys with CAP_NET_ADMIN); the interface must exist then, so a --sysctl for "
        "it works only for the container's own interfaces"
    )
