package org.hallufloor.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.Row;
import org.hallufloor.testing.ChildJob;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.SameNumbers;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real multi-JVM Spark, as a user starts it: {@code scripts/run-local.sh JOB
 * spark.master="local-cluster[2,1,1024]"} (two executor JVMs, a real shuffle between
 * processes) on a machine without a Spark distribution, the script preparing what local-cluster
 * needs. One executor JVM is killed while the evidence shuffle runs, and the numbers must still
 * equal the in-process local[2] run's (so an undisturbed multi-JVM run's would too).
 */
class MultiJvmTest extends SparkTestBase {
  @TempDir Path dir;

  private Path shard() {
    return Shards.europarl(dir.resolve("europarl-400.txt.gz"), Europarl.first(400));
  }

  private static String[] overrides(Path shard) {
    return new String[] {"hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.context-lengths=[1,2,4]",
        "hallufloor.scaling-fractions=[]", "hallufloor.slices=[{name=year, field=date, transform=year}]"};
  }

  /**
   * Runs the job through scripts/run-local.sh (on what Maven built: no build of its own);
   * {@code whileRunning} is called once the evidence stage starts.
   */
  private int child(Path out, Path shard, Runnable whileRunning) throws Exception {
    List<String> command = new ArrayList<>(List.of("scripts/run-local.sh", "jobs/europarl-sample.conf"));
    command.addAll(List.of(overrides(shard)));
    command.addAll(List.of("hallufloor.run-id=test", "hallufloor.output.root=\"" + out + "\"",
        "spark.master=\"local-cluster[2,1,1024]\""));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("HALLUFLOOR_NO_BUILD", "1");
    pb.environment().put("HALLUFLOOR_DRIVER_MEMORY", "1g");
    // The executor JVMs inherit the environment: every JVM of the run gets it.
    pb.environment().put("JAVA_TOOL_OPTIONS", ChildJob.QUICK_JIT);
    Process p = pb.start();
    StringBuilder log = new StringBuilder();
    AtomicBoolean fired = new AtomicBoolean();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        log.append(line).append('\n');
        if (whileRunning != null && line.contains("counting evidence") && fired.compareAndSet(false, true)) {
          whileRunning.run();
        }
      }
    }
    Assertions.assertTrue(p.waitFor(10, TimeUnit.MINUTES), "child run finished");
    Assertions.assertTrue(whileRunning == null || fired.get(), "the evidence stage was reached");
    assertEquals(0, p.exitValue(), log.toString());
    return p.exitValue();
  }

  private List<Row> bounds(Path out) {
    return spark().read().parquet(out.resolve("slice_bounds").toString())
        .orderBy("slice_dim", "slice_value", "context_len", "beta_s", "temperature", "distribution").collectAsList();
  }

  @Test
  void localClusterEqualsLocalAndSurvivesExecutorLoss() throws Exception {
    Path shard = shard();
    Path local = dir.resolve("local");
    Runs.run(spark(), Runs.settings("jobs/europarl-sample.conf", local, overrides(shard)));
    List<Row> expected = bounds(local);

    Path disturbed = dir.resolve("disturbed");
    List<Long> killed = new ArrayList<>();
    child(disturbed, shard, () -> killed.add(killOneExecutor()));
    Assertions.assertTrue(killed.get(0) > 0, "an executor JVM was found and killed");
    SameNumbers.assertSameSliceBounds(expected, bounds(disturbed));
  }

  /** Without a build to run, the script exits 2 naming what is missing, before any JVM starts. */
  @Test
  void runLocalWithoutABuildExitsTwoNamingWhatIsMissing() throws Exception {
    Path root = dir.resolve("fresh");
    Files.createDirectories(root.resolve("scripts"));
    Path script = Files.copy(Path.of("scripts", "run-local.sh"), root.resolve("scripts").resolve("run-local.sh"));
    ProcessBuilder pb = new ProcessBuilder(script.toString(), "spark.master=\"local-cluster[2,1,1024]\"")
        .redirectErrorStream(true);
    pb.environment().put("HALLUFLOOR_NO_BUILD", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Assertions.assertTrue(p.waitFor(1, TimeUnit.MINUTES));
    assertEquals(2, p.exitValue(), out);
    Assertions.assertTrue(out.contains(root.toRealPath().resolve("target/classpath.txt") + " is missing"), out);
  }

  /** Kills (SIGKILL) one executor JVM of this machine's local-cluster; returns its pid. */
  private static long killOneExecutor() {
    return ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().map(c -> c.contains("CoarseGrainedExecutorBackend")
            && c.contains("spark-home-dev")).orElse(false))
        .findFirst()
        .map(h -> {
          h.destroyForcibly();
          return h.pid();
        })
        .orElse(-1L);
  }
}
