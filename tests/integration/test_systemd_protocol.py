"""The sd_notify protocol, as systemd sees it, and SIGHUP.

With NOTIFY_SOCKET and WATCHDOG_USEC set (as systemd sets them for a
Type=notify unit with WatchdogSec=), each daemon must send READY=1 once it
is ready, WATCHDOG=1 at least every half interval, even while idle and
while ingest waits on a quiet stdin, STATUS= with its counters, RELOADING=1
then READY=1 on SIGHUP, and STOPPING=1 on SIGTERM. A SIGHUP with a broken
config file must keep the daemon running on the old config.
"""
import os
import signal
import subprocess
import time

import harness as h


def start(name, notify, tmp, sets, stdin=None, config=None):
    args = [os.path.join(h.BIN, name)]
    if config:
        args += ["-c", config]
    for k, v in sets.items():
        args += ["-s", "%s=%s" % (k, v)]
    env = dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="400000")
    log = open(os.path.join(tmp, name + ".log"), "w")
    return subprocess.Popen(args, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=log)


def messages_of(notify, proc, since=0):
    notify.poll()
    # Only READY carries MAINPID; attribute the rest by order of arrival is
    # unreliable with several daemons, so each case uses its own socket.
    return [t for _, t in notify.messages[since:]]


def case(name, sets, stdin=None):
    tmp = h.scratch_dir("attache-sd.")
    notify = h.Notify(tmp)
    cfg = os.path.join(tmp, name + ".ini")
    with open(cfg, "w") as f:
        f.write("[daemon]\nstats_interval = 1\n")
    proc = start(name, notify, tmp, sets, stdin=stdin, config=cfg)
    try:
        notify.wait_ready(proc)
        t0 = len(notify.messages)
        time.sleep(2.2)
        msgs = messages_of(notify, proc, t0)
        wd = sum(1 for m in msgs if "WATCHDOG=1" in m)
        assert wd >= 8, "%s: %d watchdog pings in 2.2 s at WatchdogSec=0.4s" % (name, wd)
        assert any(m.startswith("STATUS=") and "=" in m[7:] for m in msgs), msgs

        # A good reload: RELOADING=1 then READY=1.
        with open(cfg, "w") as f:
            f.write("[daemon]\nstats_interval = 1\n[log]\nlevel = debug\n")
        t1 = len(notify.messages)
        proc.send_signal(signal.SIGHUP)
        assert h.wait_for(lambda: any("READY=1" in m for m in messages_of(notify, proc, t1)), 5)
        msgs = messages_of(notify, proc, t1)
        assert any("RELOADING=1" in m for m in msgs), msgs

        # A broken config on reload: logged, old config kept, still running.
        with open(cfg, "w") as f:
            f.write("[daemon]\nstats_interval = soon\n")
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert proc.poll() is None, "%s died on a bad reload" % name

        t2 = len(notify.messages)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(30)
        assert rc == 0, "%s exit %s" % (name, rc)
        msgs = messages_of(notify, proc, t2)
        assert any("STOPPING=1" in m for m in msgs), msgs
        log = open(os.path.join(tmp, name + ".log")).read()
        assert "keeping the running config" in log, log
        assert "stats_interval = 'soon'" in log, log
        print("ok: %s: READY, %d WATCHDOG pings, STATUS, RELOADING, STOPPING" % (name, wd))
    finally:
        if proc.poll() is None:
            proc.kill()


def main():
    p_in, p_out = h.free_port(), h.free_port()
    case("attache-sink", {"sink.input": "zmq+tcp://127.0.0.1:%d?bind=1" % p_in,
                          "sink.output": os.devnull})
    case("attache-enrich", {"enrich.input": "zmq+tcp://127.0.0.1:%d?bind=1" % p_in,
                            "enrich.output": "zmq+tcp://127.0.0.1:%d" % p_out,
                            "enrich.data_dir": h.DATA})
    # ingest on a stdin pipe that stays open and quiet.
    r, w = os.pipe()
    try:
        case("attache-ingest", {"ingest.input": "-",
                                "ingest.output": "zmq+tcp://127.0.0.1:%d" % p_out},
             stdin=r)
    finally:
        os.close(w)
        os.close(r)


if __name__ == "__main__":
    main()
