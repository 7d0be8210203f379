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
 * slice besides the whole corpus, every fifth held out, against the same stage with the
 * defaults (one bucket for all 81 slices, whose scan {@code SuffixEvidenceTest} checks against
 * the pairwise definition). Each bounded-memory mechanism, alone, must give the same cells:
 * buckets of 4 slices (contexts cross the shuffle once per bucket of their group's slices and
 * each task scans its buckets' slices only); cells emitted as partial sums every 64; contexts
 * counted in chunks of 256 per length, so every length soon goes through uncombined.
 */
class SuffixBucketsTest extends SparkTestBase {
  private static final int DOCS = 80;

  @TempDir
  Path dir;

  @Test
  void bucketsFlushesAndChunksGiveTheCellsOfTheDefaults() {
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
    // Two logit scales: P_h's cells are summed per (beta_S, T) pair.
    var defaults = new SuffixEvidence.Params(0.5, 100_256, List.of(1, 2, 4), groups, dir.resolve("one").toString(),
        new double[] {1.0, 0.05});
    Map<String, double[]> one = cells(tokenized, defaults);
    Assertions.assertTrue(one.keySet().stream().filter(k -> k.startsWith("80 ")).count() > 10,
        "cells of the last document's slice, in the 21st bucket of 4: " + one.size());
    Assertions.assertTrue(one.size() > 4 * 64, "cells: " + one.size());
    assertSame(one, cells(tokenized, with(defaults, "buckets", 2, defaults.combineChunk(), defaults.flushCells())),
        "buckets of 4 slices");
    assertSame(one, cells(tokenized, with(defaults, "flush", defaults.bucketBits(), defaults.combineChunk(), 64)),
        "cells flushed every 64");
    assertSame(one, cells(tokenized, with(defaults, "chunks", defaults.bucketBits(), 256, defaults.flushCells())),
        "contexts combined in chunks of 256");
    var fewPerRecord = new SuffixEvidence.Params(defaults.lambda(), defaults.nVocab(), defaults.contextLengths(),
        groups, dir.resolve("facts").toString(), defaults.scales(), defaults.bucketBits(), defaults.combineChunk(),
        defaults.flushCells(), defaults.rootFactsMax(), 3, 1);
    assertSame(one, cells(tokenized, fewPerRecord), "next tokens written 3 to a scan record, every root rebuilt");
    // Past the root facts' cap the margins and P_h are left out, and nothing else changes.
    var capped = new SuffixEvidence.Params(defaults.lambda(), defaults.nVocab(), defaults.contextLengths(),
        groups, dir.resolve("capped").toString(), defaults.scales(), defaults.bucketBits(), defaults.combineChunk(),
        defaults.flushCells(), 0, defaults.factsPerRecord(), defaults.rootNodesMax());
    Map<String, double[]> withoutMargins = new TreeMap<>(one);
    withoutMargins.keySet().removeIf(k -> java.util.Set.of(Kinds.GAP, Kinds.HELDOUT_GAP, Kinds.PH_INSAMPLE,
        Kinds.PH_HELDOUT).contains(Integer.parseInt(k.split(" ")[2])));
    assertSame(withoutMargins, cells(tokenized, capped), "root facts over the cap");
    for (int kind : new int[] {Kinds.GAP, Kinds.HELDOUT_GAP, Kinds.PH_INSAMPLE, Kinds.PH_HELDOUT}) {
      Assertions.assertTrue(one.keySet().stream().anyMatch(k -> k.split(" ")[2].equals(String.valueOf(kind))),
          "cells of kind " + Kinds.NAMES.get(kind));
    }
  }

  private SuffixEvidence.Params with(SuffixEvidence.Params p, String name, int bucketBits, int combineChunk,
      int flushCells) {
    return new SuffixEvidence.Params(p.lambda(), p.nVocab(), p.contextLengths(), p.groups(),
        dir.resolve(name).toString(), p.scales(), bucketBits, combineChunk, flushCells, p.rootFactsMax(),
        p.factsPerRecord(), p.rootNodesMax());
  }

  private static void assertSame(Map<String, double[]> expected, Map<String, double[]> actual, String how) {
    assertEquals(expected.keySet(), actual.keySet(), how);
    expected.forEach((k, a) -> {
      double[] b = actual.get(k);
      for (int i = 0; i < 3; i++) {
        assertEquals(a[i], b[i], 0, how + ": " + k + " count " + i);
      }
      assertEquals(a[3], b[3], 1e-12 * Math.max(1, Math.abs(a[3])), how + ": " + k + " amount");
    });
  }

  /** Cells by (slice, c, kind, value): contexts, occurrences, held-out examples, amount. */
  private Map<String, double[]> cells(Dataset<Row> tokenized, SuffixEvidence.Params params) {
    Map<String, double[]> out = new TreeMap<>();
    for (Row r : SuffixEvidence.cells(tokenized, params, new ArrayList<>()).collectAsList()) {
      double[] sums = out.computeIfAbsent(r.getInt(0) + " " + r.getInt(1) + " " + r.getInt(2) + " " + r.getDouble(3),
          k -> new double[4]);
      sums[0] += r.getLong(4);
      sums[1] += r.getLong(5);
      sums[2] += r.getLong(6);
      sums[3] += r.getDouble(7);
    }
    return out;
  }
}
