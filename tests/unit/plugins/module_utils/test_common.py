# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Value checks shared by every resource: numbers, prefixes, ranges, interface names."""

from __future__ import annotations

import ipaddress

import pytest

from ansible_collections.pbr.linux.plugins.module_utils._values import (
    U32_MAX,
    PbrError,
    check_ifname,
    invalid,
    parse_address,
    parse_int,
    parse_network,
    parse_range,
    proto_name,
)


# ---------------------------------------------------------------------------- parse_int
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (U32_MAX, U32_MAX),
        ("42", 42),
        (" 42 ", 42),
        ("0x2a", 42),
        ("0X2A", 42),
        ("0xffffffff", U32_MAX),
        ("007", 7),
    ],
)
def test_parse_int_accepts(value: object, expected: int) -> None:
    assert parse_int("f", value, 0, U32_MAX) == expected


@pytest.mark.parametrize(
    "value",
    [True, False, -1, U32_MAX + 1, "0x100000000", "", "1.5", "ten", "0x", "1e3", 1.0, None, [1], "-0x1"],
)
def test_parse_int_rejects(value: object) -> None:
    with pytest.raises(PbrError) as err:
        parse_int("config[0].priority", value, 0, U32_MAX, "a priority")
    assert err.value.field == "config[0].priority"
    assert err.value.value == value
    assert err.value.msg.startswith(f"config[0].priority: {value!r} is not valid; expected a priority from 0 to")


def test_parse_int_bounds_are_inclusive() -> None:
    assert parse_int("f", 1, 1, 2) == 1
    assert parse_int("f", "2", 1, 2) == 2
    with pytest.raises(PbrError, match="from 1 to 2"):
        parse_int("f", 0, 1, 2)
    with pytest.raises(PbrError, match="from 1 to 2"):
        parse_int("f", "3", 1, 2)


def test_parse_int_error_for_text_mentions_hex() -> None:
    with pytest.raises(PbrError, match=r"decimal or 0x hex"):
        parse_int("f", "0xZZ", 0, 9)


# ---------------------------------------------------------------------------- parse_network
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.0.2.0/24", "192.0.2.0/24"),
        ("192.0.2.7", "192.0.2.7/32"),
        (" 198.51.100.0/25 ", "198.51.100.0/25"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("2001:DB8:0:0::1", "2001:db8::1/128"),
        ("::/0", "::/0"),
        ("203.0.113.5/32", "203.0.113.5/32"),
    ],
)
def test_parse_network_accepts(value: str, expected: str) -> None:
    assert parse_network("from", value).with_prefixlen == expected


@pytest.mark.parametrize("value", ["192.0.2.1/24", "2001:db8::1/32", "1.2.3.4/0", "::1/0"])
def test_parse_network_rejects_host_bits(value: str) -> None:
    with pytest.raises(PbrError) as err:
        parse_network("config[2].from", value)
    assert "host bits set" in err.value.msg
    assert err.value.msg.startswith(f"config[2].from: {value!r}")
    # says which network address was probably meant
    assert ipaddress.ip_network(value, strict=False).with_prefixlen in err.value.msg


@pytest.mark.parametrize(
    "value",
    ["", "   ", "192.0.2.300/24", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/-1", "eth0", "all", 3232235520, None],
)
def test_parse_network_rejects_garbage(value: object) -> None:
    with pytest.raises(PbrError) as err:
        parse_network("config[0].to", value)
    assert err.value.field == "config[0].to"
    assert repr(value) in err.value.msg
    assert "CIDR" in err.value.msg


def test_parse_address() -> None:
    assert str(parse_address("a", " 2001:db8::1 ")) == "2001:db8::1"
    for bad in ("192.0.2.0/24", "x", 1):
        with pytest.raises(PbrError, match="address"):
            parse_address("a", bad)


# ---------------------------------------------------------------------------- parse_range
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (80, (80, 80)),
        ("80", (80, 80)),
        ("1000-2000", (1000, 2000)),
        ("1000:2000", (1000, 2000)),
        (" 5-5 ", (5, 5)),
        ([10, 20], (10, 20)),
        (("0x10", "0x20"), (16, 32)),
        ("1-65535", (1, 65535)),
    ],
)
def test_parse_range_accepts(value: object, expected: tuple) -> None:
    assert parse_range("sport", value, 1, 65535, "port") == expected


@pytest.mark.parametrize(
    "value", ["2000-1000", "0", "65536", "1-2-3", "a-b", "-5", "", True, 1.5, [1, 2, 3], [2, 1], None, 0]
)
def test_parse_range_rejects(value: object) -> None:
    with pytest.raises(PbrError) as err:
        parse_range("config[1].dport", value, 1, 65535, "port")
    assert err.value.field == "config[1].dport"
    assert err.value.msg.startswith(f"config[1].dport: {value!r}")


def test_parse_range_reversed_says_so() -> None:
    with pytest.raises(PbrError, match="reversed range"):
        parse_range("uidrange", "10-5", 0, U32_MAX, "uid")


# ---------------------------------------------------------------------------- check_ifname
@pytest.mark.parametrize("value", ["lo", "eth0", "a" * 15, "veth-a.100", "wg_0", "br0@x", "é" * 7])
def test_check_ifname_accepts(value: str) -> None:
    assert check_ifname("iif", value) == value


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("a" * 16, "at most 15"),
        ("é" * 8, "at most 15"),  # 16 bytes: the kernel counts bytes, not characters
        ("", "1 to 15"),
        (None, "1 to 15"),
        (5, "1 to 15"),
        ("eth 0", "whitespace"),
        ("eth0\t", "whitespace"),
        ("a/b", "'/'"),
        ("eth0:1", "':'"),
        (".", "whitespace"),
        ("..", "whitespace"),
    ],
)
def test_check_ifname_rejects(value: object, why: str) -> None:
    with pytest.raises(PbrError) as err:
        check_ifname("config[0].oif", value)
    assert err.value.msg.startswith(f"config[0].oif: {value!r} is not valid; expected")
    assert why in err.value.msg


# ---------------------------------------------------------------------------- misc
def test_invalid_message_shape() -> None:
    err = invalid("config[3].table", "nope", "a table number")
    assert str(err) == "config[3].table: 'nope' is not valid; expected a table number"
    assert (err.field, err.value) == ("config[3].table", "nope")


def test_proto_name() -> None:
    assert proto_name(242) == "pbr"
    assert proto_name(2) == "kernel"
    assert proto_name(77) == "77"
