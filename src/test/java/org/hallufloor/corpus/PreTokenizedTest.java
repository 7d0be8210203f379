package org.hallufloor.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.config.SettingsException;
import org.hallufloor.config.SettingsLoader;
import org.hallufloor.job.HallufloorJob;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.SameNumbers;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.testing.Stages;
import org.hallufloor.testing.TokenFileWriters;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-tokenized input: real Europarl documents tokenized by the job's own tokenizer and written
 * as Parquet token ids (with the id the text run gives each document and its date) must give
 * the text run's numbers; ids the vocabulary does not have are bad records.
 */
class PreTokenizedTest extends SparkTestBase {
  private static final int DOCUMENTS = 300;
  /** cl100k's <|endoftext|>: encodeOrdinary never produces it from text. */
  private static final int EOS = 100257;
  private static final StructType IDS = new StructType()
      .add("doc_id", DataTypes.StringType)
      .add("date", DataTypes.StringType)
      .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType));

  @TempDir
  Path dir;

  private static final String[] COMMON = {"hallufloor.slices=[{ name = year, field = date, transform = year }]",
      "hallufloor.context-lengths=[1, 2, 4]", "hallufloor.scaling-fractions=[0.25, 1.0]",
      "hallufloor.heldout-fraction=0.1", "hallufloor.report=false"};

  @Test
  void parquetIdsGiveTheTextRunsNumbers() {
    List<Europarl.Doc> docs = Europarl.first(DOCUMENTS);
    Path text = Shards.europarl(dir.resolve("europarl-part.txt"), docs);
    List<Row> rows = new ArrayList<>();
    var cl100k = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    for (int i = 0; i < docs.size(); i++) {
      int[] ids = cl100k.encode(docs.get(i).body());
      Integer[] boxed = new Integer[ids.length];
      for (int j = 0; j < ids.length; j++) {
        boxed[j] = ids[j];
      }
      // The id the text run gives line i + 1 of its file, so both runs split and scale alike.
      rows.add(RowFactory.create("file:" + text.toAbsolutePath() + ":" + (i + 1), docs.get(i).date(), boxed));
    }
    Path parquet = dir.resolve("ids");
    spark().createDataFrame(rows, IDS).repartition(3).write().parquet(parquet.toString());

    // Every stage a run calls (read, tokenize, slice totals, evidence, estimate), without writing tables.
    Numbers fromText = numbers(Runs.settings("jobs/europarl-sample.conf", dir.resolve("text-out"),
        concat(COMMON, "hallufloor.input.paths=[\"" + text.toAbsolutePath() + "\"]")));
    Numbers fromIds = numbers(Runs.settings(null, dir.resolve("ids-out"),
        concat(COMMON, "hallufloor.input.paths=[\"" + parquet.toAbsolutePath() + "\"]",
            "hallufloor.input.format=parquet-ids", "hallufloor.input.id-field=doc_id")));

    assertEquals(DOCUMENTS, fromText.totals().documents());
    assertEquals(DOCUMENTS, fromIds.totals().documents());
    assertEquals(fromText.totals().sliceStats(), fromIds.totals().sliceStats(), "documents and tokens per slice");
    SameNumbers.assertSameSliceBounds(fromText.bounds(), fromIds.bounds());
  }

  private record Numbers(SliceTotals.Totals totals, List<Row> bounds) {}

  private Numbers numbers(org.hallufloor.config.Settings settings) {
    Stages.Estimate estimate = Stages.estimate(spark(), settings);
    try {
      return new Numbers(estimate.totals(), estimate.result().sliceBounds()
          .orderBy("slice_dim", "slice_value", "context_len", "distribution", "beta_s", "temperature").collectAsList());
    } finally {
      estimate.release();
    }
  }

  /**
   * The same documents, as two shards, in Megatron indexed datasets (int32: cl100k does not
   * fit uint16) and in OLMo-style flat token files (uint32, end-of-document id after each),
   * raw and with a .npy header, each written by the small writers of {@link TokenFileWriters}
   * after the formats' published layouts, and read in many small splits so documents cross
   * split boundaries. A side table gives each document index the text run's id and date
   * (Parquet for Megatron, CSV and JSON lines for the flat files), so with slices by year
   * (from the side table) and by shard (from the file name), the held-out split and scaling
   * fractions, every document the evidence stages read must equal the text run's: same id,
   * slices, held-out flag and ids (so every number does; {@link #parquetIdsGiveTheTextRunsNumbers}
   * checks that through every stage of a run). The text run's own slices are checked against a plain count of the
   * documents first, so the match is not one of two empty slicings.
   */
  @Test
  void megatronAndNumpyTokenFilesGiveTheTextRunsNumbers() throws Exception {
    List<Europarl.Doc> docs = Europarl.first(DOCUMENTS);
    int firstShard = 180;
    var cl100k = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    List<String> side = new ArrayList<>();
    List<Row> sideRows = new ArrayList<>();
    Map<String, Long> expectedDocs = new TreeMap<>();
    for (int shard = 0; shard < 2; shard++) {
      List<Europarl.Doc> part = shard == 0 ? docs.subList(0, firstShard) : docs.subList(firstShard, DOCUMENTS);
      List<String> lines = new ArrayList<>();
      List<int[]> ids = new ArrayList<>();
      for (Europarl.Doc d : part) {
        lines.add(d.title() + "\t" + d.date() + "\t" + d.body());
        ids.add(cl100k.encode(d.body()));
      }
      String name = "part-" + shard;
      Path text = Shards.writeLines(dir.resolve("text").resolve(name + ".txt"), lines);
      TokenFileWriters.megatron(dir.resolve("megatron").resolve(name), ids);
      TokenFileWriters.flat(dir.resolve("flat").resolve(name + ".npy"), ids, EOS, false);
      TokenFileWriters.flat(dir.resolve("npy").resolve(name + ".npy"), ids, EOS, true);
      for (int i = 0; i < part.size(); i++) {
        // Documents are numbered over the shards in path order: part-0's, then part-1's.
        long index = sideRows.size();
        String id = "file:" + text.toAbsolutePath() + ":" + (i + 1);
        sideRows.add(RowFactory.create(index, id, part.get(i).date()));
        side.add(index + "," + id + "," + part.get(i).date());
        expectedDocs.merge("year=" + part.get(i).date().substring(0, 4), 1L, Long::sum);
      }
      expectedDocs.put("shard=" + name, (long) part.size());
    }
    Path parquetSide = dir.resolve("side-parquet");
    spark().createDataFrame(sideRows, new StructType().add("doc_index", DataTypes.LongType)
        .add("doc_id", DataTypes.StringType).add("date", DataTypes.StringType)).coalesce(2).write()
        .parquet(parquetSide.toString());
    side.add(0, "doc_index,doc_id,date");
    Path csvSide = Shards.writeLines(dir.resolve("side.csv"), side);
    List<String> json = new ArrayList<>();
    for (Row r : sideRows) {
      json.add("{\"doc_index\": " + r.getLong(0) + ", \"doc_id\": \"" + r.getString(1) + "\", \"date\": \""
          + r.getString(2) + "\"}");
    }
    Path jsonSide = Shards.writeLines(dir.resolve("side.jsonl.gz"), json);
    String[] sliced = concat(COMMON, "hallufloor.slices=[{ name = year, field = date, transform = year },"
        + " { name = shard, field = _file, transform = file-name }]", "hallufloor.input.split-tokens=10000");

    org.hallufloor.config.Settings textSettings = Runs.settings("jobs/europarl-sample.conf", dir.resolve("text-out"),
        concat(sliced, "hallufloor.input.paths=[\"" + dir.resolve("text") + "\"]"));
    SliceTotals.Totals fromText = Stages.slices(spark(), textSettings);
    Map<String, Long> textDocs = new TreeMap<>();
    Runs.bySlice(fromText.sliceStats()).forEach((k, v) -> {
      if (k.startsWith("year=") || k.startsWith("shard=")) {
        textDocs.put(k, v[0]);
      }
    });
    assertEquals(expectedDocs, textDocs, "documents per year and shard of the text run, against a plain count");
    List<Row> expected = documents(textSettings);
    assertEquals(DOCUMENTS, expected.size());

    for (String[] input : List.of(
        new String[] {"megatron", dir.resolve("megatron").toString(), parquetSide.toString()},
        new String[] {"numpy-tokens", dir.resolve("flat").toString(), csvSide.toString()},
        new String[] {"numpy-tokens", dir.resolve("npy").toString(), jsonSide.toString()})) {
      org.hallufloor.config.Settings s = Runs.settings(null, dir.resolve("out-" + Path.of(input[1]).getFileName()),
          concat(sliced, "hallufloor.input.paths=[\"" + input[1] + "\"]", "hallufloor.input.format=" + input[0],
              "hallufloor.input.eos-id=" + EOS, "hallufloor.input.side-table.paths=[\"" + input[2] + "\"]",
              "hallufloor.input.id-field=doc_id"));
      assertEquals(fromText.sliceStats(), Stages.slices(spark(), s).sliceStats(),
          "documents and tokens per slice: " + input[1]);
      assertEquals(expected, documents(s), "the documents the evidence stages read: " + input[1]);
    }
  }

  /**
   * A side table that cannot number the documents is bad input (exit 3) naming the table and what is
   * wrong, from the read stage: a repeated index, a column the settings name but the table lacks, an index that is
   * not an integer, a malformed line.
   * Without a side table, slicing token files by file name still works.
   */
  @Test
  void aBadSideTableNamesTheTableAndTheProblem() throws Exception {
    List<int[]> ids = List.of(new int[] {9906, 1917}, new int[] {15339, 374, 264}, new int[] {40, 1097});
    Path prefix = TokenFileWriters.megatron(dir.resolve("m").resolve("europarl_text_document"), ids);
    String[] base = concat(COMMON, "hallufloor.input.paths=[\"" + prefix + "\"]", "hallufloor.input.format=megatron");

    Path repeated = Shards.writeLines(dir.resolve("repeated.csv"), List.of("doc_index,date", "0,2001-01-01",
        "1,2002-01-01", "1,2003-01-01", "2,2004-01-01"));
    assertBadSideTable(base, repeated, "each document needs exactly one row; doc_index 1 on 2 rows");
    Path noDate = Shards.writeLines(dir.resolve("no-date.csv"), List.of("doc_index,day", "0,2001-01-01"));
    assertBadSideTable(base, noDate, "no column 'date' (named by hallufloor.slices[0].field)");
    Path notANumber = Shards.writeLines(dir.resolve("not-a-number.csv"), List.of("doc_index,date", "0,2001-01-01",
        "one,2002-01-01", "2,2004-01-01"));
    assertBadSideTable(base, notANumber, "each document needs exactly one row; 1 row(s) without an integer doc_index");
    Path malformed = Shards.writeLines(dir.resolve("malformed.jsonl"), List.of("{\"doc_index\": 0, \"date\": \"2001\"}",
        "{\"doc_index\": 1, \"date\": "));
    String error = readWith(base, malformed);
    Assertions.assertTrue(error.contains("malformed.jsonl: malformed line: {\"doc_index\": 1"), error);

    SliceTotals.Totals byFile = Stages.slices(spark(), Runs.settings(null, dir.resolve("by-file"), concat(base,
        "hallufloor.slices=[{ name = dataset, field = _file, transform = file-name }]")));
    // 3 documents of 2 + 3 + 2 tokens, counted by hand from ids above.
    Assertions.assertArrayEquals(new long[] {3, 7}, Runs.bySlice(byFile.sliceStats()).get("dataset=europarl_text_document"));
  }

  private void assertBadSideTable(String[] base, Path table, String message) {
    String error = readWith(base, table);
    Assertions.assertTrue(error.contains("side table " + table) && error.contains(message), error);
  }

  /** The read stage with {@code table} as side table: the message it fails with (BadInputException, exit 3). */
  private String readWith(String[] base, Path table) {
    org.hallufloor.config.Settings s = Runs.settings(null, dir.resolve("out-" + table.getFileName()), concat(base,
        "hallufloor.input.side-table.paths=[\"" + table + "\"]"));
    return Assertions.assertThrows(BadInputException.class, () -> Stages.slices(spark(), s)).getMessage();
  }

  @Test
  void aCorruptMegatronIndexNamesTheFileAndTheField() throws Exception {
    List<int[]> ids = List.of(new int[] {9906, 1917}, new int[] {15339, 374, 264});
    Path good = TokenFileWriters.megatron(dir.resolve("ok").resolve("d"), ids);
    byte[] idx = java.nio.file.Files.readAllBytes(Path.of(good + ".idx"));
    byte[] bin = java.nio.file.Files.readAllBytes(Path.of(good + ".bin"));

    byte[] wrongMagic = idx.clone();
    wrongMagic[0] = 'X';
    assertFails(write("magic", wrongMagic, bin), "magic: not MMIDIDX");
    assertFails(write("truncated", java.util.Arrays.copyOf(idx, idx.length - 5), bin), "(truncated?)");
    // The second sequence's pointer moved past the end of the .bin.
    byte[] pastTheEnd = idx.clone();
    java.nio.ByteBuffer.wrap(pastTheEnd).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(34 + 4 * 2 + 8, 1000);
    assertFails(write("pointer", pastTheEnd, bin), "pointers[1]: sequence of 3 tokens at byte 1000 runs past the end");
  }

  private Path write(String name, byte[] idx, byte[] bin) {
    Path prefix = dir.resolve(name).resolve("d");
    Shards.write(Path.of(prefix + ".idx"), idx);
    Shards.write(Path.of(prefix + ".bin"), bin);
    return prefix;
  }

  private void assertFails(Path prefix, String message) {
    Runs.Exit exit = Runs.execute(spark(), Runs.settings(null, dir.resolve("out-" + prefix.getParent().getFileName()),
        concat(COMMON, "hallufloor.slices=[]", "hallufloor.input.paths=[\"" + prefix + "\"]",
            "hallufloor.input.format=megatron")));
    assertEquals(HallufloorJob.BAD_INPUT, exit.code(), exit.err());
    Assertions.assertTrue(exit.err().contains(prefix + ".idx: ") && exit.err().contains(message), exit.err());
  }

  @Test
  void idsOutsideTheVocabularyAreBadRecords() {
    long nVocab = Tokenizers.get(TokenizerSpec.of("cl100k_base")).vocabularySize();
    List<Row> rows = List.of(
        RowFactory.create("good", "2001-01-01", new Integer[] {9906, 1917}),
        RowFactory.create("too-large", "2001-01-01", new Integer[] {9906, (int) nVocab}),
        RowFactory.create("negative", "2001-01-01", new Integer[] {-1}),
        RowFactory.create("missing", "2001-01-01", null),
        RowFactory.create("empty", "2001-01-01", new Integer[0]));
    Path parquet = dir.resolve("bad-ids");
    spark().createDataFrame(rows, IDS).coalesce(1).write().parquet(parquet.toString());
    String[] settings = concat(COMMON, "hallufloor.input.paths=[\"" + parquet.toAbsolutePath() + "\"]",
        "hallufloor.input.format=parquet-ids", "hallufloor.input.id-field=doc_id");

    // The read stage alone: what the policies do with bad records is BadInputTest's.
    List<Row> read = Stages.documents(spark(), Runs.settings(null, dir.resolve("read"), settings))
        .select("doc_id", "bad").collectAsList();
    assertEquals(1, read.stream().filter(r -> r.isNullAt(1)).count());
    List<Row> bad = read.stream().filter(r -> !r.isNullAt(1)).map(r -> r.getStruct(1))
        .sorted(java.util.Comparator.comparing((Row b) -> b.getString(1))).toList();
    Assertions.assertTrue(bad.stream().allMatch(b -> b.getString(0).contains("bad-ids")), "names the file: " + bad);
    List<String> reasons = bad.stream().map(b -> b.getString(2)).toList();
    assertEquals(List.of("token id " + nVocab + " outside the vocabulary of cl100k_base (N_V = " + nVocab + ")",
        "token id -1 outside the vocabulary of cl100k_base (N_V = " + nVocab + ")", "missing ids field 'input_ids'",
        "empty document"), reasons);
  }

  @Test
  void aSliceReadOffTheTextIsRefusedForTokenIds() {
    SettingsException e = Assertions.assertThrows(SettingsException.class, () -> SettingsLoader.load(null, null,
        List.of("hallufloor.input.paths=[\"x\"]", "hallufloor.input.format=parquet-ids",
            "hallufloor.slices=[{ name = language, transform = language }]")));
    Assertions.assertTrue(e.getMessage().contains("hallufloor.slices[0] (language): reads the text"), e.getMessage());
  }

  /** The documents as the evidence stages read them, in id order, bad records left out. */
  private List<Row> documents(org.hallufloor.config.Settings settings) {
    return Stages.documents(spark(), settings).filter("bad is null").select("doc_id", "slices", "heldout", "ids")
        .orderBy("doc_id").collectAsList();
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
