package org.hallufloor.evidence;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.hallufloor.context.Groups;
import org.hallufloor.context.ScratchTables;
import org.hallufloor.context.TokenizedDocs;

/**
 * The root of the suffix kernel's trees: per (slice, c), every next token with {@code N_0(y)},
 * its count among the slice's length-c training examples ({@link org.hallufloor.bound.BackoffNode}).
 * Every last token's tasks need it, so it cannot ride in their shuffle: the executors write it to
 * the run's scratch folder, one (slice, c) to a file and sorted by token, and each executor JVM
 * loads it once. Its size is at most N_V per (slice, c) and is counted before any task loads it
 * (SuffixEvidence leaves the margins out above {@code Params.rootFactsMax}).
 */
final class RootFacts implements Serializable {
  private static final long serialVersionUID = 1L;
  static final StructType SCHEMA = new StructType()
      .add("slice", DataTypes.IntegerType, false)
      .add("c", DataTypes.IntegerType, false)
      .add("y", DataTypes.IntegerType, false)
      .add("n", DataTypes.LongType, false);
  private static final ScratchTables.Cache<Map<Long, Facts>> LOADED = new ScratchTables.Cache<>(2);
  /** Distinct (group, next token) a task counts before it emits them. */
  private static final int CHUNK = 1 << 17;

  /** One (slice, c)'s next tokens, increasing, and their counts. */
  record Facts(int[] ys, long[] counts) {}

  private final String path;
  private final long size;
  private final SerializableConfiguration conf;
  private transient Map<Long, Facts> loaded;

  private RootFacts(String path, long size, Configuration conf) {
    this.path = path;
    this.size = size;
    this.conf = new SerializableConfiguration(conf);
  }

  /** Counts the training documents' next tokens per (slice, c) and writes them to {@code path}: two jobs. */
  static RootFacts write(Dataset<Row> tokenized, Groups groups, List<Integer> contextLengths, String path) {
    int[] lengths = contextLengths.stream().mapToInt(Integer::intValue).toArray();
    Dataset<Row> counted = tokenized.sparkSession().createDataFrame(TokenizedDocs.of(tokenized)
        .mapPartitions(docs -> new Counter(docs, groups, lengths)), SCHEMA)
        .groupBy("slice", "c", "y").agg(sum("n").as("n"));
    counted.repartition(col("slice"), col("c")).sortWithinPartitions("slice", "c", "y")
        .write().mode(SaveMode.Overwrite).parquet(path);
    // Parquet's footers hold the row count: this job reads no data.
    long size = tokenized.sparkSession().read().schema(SCHEMA).parquet(path).count();
    return new RootFacts(path, size, tokenized.sparkSession().sparkContext().hadoopConfiguration());
  }

  /**
   * A task's documents to (slice, c, y, n) rows, counted per (group, y) in chunks of {@link #CHUNK}
   * distinct ones; position i of a document is an example of every length c <= i.
   */
  private static final class Counter extends org.hallufloor.context.RowScan<TokenizedDocs.Doc> {
    private final Groups groups;
    private final int[] lengths;
    private final int first;
    private LongTable<long[]> held = new LongTable<>();
    private int distinct;

    Counter(java.util.Iterator<TokenizedDocs.Doc> docs, Groups groups, int[] lengths) {
      super(docs);
      this.groups = groups;
      this.lengths = lengths;
      this.first = Arrays.stream(lengths).min().orElse(1);
    }

    @Override
    protected void accept(TokenizedDocs.Doc doc) {
      if (doc.heldout()) {
        return;
      }
      int group = groups.id(doc.slices(), false);
      int[] ids = doc.ids();
      for (int i = first; i < ids.length; i++) {
        long[] n = held.computeIfAbsent((long) group << 32 | ids[i], k -> {
          distinct++;
          long[] fresh = new long[1 + lengths.length];
          fresh[0] = k;
          return fresh;
        });
        for (int l = 0; l < lengths.length; l++) {
          n[1 + l] += i >= lengths[l] ? 1 : 0;
        }
      }
      if (distinct >= CHUNK) {
        flush();
      }
    }

    @Override
    protected void finish() {
      flush();
    }

    private void flush() {
      held.forEach(n -> {
        for (int slice : groups.slices((int) (n[0] >>> 32))) {
          for (int l = 0; l < lengths.length; l++) {
            if (n[1 + l] > 0) {
              ready.add(RowFactory.create(slice, lengths[l], (int) n[0], n[1 + l]));
            }
          }
        }
      });
      held = new LongTable<>();
      distinct = 0;
    }
  }

  /** The table as written (read with its schema: no inference job). */
  Dataset<Row> rows(org.apache.spark.sql.SparkSession spark) {
    return spark.read().schema(SCHEMA).parquet(path);
  }

  /** Rows of the table: (slice, c, next token) pairs over every slice and length. */
  long size() {
    return size;
  }

  /** The next tokens of (slice, c) and their counts; none where the slice has no training example. */
  Facts of(int slice, int c) {
    if (loaded == null) {
      loaded = LOADED.get(path, this::load);
    }
    return loaded.getOrDefault(key(slice, c), new Facts(new int[0], new long[0]));
  }

  private static long key(int slice, int c) {
    return (long) slice << 32 | c;
  }

  /** Each (slice, c) is one run of rows of one file, in token order (as written). */
  private Map<Long, Facts> load() {
    Map<Long, Facts> out = new HashMap<>();
    long[] at = {Long.MIN_VALUE};
    int[][] ys = {new int[16]};
    long[][] n = {new long[16]};
    int[] size = {0};
    Runnable close = () -> {
      if (size[0] > 0) {
        out.merge(at[0], new Facts(Arrays.copyOf(ys[0], size[0]), Arrays.copyOf(n[0], size[0])), RootFacts::union);
      }
      size[0] = 0;
    };
    ScratchTables.forEachRecord(path, conf.value(), "the suffix kernel's next tokens per slice", g -> {
      long key = key(g.getInteger("slice", 0), g.getInteger("c", 0));
      if (key != at[0]) {
        close.run();
        at[0] = key;
      }
      if (size[0] == ys[0].length) {
        ys[0] = Arrays.copyOf(ys[0], 2 * size[0]);
        n[0] = Arrays.copyOf(n[0], 2 * size[0]);
      }
      ys[0][size[0]] = g.getInteger("y", 0);
      n[0][size[0]] = g.getLong("n", 0);
      size[0]++;
    });
    close.run();
    return out;
  }

  /** Two runs of one (slice, c) (were a file ever to hold it in pieces): merged in token order. */
  private static Facts union(Facts a, Facts b) {
    int[] ys = new int[a.ys.length + b.ys.length];
    long[] n = new long[ys.length];
    int i = 0;
    int j = 0;
    for (int k = 0; k < ys.length; k++) {
      boolean fromA = j >= b.ys.length || (i < a.ys.length && a.ys[i] < b.ys[j]);
      ys[k] = fromA ? a.ys[i] : b.ys[j];
      n[k] = fromA ? a.counts[i++] : b.counts[j++];
    }
    return new Facts(ys, n);
  }
}
