"""A throwaway PostgreSQL server for the integration tests and benchmarks.

Debian's server binaries (package postgresql) run initdb and pg_ctl in a
temporary directory; the server listens only on a unix socket in that
directory (no TCP port, so parallel tests never collide). PostgreSQL refuses
to run as root, so under root the server runs as the unprivileged user
"nobody" (runuser); the tests connect as the database role "attache"
(trust over the socket) or "locked" (SCRAM password, for auth failures).
Queries go through Debian's psql, so the tests need no Python driver.
"""
import os
import shutil
import subprocess
import tempfile

PGBIN = os.environ.get("ATTACHE_PGBIN", "/usr/lib/postgresql/15/bin")
PSQL = shutil.which("psql") or "/usr/bin/psql"
PORT = 5432  # only names the socket file; nothing listens on TCP


def available():
    """None when a server can be started here, else the reason."""
    for b in ("initdb", "pg_ctl", "postgres"):
        if not os.access(os.path.join(PGBIN, b), os.X_OK):
            return "no PostgreSQL server binaries in %s (Debian package postgresql)" % PGBIN
    if not os.access(PSQL, os.X_OK):
        return "no psql (Debian package postgresql-client)"
    return None


class Server:
    def __init__(self, tmp=None, fsync=False):
        self.dir = tempfile.mkdtemp(prefix="attache-pg.", dir=tmp)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.fsync = fsync
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody")
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self._run([os.path.join(PGBIN, "initdb"), "-D", self.data, "-U", "attache",
                   "--auth-local=trust", "--auth-host=reject", "-E", "UTF8",
                   "--locale=C.UTF-8", "--no-sync"])
        # "locked" must give a password; everyone else connects by trust.
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write("local all locked scram-sha-256\nlocal all all trust\n")
        self.start()
        self.psql("CREATE ROLE locked LOGIN PASSWORD 'right-password'")

    def _run(self, args):
        r = subprocess.run(self.as_user + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s" % (args[0], r.returncode, r.stdout))
        return r.stdout

    def pg_ctl(self, *what):
        opts = "-k %s -p %d -c listen_addresses= -c fsync=%s" % (
            self.dir, PORT, "on" if self.fsync else "off")
        return self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-l", self.log,
                          "-w", "-t", "120", "-o", opts] + list(what))

    def start(self):
        self.pg_ctl("start")

    def stop(self, mode="fast"):
        self.pg_ctl("stop", "-m", mode)

    def restart(self, mode="fast"):
        self.pg_ctl("restart", "-m", mode)

    def conninfo(self, db="postgres", user="attache", extra=""):
        s = "host=%s port=%d dbname=%s user=%s" % (self.dir, PORT, db, user)
        return s + (" " + extra if extra else "")

    def psql(self, sql, db="postgres"):
        """Run SQL; returns the unaligned, tuples-only output."""
        r = subprocess.run([PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-At", "-d", self.conninfo(db),
                            "-c", sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError("psql %r: %s" % (sql, r.stderr))
        return r.stdout.strip()

    def scalar(self, sql, db="postgres"):
        return int(self.psql(sql, db) or 0)

    def create_db(self, name):
        self.psql("CREATE DATABASE %s" % name)
        return self.conninfo(name)

    def close(self):
        try:
            self.stop("immediate")
        except RuntimeError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
