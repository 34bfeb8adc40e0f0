/*
 * at_jsonl: the JSON-lines output of attache-sink (`jsonl:PATH`, a bare
 * PATH, or `-` for stdout): one event per line, as docs/json.md.
 *
 * Events of a batch are gathered in memory and written with write(2) at
 * commit; a failed write (ENOSPC, EIO) truncates the file back to the end
 * of the last good batch, so a retried batch never leaves half a line or
 * a second copy. Options:
 *   fsync=always|interval|never  always: fsync every batch before it
 *       counts as durable (group commit: a batch ends when the queue is
 *       empty); interval (default): batches end and are fsync'ed every
 *       fsync_ms; never: write(2) only (survives a crash of attache-sink,
 *       not of the machine).
 *   fsync_ms=DURATION     default sink.flush_interval_ms
 *   rotate_bytes=SIZE     rotate once the file reaches this size (100M)
 *   rotate_interval=DURATION  rotate files older than this (1h, 1d)
 *   batch=N               most events per batch (default 1000)
 * Rotation renames PATH to PATH.YYYYMMDDTHHMMSSZ (plus .N if taken) after
 * a committed batch, fsyncs the directory and starts a new PATH, so a
 * rotated file holds whole, durable batches. SIGHUP reopens PATH
 * (logrotate's "move, then HUP"). stdout takes no rotation; fsync on a
 * pipe is skipped.
 */
#ifndef AT_JSONL_H
#define AT_JSONL_H

#include "at_sinkq.h"

extern const at_sinkbe_t at_jsonl_backend;

#endif
