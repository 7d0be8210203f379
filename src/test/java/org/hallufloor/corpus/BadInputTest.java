package org.hallufloor.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.api.Assertions;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.hallufloor.job.HallufloorJob;
import org.hallufloor.job.HallufloorRun;
import org.hallufloor.job.StageParams;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per kind of bad input, on the read stage alone ({@link ReadCorpus}): the good
 * documents are all there and the bad record names its file, record and reason. What the three
 * policies make of a bad record (fail exits 3 naming it; skip counts it in runs; quarantine
 * also writes it to bad_records) is the job's, checked once end to end. The expected document
 * count is the number of good lines written, so it is never silently off.
 */
class BadInputTest extends SparkTestBase {
  private static final int GOOD = 20;

  @TempDir Path dir;

  private static List<String> goodLines() {
    List<String> lines = new ArrayList<>();
    for (Europarl.Doc d : Europarl.first(GOOD)) {
      lines.add(Shards.json(Map.of("text", d.body(), "date", d.date())));
    }
    return lines;
  }

  /** Good lines with {@code bad} inserted as line 3. */
  private Path shardWith(String name, byte[] bad) throws IOException {
    List<String> lines = goodLines();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < lines.size(); i++) {
      if (i == 2) {
        out.write(bad);
        out.write('\n');
      }
      out.write(lines.get(i).getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    return Shards.write(dir.resolve(name), out.toByteArray());
  }

  private Runs.Exit failRun(String... paths) {
    return Runs.execute(spark(), settings("fail", paths));
  }

  private org.hallufloor.config.Settings settings(String policy, String... paths) {
    String list = String.join(",", Arrays.stream(paths).map(p -> "\"" + p + "\"").toList());
    // The policies are under test, not the numbers: one context length, no report.
    return Runs.settings(null, dir.resolve("out-" + policy), "hallufloor.input.paths=[" + list + "]",
        "hallufloor.tokenizer=bytes", "hallufloor.bad-records=" + policy, "hallufloor.context-lengths=[1]",
        "hallufloor.report=false");
  }

  /** The read stage under {@code policy}, as the job's settings give it. */
  private ReadCorpus.Result read(String policy, String... paths) {
    return ReadCorpus.execute(spark(), StageParams.read(settings(policy, paths)));
  }

  /** The documents a read stage gives, and its bad records (listing problems first). */
  private record Read(long documents, List<Row> bad) {}

  private Read readAll(String policy, String... paths) {
    ReadCorpus.Result read = read(policy, paths);
    // One pass over the input, as the job makes: the bad column kept, then counted and listed.
    Dataset<Row> kept = read.documents().select("bad").cache();
    try {
      return new Read(kept.filter("bad is null").count(), read.badRecords(kept).orderBy("record").collectAsList());
    } finally {
      kept.unpersist();
    }
  }

  /** The read stage on a shard whose line 3 is bad for {@code reason}: one bad record, every good document. */
  private void assertBadLine(Path shard, String record, String reason, long goodDocuments) {
    Read read = readAll("skip", shard.toString());
    assertEquals(goodDocuments, read.documents());
    assertEquals(1, read.bad().size(), read.bad().toString());
    Row b = read.bad().get(0);
    Assertions.assertTrue(b.getString(b.fieldIndex("file")).endsWith(shard.getFileName().toString()), b.toString());
    assertEquals(record, b.getString(b.fieldIndex("record")));
    Assertions.assertTrue(b.getString(b.fieldIndex("reason")).contains(reason), b.toString());
  }

  /** The whole job under the three policies, for a shard whose line 3 is bad for {@code reason}. */
  private void assertPolicies(Path shard, String record, String reason, long goodDocuments) {
    Runs.Exit exit = failRun(shard.toString());
    assertEquals(HallufloorJob.BAD_INPUT, exit.code(), exit.err());
    Assertions.assertTrue(exit.err().contains(shard.getFileName().toString()) && exit.err().contains(record)
        && exit.err().contains(reason), exit.err());

    HallufloorRun.Result skipped = Runs.run(spark(), settings("skip", shard.toString()));
    assertEquals(goodDocuments, skipped.documents());
    assertEquals(1, skipped.badRecords());
    assertEquals(0, spark().read().parquet(skipped.output().location("bad_records").toString()).count());
    Row runs = spark().read().parquet(skipped.output().location("runs").toString()).first();
    assertEquals(goodDocuments, runs.getLong(runs.fieldIndex("documents")));
    assertEquals(1L, runs.getLong(runs.fieldIndex("bad_records")));
    assertEquals("SUCCEEDED", runs.getString(runs.fieldIndex("status")));

    HallufloorRun.Result quarantined = Runs.run(spark(), settings("quarantine", shard.toString()));
    assertEquals(goodDocuments, quarantined.documents());
    List<Row> bad = spark().read().parquet(quarantined.output().location("bad_records").toString()).collectAsList();
    assertEquals(1, bad.size());
    Row b = bad.get(0);
    Assertions.assertTrue(b.getString(b.fieldIndex("file")).endsWith(shard.getFileName().toString()), b.toString());
    assertEquals(record, b.getString(b.fieldIndex("record")));
    Assertions.assertTrue(b.getString(b.fieldIndex("reason")).contains(reason), b.toString());
  }

  @Test
  void malformedJsonLine() throws IOException {
    String broken = goodLines().get(5);
    Path shard = shardWith("malformed.jsonl", broken.substring(0, broken.length() / 2).getBytes(StandardCharsets.UTF_8));
    assertBadLine(shard, "line 3", "malformed JSON", GOOD);
    assertPolicies(shard, "line 3", "malformed JSON", GOOD);
  }

  /** Issue 21 row 3: a second object, or garbage, after the first one is not silently dropped. */
  @Test
  void trailingDataAfterTheJsonObject() throws IOException {
    String good = goodLines().get(5);
    assertBadLine(shardWith("two.jsonl", (good + " " + goodLines().get(6)).getBytes(StandardCharsets.UTF_8)), "line 3",
        "malformed JSON", GOOD);
    assertBadLine(shardWith("garbage.jsonl", (good + "garbage").getBytes(StandardCharsets.UTF_8)), "line 3",
        "malformed JSON", GOOD);
  }

  /** Issue 21 row 13: a lone surrogate escape is bad input, not a silent '?'. */
  @Test
  void unpairedSurrogateInTheText() throws IOException {
    String body = Europarl.first(6).get(5).body().replace("\\", "").replace("\"", "");
    String before = body.substring(0, 40);
    String json = "{\"text\": \"" + before + "\\ud800" + body.substring(40, 80) + "\"}";
    assertBadLine(shardWith("surrogate.jsonl", json.getBytes(StandardCharsets.UTF_8)), "line 3",
        "unpaired surrogate \\ud800 at character " + before.length(), GOOD);
  }

  /** Issue 21 row 11: a 25 MB document (under max-document-bytes) is read, not called malformed. */
  @Test
  void aDocumentLargerThanJacksonsDefaultStringLimit() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < 25_000_000; i = (i + 1) % Europarl.docs().size()) {
      sb.append(Europarl.docs().get(i).body()).append(' ');
    }
    Path shard = shardWith("25mb.jsonl.gz", Shards.json(Map.of("text", sb.toString())).getBytes(StandardCharsets.UTF_8));
    Read r = readAll("fail", shard.toString());
    assertEquals(GOOD + 1, r.documents());
    assertEquals(List.of(), r.bad());
  }

  @Test
  void invalidUtf8() throws IOException {
    byte[] good = goodLines().get(5).getBytes(StandardCharsets.UTF_8);
    byte[] bad = Arrays.copyOf(good, good.length);
    bad[20] = (byte) 0xC3; // a lead byte followed by a non-continuation byte
    bad[21] = (byte) 0x28;
    assertBadLine(shardWith("utf8.jsonl", bad), "line 3", "invalid UTF-8", GOOD);
  }

  @Test
  void emptyText() throws IOException {
    assertBadLine(shardWith("empty.jsonl", "{\"text\": \"\", \"date\": \"2001-01-01\"}".getBytes(StandardCharsets.UTF_8)),
        "line 3", "empty text", GOOD);
  }

  @Test
  void missingTextField() throws IOException {
    String body = Europarl.first(30).get(29).body();
    assertBadLine(shardWith("missing.jsonl", Shards.json(Map.of("body", body)).getBytes(StandardCharsets.UTF_8)),
        "line 3", "missing text field 'text'", GOOD);
  }

  @Test
  void nonStringTextField() throws IOException {
    assertBadLine(shardWith("number.jsonl", "{\"text\": 42}".getBytes(StandardCharsets.UTF_8)),
        "line 3", "text field 'text' is number, not a string", GOOD);
  }

  /** Generated: no real document is 100 MB, so real Europarl text is repeated to that size. */
  @Test
  void hundredMegabyteDocument() throws IOException {
    StringBuilder sb = new StringBuilder(100 << 20);
    List<Europarl.Doc> docs = Europarl.docs();
    for (int i = 0; sb.length() < 100 << 20; i++) {
      sb.append(docs.get(i % docs.size()).body()).append(' ');
    }
    byte[] big = Shards.json(Map.of("text", sb.toString())).getBytes(StandardCharsets.UTF_8);
    sb.setLength(0);
    assertBadLine(shardWith("big.jsonl.gz", big), "line 3", "larger than hallufloor.input.max-document-bytes", GOOD);
  }

  @Test
  void truncatedGzip() throws IOException {
    List<String> lines = goodLines();
    byte[] whole = Shards.compress("x.gz", (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    Path shard = dir.resolve("truncated.jsonl.gz");
    Files.write(shard, Arrays.copyOf(whole, whole.length * 6 / 10));
    long complete = completeLinesBeforeEof(shard);
    Assertions.assertTrue(complete > 0 && complete < GOOD, "truncation falls inside the records: " + complete);
    assertBadLine(shard, "after line " + complete, "compressed stream ends early", complete);
  }

  /** Second method: the JDK's own gunzip, counting newline-terminated lines until it gives up. */
  private static long completeLinesBeforeEof(Path gz) throws IOException {
    long lines = 0;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      for (int b = in.read(); b >= 0; b = in.read()) {
        if (b == '\n') {
          lines++;
        }
      }
    } catch (EOFException expected) {
      return lines;
    }
    throw new AssertionError("the file was not truncated");
  }

  @Test
  void pathThatDoesNotExist() throws IOException {
    Path good = Shards.writeLines(dir.resolve("good.jsonl"), goodLines());
    String missing = dir.resolve("no/such/shard.jsonl.gz").toString();
    BadInputException failed = Assertions.assertThrows(BadInputException.class, () -> read("fail", good.toString(), missing));
    Assertions.assertTrue(failed.getMessage().contains(missing) && failed.getMessage().contains("path does not exist"),
        failed.getMessage());
    Read skipped = readAll("skip", good.toString(), missing);
    assertEquals(GOOD, skipped.documents());
    assertEquals(1, skipped.bad().size());
    // With nothing at all to read, no policy makes an empty run a success.
    Runs.Exit nothing = Runs.execute(spark(), settings("skip", missing));
    assertEquals(HallufloorJob.BAD_INPUT, nothing.code(), nothing.err());
  }

  @Test
  void emptyFolder() throws IOException {
    Path good = Shards.writeLines(dir.resolve("good.jsonl"), goodLines());
    Path empty = Files.createDirectories(dir.resolve("empty"));
    BadInputException failed = Assertions.assertThrows(BadInputException.class,
        () -> read("fail", good.toString(), empty.toString()));
    Assertions.assertTrue(failed.getMessage().contains("empty") && failed.getMessage().contains("folder holds no input file"),
        failed.getMessage());
    Read quarantined = readAll("quarantine", good.toString(), empty.toString());
    assertEquals(GOOD, quarantined.documents());
    assertEquals(1, quarantined.bad().size());
    Assertions.assertTrue(quarantined.bad().get(0).getString(2).contains("folder holds no input file"),
        quarantined.bad().toString());
  }

  /**
   * Issue 21 row 4: a glob over a Spark job's output reads its part files only, as Hadoop's
   * input formats would: not _SUCCESS, _temporary/, .hidden or _tmp files (each here holds real
   * lines, so reading one would change the count).
   */
  @Test
  void globsSkipHiddenAndUnderscoreFilesAsHadoopDoes() throws IOException {
    Path out = Files.createDirectories(dir.resolve("spark-output"));
    Shards.writeLines(out.resolve("part-00000.jsonl"), goodLines());
    Files.writeString(out.resolve("_SUCCESS"), "");
    Shards.writeLines(out.resolve(".part-00001.jsonl.crc"), goodLines());
    Shards.writeLines(out.resolve("_tmp-part-00002.jsonl"), goodLines());
    Shards.writeLines(Files.createDirectories(out.resolve("_temporary").resolve("0")).resolve("part-00003.jsonl"),
        goodLines());
    for (String glob : List.of(out + "/*", out + "/*.jsonl", out + "/*/part-*")) {
      if (glob.endsWith("part-*")) {
        // Only _temporary/0 matches */part-*, and it is hidden: nothing to read.
        Assertions.assertThrows(BadInputException.class, () -> read("skip", glob));
        continue;
      }
      Read r = readAll("fail", glob);
      assertEquals(GOOD, r.documents(), glob);
      assertEquals(List.of(), r.bad(), glob);
    }
  }

  /** Issue 21 row 5: a run id the validation accepts, a colon in it, is written and read back as it was. */
  @Test
  void aRunIdWithColonsIsWrittenAndReadBack() throws IOException {
    Path good = Shards.writeLines(dir.resolve("good-colon.jsonl"), goodLines());
    org.hallufloor.config.Settings s = Runs.settings(null, dir.resolve("out-colon"), "hallufloor.input.paths=[\"" + good + "\"]",
        "hallufloor.tokenizer=bytes", "hallufloor.run-id=\"2026-11-28T02:00:00Z\"", "hallufloor.context-lengths=[1]");
    HallufloorRun.Result r = Runs.run(spark(), s);
    assertEquals(GOOD, r.documents());
    List<Row> runs = spark().read().parquet(dir.resolve("out-colon").resolve("runs").toString())
        .select("run_id", "status").collectAsList();
    assertEquals(List.of(org.apache.spark.sql.RowFactory.create("2026-11-28T02:00:00Z", "SUCCEEDED")), runs);
    Assertions.assertTrue(spark().read().parquet(dir.resolve("out-colon").resolve("slice_bounds").toString())
        .filter("run_id = '2026-11-28T02:00:00Z'").count() > 0);
  }

  /** One Parquet folder of real Europarl documents (part files as Spark writes them); {@code asInt} stores text as its length. */
  private Path parquetShard(String name, int from, int to, boolean asInt) {
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
        .add("text", asInt ? org.apache.spark.sql.types.DataTypes.IntegerType : org.apache.spark.sql.types.DataTypes.StringType)
        .add("date", org.apache.spark.sql.types.DataTypes.StringType);
    List<Row> rows = new java.util.ArrayList<>();
    for (Europarl.Doc d : Europarl.docs().subList(from, to)) {
      rows.add(org.apache.spark.sql.RowFactory.create(asInt ? (Object) d.body().length() : d.body(), d.date()));
    }
    Path folder = dir.resolve(name);
    spark().createDataFrame(rows, schema).coalesce(1).write().parquet(folder.toString());
    return folder;
  }

  /**
   * Issue 21 row 7: among good Parquet shards, one whose footer is corrupt and one whose text
   * column is an int are one bad record each, naming the file; the good shards are read.
   */
  @Test
  void aBadParquetShardIsABadRecordAndTheGoodShardsAreRead() throws IOException {
    Path good1 = parquetShard("pq-good1", 0, 30, false);
    Path good2 = parquetShard("pq-good2", 30, 50, false);
    Path wrongType = parquetShard("pq-int", 50, 60, true);
    Path corrupt = Files.createDirectories(dir.resolve("pq-corrupt"));
    try (java.util.stream.Stream<Path> parts = Files.list(good2)) {
      Path part = parts.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
      byte[] bytes = Files.readAllBytes(part);
      // The footer's length and magic are the last 8 bytes: cut them and the file is not Parquet.
      Files.write(corrupt.resolve("part-00000.parquet"), Arrays.copyOf(bytes, bytes.length - 8));
    }
    Read quarantined = readAll("quarantine", good1.toString(), good2.toString(), wrongType.toString(),
        corrupt.toString());
    assertEquals(50, quarantined.documents(), "both good shards, 30 + 20 documents");
    List<Row> bad = quarantined.bad();
    assertEquals(2, bad.size(), bad.toString());
    Assertions.assertTrue(bad.get(0).getString(0).contains("pq-corrupt") && bad.get(0).getString(1).equals("footer")
        && bad.get(0).getString(2).startsWith("not a readable Parquet file"), bad.get(0).toString());
    Assertions.assertTrue(bad.get(1).getString(0).contains("pq-int") && bad.get(1).getString(1).equals("schema")
        && bad.get(1).getString(2).contains("text field 'text' is") && bad.get(1).getString(2).endsWith("not a string"),
        bad.get(1).toString());
  }

  /** Issue 21 row 8: under skip, input with nothing readable is bad input (exit 3, the reason named), not a crash. */
  @Test
  void nothingReadableUnderSkipIsBadInput() throws IOException {
    Path fake = dir.resolve("fake-only.jsonl.gz");
    Files.writeString(fake, "plain text, not gzip\n");
    byte[] bz2 = Shards.compress("x.bz2", (String.join("\n", goodLines()) + "\n").getBytes(StandardCharsets.UTF_8));
    Path truncated = dir.resolve("cut.jsonl.bz2");
    Files.write(truncated, Arrays.copyOf(bz2, 40));
    Path emptyParquet = dir.resolve("zero-rows");
    spark().createDataFrame(List.of(), new org.apache.spark.sql.types.StructType()
        .add("text", org.apache.spark.sql.types.DataTypes.StringType)).coalesce(1).write().parquet(emptyParquet.toString());
    for (Path input : List.of(fake, truncated, emptyParquet)) {
      Runs.Exit exit = Runs.execute(spark(), settings("skip", input.toString()));
      assertEquals(HallufloorJob.BAD_INPUT, exit.code(), input + ": " + exit.err());
      Assertions.assertTrue(exit.err().contains("no documents were read") || exit.err().contains("no input file"),
          exit.err());
    }
  }
}
