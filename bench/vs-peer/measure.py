"""Runs one command and reports what it cost, as bench/vs-peer's stopwatch.

argv: OUT_JSON -- COMMAND...
Wall time from spawn to the command's exit; CPU = user + system of every descendant
(getrusage RUSAGE_CHILDREN: the dev server, workers, GmatConsoles, joblib workers). This
process is a child subreaper, so descendants a tool leaves behind are reparented here and
reaped, and their CPU is counted too. Peak RSS = the largest single process (ru_maxrss) and
the largest sum over the live process tree, sampled every 50 ms from /proc.
"""
import json
import os
import resource
import subprocess
import sys
import ctypes
import signal
import threading
import time

out_json = sys.argv[1]
assert sys.argv[2] == "--"
cmd = sys.argv[3:]
page = os.sysconf("SC_PAGE_SIZE")


# Last seen CPU seconds of every descendant, by pid, with its command name: summed by name
# at the end (a process's CPU after the last 50 ms sample is not seen), for a profile of
# where a tool's CPU goes (its own process, a server, GMAT).
last_cpu = {}
ticks = os.sysconf("SC_CLK_TCK")


def tree_rss(root):
    children = {}
    rss = {}
    cpu = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        pid = int(name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * page
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        cpu[pid] = (comm, (int(fields[11]) + int(fields[12])) / ticks)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        if pid != root and pid in cpu:
            last_cpu[pid] = cpu[pid]
        stack.extend(children.get(pid, []))
    return total


PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
me = os.getpid()


def own_rss():
    with open(f"/proc/{me}/statm") as f:
        return int(f.read().split()[1]) * page


start = time.perf_counter()
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
peak = [0]
done = threading.Event()


def sample():
    while not done.wait(0.05):
        try:
            peak[0] = max(peak[0], tree_rss(me) - own_rss())
        except Exception:
            pass


sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
stdout, stderr = proc.communicate()
wall = time.perf_counter() - start
# Reap what the tool left behind (orphans were reparented here); kill stragglers after 30 s.
deadline = time.monotonic() + 30
while True:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        if time.monotonic() > deadline:
            for name in os.listdir("/proc"):
                if name.isdigit():
                    try:
                        with open(f"/proc/{name}/stat") as f:
                            st = f.read()
                        if int(st[st.rindex(")") + 2:].split()[1]) == me:
                            os.kill(int(name), signal.SIGKILL)
                    except (OSError, ValueError):
                        pass
        time.sleep(0.05)
done.set()
sampler.join()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
by_command = {}
for comm, seconds in last_cpu.values():
    by_command[comm] = by_command.get(comm, 0.0) + seconds
with open(out_json, "w") as f:
    json.dump(
        {
            "code": proc.returncode,
            "wall_s": wall,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "max_rss_mib": usage.ru_maxrss / 1024,
            "tree_rss_mib": peak[0] / 2**20,
            "cpu_by_command": by_command,
            "stdout": stdout.decode(errors="replace")[-65536:],
            "stderr": stderr.decode(errors="replace")[-65536:],
        },
        f,
    )
