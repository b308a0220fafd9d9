# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The text of ``pbr-linux-restore`` (a POSIX sh script), which pbr.linux.persist installs.

It lives in a Python module because a module's AnsiballZ payload carries module_utils, not data files.
The unit tests run it with dash and check it with shellcheck; the integration tests run it in namespaces.
"""

from __future__ import annotations

from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import IPT_CHAIN_PATTERN

# @IPT_CHAIN@ in the text: our iptables chains (IPT_CHAIN_PATTERN, shared with pbr.linux.persist)
SCRIPT = r"""#!/bin/sh
# pbr-linux-restore: replay the policy that pbr.linux.persist saved.
# Installed by the pbr.linux Ansible collection (pbr.linux.persist); do not edit, it is rewritten.
#
#   pbr-linux-restore [--namespace NAME] [--interface IFNAME] [--early] [--wait SECONDS]
#
#   (no option)    restore everything saved for the host: sysctls, rules, nft table or iptables chains, routes
#   --namespace    the same for network namespace NAME (saved under /etc/netns/NAME/pbr-linux)
#   --interface    only the saved routes through IFNAME and its sysctls (what the kernel drops on link down)
#   --early        everything but routes, skipping sysctls of interfaces that do not exist yet (early boot)
#   --wait N       retry routes that fail for up to N seconds (boot: links still coming up)
#
# Running it again changes nothing and prints nothing on stderr. It exits 1 when something could not be
# restored (each failure names its file and line; everything else is restored), 2 on bad arguments,
# 3 when another pbr.linux run holds the lock. Saved files are handed to ip -batch, nft -f and
# iptables-restore as data, after checks of their owner, mode and lines; nothing saved is run as shell.
set -u
PATH=/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin
LC_ALL=C
export PATH LC_ALL
me=pbr-linux-restore
failed=0
tab=$(printf '\t')
ns=
iface=
early=0
wait_s=0
inside=0
lock_wait=${PBR_LINUX_LOCK_TIMEOUT:-60}

say() { printf '%s: %s\n' "$me" "$*"; }
err() { printf '%s: %s\n' "$me" "$*" >&2; failed=1; }
usage() { sed -n '5,11s/^# \{0,1\}//p' "$0"; }
bad_usage() { printf '%s: %s\n' "$me" "$*" >&2; usage >&2; exit 2; }

while [ $# -gt 0 ]; do
    case $1 in
        --namespace) [ $# -ge 2 ] || bad_usage "--namespace needs a name"; ns=$2; shift 2 ;;
        --interface) [ $# -ge 2 ] || bad_usage "--interface needs a name"; iface=$2; shift 2
            [ -n "$iface" ] || bad_usage "--interface needs a name" ;;
        --wait) [ $# -ge 2 ] || bad_usage "--wait needs seconds"; wait_s=$2; shift 2 ;;
        --early) early=1; shift ;;
        --inside) [ $# -ge 2 ] || bad_usage "--inside needs a name"; ns=$2; inside=1; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) bad_usage "unknown argument: $1" ;;
    esac
done
case $ns in
    *[!A-Za-z0-9_.-]* | . | ..) bad_usage "--namespace: '$ns' is not a network namespace name" ;;
esac
if [ -n "$iface" ]; then
    case $iface in
        */* | *[[:space:]]* | *:*) bad_usage "--interface: '$iface' is not an interface name" ;;
    esac
    [ ${#iface} -le 15 ] || bad_usage "--interface: '$iface' is longer than 15 characters"
fi
case $wait_s in
    '' | *[!0-9]*) bad_usage "--wait: '$wait_s' is not a number of seconds" ;;
esac
case $lock_wait in
    '' | *[!0-9.]* | *.*.*) bad_usage "PBR_LINUX_LOCK_TIMEOUT: '$lock_wait' is not a number of seconds" ;;
esac

if [ "$inside" = 0 ]; then
    # one lock per namespace, shared with the pbr.linux modules (flock(2) on the same file)
    mkdir -p /run/pbr-linux
    if [ -n "$ns" ]; then lock=/run/pbr-linux/netns-$ns.lock; else lock=/run/pbr-linux/host.lock; fi
    exec 9>>"$lock"
    if ! flock -w "$lock_wait" 9; then
        printf '%s: another pbr.linux task or restore holds %s (%s); waited %s s, nothing was restored\n' \
            "$me" "$lock" "$(cat "$lock" 2>/dev/null)" "$lock_wait" >&2
        exit 3
    fi
    : >"$lock"
    printf 'pid %s (pbr-linux-restore)\n' "$$" >&9
    if [ -n "$ns" ]; then
        [ -e "/run/netns/$ns" ] || { err "namespace '$ns' does not exist (ip netns list)"; exit 1; }
        if [ ! -d "/etc/netns/$ns/pbr-linux" ]; then
            say "nothing saved for namespace $ns (no /etc/netns/$ns/pbr-linux)"
            exit 0
        fi
        case $0 in /*) self=$0 ;; *) self=$(command -v "$0" 2>/dev/null || printf '%s' "$PWD/$0") ;; esac
        set -- --inside "$ns" --wait "$wait_s"
        [ -n "$iface" ] && set -- "$@" --interface "$iface"
        [ "$early" = 1 ] && set -- "$@" --early
        # into the namespace (ip, nft, iptables and /proc/sys/net act on it). nsenter, not ip netns exec: the
        # files are read from /etc/netns/NS as they are, and ip netns exec would try to mount its
        # /etc/netns/NS/pbr-linux onto a /etc/pbr-linux that the host may not have
        exec nsenter --net="/run/netns/$ns" /bin/sh "$self" "$@"
    fi
fi

etc=/etc${ns:+/netns/$ns}
dir=$etc/pbr-linux
tmp=$(mktemp -d /run/pbr-linux/restore.XXXXXX) || { err "cannot make a temporary directory"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# safe PATH: a root-owned file or directory, not a symlink, writable by nobody else
safe() {
    if [ -L "$1" ]; then
        err "refusing $1: it is a symbolic link"
        return 1
    fi
    st=$(stat -c '%u %a' -- "$1") || { err "cannot stat $1"; return 1; }
    if [ "${st% *}" != 0 ]; then
        err "refusing $1: owned by uid ${st% *}, not root"
        return 1
    fi
    if [ $((0${st#* } & 022)) -ne 0 ]; then
        err "refusing $1: writable by group or others (mode ${st#* })"
        return 1
    fi
}

# unsafe_lines FILE ERE: print "FILE:N: ..." for each line not matching ERE (comments and blank lines pass)
unsafe_lines() {
    grep -n -v -E -e '^[[:space:]]*(#.*)?$' -e "$2" -- "$1" | cut -c1-200 | while IFS= read -r bad; do
        printf '%s:%s: not a line pbr.linux.persist writes, skipped\n' "$1" "${bad%%:*}"
    done
}

# batch FAMILY FILE: ip -batch with -force; prints "N<TAB>message" for each failed line ("File exists"
# is success: the rule is already there). Returns 0 when none failed, 1 when some did, 2 when ip gave
# up on an unparsable line (it then says which argument but not which line).
batch() {
    ip "$1" -force -batch "$2" >/dev/null 2>"$tmp/stderr"
    rc=$?
    [ "$rc" = 0 ] && return 0
    awk '
        /^Command failed / { n = $NF; sub(/.*:/, "", n)
                             if (msg != "RTNETLINK answers: File exists") { print n "\t" msg; bad = 1 }
                             msg = ""; next }
        { msg = (msg == "" ? $0 : msg " " $0) }
        END { if (msg != "") exit 2; exit bad }' "$tmp/stderr"
}

# replay FAMILY FILE LABEL: batch, and when ip gave up parsing a line, line by line to name it
replay() {
    batch "$1" "$2" >"$tmp/failed"
    rc=$?
    if [ "$rc" = 2 ]; then
        : >"$tmp/failed"
        n=0
        while IFS= read -r line || [ -n "$line" ]; do
            n=$((n + 1))
            printf '%s\n' "$line" >"$tmp/one"
            batch "$1" "$tmp/one" >"$tmp/one.failed"
            case $? in
                0) ;;
                1) sed "s/^1$tab/$n$tab/" "$tmp/one.failed" >>"$tmp/failed" ;;
                *) printf '%s\t%s\n' "$n" "$(head -n1 "$tmp/stderr")" >>"$tmp/failed" ;;
            esac
        done <"$2"
    fi
}

# lines_of FILE NUMBERS: the lines of FILE whose numbers (first column of NUMBERS) are listed
lines_of() { awk 'NR == FNR { want[$1]; next } FNR in want' "$2" "$1"; }

# report FILE NUMBERED: one error per line of $tmp/failed, named by its line in FILE (NUMBERED maps the
# lines ip saw to FILE's: "LINE-NUMBER<TAB>line")
report() {
    while IFS=$tab read -r n msg; do
        at=$(sed -n "${n}p" "$2")
        err "$1:${at%%"$tab"*}: ${at#*"$tab"}: $msg"
    done <"$tmp/failed"
}

# --- saved state ----------------------------------------------------------------------------------
if [ ! -e "$dir" ]; then
    say "nothing saved ($dir does not exist)"
    exit 0
fi
safe "$dir" || exit 1

# checked FILE ERE [DENY]: FILE exists and is safe; its lines that do not match ERE (or match the ERE DENY:
# `encap` would load a BPF object from a path) are reported and left out ($tmp/checked holds the rest,
# $tmp/checked.num the same as "LINE-NUMBER<TAB>line")
checked() {
    [ -e "$1" ] || return 1
    safe "$1" || return 1
    unsafe_lines "$1" "$2" >"$tmp/unsafe"
    grep -n -E -e "$2" -- "$1" >"$tmp/allowed" || true
    if [ $# -ge 3 ]; then
        grep -E -e "^[0-9]+:.*($3)" "$tmp/allowed" | while IFS= read -r bad; do
            printf '%s:%s: not a line pbr.linux.persist writes, skipped\n' "$1" "${bad%%:*}"
        done >>"$tmp/unsafe"
        grep -v -E -e "^[0-9]+:.*($3)" "$tmp/allowed" >"$tmp/allowed.kept" || true
        mv "$tmp/allowed.kept" "$tmp/allowed"
    fi
    if [ -s "$tmp/unsafe" ]; then
        while IFS= read -r line; do err "$line"; done <"$tmp/unsafe"
    fi
    sed "s/:/$tab/" "$tmp/allowed" >"$tmp/checked.num"
    cut -f2- "$tmp/checked.num" >"$tmp/checked"
    return 0
}

# --- 1. sysctls: our sysctl.d file (src_valid_mark, rp_filter) ---------------------------------------
sysctl_file=$etc/sysctl.d/60-pbr-linux.conf
if [ -e "$sysctl_file" ] && safe "$sysctl_file"; then
    grep -n -E '^[[:space:]]*[A-Za-z0-9_./-]+[[:space:]]*=[[:space:]]*[0-9]+[[:space:]]*$' -- "$sysctl_file" |
        tr -d ' \t' >"$tmp/sysctl"
    while IFS= read -r entry; do
        n=${entry%%:*}
        entry=${entry#*:}
        key=${entry%%=*}
        value=${entry#*=}
        path=/proc/sys/$(printf '%s' "$key" | tr './' '/.')
        # only the keys pbr.linux.src_valid_mark writes: net.ipv4.conf.<interface>.<name>, no path tricks
        if ! printf '%s\n' "$key" | grep -q -x -E 'net\.ipv4\.conf\.[^./]+(/[^./]+)*\.(src_valid_mark|rp_filter)'; then
            err "$sysctl_file:$n: $key is not a key pbr.linux sets, skipped"
            continue
        fi
        dev=${key#net.ipv?.conf.}
        dev=$(printf '%s' "${dev%.*}" | tr '/' '.')
        if [ -n "$iface" ] && [ "$dev" != "$iface" ]; then continue; fi
        if [ ! -e "$path" ]; then
            [ "$early" = 1 ] && continue
            err "$sysctl_file:$n: $key: interface $dev does not exist"
            continue
        fi
        [ "$(cat "$path")" = "$value" ] && continue
        if ! (printf '%s\n' "$value" >"$path") 2>"$tmp/sysctl.err"; then
            err "$sysctl_file:$n: cannot set $key = $value: $(sed 's/.*: //' "$tmp/sysctl.err") (in a container, set it at start: --sysctl $key=$value)"
        fi
    done <"$tmp/sysctl"
fi

# --- 2. rules ------------------------------------------------------------------------------------
if [ -z "$iface" ]; then
    for fam in 4 6; do
        f=$dir/rules-$fam.batch
        checked "$f" '^rule add [^#]*$' || continue
        replay "-$fam" "$tmp/checked"
        report "$f" "$tmp/checked.num"
    done
fi

# --- 3. netfilter: our nft table, our iptables chains ---------------------------------------------------
if [ -z "$iface" ]; then
    f=$dir/nftables.nft
    if [ -e "$f" ] && safe "$f"; then
        # only our table: outside its block, nothing but the lines persist writes (so no statement on another
        # table or the whole ruleset); include and define nowhere
        awk '
            /^[[:space:]]*(#.*)?$/ { next }
            /(^|[[:space:]])(include|define)([[:space:]]|$)/ { print FNR; exit }
            depth == 0 && !/^(table inet pbr_linux \{\}|delete table inet pbr_linux|table inet pbr_linux \{)$/ { print FNR; exit }
            { line = $0; opened = gsub(/\{/, "", line); closed = gsub(/\}/, "", line); depth += opened - closed
              if (depth < 0) { print FNR; exit } }' "$f" >"$tmp/unsafe"
        if [ -s "$tmp/unsafe" ]; then
            err "$f:$(head -n1 "$tmp/unsafe"): only the table inet pbr_linux may be named; file skipped, the running table is unchanged"
        elif ! nft -f "$f" 2>"$tmp/nft.err"; then
            err "$f: nft refused it, the running table is unchanged: $(grep -m1 -E '^[^ ]' "$tmp/nft.err")"
        fi
    fi
    for fam in 4 6; do
        f=$dir/iptables-$fam.rules
        if [ "$fam" = 4 ]; then save=iptables-save restore=iptables-restore; else save=ip6tables-save restore=ip6tables-restore; fi
        ere='^(\*mangle|COMMIT|:@IPT_CHAIN@ - \[0:0\]|-A @IPT_CHAIN@ .*|-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) -j @IPT_CHAIN@)$'
        checked "$f" "$ere" || continue
        if [ -s "$tmp/unsafe" ]; then
            err "$f: file skipped (see above), the running chains are unchanged"
            continue
        fi
        if ! command -v "$restore" >/dev/null; then
            err "$f: $restore is not installed"
            continue
        fi
        # a jump that is already there is not added again
        "$save" -t mangle 2>/dev/null | grep -E '^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) -j @IPT_CHAIN@$' >"$tmp/jumps" || true
        grep -v -x -F -f "$tmp/jumps" "$tmp/checked" >"$tmp/input" || true
        [ -s "$tmp/jumps" ] || cp "$tmp/checked" "$tmp/input"
        if ! "$restore" --noflush <"$tmp/input" 2>"$tmp/ipt.err"; then
            why=$(grep -v '^#' "$tmp/ipt.err" | head -n1)
            # iptables-restore counts the lines it was given: name the line of the saved file instead
            n=$(printf '%s\n' "$why" | sed -n 's/.*line \([0-9][0-9]*\) failed.*/\1/p')
            at=
            if [ -n "$n" ]; then
                at=$(grep -n -x -F -e "$(sed -n "${n}p" "$tmp/input")" -- "$f" | head -n1 | cut -d: -f1)
            fi
            err "$f${at:+:$at}: $restore refused it, the running chains are unchanged: $why"
        fi
    done
fi

# --- 4. routes -----------------------------------------------------------------------------------
if [ "$early" = 0 ]; then
    started=$(date +%s)
    for fam in 4 6; do
        f=$dir/routes-$fam.batch
        checked "$f" '^route replace [^#]*$' ' encap ' || continue
        if [ -n "$iface" ]; then
            awk -v dev="$iface" '{ for (i = 2; i < NF; i++) if ($i == "dev" && $(i + 1) == dev) { print; next } }' \
                "$tmp/checked.num" >"$tmp/pending.num"
        else
            mv "$tmp/checked.num" "$tmp/pending.num"
        fi
        [ -s "$tmp/pending.num" ] || continue
        while :; do
            cut -f2- "$tmp/pending.num" >"$tmp/pending"
            replay "-$fam" "$tmp/pending"
            [ -s "$tmp/failed" ] || break
            if [ $(($(date +%s) - started)) -ge "$wait_s" ]; then
                report "$f" "$tmp/pending.num"
                break
            fi
            sleep 1
            lines_of "$tmp/pending.num" "$tmp/failed" >"$tmp/retry"
            mv "$tmp/retry" "$tmp/pending.num"
        done
    done
fi

exit "$failed"
""".replace("@IPT_CHAIN@", IPT_CHAIN_PATTERN)
