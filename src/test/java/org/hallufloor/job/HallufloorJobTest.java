package org.hallufloor.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Configuration errors exit 2, listing every problem, before any Spark session exists. */
class HallufloorJobTest {
  private static String[] run(int expectedCode, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = HallufloorJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String errText = err.toString(StandardCharsets.UTF_8);
    assertEquals(expectedCode, code, errText);
    return new String[] {out.toString(StandardCharsets.UTF_8), errText};
  }

  @Test
  void badConfigurationExitsTwoWithEveryKeyNamed() {
    String err = run(HallufloorJob.BAD_CONFIG, "jobs/europarl-sample.conf",
        "hallufloor.temperatures=[0]", "hallufloor.scaling-fractions=[-0.5]", "hallufloor.contex-lengths=[1]")[1];
    assertTrue(err.contains("hallufloor.temperatures[0]"), err);
    assertTrue(err.contains("hallufloor.scaling-fractions[0]"), err);
    assertTrue(err.contains("did you mean hallufloor.context-lengths?"), err);
    assertTrue(err.contains("3 configuration problem(s)"), err);
  }

  @Test
  void strayArgumentExitsTwo() {
    String err = run(HallufloorJob.BAD_CONFIG, "jobs/europarl-sample.conf", "extra")[1];
    assertTrue(err.contains("argument 'extra'"), err);
  }

  /**
   * Issue 21 rows 9, 10 and 12: what would fail after the whole read is refused before Spark
   * starts. The tokenizer.json here is handmade and broken: a WordPiece model without the fields
   * Hugging Face's library needs, which it refuses when the driver loads it.
   */
  @Test
  void whatWouldFailLaterIsRefusedBeforeSparkStarts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "not a folder");
    String below = run(HallufloorJob.BAD_CONFIG, "jobs/europarl-sample.conf",
        "hallufloor.output.root=\"" + file.resolve("out") + "\"")[1];
    assertTrue(below.contains("hallufloor.output.root: " + file.resolve("out") + " is below a regular file"), below);

    java.nio.file.Path wordPiece = java.nio.file.Files.writeString(dir.resolve("tokenizer.json"),
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0, \"a\": 1}}}");
    String tokenizer = run(HallufloorJob.BAD_CONFIG, "jobs/europarl-sample.conf",
        "hallufloor.tokenizer=\"" + wordPiece + "\"", "hallufloor.output.root=\"" + dir.resolve("out") + "\"")[1];
    assertTrue(tokenizer.contains("hallufloor.tokenizer: " + wordPiece + " cannot be used") && tokenizer.contains("WordPiece"),
        tokenizer);

    String heldout = run(HallufloorJob.BAD_CONFIG, "jobs/europarl-sample.conf", "hallufloor.heldout-fraction=0.999999")[1];
    assertTrue(heldout.contains("hallufloor.heldout-fraction: 0.999999 must be in [0, 0.5]"), heldout);

    // A root holding the other format's tables: by their layout (Iceberg's metadata folder).
    java.nio.file.Path parquetRoot = java.nio.file.Files.createDirectories(dir.resolve("parquet-root/runs/run_id=r1"));
    String intoParquet = run(HallufloorJob.BAD_CONFIG, "jobs/europarl-sample.conf", "hallufloor.output.format=iceberg",
        "hallufloor.output.root=\"" + dir.resolve("parquet-root") + "\"")[1];
    assertTrue(intoParquet.contains("hallufloor.output.format: " + dir.resolve("parquet-root") + " holds Parquet tables"),
        intoParquet);
    java.nio.file.Files.createDirectories(dir.resolve("iceberg-root/runs/metadata"));
    String intoIceberg = run(HallufloorJob.BAD_CONFIG, "jobs/europarl-sample.conf",
        "hallufloor.output.root=\"" + dir.resolve("iceberg-root") + "\"")[1];
    assertTrue(intoIceberg.contains("hallufloor.output.format: " + dir.resolve("iceberg-root") + " holds Iceberg tables"),
        intoIceberg);
    assertTrue(java.nio.file.Files.isDirectory(parquetRoot), "nothing removed");
  }

  /**
   * A local master writes through java.nio's modes (output.PosixLocalFileSystem), unless the
   * user names another file: implementation; a cluster master keeps Hadoop's.
   */
  @Test
  void localMastersGetTheNioFileSystemAndTheUsersChoiceWins() {
    String key = "spark.hadoop.fs.file.impl";
    java.util.function.Function<String[], java.util.Map<String, String>> keys = overrides -> HallufloorJob.sparkKeys(
        org.hallufloor.config.SettingsLoader.load(java.nio.file.Path.of("jobs/europarl-sample.conf"), null,
            java.util.List.of(overrides)));
    assertEquals(org.hallufloor.output.PosixLocalFileSystem.class.getName(), keys.apply(new String[0]).get(key),
        "no master named: local[*]");
    assertEquals(org.hallufloor.output.PosixLocalFileSystem.class.getName(),
        keys.apply(new String[] {"spark.master=\"local-cluster[2,1,1024]\""}).get(key));
    assertEquals(null, keys.apply(new String[] {"spark.master=yarn"}).get(key));
    assertEquals("org.apache.hadoop.fs.LocalFileSystem",
        keys.apply(new String[] {key + "=org.apache.hadoop.fs.LocalFileSystem"}).get(key));
  }
}
