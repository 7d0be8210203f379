package org.hallufloor.output;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One run of a run id at a time. A run takes {@code <root>/_staging/run_id=<id>.lock} by
 * creating it without overwrite (one of two racing creators wins) and rewrites its heartbeat
 * every {@link #HEARTBEAT_MILLIS}; a second run of the id finds the lock fresh and is refused
 * (the scheduler's overlapping retry exits 2, changing nothing). A lock whose heartbeat is
 * older than {@link #STALE_MILLIS} belongs to a run that died, and a new run takes it over,
 * so a crash never blocks the next scheduled run for good.
 */
public final class RunLock implements AutoCloseable {
  static final long HEARTBEAT_MILLIS = 10_000;
  static final long STALE_MILLIS = 120_000;

  private final FileSystem fs;
  private final Path lock;
  private final String owner = UUID.randomUUID().toString();
  private final Thread heartbeat;

  /** Thrown when another run holds the run id. */
  public static final class HeldException extends RuntimeException {
    HeldException(String message) {
      super(message);
    }
  }

  private RunLock(FileSystem fs, Path lock) {
    this.fs = fs;
    this.lock = lock;
    this.heartbeat = new Thread(this::beat, "hallufloor-run-lock " + lock.getName());
    heartbeat.setDaemon(true);
  }

  public static RunLock acquire(Configuration conf, String root, String runId) {
    return acquire(conf, new Path(new Path(root, "_staging"), RunOutput.partition(runId) + ".lock"), "run " + runId);
  }

  /**
   * Waits for {@code lock} while another process holds it (every {@link #WAIT_MILLIS}), up to
   * {@code timeoutMillis}: for short critical sections that must not run twice at once, where
   * a refusal would fail a run that only had to wait.
   */
  static RunLock await(Configuration conf, Path lock, String what, long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      try {
        return acquire(conf, lock, what);
      } catch (HeldException e) {
        if (System.currentTimeMillis() > deadline) {
          throw new HeldException(e.getMessage() + "; waited " + timeoutMillis / 1000 + " s");
        }
        try {
          Thread.sleep(WAIT_MILLIS);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for " + lock, interrupted);
        }
      }
    }
  }

  static final long WAIT_MILLIS = 200;

  private static RunLock acquire(Configuration conf, Path lock, String what) {
    try {
      FileSystem fs = lock.getFileSystem(conf);
      RunLock l = new RunLock(fs, lock);
      if (!l.tryCreate()) {
        long age = System.currentTimeMillis() - l.heartbeatOf();
        if (age < STALE_MILLIS) {
          throw new HeldException(what + " is already running (its lock " + lock + " was renewed "
              + age / 1000 + " s ago); this run changes nothing");
        }
        // The holder died: take the lock over, unless another run just did.
        fs.delete(lock, false);
        if (!l.tryCreate()) {
          throw new HeldException(what + " was just started by another process (lock " + lock + ")");
        }
      }
      l.heartbeat.start();
      return l;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot take the lock of " + what + " at " + lock + ": " + e.getMessage(), e);
    }
  }

  /** This attempt's own name, for a staging folder no other attempt touches. */
  public String attempt() {
    return owner;
  }

  /**
   * Creates the lock unless it exists, atomically where the file system can: HDFS and ABFS
   * create without overwrite atomically; a local disk through Java's atomic create (Hadoop's
   * local create checks, then creates). On S3 before conditional writes it only narrows the race.
   */
  private boolean tryCreate() throws IOException {
    fs.mkdirs(lock.getParent());
    if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
      try {
        java.nio.file.Files.writeString(local.pathToFile(lock).toPath(), content(),
            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(lock, false)) {
      out.write(content().getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(lock)) {
        return false; // some file systems say "exists" only through a generic IOException
      }
      throw e;
    }
  }

  private String content() {
    return owner + " " + System.currentTimeMillis();
  }

  /**
   * The lock's last heartbeat (ms); 0 when the lock is gone. A lock read between its creation
   * (or a heartbeat's rewrite) and its content's write is empty: its modification time, which
   * that write has just set, stands for the heartbeat then, so a live run's lock is never
   * mistaken for a dead one's and taken over.
   */
  private long heartbeatOf() {
    try (InputStream in = fs.open(lock)) {
      String[] parts = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
      return Long.parseLong(parts[1]);
    } catch (IOException | RuntimeException unreadable) {
      try {
        return fs.getFileStatus(lock).getModificationTime();
      } catch (IOException gone) {
        return 0;
      }
    }
  }

  private void beat() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(HEARTBEAT_MILLIS);
        try (OutputStream out = fs.create(lock, true)) {
          out.write(content().getBytes(StandardCharsets.UTF_8));
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        // A missed beat only ages the lock; the next one tries again.
      }
    }
  }

  @Override
  public void close() {
    heartbeat.interrupt();
    try {
      heartbeat.join(HEARTBEAT_MILLIS);
      fs.delete(lock, false);
      RunOutput.deleteIfEmpty(fs, lock.getParent());
    } catch (IOException | InterruptedException e) {
      // Left behind, the lock goes stale and the next run takes it over.
    }
  }
}
