package org.hallufloor.context;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Tokenized documents to counted facts (THEORY 1): for each context length c and position i
 * with {@code c <= i < n}, the context {@code ids[i-c .. i-1]} (by its 64-bit hash) and the
 * next id {@code ids[i]}; examples never cross documents. A document's slices travel as one
 * array of slice numbers (with its held-out flag), so an example crosses the shuffle once,
 * not once per slice, and facts are pre-counted within each task ({@link FactCombiner}).
 */
public final class Examples {
  public static final StructType FACTS = new StructType()
      .add("context_len", DataTypes.IntegerType, false)
      .add("context_hash", DataTypes.LongType, false)
      .add("next", DataTypes.IntegerType, false)
      .add("slices", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("heldout", DataTypes.BooleanType, false)
      .add("n", DataTypes.LongType, false);

  /** 2^20 entries (24 MB) per task. */
  static final int COMBINER_LOG2_CAPACITY = 20;

  private Examples() {}

  /** What every task needs: slice numbering, context lengths, and the context sample rate. */
  public record Plan(Map<String, Integer> sliceIds, List<Integer> contextLengths, double sampleRate)
      implements Serializable {
    public static String key(String dim, String value) {
      return dim + '\u0000' + value;
    }
  }

  /** Documents with {@code slices} (array of struct dim, value), {@code heldout} and {@code ids}. */
  public static Dataset<Row> facts(Dataset<Row> tokenized, Plan plan) {
    return tokenized.select("slices", "heldout", "ids")
        .mapPartitions((MapPartitionsFunction<Row, Row>) docs -> new FactIterator(docs, plan, COMBINER_LOG2_CAPACITY),
            Encoders.row(FACTS));
  }

  /** Feeds documents to the combiner and hands on its contents whenever it fills, and at the end. */
  static final class FactIterator implements Iterator<Row> {
    private final Iterator<Row> docs;
    private final Plan plan;
    private final FactCombiner combiner;
    /** Local numbering of (slice set, held-out) groups, valid until the next drain. */
    private final Map<List<Integer>, Integer> groupIds = new HashMap<>();
    private final List<int[]> groupSlices = new ArrayList<>();
    private final List<Boolean> groupHeldout = new ArrayList<>();
    private final ArrayDeque<Row> ready = new ArrayDeque<>();

    FactIterator(Iterator<Row> docs, Plan plan, int log2Capacity) {
      this.docs = docs;
      this.plan = plan;
      this.combiner = new FactCombiner(log2Capacity);
    }

    @Override
    public boolean hasNext() {
      while (ready.isEmpty()) {
        if (docs.hasNext()) {
          addDocument(docs.next());
        } else if (!combiner.isEmpty()) {
          drain();
        } else {
          return false;
        }
      }
      return true;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    private void addDocument(Row doc) {
      int group = group(doc.getList(0), doc.getBoolean(1));
      List<Integer> boxed = doc.getList(2);
      int[] ids = new int[boxed.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = boxed.get(i);
      }
      double rate = plan.sampleRate();
      for (int c : plan.contextLengths()) {
        for (int i = c; i < ids.length; i++) {
          long hash = ContextHash.of(ids, i - c, c);
          if (rate < 1 && ContextHash.uniform(hash) >= rate) {
            continue;
          }
          if (!combiner.add(hash, FactCombiner.meta(c, group, ids[i]))) {
            drain();
            group = group(doc.getList(0), doc.getBoolean(1));
          }
        }
      }
      if (groupIds.size() >= FactCombiner.MAX_GROUPS - 1) {
        drain();
      }
    }

    private int group(List<Row> slices, boolean heldout) {
      int[] ids = new int[slices.size()];
      for (int i = 0; i < ids.length; i++) {
        Row s = slices.get(i);
        Integer id = plan.sliceIds().get(Plan.key(s.getString(0), s.getString(1)));
        if (id == null) {
          throw new IllegalStateException("slice without a number: " + s);
        }
        ids[i] = id;
      }
      Arrays.sort(ids);
      List<Integer> key = new ArrayList<>(ids.length + 1);
      for (int id : ids) {
        key.add(id);
      }
      key.add(heldout ? -1 : -2);
      return groupIds.computeIfAbsent(key, k -> {
        groupSlices.add(ids);
        groupHeldout.add(heldout);
        return groupSlices.size() - 1;
      });
    }

    private void drain() {
      combiner.drain((hash, meta, count) -> {
        int g = FactCombiner.group(meta);
        ready.add(RowFactory.create(FactCombiner.c(meta), hash, FactCombiner.next(meta), groupSlices.get(g),
            groupHeldout.get(g), count));
      });
      groupIds.clear();
      groupSlices.clear();
      groupHeldout.clear();
    }
  }
}
