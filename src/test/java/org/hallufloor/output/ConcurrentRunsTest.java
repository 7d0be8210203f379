package org.hallufloor.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.hallufloor.job.HallufloorJob;
import org.hallufloor.testing.ChildJob;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 row 2, with a job process and runs in the test's own JVM at once on one output root:
 * the same run id twice (a scheduler's overlapping retry) lets one run and refuses the other
 * with exit 2, changing nothing; two run ids both land. The process holds its run id's lock
 * while the test's JVM, another process as far as the file lock is concerned, tries the same id
 * and then runs another. In both output formats: with Iceberg both runs commit to the same
 * tables of one Hadoop catalog, which hallufloor serialises across processes.
 */
class ConcurrentRunsTest extends SparkTestBase {
  /** Enough for the process to outlast the retry, which is refused within milliseconds of its lock. */
  private static final int DOCS = 200;

  @TempDir Path dir;

  private List<String> settings(Path shard, Path out, RunOutput.Format format, String runId) {
    return List.of("hallufloor.input.paths=[\"" + shard + "\"]", "hallufloor.context-lengths=[1,2]",
        "hallufloor.tokenizer=bytes", "hallufloor.scaling-fractions=[]",
        "hallufloor.slices=[{name=year, field=date, transform=year}]", "hallufloor.report=false",
        "hallufloor.run-id=" + runId, "hallufloor.output.root=\"" + out + "\"",
        "hallufloor.output.format=" + format.name().toLowerCase(java.util.Locale.ROOT));
  }

  private Process start(List<String> settings, String name) {
    List<String> args = new java.util.ArrayList<>(List.of("jobs/europarl-sample.conf", "--quiet"));
    args.addAll(settings);
    args.add("spark.master=\"local[1]\"");
    return ChildJob.start("1g", dir.resolve(name + ".log"), args);
  }

  private Runs.Exit inThisJvm(List<String> settings) {
    return Runs.execute(spark(), org.hallufloor.config.SettingsLoader.load(Path.of("jobs/europarl-sample.conf"), null,
        settings));
  }

  private String log(String name) throws Exception {
    return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
  }

  private static int exit(Process p) throws Exception {
    Assertions.assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the run ended");
    return p.exitValue();
  }

  @ParameterizedTest
  @EnumSource(RunOutput.Format.class)
  void theSameRunIdTwiceRunsOnceAndTwoRunIdsBothLand(RunOutput.Format format) throws Exception {
    Path shard = Shards.europarl(dir.resolve("europarl.txt.gz"), Europarl.first(DOCS));
    Path out = dir.resolve("out");
    Process first = start(settings(shard, out, format, "daily"), "first");
    Path lock = out.resolve("_staging").resolve("run_id=daily.lock");
    for (int i = 0; i < 600 && !Files.exists(lock) && first.isAlive(); i++) {
      Thread.sleep(100);
    }
    Assertions.assertTrue(Files.exists(lock), "the first run holds the lock: " + log("first"));
    Runs.Exit retry = inThisJvm(settings(shard, out, format, "daily"));
    Assertions.assertTrue(first.isAlive(), "the retry was tried while the first ran");
    Runs.Exit other = inThisJvm(settings(shard, out, format, "other"));
    Assertions.assertTrue(first.isAlive() || first.exitValue() == 0, "the other run left the first undisturbed");

    assertEquals(HallufloorJob.BAD_CONFIG, retry.code(), retry.err());
    Assertions.assertTrue(retry.err().contains("hallufloor: run daily is already running"), retry.err());
    assertEquals(0, exit(first), log("first"));
    assertEquals(0, other.code(), other.err());

    RunOutput reader = new RunOutput(spark(), new RunOutput.Destination(out.toString(), format, "", ""), "reader");
    List<Row> runs = reader.read("runs").select("run_id", "status", "documents")
        .orderBy("run_id").collectAsList();
    assertEquals(List.of(org.apache.spark.sql.RowFactory.create("daily", "SUCCEEDED", (long) DOCS),
        org.apache.spark.sql.RowFactory.create("other", "SUCCEEDED", (long) DOCS)), runs);
    // One run's rows per run id: the same count under each, none doubled by the refused retry.
    long daily = reader.read("slice_bounds").filter("run_id = 'daily'").count();
    long otherRows = reader.read("slice_bounds").filter("run_id = 'other'").count();
    Assertions.assertTrue(daily > 0);
    assertEquals(otherRows, daily);
    Assertions.assertFalse(Files.exists(out.resolve("_staging")), "no staging or lock left behind");
  }
}
