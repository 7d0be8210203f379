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

  /** Two threads out of memory at the same moment, as two tasks of one stage were on a 1 GB heap. */
  public static final class TwoAtOnce {
    public static void main(String[] args) throws Exception {
      FatalErrors.install(System.err);
      java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
      List<Thread> workers = new java.util.ArrayList<>();
      for (String name : List.of("first", "second")) {
        workers.add(new Thread(() -> {
          try {
            together.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          long[] tooLarge = new long[Integer.MAX_VALUE - 2];
          tooLarge[0] = 1;
        }, name));
      }
      workers.forEach(Thread::start);
      for (Thread w : workers) {
        w.join();
      }
    }
  }

  /**
   * A real OutOfMemoryError in a Spark task thread of a local session, where Spark's executor
   * hands it to its own handler (which exits with 52 after a stack trace) instead of the
   * default one: the job's watch on that handler must end the process with exit 1 and its line.
   */
  public static final class TaskChild {
    public static void main(String[] args) {
      FatalErrors.install(System.err);
      org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[1]")
          .config("spark.ui.enabled", "false").config("spark.driver.host", "localhost")
          .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
      FatalErrors.watchSparkExecutors();
      long sum = spark.range(1).javaRDD().map(i -> {
        long[] tooLarge = new long[Integer.MAX_VALUE - 2];
        return tooLarge.length + i;
      }).reduce(Long::sum);
      System.err.println("unreachable: " + sum);
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

  private Ended child(Class<?> main, int seconds, String... jvmOptions) throws Exception {
    Path log = dir.resolve(main.getSimpleName() + ".log");
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString()));
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp",
        System.getProperty("java.class.path") + File.pathSeparator + Path.of("target", "test-classes").toAbsolutePath(),
        main.getName()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
    Ended e = child(Finishing.class, 20, "-Xmx64m");
    assertEquals(0, e.code());
    assertEquals(List.of(), e.lines());
  }

  @Test
  void anOutOfMemoryErrorInAnyThreadEndsTheProcessWithOneLine() throws Exception {
    Ended e = child(Child.class, 30, "-Xmx64m");
    assertEquals(HallufloorJob.FAILED, e.code());
    List<String> lines = e.lines();
    assertEquals(1, lines.size(), lines.toString());
    Assertions.assertTrue(lines.get(0).startsWith("hallufloor: fatal out of memory")
        && lines.get(0).contains("in thread 'worker'"), lines.get(0));
  }

  @Test
  void twoThreadsOutOfMemoryAtOnceGiveOneLine() throws Exception {
    Ended e = child(TwoAtOnce.class, 30, "-Xmx64m");
    assertEquals(HallufloorJob.FAILED, e.code());
    assertEquals(1, e.lines().size(), e.lines().toString());
    Assertions.assertTrue(e.lines().get(0).startsWith("hallufloor: fatal out of memory"), e.lines().get(0));
  }

  @Test
  void anOutOfMemoryErrorInASparkTaskEndsTheProcessWithExitOneAndItsLine() throws Exception {
    List<String> options = new java.util.ArrayList<>(List.of("-Xmx512m",
        "-Dlog4j2.configurationFile=" + Path.of("conf", "log4j2.properties").toAbsolutePath()));
    options.addAll(List.of(Files.readString(Path.of("target", "jvm-options.txt")).trim().split("\\s+")));
    Ended e = child(TaskChild.class, 120, options.toArray(new String[0]));
    // Without the watch, Spark's handler exits with 52 and its stack trace is the last thing printed.
    assertEquals(HallufloorJob.FAILED, e.code(), String.join("\n", e.lines()));
    String last = e.lines().get(e.lines().size() - 1);
    Assertions.assertTrue(last.startsWith("hallufloor: fatal out of memory")
        && last.contains("in thread 'Executor task launch worker"), last);
    Assertions.assertEquals(1, e.lines().stream().filter(l -> l.startsWith("hallufloor:")).count(), e.lines().toString());
  }
}
