package org.hallufloor.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.Row;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.SameNumbers;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real multi-JVM Spark: the job in a child JVM on master local-cluster[2,1,1024] (two executor
 * JVMs, a real shuffle between processes), without a Spark distribution: SPARK_HOME is a
 * folder whose jars/ links the runtime classpath. Its numbers must equal the in-process
 * local[2] run's; and they must still equal them when one executor JVM is killed while the
 * evidence shuffle runs.
 */
class MultiJvmTest extends SparkTestBase {
  @TempDir Path dir;

  private static Path sparkHome() throws IOException {
    // The whole runtime classpath (the job runs from target/classes, not the fat jar).
    Path jars = Path.of("target", "spark-home-dev", "jars").toAbsolutePath();
    Files.createDirectories(jars);
    for (String jar : Files.readString(Path.of("target", "classpath.txt")).trim().split(File.pathSeparator)) {
      Path link = jars.resolve(Path.of(jar).getFileName());
      if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, Path.of(jar));
      }
    }
    return jars.getParent();
  }

  private Path shard() {
    return Shards.europarl(dir.resolve("europarl-800.txt.gz"), Europarl.first(800));
  }

  private static String[] overrides(Path shard) {
    return new String[] {"hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.context-lengths=[1,2,4]",
        "hallufloor.scaling-fractions=[]", "hallufloor.slices=[{name=year, field=date, transform=year}]"};
  }

  /** Runs the job in a child JVM; {@code whileRunning} is called once the evidence stage starts. */
  private int child(Path out, Path shard, Runnable whileRunning) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
    command.addAll(List.of(Files.readString(Path.of("target", "jvm-options.txt")).trim().split("\\s+")));
    String classes = Path.of("target", "classes").toAbsolutePath().toString();
    command.addAll(List.of("-cp", classes + File.pathSeparator + Files.readString(Path.of("target", "classpath.txt")).trim(),
        HallufloorJob.class.getName(), "jobs/europarl-sample.conf"));
    command.addAll(List.of(overrides(shard)));
    command.addAll(List.of("hallufloor.run-id=test", "hallufloor.output.root=\"" + out + "\"",
        "spark.master=\"local-cluster[2,1,1024]\"", "spark.executor.extraClassPath=\"" + classes + "\"",
        "spark.driver.host=localhost", "spark.driver.bindAddress=127.0.0.1"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SPARK_HOME", sparkHome().toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
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

    Path cluster = dir.resolve("cluster");
    child(cluster, shard, null);
    SameNumbers.assertSameSliceBounds(expected, bounds(cluster));

    Path disturbed = dir.resolve("disturbed");
    List<Long> killed = new ArrayList<>();
    child(disturbed, shard, () -> killed.add(killOneExecutor()));
    Assertions.assertTrue(killed.get(0) > 0, "an executor JVM was found and killed");
    SameNumbers.assertSameSliceBounds(expected, bounds(disturbed));
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
