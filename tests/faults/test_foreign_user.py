"""F25: a foreign local user on the broker's socket, refused and logged.

Two users connect: `nobody`, and a member of group `kvm` other than vdsm
(created for the test when absent, removed after; vdsm's accounts are
never touched). Each tries twice, through a hard link to the socket in a
directory everyone may traverse (the lab's own directories are private):
1. as the broker made the socket (mode 0600, owner root): the kernel
   refuses the connect (EACCES);
2. with the socket opened to everyone (mode 0666, as a wrong umask or
   RuntimeDirectoryMode would leave it): the broker's SO_PEERCRED check
   closes the connection unanswered and logs the uid.
"""

import contextlib
import grp
import os
import pwd
import stat
import subprocess
import tempfile

import pytest

from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

KVM_USER = "ovirtha-f25"
CLIENT = r"""
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect", e.__class__.__name__, e.errno)
    sys.exit(0)
body = b"<?xml version='1.0'?><methodCall><methodName>get_stats</methodName></methodCall>"
s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
answer = b""
try:
    while chunk := s.recv(65536):
        answer += chunk
except OSError as e:
    print("recv", e.__class__.__name__, e.errno)
    sys.exit(0)
print("answer", len(answer), answer[:12])
"""


def _run_as(user: str, socket_path: str) -> str:
    result = subprocess.run(
        ["setpriv", f"--reuid={user}", f"--regid={pwd.getpwnam(user).pw_gid}",
         "--init-groups", "/usr/bin/python3", "-c", CLIENT, socket_path],
        capture_output=True, text=True, timeout=30, cwd="/")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _ancestors(path: str) -> list[str]:
    parts = [path]
    while parts[-1] != "/":
        parts.append(os.path.dirname(parts[-1]))
    return parts


@contextlib.contextmanager
def kvm_member():
    """A user in group kvm (group and user created if absent, removed after)."""
    made_group = False
    try:
        grp.getgrnam("kvm")
    except KeyError:
        subprocess.run(["groupadd", "--system", "kvm"], check=True)
        made_group = True
    try:
        pwd.getpwnam(KVM_USER)
        made_user = False
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", "--groups", "kvm", KVM_USER], check=True)
        made_user = True
    try:
        yield KVM_USER
    finally:
        if made_user:
            subprocess.run(["userdel", KVM_USER], check=True)
        if made_group:
            subprocess.run(["groupdel", "kvm"], check=True)


@pytest.mark.row("F25")
def test_foreign_users_refused_and_logged(shared_cluster, row):
    lab = shared_cluster(hosts=1)
    host = lab.hosts[1]
    path = str(host.socket_path)
    info = os.stat(path)
    mode = stat.S_IMODE(info.st_mode)
    owner = pwd.getpwuid(info.st_uid).pw_name
    log = host.layout.broker_log
    # the test directory, above the private session directory (same filesystem)
    base = os.path.dirname(os.path.dirname(lab.root))
    if not all(os.stat(d).st_mode & stat.S_IXOTH for d in _ancestors(base)):
        pytest.skip(f"{base} cannot be traversed by other users")
    public = tempfile.mkdtemp(prefix="f25-", dir=base)
    os.chmod(public, 0o755)
    link = os.path.join(public, "broker.socket")
    os.link(path, link)
    seen: dict[str, tuple[str, str]] = {}
    try:
        with kvm_member() as member:
            users = {"nobody": "nobody", "kvm member": member}
            for label, user in users.items():
                seen[label] = (_run_as(user, link), "")
            os.chmod(path, 0o666)
            try:
                for label, user in users.items():
                    seen[label] = (seen[label][0], _run_as(user, link))
            finally:
                os.chmod(path, mode)
            uids = {label: pwd.getpwnam(user).pw_uid for label, user in users.items()}
            for uid in uids.values():
                wait_for(lambda uid=uid: f"Refused a connection from uid={uid}"
                         in log.read_text(errors="replace"), 10, 0.1)
    finally:
        os.unlink(link)
        os.rmdir(public)
    assert isinstance(host.link().get_stats_from_storage(), dict)
    row.observe(f"socket mode {mode:04o} owner {owner}; " + "; ".join(
        f"{label}: {first} at 0600, {second} when opened to all (uid {uids[label]} logged)"
        for label, (first, second) in seen.items()))
    assert mode == 0o600
    for first, second in seen.values():
        assert first == "connect PermissionError 13"
        assert second.startswith("answer 0 ") or second.startswith("recv "), second
