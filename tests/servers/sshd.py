"""A real OpenSSH ``sshd`` on loopback, with throwaway keys and its own /etc, for the SSH tests.

The server under test must answer the REAL read-only commands (``cat /etc/os-release``,
``postconf -n``, ``openssl pkey -in /etc/opendkim/keys/...``) at their real paths, without touching
this machine's /etc. So each sshd runs in a private mount namespace (``unshare --mount``, as root)
in which a copy of /etc, with the test's files written into it, is bind-mounted over /etc, and a
tmpfs over /run holds sshd's privilege-separation directory. Nothing outside the namespace changes.

Logins use a test user (``pfcheck``, uid 4242, member of an ``opendkim`` group) that exists only
in the copied /etc/passwd, so file permissions are real: a key file mode 0600 root is unreadable.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"
USER = "pfcheck"
UID = 4242
OPENDKIM_GID = 4243
START_TIMEOUT = 10.0


@dataclass(frozen=True)
class FileSpec:
    """A file to place under the server's /etc: content, mode, owner uid and group gid."""

    content: str | bytes
    mode: int = 0o644
    uid: int = 0
    gid: int = 0


@dataclass(frozen=True)
class DirSpec:
    """A directory to create under the server's /etc."""

    mode: int = 0o755
    uid: int = 0
    gid: int = 0


def _run(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, input=stdin, capture_output=True, timeout=30, check=False)


def missing_prerequisite() -> str | None:
    """Why a namespaced sshd cannot run here (None when it can)."""
    if os.geteuid() != 0:
        return "the sshd fixture needs root (it runs sshd in a private mount namespace)"
    for tool in (SSHD, "ssh-keygen", "unshare", "openssl"):
        if not shutil.which(tool):
            return f"{tool} is not installed (apt-get install openssh-server openssh-client)"
    probe = _run("unshare", "--mount", "--propagation", "private", "true")
    if probe.returncode != 0:
        return f"cannot create a mount namespace: {probe.stderr.decode(errors='replace').strip()}"
    return None


def postfix_missing() -> str | None:
    """Why ``postconf`` cannot be used (None when it can)."""
    if not shutil.which("postconf") and not os.path.exists("/usr/sbin/postconf"):
        return "Postfix's postconf is not installed (apt-get install postfix, 'No configuration')"
    return None


def keygen(path: Path, kind: str = "ed25519") -> str:
    """Make an unencrypted key pair at ``path``; return the public key line."""
    result = _run("ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "preflight-test", "-f", str(path))
    assert result.returncode == 0, result.stderr
    return Path(f"{path}.pub").read_text().strip()


def fingerprint(public_line: str) -> str:
    """``SHA256:...`` of a public key line, as ssh-keygen -l prints it."""
    result = _run("ssh-keygen", "-l", "-f", "-", stdin=public_line.encode())
    return result.stdout.decode().split()[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SshdServer:
    """A running sshd: where it listens, who may log in, and its host key."""

    host: str
    port: int
    user: str
    client_key: Path
    host_key_line: str
    workdir: Path
    process: subprocess.Popen[bytes]
    log: list[str] = field(default_factory=list)

    @property
    def host_fingerprint(self) -> str:
        return fingerprint(self.host_key_line)

    def target(self, user: str | None = None) -> str:
        """``USER@127.0.0.1:PORT``."""
        return f"{user or self.user}@{self.host}:{self.port}"

    def known_hosts(self, path: Path, *, key_line: str | None = None, hashed: bool = False) -> Path:
        """Write a known_hosts file holding this server's key (or ``key_line``)."""
        path.write_text(f"[{self.host}]:{self.port} {key_line or self.host_key_line}\n")
        if hashed:
            result = _run("ssh-keygen", "-H", "-f", str(path))
            assert result.returncode == 0, result.stderr
            Path(f"{path}.old").unlink(missing_ok=True)
        return path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _write_tree(root: Path, files: Mapping[str, FileSpec | DirSpec | str]) -> None:
    for rel, spec in sorted(files.items()):
        target = root / rel.lstrip("/").removeprefix("etc/")
        if isinstance(spec, DirSpec):
            target.mkdir(parents=True, exist_ok=True)
            os.chown(target, spec.uid, spec.gid)
            target.chmod(spec.mode)
            continue
        if isinstance(spec, str):
            spec = FileSpec(spec)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()  # never write through a symlink (os-release points into /usr/lib)
        data = spec.content.encode() if isinstance(spec.content, str) else spec.content
        target.write_bytes(data)
        os.chown(target, spec.uid, spec.gid)
        target.chmod(spec.mode)


def _password_hash(password: str) -> str:
    result = _run("openssl", "passwd", "-6", "-stdin", stdin=password.encode())
    assert result.returncode == 0, result.stderr
    return result.stdout.decode().strip()


def start_sshd(workdir: Path, files: Mapping[str, FileSpec | DirSpec | str], *,
               client_key: Path, password: str | None = None,
               var_log: Mapping[str, FileSpec | DirSpec | str] | None = None,
               extra_config: tuple[str, ...] = ()) -> SshdServer:
    """Start sshd on a free loopback port, serving ``files`` in its /etc; log in as :data:`USER`.

    With ``var_log``, those files (paths relative to /var/log) are the server's /var/log.
    ``extra_config`` lines are appended to sshd_config (e.g. a ``ForceCommand``).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    logs = ""
    if var_log is not None:
        log_root = workdir / "var_log"
        log_root.mkdir(mode=0o755, exist_ok=True)
        _write_tree(log_root, var_log)
        logs = str(log_root)
    etc = workdir / "etc"
    shutil.copytree("/etc", etc, symlinks=True, ignore_dangling_symlinks=True)
    with open(etc / "passwd", "a") as handle:
        handle.write(f"{USER}:x:{UID}:{UID}:preflight test:/tmp:/bin/bash\n")
    with open(etc / "group", "a") as handle:
        handle.write(f"{USER}:x:{UID}:\nopendkim:x:{OPENDKIM_GID}:{USER}\n")
    if password is not None:
        with open(etc / "shadow", "a") as handle:
            handle.write(f"{USER}:{_password_hash(password)}:20000:0:99999:7:::\n")
    keys_dir = etc / "ssh" / "preflight_authorized_keys"
    keys_dir.mkdir(parents=True, exist_ok=True)
    (keys_dir / USER).write_text(Path(f"{client_key}.pub").read_text())
    (keys_dir / USER).chmod(0o644)
    _write_tree(etc, files)
    host_key = workdir / "ssh_host_ed25519_key"
    host_line = keygen(host_key)
    for attempt in range(5):
        port = free_port()
        config = workdir / "sshd_config"
        config.write_text("\n".join([
            f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {host_key}",
            "AuthorizedKeysFile /etc/ssh/preflight_authorized_keys/%u", "StrictModes no", "UsePAM no",
            f"PasswordAuthentication {'yes' if password else 'no'}", "KbdInteractiveAuthentication no",
            "PermitRootLogin no", "PidFile none", "LogLevel INFO", "MaxStartups 100:30:200",
            "MaxSessions 20", *extra_config, "",
        ]))
        script = ('mount --bind "$1" /etc && { [ -z "$4" ] || mount --bind "$4" /var/log; } '
                  '&& mount -t tmpfs -o mode=755 tmpfs /run '
                  '&& mkdir -m 755 /run/sshd && exec "$2" -D -e -f "$3"')
        process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh",
             str(etc), SSHD, str(config), logs],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        server = SshdServer("127.0.0.1", port, USER, client_key, host_line, workdir, process)
        ready = threading.Event()

        def drain(server: SshdServer = server, ready: threading.Event = ready) -> None:
            assert server.process.stderr is not None
            for raw in server.process.stderr:
                line = raw.decode(errors="replace").rstrip()
                server.log.append(line)
                if "Server listening" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while not ready.wait(0.05) and time.monotonic() < deadline:
            pass
        if process.poll() is None and any("Server listening" in line for line in server.log):
            return server
        server.stop()
        if not any("Address already in use" in line for line in server.log) or attempt == 4:
            raise RuntimeError("sshd did not start:\n" + "\n".join(server.log[-20:]))
    raise AssertionError("unreachable")
