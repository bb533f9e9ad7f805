"""Process plumbing for the benchmarks: core pinning, open-files limit, /proc counters."""

from __future__ import annotations

import os
import resource

__all__ = ["raise_nofile", "pin", "cores", "cpu_seconds", "rss_bytes", "core_busy_seconds",
           "CLK_TCK"]

CLK_TCK = os.sysconf("SC_CLK_TCK")


def raise_nofile() -> int:
    """Lift the soft open-files limit to the hard limit (5,000 sockets need it); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def cores() -> list[int]:
    """The cores this process may run on, in order."""
    return sorted(os.sched_getaffinity(0))


def pin(core: int | None) -> None:
    """Run this process (and the threads it starts later) on one core; None leaves it free."""
    if core is not None:
        os.sched_setaffinity(0, {core})


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / CLK_TCK


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (VmRSS of /proc/<pid>/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def core_busy_seconds(core: int) -> float:
    """Non-idle time of one core, every process and interrupt included (/proc/stat)."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{core} "):
                ticks = [int(v) for v in line.split()[1:]]
                idle = ticks[3] + ticks[4]  # idle, iowait
                return (sum(ticks[:8]) - idle) / CLK_TCK  # guest time is already in user
    raise RuntimeError(f"no core {core} in /proc/stat")
