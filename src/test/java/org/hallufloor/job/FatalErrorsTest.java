package org.hallufloor.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hang a user met: a real OutOfMemoryError in one thread while the main thread waits for
 * it (as the driver waits on a Spark job), with a non-daemon thread left running. The process
 * must end by itself, promptly, with exit 1 and one line saying why.
 */
class FatalErrorsTest {
  @TempDir Path dir;

  /** The child process: installs the guard as HallufloorJob.main does, then fails as above. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      FatalErrors.install(System.err);
      Thread worker = new Thread(() -> {
        long[] tooLarge = new long[Integer.MAX_VALUE - 2];
        tooLarge[0] = 1;
      }, "worker");
      Thread bystander = new Thread(() -> {
        try {
          Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "bystander");
      bystander.start();
      worker.start();
      worker.join();
      bystander.join();
    }
  }

  /** A run that ends well: the guard's shutdown timer must not hold the exit up. */
  public static final class Finishing {
    public static void main(String[] args) {
      FatalErrors.install(System.err);
      System.exit(0);
    }
  }

  /** Runs {@code main} in a child JVM; returns its exit code and non-blank output lines. */
  private record Ended(int code, List<String> lines) {}

  private Ended child(Class<?> main, int seconds) throws Exception {
    Path log = dir.resolve(main.getSimpleName() + ".log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-cp",
        System.getProperty("java.class.path") + File.pathSeparator + Path.of("target", "test-classes").toAbsolutePath(),
        main.getName()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    Assertions.assertTrue(ended, main.getSimpleName() + " ended by itself within " + seconds + " s");
    return new Ended(p.exitValue(),
        Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList());
  }

  @Test
  void aCleanExitIsNotHeldUpByTheGuard() throws Exception {
    Ended e = child(Finishing.class, 20);
    assertEquals(0, e.code());
    assertEquals(List.of(), e.lines());
  }

  @Test
  void anOutOfMemoryErrorInAnyThreadEndsTheProcessWithOneLine() throws Exception {
    Ended e = child(Child.class, 30);
    assertEquals(HallufloorJob.FAILED, e.code());
    List<String> lines = e.lines();
    assertEquals(1, lines.size(), lines.toString());
    Assertions.assertTrue(lines.get(0).startsWith("hallufloor: fatal out of memory")
        && lines.get(0).contains("in thread 'worker'"), lines.get(0));
  }
}
