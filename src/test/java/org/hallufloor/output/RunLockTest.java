package org.hallufloor.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run id's lock on its own: a fresh lock refuses a second run, a lock whose heartbeat is
 * older than STALE_MILLIS (its run died) is taken over, and a released lock leaves nothing.
 */
class RunLockTest {
  @TempDir Path dir;

  private Path lockFile(String runId) {
    return dir.resolve("_staging").resolve(RunOutput.partition(runId) + ".lock");
  }

  @Test
  void freshLocksRefuseStaleOnesAreTakenOver() throws Exception {
    Configuration conf = new Configuration();
    try (RunLock held = RunLock.acquire(conf, dir.toString(), "daily")) {
      RunLock.HeldException refused = assertThrows(RunLock.HeldException.class,
          () -> RunLock.acquire(conf, dir.toString(), "daily"));
      assertTrue(refused.getMessage().startsWith("run daily is already running"), refused.getMessage());
      RunLock.acquire(conf, dir.toString(), "other").close(); // another run id is free
    }
    org.junit.jupiter.api.Assertions.assertFalse(Files.exists(dir.resolve("_staging")), "a released lock leaves no staging folder");

    // A dead run's lock: its last heartbeat 1 ms past the stale limit, by hand.
    Files.createDirectories(lockFile("daily").getParent());
    long dead = System.currentTimeMillis() - RunLock.STALE_MILLIS - 1;
    Files.writeString(lockFile("daily"), "dead-owner " + dead);
    try (RunLock taken = RunLock.acquire(conf, dir.toString(), "daily")) {
      String owner = Files.readString(lockFile("daily")).split(" ")[0];
      assertEquals(taken.attempt(), owner, "the new run owns the lock now");
    }
  }

  /**
   * A lock caught empty, as another process sees it between creating it (or a heartbeat
   * truncating it) and writing its content: fresh by its modification time, so refused; the
   * same empty lock last modified past the stale limit is a dead run's, and taken over.
   */
  @Test
  void anEmptyLockCountsByItsModificationTime() throws Exception {
    Configuration conf = new Configuration();
    Files.createDirectories(lockFile("daily").getParent());
    Files.writeString(lockFile("daily"), "");
    RunLock.HeldException refused = assertThrows(RunLock.HeldException.class,
        () -> RunLock.acquire(conf, dir.toString(), "daily"));
    assertTrue(refused.getMessage().startsWith("run daily is already running"), refused.getMessage());

    Files.setLastModifiedTime(lockFile("daily"), java.nio.file.attribute.FileTime.fromMillis(
        System.currentTimeMillis() - RunLock.STALE_MILLIS - 1_000));
    try (RunLock taken = RunLock.acquire(conf, dir.toString(), "daily")) {
      assertEquals(taken.attempt(), Files.readString(lockFile("daily")).split(" ")[0], "the new run owns the lock");
    }
  }
}
