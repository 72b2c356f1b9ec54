"""Confines the worker process itself before it loads any student code: namespaces, mounts, capabilities,
seccomp, resource limits, a subreaper. Runs inside the worker, so it imports nothing of the trusted side.

A worker that cannot confine itself exits with SETUP_FAILED and never loads the submission.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import struct
from typing import Any

SETUP_FAILED = 121  # the exit status of a worker that could not confine itself: it never loads the submission
_CLONE_NEWNS, _CLONE_NEWIPC, _CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_BIND, _MS_REC = 1, 2, 4, 8, 32, 4096, 0x4000
_MS_PRIVATE = 0x40000
_SHARED_WRITABLE = ("/var/tmp", "/dev/shm", "/run/lock", "/tmp")
"""Folders every user may write to: each worker gets its own, empty, instead (/tmp last: it may hold the scratch)."""


def private_namespaces(request: dict[str, Any]) -> str:
    """Gives this worker its own IPC and mount namespaces and one fresh size-limited tmpfs; returns its folder.

    The tmpfs covers the grader's scratch folder and backs /tmp, /dev/shm and the worker's own folder, so
    its size bounds all the worker writes together, and IPC objects and files all die with the worker.
    With `visible` in the request (the unprivileged level), the tmpfs becomes the worker's whole filesystem
    (_private_root): only the folders listed exist in it. Without it (inside bubblewrap, which already shows
    only those), the worker keeps the filesystem it sees and gets private copies of the shared folders.
    """
    with open(os.path.join(request["directory"], request["file_name"]), "rb") as file:
        source = file.read()  # the grader's copy, hidden from here on
    flags = _CLONE_NEWNS | _CLONE_NEWIPC | (_CLONE_NEWNET if request.get("unshare_network") else 0)
    if _libc().unshare(flags) != 0:
        _fail("unshare")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    scratch, safe = request["scratch"], _MS_NOSUID | _MS_NODEV
    _mount("tmpfs", scratch, "tmpfs", safe, f"size={request['file_bytes']},nr_inodes=4096,mode=0755")
    if request.get("visible") is not None:
        _private_root(scratch, request["visible"], bool(request.get("hide_processes")))
        directory = "/tmp/submission"
    else:
        _private_shared_folders(scratch, bool(request.get("private_tmp")))
        directory = "/tmp/submission" if request.get("private_tmp") else f"{scratch}/submission"
    os.mkdir(directory, 0o700)
    path = os.path.join(directory, request["file_name"])
    with open(path, "wb") as file:
        file.write(source)
    if request.get("uid") is not None:
        for owned in (directory, path):
            os.chown(owned, request["uid"], request["uid"])
    return directory


def _private_shared_folders(scratch: str, private_tmp: bool) -> None:
    """Covers each folder every user may write to with an empty one in the worker's tmpfs at `scratch`."""
    if not private_tmp:  # the interpreter lives under /tmp: keep it, read-only
        _mount("/tmp", "/tmp", None, _MS_BIND | _MS_REC)
        _mount(None, "/tmp", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    for shared in _SHARED_WRITABLE[: None if private_tmp else -1]:
        if os.path.isdir(shared) and not os.path.islink(shared):
            inner = f"{scratch}/{shared.replace('/', '-')}"
            os.mkdir(inner)
            os.chmod(inner, 0o1777)
            _mount(inner, shared, None, _MS_BIND)


_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
_DEVICE_LINKS = {"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0", "/dev/stdout": "/proc/self/fd/1"}
_DEVICE_LINKS["/dev/stderr"] = "/proc/self/fd/2"
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
_MNT_DETACH = 2


def _private_root(root: str, visible: list[str], hide_processes: bool) -> None:
    """Makes the tmpfs at `root` this worker's whole filesystem, as bubblewrap does: the paths in `visible`
    read-only, a few devices, /proc, and its own empty /tmp, /var/tmp, /dev/shm, /run/lock.

    Nothing else exists for the worker, wherever the grader keeps the assignment, the reference, the
    submissions, its output and its temporary files, and whatever their permissions.
    """
    shown: list[str] = []
    for path in sorted(visible):
        if not any(path == done or path.startswith(done.rstrip("/") + "/") for done in shown):
            if _show(root, path):
                shown.append(path)
    for device in _DEVICES:
        _mount_point(root + device, folder=False)
        _mount(device, root + device, None, _MS_BIND)
    for link, target in _DEVICE_LINKS.items():
        os.symlink(target, root + link)
    for shared in _SHARED_WRITABLE:
        os.makedirs(root + shared, exist_ok=True)
        os.chmod(root + shared, 0o1777)
    _mount_point(root + "/proc", folder=True)
    os.chdir(root)
    if _libc().syscall(_PIVOT_ROOT[platform.machine()], b".", b".") != 0:  # the old root is stacked on "."
        _fail("pivot_root")
    if _libc().umount2(b".", _MNT_DETACH) != 0:  # ... and detached: no path leads to it any more
        _fail("umount the old root")
    os.chdir("/")
    safe = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    _mount("proc", "/proc", "proc", safe, "hidepid=invisible" if hide_processes else None)


def _show(root: str, path: str) -> bool:
    """Makes `path` of the grader's filesystem appear read-only at the same place under `root`; a link is
    copied as a link. Returns False when there is nothing at `path`."""
    if os.path.islink(path):
        _mount_point(os.path.dirname(root + path), folder=True)
        os.symlink(os.readlink(path), root + path)
        return True
    if not os.path.exists(path):
        return False
    _mount_point(root + path, folder=os.path.isdir(path))
    _mount(path, root + path, None, _MS_BIND | _MS_REC)
    _mount(None, root + path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    return True


def _mount_point(path: str, folder: bool) -> None:
    """Creates an empty folder or file at `path` (and the folders above it) to mount something on."""
    os.makedirs(path if folder else os.path.dirname(path), mode=0o755, exist_ok=True)
    if not folder:
        with open(path, "ab"):
            pass


def _libc() -> Any:

    return ctypes.CDLL(None, use_errno=True)


def _fail(what: str) -> None:
    raise OSError(__import__("ctypes").get_errno(), f"{what} failed")


def _mount(source: str | None, target: str, kind: str | None, flags: int, options: str | None = None) -> None:
    encoded = [None if value is None else value.encode() for value in (source, target, kind, options)]
    if _libc().mount(*encoded[:3], flags, encoded[3]) != 0:
        _fail(f"mount {target}")


def drop_capabilities() -> None:
    """Drops every capability (the zygote may hold some inside bubblewrap) and forbids regaining any."""

    libc = _libc()
    libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    if libc.capset(header, (ctypes.c_uint32 * 6)()) != 0:
        _fail("capset")
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: no setuid binary or file capability helps
        _fail("prctl(PR_SET_NO_NEW_PRIVS)")


# Per machine: the audit architecture, then the numbers of clone, unshare and clone3.
_SECCOMP_ARCH = {"x86_64": (0xC000003E, 56, 272, 435), "aarch64": (0xC00000B7, 220, 97, 435)}

# System calls no exercise needs and a worker could use to reach beyond its submission, refused with EPERM:
# - ptrace, process_vm_readv/writev, kcmp, pidfd_getfd: another process of the same user id (bubblewrap's
#   init, the fork server, a classmate's worker) could be taken over, read or have its files copied;
# - add_key, request_key, keyctl: kernel keyrings outlive the worker and are shared by its user id;
# - memfd_create, shmget: memory outside RLIMIT_AS and outside the worker's size-limited tmpfs;
# - io_uring_setup/enter/register: a second path into the kernel that bypasses this filter's checks;
# - personality: changes the address-space layout and execution domain the limits assume.
_REFUSED = {
    # ptrace, process_vm_readv, process_vm_writev, kcmp, pidfd_getfd, add_key, request_key, keyctl,
    # memfd_create, shmget, io_uring_setup, io_uring_enter, io_uring_register, personality
    "x86_64": (101, 310, 311, 312, 438, 248, 249, 250, 319, 29, 425, 426, 427, 135),
    "aarch64": (117, 270, 271, 272, 438, 217, 218, 219, 279, 194, 425, 426, 427, 92),
}
_EPERM, _ENOSYS = 1, 38
_RT_SIGACTION, _SIGCHLD = {"x86_64": 13, "aarch64": 134}, 17


def forbid_user_namespaces() -> None:
    """Installs a seccomp filter: no new user namespace, no clone3, none of the system calls in _REFUSED, no
    new action for SIGCHLD.

    clone3 passes its flags in memory a filter cannot read, so it fails with ENOSYS and the C library falls
    back to clone. Without a user namespace, none of the kernel's other namespace code is open to the worker.
    The filter is inherited by every process the submission starts and cannot be removed.
    """

    machine = platform.machine()
    audit, clone, unshare, clone3 = _SECCOMP_ARCH[machine]
    load, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    kill, allow, errno = 0x80000000, 0x7FFF0000, 0x00050000
    refused = [instruction for number in _REFUSED[machine] for instruction in _refuse(number, errno | _EPERM)]
    program = [
        (load, 0, 0, 4),  # the architecture
        (jeq, 1, 0, audit),
        (ret, 0, 0, kill),
        (load, 0, 0, 0),  # the system call's number
        (jge, 0, 1, 0x40000000),  # x32 system calls share x86_64's architecture: refuse them all
        (ret, 0, 0, kill),
        *refused,
        *_refuse(clone3, errno | _ENOSYS),
        *_keep_children_reported(_RT_SIGACTION[machine], errno | _EPERM, allow),
        (jeq, 1, 0, clone),
        (jeq, 0, 3, unshare),
        (load, 0, 0, 16),  # the low half of the first argument: the flags of clone and unshare
        (jset, 0, 1, 0x10000000),  # CLONE_NEWUSER
        (ret, 0, 0, errno | _EPERM),
        (ret, 0, 0, allow),
    ]
    _install(program)


def _keep_children_reported(rt_sigaction: int, refuse: int, allow: int) -> list[tuple[int, int, int, int]]:
    """Returns the filter instructions that refuse a new action for SIGCHLD, and go on for any other call.

    Ignoring SIGCHLD (or SA_NOCLDWAIT) has the kernel reap ended children at once: their CPU time would then be
    added to no process the grader reads (launchers.py). Reading the current action (a NULL new one) is allowed.
    """
    load, jeq, ret = 0x20, 0x15, 0x06
    return [
        (jeq, 0, 8, rt_sigaction),
        (load, 0, 0, 16),  # the signal
        (jeq, 0, 5, _SIGCHLD),
        (load, 0, 0, 24),  # the new action's address: low half, then high half
        (jeq, 0, 2, 0),
        (load, 0, 0, 28),
        (jeq, 1, 0, 0),
        (ret, 0, 0, refuse),
        (ret, 0, 0, allow),
    ]


def _refuse(number: int, action: int) -> list[tuple[int, int, int, int]]:
    """Returns the filter instructions that answer system call `number` with `action`, and go on otherwise."""
    return [(0x15, 0, 1, number), (0x06, 0, 0, action)]


def _install(program: list[tuple[int, int, int, int]]) -> None:
    code = b"".join(struct.pack("=HBBI", op, jt, jf, k) for op, jt, jf, k in program)
    buffer = ctypes.create_string_buffer(code)

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Program(len(program), ctypes.addressof(buffer))
    libc = _libc()
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        _fail("seccomp")


def processes_of(uid: int) -> int:
    """Returns how many processes run as `uid` (real id), as this process's /proc shows them."""
    count = 0
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/status") as status:
                count += next(line for line in status if line.startswith("Uid:")).split()[1] == str(uid)
        except (OSError, StopIteration):
            continue
    return count


def become_subreaper() -> None:
    _libc().prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap_orphans() -> list[tuple[int, int]]:
    """Collects the exit status of every ended child (killed orphans that reparented to the zygote, workers
    that ended), so none stay zombies; returns their pids and exit codes."""
    reaped = []
    try:
        while (ended := os.waitpid(-1, os.WNOHANG))[0] != 0:
            reaped.append((ended[0], os.waitstatus_to_exitcode(ended[1])))
    except ChildProcessError:
        pass
    return reaped


def limit_resources(memory: int, cpu: int, processes: int | None = None, file_bytes: int | None = None) -> None:
    limits = {resource.RLIMIT_AS: memory, resource.RLIMIT_CORE: 0, resource.RLIMIT_FSIZE: file_bytes}
    # RLIMIT_NPROC counts per user id: the zygote counted who already runs as it.
    for kind, value in {**limits, resource.RLIMIT_NPROC: processes}.items():
        if value is not None:
            resource.setrlimit(kind, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
