package org.hallufloor.similarity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.context.ContextHash;
import org.hallufloor.context.Groups;
import org.hallufloor.context.TokenizedDocs;

/**
 * Tokenized documents to the distinct id sets of their contexts, each with its counts per
 * slice ({@link ContextSet}). Two aggregations: by (context, group), so a context's distinct
 * count is taken once per slice however many groups it appears in, then by set.
 */
public final class ContextSets {
  static final StructType EXAMPLES = new StructType()
      .add("c", DataTypes.IntegerType, false)
      .add("context", DataTypes.LongType, false)
      .add("ids", DataTypes.BinaryType, false)
      .add("grp", DataTypes.IntegerType, false)
      .add("y", DataTypes.IntegerType, false);
  /** The next token of an example whose set carries no facts: one row per (context, group) then, as before. */
  private static final int NO_TOKEN = -1;

  private ContextSets() {}

  /**
   * Documents with {@code slices}, {@code heldout} and {@code ids}, to one set per (c, distinct
   * ids): {@link ContextSet#SCHEMA}. The groups' broadcast goes to {@code owned}, for the caller
   * to destroy when the sets are done with.
   */
  public static Dataset<Row> of(Dataset<Row> tokenized, Groups groups, List<Integer> contextLengths,
      List<Broadcast<?>> owned) {
    return of(tokenized, groups, contextLengths, java.util.Set.of(), owned);
  }

  /**
   * As {@link #of(Dataset, Groups, List, List)}, and the sets of {@code factLengths} also carry
   * their training facts ({@link ContextSet#factKeys}): their examples are aggregated by next
   * token too, which adds rows only where a context is followed by different tokens (rare at
   * the banded lengths, which are the long ones).
   */
  public static Dataset<Row> of(Dataset<Row> tokenized, Groups groups, List<Integer> contextLengths,
      java.util.Set<Integer> factLengths, List<Broadcast<?>> owned) {
    Broadcast<Groups> shared = JavaSparkContext.fromSparkContext(tokenized.sparkSession().sparkContext()).broadcast(groups);
    owned.add(shared);
    List<Integer> lengths = List.copyOf(contextLengths);
    java.util.Set<Integer> withFacts = java.util.Set.copyOf(factLengths);
    Dataset<Row> examples = tokenized.sparkSession().createDataFrame(TokenizedDocs.of(tokenized)
        .flatMap(doc -> examples(doc, shared.value(), lengths, withFacts)), EXAMPLES);
    Dataset<Row> perContext = examples.groupBy("c", "context", "ids", "grp", "y").agg(sum(lit(1L)).as("n"));
    // By set, sorted and streamed a set at a time: a collect_list aggregation fell back to
    // sorting by the binary key anyway (JFR), and held every member as an object.
    return perContext.repartition(col("c"), col("ids")).sortWithinPartitions("c", "ids")
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> sets(rows, shared.value()),
            Encoders.row(ContextSet.SCHEMA));
  }

  /** Rows of (c, context, ids, grp, y, n) sorted by (c, ids) to one set row per run of equal (c, ids). */
  private static Iterator<Row> sets(Iterator<Row> rows, Groups groups) {
    return new SortedRuns(rows,
        (a, b) -> a.getInt(0) == b.getInt(0) && Arrays.equals((byte[]) a.get(2), (byte[]) b.get(2)))
        .map(members -> toSet(members.get(0).getInt(0), (byte[]) members.get(0).get(2), members, groups).toRow());
  }

  private static Iterator<Row> examples(TokenizedDocs.Doc doc, Groups groups, List<Integer> lengths,
      java.util.Set<Integer> withFacts) {
    int group = groups.id(doc.slices(), doc.heldout());
    int[] ids = doc.ids();
    // Lazily: a document of a million tokens would otherwise be millions of rows at once.
    return Concat.of(lengths.iterator(), c -> {
      boolean facts = withFacts.contains(c);
      return java.util.stream.IntStream.range(c, ids.length).mapToObj(i -> RowFactory.create(c,
          ContextHash.of(ids, i - c, c), idSet(ids, i - c, c), group, facts ? ids[i] : NO_TOKEN)).iterator();
    });
  }

  /** The sorted distinct ids of {@code ids[from .. from + c - 1]}, packed (4 bytes each) for a binary column. */
  static byte[] idSet(int[] ids, int from, int c) {
    int[] copy = Arrays.copyOfRange(ids, from, from + c);
    Arrays.sort(copy);
    int n = 0;
    for (int i = 0; i < copy.length; i++) {
      if (i == 0 || copy[i] != copy[i - 1]) {
        copy[n++] = copy[i];
      }
    }
    return ContextSet.intsToBytes(Arrays.copyOf(copy, n));
  }

  /**
   * One set's (c, context, ids, group, next token, count) members to its per-slice training,
   * held-out and distinct counts, and its training facts where the members name next tokens.
   */
  static ContextSet toSet(int c, byte[] packedIds, List<Row> members, Groups groups) {
    int[] ids = ContextSet.bytesToInts(packedIds);
    TreeMap<Integer, long[]> perSlice = new TreeMap<>();
    java.util.Map<Long, java.util.Set<Integer>> trainingSlicesOfContext = new java.util.HashMap<>();
    TreeMap<Long, Long> facts = new TreeMap<>();
    for (Row m : members) {
      int group = m.getInt(3);
      int y = m.getInt(4);
      long n = m.getLong(5);
      boolean heldout = groups.heldout(group);
      if (y != NO_TOKEN && !heldout) {
        facts.merge(ContextSet.factKey(y, group), n, Long::sum);
      }
      for (int slice : groups.slices(group)) {
        perSlice.computeIfAbsent(slice, k -> new long[3])[heldout ? 1 : 0] += n;
        if (!heldout) {
          trainingSlicesOfContext.computeIfAbsent(m.getLong(1), k -> new java.util.HashSet<>()).add(slice);
        }
      }
    }
    for (java.util.Set<Integer> slices : trainingSlicesOfContext.values()) {
      for (int slice : slices) {
        perSlice.get(slice)[2]++;
      }
    }
    int size = perSlice.size();
    int[] slices = new int[size];
    long[] train = new long[size];
    long[] heldout = new long[size];
    long[] distinct = new long[size];
    int i = 0;
    for (var e : perSlice.entrySet()) {
      slices[i] = e.getKey();
      train[i] = e.getValue()[0];
      heldout[i] = e.getValue()[1];
      distinct[i] = e.getValue()[2];
      i++;
    }
    long[] factKeys = new long[facts.size()];
    long[] factCounts = new long[facts.size()];
    int f = 0;
    for (var e : facts.entrySet()) {
      factKeys[f] = e.getKey();
      factCounts[f++] = e.getValue();
    }
    return new ContextSet(c, ids, slices, train, heldout, distinct, factKeys, factCounts);
  }
}
