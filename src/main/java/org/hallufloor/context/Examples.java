package org.hallufloor.context;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Tokenized documents to counted facts (THEORY 1): for each context length c and position i
 * with {@code c <= i < n}, the context {@code ids[i-c .. i-1]} (by its 64-bit hash) and the
 * next id {@code ids[i]}; examples never cross documents. A document's slices travel as the
 * number of its {@link Groups group}, packed with c and the next id into one long, so a fact
 * crosses the shuffle once, at a fixed 32 bytes (with the tag of the one document it was seen
 * in, or {@link FactCombiner#MANY_DOCUMENTS}), and facts are pre-counted within each task
 * ({@link FactCombiner}).
 */
public final class Examples {
  /** {@code meta} packs c, the group and the next id: read it with {@link #contextLength}, {@link #group}, {@link #next}. */
  public static final StructType FACTS = new StructType()
      .add("context_hash", DataTypes.LongType, false)
      .add("meta", DataTypes.LongType, false)
      .add("n", DataTypes.LongType, false)
      .add("document", DataTypes.LongType, false);

  /** The document tag of a fact seen in more than one document. */
  public static final long MANY_DOCUMENTS = FactCombiner.MANY_DOCUMENTS;

  /** The tag of a fact made of two records of it (one document, or many). */
  public static long mergeDocuments(long a, long b) {
    return FactCombiner.mergeDocuments(a, b);
  }

  /** 2^20 entries (24 MB) per task. */
  static final int COMBINER_LOG2_CAPACITY = 20;

  private Examples() {}

  /** What every task needs: the groups, context lengths, and the context sample rate. */
  public record Plan(Groups groups, List<Integer> contextLengths, double sampleRate) implements Serializable {
    public Plan {
      for (int c : contextLengths) {
        if (c < 1 || c > 255) {
          throw new IllegalArgumentException("context length " + c + ": a packed fact holds 1 to 255");
        }
      }
    }
  }

  /** The largest vocabulary a packed fact holds. */
  public static final long MAX_VOCABULARY = 1L << FactCombiner.NEXT_BITS;

  public static int contextLength(long meta) {
    return FactCombiner.c(meta);
  }

  public static int group(long meta) {
    return FactCombiner.group(meta);
  }

  public static int next(long meta) {
    return FactCombiner.next(meta);
  }

  /**
   * Documents with {@code slices} (array of struct dim, value), {@code heldout} and {@code ids}.
   * The plan's broadcast is added to {@code owned}: the caller destroys it once nothing reads the facts.
   */
  public static Dataset<Row> facts(Dataset<Row> tokenized, Plan plan, java.util.List<Broadcast<?>> owned) {
    Broadcast<Plan> shared = JavaSparkContext.fromSparkContext(tokenized.sparkSession().sparkContext()).broadcast(plan);
    owned.add(shared);
    return tokenized.sparkSession().createDataFrame(TokenizedDocs.of(tokenized)
        .mapPartitions(docs -> new FactIterator(docs, shared.value(), COMBINER_LOG2_CAPACITY)), FACTS);
  }

  /** Feeds documents to the combiner and hands on its contents whenever it fills, and at the end. */
  static final class FactIterator extends RowScan<TokenizedDocs.Doc> {
    private final Plan plan;
    private final FactCombiner combiner;
    private final int partition;
    private long ordinal;

    FactIterator(Iterator<TokenizedDocs.Doc> docs, Plan plan, int log2Capacity) {
      super(docs);
      this.plan = plan;
      this.combiner = new FactCombiner(log2Capacity);
      org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
      this.partition = task == null ? 0 : task.partitionId();
    }

    @Override
    protected void accept(TokenizedDocs.Doc doc) {
      addDocument(doc);
    }

    @Override
    protected void finish() {
      drain();
    }

    private void addDocument(TokenizedDocs.Doc doc) {
      int group = plan.groups().id(doc.slices(), doc.heldout());
      int[] ids = doc.ids();
      long document = FactCombiner.documentTag(partition, ordinal++);
      double rate = plan.sampleRate();
      for (int c : plan.contextLengths()) {
        for (int i = c; i < ids.length; i++) {
          long hash = ContextHash.of(ids, i - c, c);
          if (rate < 1 && ContextHash.uniform(hash) >= rate) {
            continue;
          }
          if (!combiner.add(hash, FactCombiner.meta(c, group, ids[i]), document)) {
            drain();
          }
        }
      }
    }

    private void drain() {
      combiner.drain((hash, meta, count, document) -> ready.add(RowFactory.create(hash, meta, count, document)));
    }
  }
}
