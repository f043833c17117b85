"""EC2 user data for the origin instances: a bash script cloud-init runs once, as root, at first boot.

Pure rendering, no AWS calls. The script installs the app (the sample app, or runs the user's boot
script) and, for the "direct" architecture, nginx in front of it with the origin guard
(cloudfront_origin_lockdown/origin_guard/guard.py) on a systemd timer that keeps nginx's accepted values in sync
with an SSM SecureString parameter.

User data holds NO secret, only the parameter's name: anyone allowed ec2:DescribeInstanceAttribute
can read it, and it must stay at most 16 KB
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html). It is deterministic: the same
settings give the same bytes, and rotating the secret never changes it (no instance restart).

Fails closed. On every instance the metadata service (and so the instance role's credentials, which
may read every accepted value) is kept to root by an nftables owner match before the app starts: a hop
limit of 1 stops containers, not the app's own user. With ``direct``, the guard's timer is enabled before
any step that can fail (a failed boot still receives later rotations), a pre-existing nginx is stopped,
and nginx may only start on a file the guard wrote, whole (a drop-in checks the digest on its first line).

The on-instance Python scripts are embedded from their real files at render time, without docstrings,
comments, blank lines or functions' annotations, compressed (``deflate``, base85) to leave room for the
user's own boot script;
python3 unpacks them on the instance. Units and other files go in quoted heredocs (bash expands nothing
inside). The tests check the embedded code parses to the same program as the file.
"""

from __future__ import annotations

import ast
import base64
import functools
import heapq
import io
import re
import tokenize
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .aws_limits import USER_DATA_MAX_BYTES
from .origin_guard.guard import RuntimePaths

ASSETS = Path(__file__).resolve().parent / "origin_guard"
INSTALL_DIR = "/opt/origin-lockdown"
GUARD_PATH = f"{INSTALL_DIR}/guard.py"
SAMPLE_APP_PATH = f"{INSTALL_DIR}/sample_app.py"
USER_SCRIPT_PATH = f"{INSTALL_DIR}/app-boot"
APP_SERVICE = "origin-app.service"
GUARD_SERVICE = "origin-guard.service"
GUARD_TIMER = "origin-guard.timer"
NGINX_DROP_IN = "/etc/systemd/system/nginx.service.d/origin-guard.conf"
IMDS_LOCK_SERVICE = "origin-imds-lock.service"
IMDS_LOCK_RULES_PATH = f"{INSTALL_DIR}/imds-lock.nft"
# The metadata service's addresses (IPv6 only on Nitro instances with the IPv6 endpoint enabled):
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
# AWS's own advice is an owner-matching firewall rule:
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-limiting-access.html
IMDS_IPV4 = "169.254.169.254"
IMDS_IPV6 = "fd00:ec2::254"
HEREDOC_PREFIX = "ORIGIN_LOCKDOWN_EOF"
# nginx starts only on a file the guard wrote, whole: its first line holds the SHA-256 of the rest
# (guard.seal, checked by guard.config_id). A package's file, an edited, appended or truncated one, or one
# with the marker on another line fails; only someone able to write /etc/nginx as root could forge it.
NGINX_CONF_CHECK = f"/usr/bin/python3 {GUARD_PATH} --check /etc/nginx/nginx.conf"
# The directory of the socket where nginx answers the id of the configuration it runs (guard.running_id).
PROBE_DIR = RuntimePaths().probe.rsplit("/", 1)[0]

# Letters, digits and '-' (not at either end): a subset of RFC 9110 token characters that nginx
# accepts by default (it ignores names with '_') and maps unambiguously to a $http_ variable.
_HEADER_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,254}[A-Za-z0-9])?$")
# SSM parameter names: a-zA-Z0-9_.- with '/' between hierarchy levels, at most 15 levels, at most
# 1011 characters (2048 minus 1037 reserved for the ARN), not starting with "aws" or "ssm".
# https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
_PARAMETER_NAME = re.compile(r"^(?:/[A-Za-z0-9_.-]+){1,15}$")
PARAMETER_NAME_MAX = 1011
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
REFRESH_MIN_SECONDS = 10
REFRESH_MAX_SECONDS = 3600


@dataclass(frozen=True)
class BootSettings:
    """What the instance's boot script needs. ``direct`` fields are ignored for ``alb``."""

    architecture: Literal["alb", "direct"]
    app_port: int
    region: str
    # direct: the port nginx listens on for CloudFront.
    listen_port: int = 80
    # direct: the header CloudFront adds; nginx answers 403 unless its value is accepted.
    header_name: str = "X-Origin-Verify"
    # direct: SSM SecureString whose value is a JSON list of the accepted values.
    secrets_parameter_name: str | None = None
    listen_ipv6: bool = False
    # The user's own boot script (contents); None installs the sample app.
    app_boot_script: str | None = None
    refresh_interval_seconds: int = 60
    # direct: the ``Stack`` dimension of the guard's metrics (README "Monitoring"); None: no metrics.
    metrics_stack: str | None = None


def _invalid(field: str, value: object, allowed: str) -> ValueError:
    return ValueError(f"invalid boot setting {field}: {value!r} is not allowed; {allowed}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(settings: BootSettings) -> None:
    """Raise ValueError naming the field, the bad value and what is allowed."""
    if settings.architecture not in ("alb", "direct"):
        raise _invalid("architecture", settings.architecture, "expected 'alb' or 'direct'")
    ports = ["app_port"] + (["listen_port"] if settings.architecture == "direct" else [])
    for field in ports:
        port = getattr(settings, field)
        if not _is_int(port) or not 1 <= port <= 65535:
            raise _invalid(field, port, "expected a port number from 1 to 65535")
    if not isinstance(settings.region, str) or not _REGION.match(settings.region):
        raise _invalid("region", settings.region, "expected an AWS Region code such as us-east-1")
    if settings.app_boot_script is not None and (
        not isinstance(settings.app_boot_script, str) or not settings.app_boot_script.strip()
    ):
        raise _invalid("app_boot_script", settings.app_boot_script, "expected a non-empty script, or None")
    if settings.architecture == "alb":
        return
    if settings.app_port == settings.listen_port:
        raise _invalid(
            "app_port",
            settings.app_port,
            f"expected a port other than listen_port ({settings.listen_port}): nginx listens there",
        )
    if not isinstance(settings.header_name, str) or not _HEADER_NAME.match(settings.header_name):
        allowed = "expected 1 to 256 letters, digits and '-' (not at either end)"
        raise _invalid("header_name", settings.header_name, allowed)
    name = settings.secrets_parameter_name
    if (
        not isinstance(name, str)
        or not _PARAMETER_NAME.match(name)
        or len(name) > PARAMETER_NAME_MAX
        or name[1:4].lower() in ("aws", "ssm")
    ):
        raise _invalid(
            "secrets_parameter_name",
            name,
            f"expected an SSM parameter path such as /project/stack/accepted-origin-secrets: '/'-separated "
            f"levels of letters, digits and _.- (at most 15 levels, {PARAMETER_NAME_MAX} characters, "
            "not starting with aws or ssm)",
        )
    if not isinstance(settings.listen_ipv6, bool):
        raise _invalid("listen_ipv6", settings.listen_ipv6, "expected true or false")
    interval = settings.refresh_interval_seconds
    if not _is_int(interval) or not REFRESH_MIN_SECONDS <= interval <= REFRESH_MAX_SECONDS:
        raise _invalid(
            "refresh_interval_seconds",
            interval,
            f"expected whole seconds from {REFRESH_MIN_SECONDS} to {REFRESH_MAX_SECONDS}",
        )


def _annotations(tree: ast.Module, lines: list[str]) -> dict[int, list[tuple[int, int]]]:
    """Where the annotations of functions and of assignments inside them are (line: [(start, end)]), each
    with its ``:`` or ``->``: with ``from __future__ import annotations`` Python never evaluates them, so
    the program is the same without (class-level ones stay: dataclasses read them). Columns are the AST's
    UTF-8 offsets, which every Python version gives alike.
    """
    spans: dict[int, list[tuple[int, int]]] = {}

    def cut(line: int, start: int, end_line: int | None, end: int | None) -> None:
        if end_line == line and end is not None:  # one line each, as ruff formats them here
            spans.setdefault(line, []).append((start, end))

    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = function.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if argument.annotation is not None:
                end = argument.annotation
                cut(argument.lineno, argument.col_offset + len(argument.arg), end.end_lineno, end.end_col_offset)
        if function.returns is not None:
            returns = function.returns
            text = lines[returns.lineno - 1].encode()
            arrow = text.rfind(b"->", 0, returns.col_offset)
            start = len(text[:arrow].rstrip(b" "))
            cut(returns.lineno, start, returns.end_lineno, returns.end_col_offset)
        for statement in ast.walk(function):
            if isinstance(statement, ast.AnnAssign) and statement.value is not None:
                target = statement.target
                cut(
                    target.lineno,
                    target.end_col_offset or 0,
                    statement.annotation.end_lineno,
                    statement.annotation.end_col_offset,
                )
    return spans


def compact_python(source: str) -> str:
    """``source`` without docstrings, comments, blank lines or the annotations of functions, indented with
    tabs: the same program in fewer bytes (the tests compare the ASTs). Assumes no multi-line string other
    than docstrings has indented lines, which the AST comparison would catch.
    """
    drop: set[int] = set()
    tree = ast.parse(source)
    annotations = _annotations(tree, source.splitlines())
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
                and first.end_lineno is not None
            ):
                drop.update(range(first.lineno, first.end_lineno + 1))
    # Where each comment starts (the tokenizer tells a comment from a '#' inside a string).
    comments = {
        token.start[0]: token.start[1]
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    kept = []
    for number, full_line in enumerate(source.splitlines(), start=1):
        code = full_line[: comments.get(number, len(full_line))].rstrip()
        if number in drop or not code.strip():
            continue
        encoded = code.encode()
        for start, end in sorted(annotations.get(number, []), reverse=True):
            encoded = encoded[:start] + encoded[end:]
        code = encoded.decode()
        # One tab per 4-space level: Python reads it the same, at a quarter of the bytes.
        body = code.lstrip(" ")
        indent = len(code) - len(body)
        kept.append("\t" * (indent // 4) + " " * (indent % 4) + body)
    return "\n".join(kept) + "\n"


# DEFLATE (RFC 1951): one block with its own Huffman codes, on a lazy LZ77 search: small and the same
# bytes on every machine. (Python's zlib compresses with whichever library it was built with, zlib, zlib-ng or
# Apple's, and their outputs differ: user data that differs between two machines replaces the instance.)
# fmt: off
_LENGTH_BASE = (
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
)
_LENGTH_EXTRA = (0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0)
_DISTANCE_BASE = (
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
    6145, 8193, 12289, 16385, 24577,
)
_DISTANCE_EXTRA = (0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13)
# fmt: on
_WINDOW, _MAX_MATCH, _CHAIN = 32768, 258, 32


class _Bits:
    """Bits packed least significant first, as DEFLATE stores them."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.value = 0
        self.count = 0

    def put(self, value: int, count: int) -> None:
        self.value |= value << self.count
        self.count += count
        while self.count >= 8:
            self.out.append(self.value & 0xFF)
            self.value >>= 8
            self.count -= 8

    def code(self, value: int, count: int) -> None:
        """A Huffman code: most significant bit first."""
        self.put(int(f"{value:0{count}b}"[::-1], 2), count)

    def done(self) -> bytes:
        return bytes(self.out) + (bytes([self.value]) if self.count else b"")


def _bucket(bases: tuple[int, ...], value: int) -> int:
    """The index of the largest base not above ``value``."""
    return max(index for index, base in enumerate(bases) if base <= value)


def _matches(data: bytes) -> list[tuple[int, int]]:
    """LZ77 with one step of lazy matching (as zlib does): (literal byte, 0) or (length, distance) pairs
    covering ``data``.
    """
    chains: dict[bytes, list[int]] = {}

    def longest(position: int) -> tuple[int, int]:
        best, distance = 0, 0
        limit = min(_MAX_MATCH, len(data) - position)
        for start in reversed(chains.get(data[position : position + 3], [])[-_CHAIN:]):
            if position - start > _WINDOW:
                break
            length = 0
            while length < limit and data[start + length] == data[position + length]:
                length += 1
            if length > best:
                best, distance = length, position - start
        return best, distance

    found: list[tuple[int, int]] = []
    position = 0
    while position < len(data):
        best, distance = longest(position)
        chains.setdefault(data[position : position + 3], []).append(position)
        # A longer match from the next byte wins: this byte goes as a literal.
        if best < 3 or longest(position + 1)[0] > best:
            found.append((data[position], 0))
            position += 1
            continue
        found.append((best, distance))
        for start in range(position + 1, position + best):
            chains.setdefault(data[start : start + 3], []).append(start)
        position += best
    return found


def _code_lengths(counts: list[int], limit: int) -> list[int]:
    """Huffman code lengths of at most ``limit`` bits for the symbols counted (at least two get one, so
    every code is complete); ties broken by symbol, so the result is a fixed function of the counts.
    """
    counts = list(counts)
    for symbol in (0, 1):
        if sum(1 for count in counts if count) < 2 and not counts[symbol]:
            counts[symbol] = 1
    while True:
        heap = [(count, symbol, [symbol]) for symbol, count in enumerate(counts) if count]
        heapq.heapify(heap)
        lengths = [0] * len(counts)
        order = len(counts)
        while len(heap) > 1:
            first, _, left = heapq.heappop(heap)
            second, _, right = heapq.heappop(heap)
            for symbol in left + right:
                lengths[symbol] += 1
            heapq.heappush(heap, (first + second, order, left + right))
            order += 1
        if max(lengths) <= limit:
            return lengths
        counts = [(count + 1) // 2 for count in counts]  # flatter counts, shallower tree


def _canonical(lengths: list[int]) -> list[int]:
    """The codes RFC 1951 (3.2.2) assigns to these lengths."""
    codes, code = [0] * len(lengths), 0
    for bits in range(1, max(lengths) + 1):
        for symbol, length in enumerate(lengths):
            if length == bits:
                codes[symbol] = code
                code += 1
        code <<= 1
    return codes


def _run_lengths(lengths: list[int]) -> list[tuple[int, int, int]]:
    """Code lengths as (symbol, extra bits, extra bit count): 16 repeats the previous 3-6 times, 17 and
    18 are 3-10 and 11-138 zeros (RFC 1951 3.2.7).
    """
    out: list[tuple[int, int, int]] = []
    at = 0
    while at < len(lengths):
        run = 1
        while at + run < len(lengths) and lengths[at + run] == lengths[at]:
            run += 1
        if lengths[at] == 0 and run >= 3:
            run = min(run, 138)
            out.append((18, run - 11, 7) if run >= 11 else (17, run - 3, 3))
        elif lengths[at] and run >= 4:
            run = min(run, 7)
            out += [(lengths[at], 0, 0), (16, run - 4, 2)]
        else:
            run = 1
            out.append((lengths[at], 0, 0))
        at += run
    return out


_CODE_LENGTH_ORDER = (16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)


def deflate(data: bytes) -> bytes:
    """``data`` as a zlib stream (RFC 1950; ``zlib.decompress`` reads it), deterministically."""
    matches = _matches(data)
    literal_counts, distance_counts = [0] * 286, [0] * 30
    for value, distance in matches:
        if distance:
            literal_counts[257 + _bucket(_LENGTH_BASE, value)] += 1
            distance_counts[_bucket(_DISTANCE_BASE, distance)] += 1
        else:
            literal_counts[value] += 1
    literal_counts[256] = 1  # end of block
    literal_lengths, distance_lengths = _code_lengths(literal_counts, 15), _code_lengths(distance_counts, 15)
    literals = max(257, max(symbol for symbol, length in enumerate(literal_lengths) if length) + 1)
    distances = max(symbol for symbol, length in enumerate(distance_lengths) if length) + 1
    header = _run_lengths(literal_lengths[:literals] + distance_lengths[:distances])
    header_counts = [0] * 19
    for symbol, _, _ in header:
        header_counts[symbol] += 1
    header_lengths = _code_lengths(header_counts, 7)
    sent = max([4] + [at + 1 for at, symbol in enumerate(_CODE_LENGTH_ORDER) if header_lengths[symbol]])
    bits = _Bits()
    bits.put(1, 1)  # the final block
    bits.put(2, 2)  # compressed with its own codes
    bits.put(literals - 257, 5)
    bits.put(distances - 1, 5)
    bits.put(sent - 4, 4)
    for symbol in _CODE_LENGTH_ORDER[:sent]:
        bits.put(header_lengths[symbol], 3)
    header_codes = _canonical(header_lengths)
    for symbol, extra, count in header:
        bits.code(header_codes[symbol], header_lengths[symbol])
        bits.put(extra, count)
    literal_codes, distance_codes = _canonical(literal_lengths), _canonical(distance_lengths)
    for value, distance in matches:
        if not distance:
            bits.code(literal_codes[value], literal_lengths[value])
            continue
        index = _bucket(_LENGTH_BASE, value)
        bits.code(literal_codes[257 + index], literal_lengths[257 + index])
        bits.put(value - _LENGTH_BASE[index], _LENGTH_EXTRA[index])
        index = _bucket(_DISTANCE_BASE, distance)
        bits.code(distance_codes[index], distance_lengths[index])
        bits.put(distance - _DISTANCE_BASE[index], _DISTANCE_EXTRA[index])
    bits.code(literal_codes[256], literal_lengths[256])
    # zlib header (deflate, 32 KiB window, no dictionary; a multiple of 31) and Adler-32 trailer.
    return b"\x78\x01" + bits.done() + zlib.adler32(data).to_bytes(4, "big")


@functools.cache
def read_asset(name: str) -> str:
    """An on-instance script as embedded in user data (see ``compact_python``)."""
    return compact_python((ASSETS / name).read_text(encoding="utf-8"))


@functools.cache
def packed_asset(name: str) -> str:
    """``read_asset(name)`` compressed and in base85 (RFC 1924's alphabet: a sixteenth smaller than base64,
    and nothing bash reads in a quoted heredoc), 76 characters a line.
    """
    encoded = base64.b85encode(deflate(read_asset(name).encode("utf-8"))).decode("ascii")
    return "\n".join(encoded[start : start + 76] for start in range(0, len(encoded), 76))


# A shell function the boot script defines when it unpacks an asset: base85 on stdin, file, mode.
UNPACK = (
    "unpack() { /usr/bin/python3 -c 'import base64,sys,zlib;"
    'sys.stdout.buffer.write(zlib.decompress(base64.b85decode("".join(sys.stdin.read().split()))))\' >"$1"; '
    'chmod "$2" "$1"; }'
)


def _delimiter(content: str) -> str:
    """A heredoc delimiter that no line of ``content`` equals."""
    lines = set(content.splitlines())
    delimiter = HEREDOC_PREFIX
    counter = 0
    while delimiter in lines:
        counter += 1
        delimiter = f"{HEREDOC_PREFIX}_{counter}"
    return delimiter


def _unpack(path: str, name: str, mode: str) -> list[str]:
    """Write the asset ``name`` to ``path``."""
    comment = f"# {path} ({name}), compressed: zlib stream in base85"
    packed = packed_asset(name)
    delimiter = _delimiter(packed)
    return [comment, f"unpack {path} {mode} <<'{delimiter}'", packed, delimiter]


def _heredoc(path: str, content: str, mode: str) -> list[str]:
    """Write ``content`` to ``path`` verbatim: quoted delimiter, chosen so no content line equals it."""
    if not content.endswith("\n"):
        content += "\n"
    delimiter = _delimiter(content)
    return [f"cat > {path} <<'{delimiter}'", content + delimiter, f"chmod {mode} {path}"]


def _unit(path: str, sections: dict[str, list[str]]) -> list[str]:
    body = "\n".join(f"[{name}]\n" + "\n".join(lines) + "\n" for name, lines in sections.items())
    return _heredoc(path, body, "0644")


def _app_lines(settings: BootSettings) -> list[str]:
    bind = "127.0.0.1" if settings.architecture == "direct" else "0.0.0.0"  # noqa: S104 (the ALB reaches it)
    where = "loopback only: nginx is the only way in" if settings.architecture == "direct" else "the ALB's target"
    lines = [f"# --- The app on {bind}:{settings.app_port} ({where})"]
    if settings.app_boot_script is None:
        lines += _unpack(SAMPLE_APP_PATH, "sample_app.py", "0755")
        lines += _unit(
            f"/etc/systemd/system/{APP_SERVICE}",
            {
                "Unit": ["Description=Sample app behind CloudFront", "After=network-online.target"],
                "Service": [
                    f"ExecStart=/usr/bin/python3 {SAMPLE_APP_PATH} --host {bind} --port {settings.app_port}",
                    "DynamicUser=yes",
                    "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                    "NoNewPrivileges=yes",
                    "Restart=always",
                ],
                "Install": ["WantedBy=multi-user.target"],
            },
        )
        lines += ["systemctl daemon-reload", f"systemctl enable --now {APP_SERVICE}"]
    else:
        script = settings.app_boot_script
        runner = USER_SCRIPT_PATH if script.startswith("#!") else f"/bin/bash {USER_SCRIPT_PATH}"
        lines += ["# The user's boot script installs and starts the app on $APP_BIND_ADDRESS:$APP_PORT."]
        lines += _heredoc(USER_SCRIPT_PATH, script, "0700")
        env = f"APP_BIND_ADDRESS={bind} APP_PORT={settings.app_port} ORIGIN_ARCHITECTURE={settings.architecture}"
        lines += [f"{env} {runner}"]
    return lines


def imds_lock_rules() -> str:
    """nftables rules: only root's sockets reach the metadata service. TCP gets a reset, anything else
    an ICMP error, so a client fails at once instead of waiting for a timeout. Loading the file again
    replaces the table (the first two lines make sure there is one to delete).
    """
    rules = [
        f"{family} daddr {address} meta skuid != 0 reject{how}"
        for family, address in (("ip", IMDS_IPV4), ("ip6", IMDS_IPV6))
        for how in (" with tcp reset", "")
    ]
    return "\n".join(
        [
            "table inet origin_imds_lock",
            "delete table inet origin_imds_lock",
            "table inet origin_imds_lock {",
            "chain output {",
            "type filter hook output priority filter; policy accept;",
            *rules,
            "}",
            "}",
            "",
        ]
    )


def _dnf_install(packages: str) -> str:
    return f"for attempt in 1 2 3 4 5; do dnf install -y {packages} && break; sleep $((attempt * 10)); done"


def _imds_lock_lines() -> list[str]:
    """Write the rules and the unit that loads them at every boot, before the network comes up."""
    lines = ["# --- The metadata service (the instance role's credentials) for root only: before the app runs."]
    lines += _heredoc(IMDS_LOCK_RULES_PATH, imds_lock_rules(), "0644")
    lines += _unit(
        f"/etc/systemd/system/{IMDS_LOCK_SERVICE}",
        {
            "Unit": [
                "Description=Keep the instance metadata service to root",
                "DefaultDependencies=no",
                "Before=network-pre.target",
                "Wants=network-pre.target",
            ],
            "Service": ["Type=oneshot", "RemainAfterExit=yes", f"ExecStart=/usr/sbin/nft -f {IMDS_LOCK_RULES_PATH}"],
            "Install": ["WantedBy=multi-user.target"],
        },
    )
    return lines


def _guard_command(settings: BootSettings) -> str:
    listen = [str(settings.listen_port)] + ([f"[::]:{settings.listen_port}"] if settings.listen_ipv6 else [])
    return (
        f"/usr/bin/python3 {GUARD_PATH} --parameter-name {settings.secrets_parameter_name}"
        f" --region {settings.region} --header-name {settings.header_name}"
        + "".join(f" --listen {address}" for address in listen)
        + f" --app-upstream 127.0.0.1:{settings.app_port}"
    )


def _guard_lines(settings: BootSettings) -> list[str]:
    """The guard, its timer and nginx's start check: nothing here needs the network or a package."""
    interval = settings.refresh_interval_seconds
    lines = [
        "# --- nginx in front, answering 403 unless the secret header carries an accepted value.",
        "# The values stay in SSM; the guard (on a timer) renders nginx.conf and reloads gracefully.",
    ]
    lines += _unpack(GUARD_PATH, "guard.py", "0755")
    lines += _unit(
        f"/etc/systemd/system/{GUARD_SERVICE}",
        {
            "Unit": [
                "Description=Sync nginx's origin guard with the accepted values in SSM",
                "Wants=network-online.target",
                "After=network-online.target",
            ],
            "Service": [
                "Type=oneshot",
                f"ExecStart={_guard_command(settings)}",
                "PrivateTmp=yes",
                "NoNewPrivileges=yes",
            ],
        },
    )
    lines += _unit(
        f"/etc/systemd/system/{GUARD_TIMER}",
        {
            "Unit": [f"Description=Refresh the origin guard every {interval} s"],
            "Timer": [f"OnBootSec={interval}s", f"OnUnitActiveSec={interval}s", "AccuracySec=5s"],
            "Install": ["WantedBy=timers.target"],
        },
    )
    # nginx never starts on a file the guard did not write, whole (the package's, or an AMI's open one).
    # systemd creates the probe socket's directory, root only, at every start (/run is emptied at boot)
    # and removes it at every stop, so a socket left by a killed nginx never blocks the next start.
    lines += ["install -d -m 0755 /etc/systemd/system/nginx.service.d"]
    service = [f"RuntimeDirectory={PROBE_DIR.removeprefix('/run/')}", "RuntimeDirectoryMode=0700"]
    service += [f"ExecStartPre={NGINX_CONF_CHECK}"]
    lines += _unit(NGINX_DROP_IN, {"Service": service})
    return lines


# The guard metrics' Stack dimension: project/stack/name, nothing a unit file would expand (no %, $, space).
_METRICS_STACK = re.compile(r"[A-Za-z0-9._/-]{1,255}")
GUARD_METRICS_PATH = f"{INSTALL_DIR}/guard-metrics.sh"
GUARD_METRICS_DROP_IN = f"/etc/systemd/system/{GUARD_SERVICE}.d/metrics.conf"


def guard_metrics_command(settings: BootSettings) -> str:
    """What the guard unit runs after every run of the guard (ExecStopPost=): origin_guard/guard-metrics.sh
    REGION STACK ACCESS_LOG (nginx's log where guard.py's configuration writes it)."""
    return f"/bin/sh {GUARD_METRICS_PATH} {settings.region} {settings.metrics_stack} {RuntimePaths().access_log}"


@functools.cache
def shell_asset(name: str) -> str:
    """An on-instance shell script without its comment lines (its first line, ``#!``, stays): the same
    program in fewer bytes of user data."""
    lines = (ASSETS / name).read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[:1] + [line for line in lines[1:] if not line.lstrip().startswith("#")]) + "\n"


def _guard_metrics_lines(settings: BootSettings) -> list[str]:
    """The guard's result and nginx's refusals, published after every run of the guard from a drop-in of its
    unit (systemd passes the run's result to ExecStopPost=); '-': its own failure never fails the unit."""
    if not isinstance(settings.metrics_stack, str) or not _METRICS_STACK.fullmatch(settings.metrics_stack):
        raise _invalid(
            "metrics_stack", settings.metrics_stack, "expected 1 to 255 letters, digits and ._/- (project/stack/name)"
        )
    lines = ["# --- The guard's exit code and nginx's 403s to CloudWatch (README: Monitoring)."]
    lines += _heredoc(GUARD_METRICS_PATH, shell_asset("guard-metrics.sh"), "0755")
    lines += [f"install -d -m 0755 /etc/systemd/system/{GUARD_SERVICE}.d"]
    lines += _unit(GUARD_METRICS_DROP_IN, {"Service": [f"ExecStopPost=-{guard_metrics_command(settings)}"]})
    return lines


def _nginx_lines() -> list[str]:
    return [
        # Fails closed: without a value yet (e.g. the role's policy not attached yet) the guard installs
        # a deny-all configuration, and the timer retries.
        f"systemctl start {GUARD_SERVICE} || echo 'origin-guard: first sync failed; nginx denies all until it works'",
        f"{NGINX_CONF_CHECK} || {{ echo 'no guard config' >&2; exit 1; }}",
        "systemctl enable --now nginx.service",
    ]


def render_user_data(settings: BootSettings) -> str:
    """The boot script for ``settings``: deterministic, secret-free, at most 16 KB (else ValueError)."""
    validate(settings)
    header = [
        "#!/bin/bash",
        f"# cloudfront-origin-lockdown boot script ({settings.architecture} origin), rendered by boot.py.",
        "# Holds no secret: "
        + (
            "nginx's accepted header values are read from SSM Parameter Store at run time."
            if settings.architecture == "direct"
            else "the load balancer checks CloudFront's header; this instance only runs the app."
        ),
        "set -euo pipefail",
        "umask 022",
        f"install -d -m 0755 {INSTALL_DIR}",
    ]
    direct = settings.architecture == "direct"
    # First what cannot fail (files, units), then the timer (with direct): a later failure leaves an
    # instance that still syncs; a pre-existing nginx stops until it runs the guard's configuration.
    body = (_guard_lines(settings) if direct else []) + _imds_lock_lines() + ["systemctl daemon-reload"]
    if direct and settings.metrics_stack is not None:
        body = _guard_metrics_lines(settings) + body
    if direct:
        body += [f"systemctl enable --now {GUARD_TIMER}", "! systemctl is-active -q nginx || systemctl stop nginx"]
    # Then what may fail: packages (the network), the firewall, nginx, and last the app.
    found = [f"command -v {tool} >/dev/null" for tool in (("nft", "nginx") if direct else ("nft",))]
    body += [" && ".join(found) + " || " + _dnf_install("nftables nginx" if direct else "nftables")]
    body += [*found, f"systemctl enable --now {IMDS_LOCK_SERVICE}"]
    if direct:
        body += _nginx_lines()
    body += _app_lines(settings)
    if any(line.startswith("unpack ") for line in body):
        body = [UNPACK, *body]
    script = "\n".join([*header, *body, 'echo "cloudfront-origin-lockdown: boot script done"', ""])
    size = len(script.encode("utf-8"))
    if size > USER_DATA_MAX_BYTES:
        room = USER_DATA_MAX_BYTES - (size - len((settings.app_boot_script or "").encode("utf-8")))
        raise _invalid(
            "app_boot_script" if settings.app_boot_script is not None else "architecture",
            f"<{size} bytes of user data>",
            f"EC2 user data is limited to {USER_DATA_MAX_BYTES} bytes "
            "(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html); "
            f"keep the boot script to at most {max(room, 0)} bytes, e.g. by having it download the app",
        )
    return script
