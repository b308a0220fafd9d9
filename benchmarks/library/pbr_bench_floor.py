# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible's own floor for the benchmarks: a module that does nothing with what it is given.

It takes the same top-level options a pbr.linux task passes (``config``, ``namespace``, ...), as
``raw`` (AnsibleModule validates nothing inside them), and returns ``changed: false`` without
echoing them back. What a task costs beyond this module is what pbr.linux costs; what this module
costs is the controller templating and shipping the arguments plus AnsiballZ starting Python.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

OPTIONS = ("config", "namespace", "state", "report", "running_config")


def main() -> None:
    module = AnsibleModule(argument_spec={k: {"type": "raw"} for k in OPTIONS}, supports_check_mode=True)
    module.exit_json(changed=False, invocation={"module_args": {}})


if __name__ == "__main__":
    main()
