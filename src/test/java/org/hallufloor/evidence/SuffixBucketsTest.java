package org.hallufloor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.context.Groups;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.SparkTestBase;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suffix stage alone, on 80 real Europarl documents (cl100k, c = 1, 2, 4), each its own
 * slice besides the whole corpus, every fifth held out. With 4 slices a bucket the contexts
 * cross the shuffle once per bucket of their group's slices and each task scans its buckets'
 * slices only; the cells must equal those of one bucket for all 81 slices, whose scan
 * {@code SuffixEvidenceTest} checks against the pairwise definition.
 */
class SuffixBucketsTest extends SparkTestBase {
  private static final int DOCS = 80;

  @TempDir
  Path dir;

  @Test
  void manyBucketsGiveTheCellsOfOne() {
    var tokenizer = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    StructType schema = new StructType()
        .add("slices", DataTypes.createArrayType(new StructType()
            .add("dim", DataTypes.StringType).add("value", DataTypes.StringType)))
        .add("heldout", DataTypes.BooleanType)
        .add("ids", DataTypes.createArrayType(DataTypes.IntegerType));
    Row all = RowFactory.create("all", "all");
    List<Row> docs = new ArrayList<>();
    List<Row> directory = new ArrayList<>();
    for (int i = 0; i < DOCS; i++) {
      List<Row> slices = List.of(all, RowFactory.create("doc", "d" + i));
      boolean heldout = i % 5 == 0;
      int[] ids = tokenizer.encode(Europarl.first(DOCS).get(i).body());
      docs.add(RowFactory.create(slices, heldout, java.util.Arrays.stream(ids).boxed().toArray(Integer[]::new)));
      // Slice 0 is the whole corpus, 1 + i the document's own; a group per document.
      directory.add(Groups.entry(Groups.hash(slices, heldout), i, heldout, new int[] {0, 1 + i}));
    }
    Groups groups = Groups.inMemory(directory);
    Dataset<Row> tokenized = spark().createDataFrame(docs, schema).repartition(3);
    Map<String, double[]> one = cells(tokenized, groups, SuffixEvidence.BUCKET_BITS, "one");
    Map<String, double[]> many = cells(tokenized, groups, 2, "many");
    Assertions.assertTrue(one.keySet().stream().filter(k -> k.startsWith("80 ")).count() > 10,
        "cells of the last document's slice, in the 21st bucket of 4: " + one.size());
    assertEquals(one.keySet(), many.keySet());
    one.forEach((k, a) -> {
      double[] b = many.get(k);
      for (int i = 0; i < 3; i++) {
        assertEquals(a[i], b[i], 0, k + " count " + i);
      }
      assertEquals(a[3], b[3], 1e-12 * Math.max(1, Math.abs(a[3])), k + " amount");
    });
  }

  /** Cells by (slice, c, kind, value): contexts, occurrences, held-out examples, amount. */
  private Map<String, double[]> cells(Dataset<Row> tokenized, Groups groups, int bucketBits, String name) {
    SuffixEvidence.Params params = new SuffixEvidence.Params(0.5, 100_256, List.of(1, 2, 4), groups,
        dir.resolve(name).toString(), bucketBits);
    Map<String, double[]> out = new TreeMap<>();
    for (Row r : SuffixEvidence.cells(tokenized, params, new ArrayList<>()).collectAsList()) {
      out.put(r.getInt(0) + " " + r.getInt(1) + " " + r.getInt(2) + " " + r.getDouble(3),
          new double[] {r.getLong(4), r.getLong(5), r.getLong(6), r.getDouble(7)});
    }
    return out;
  }
}
