package org.hallufloor.similarity;

import java.io.Serializable;
import java.nio.ByteBuffer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hallufloor.context.ContextHash;

/**
 * One distinct set of token ids of length-c contexts (THEORY 1's jaccard kernel sees a
 * context only as its set, so contexts with the same set share their evidence), with, per
 * slice it occurs in ({@code slices}, sorted): its training examples, held-out examples and
 * distinct training contexts.
 */
public final class ContextSet implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * As Spark holds a set between stages: the ids and per-slice counts packed in one binary
   * column ({@link #toBytes}), so a stage reads a set with one copy instead of boxing arrays.
   */
  public static final StructType SCHEMA = new StructType()
      .add("c", DataTypes.IntegerType, false)
      .add("hash", DataTypes.LongType, false)
      .add("data", DataTypes.BinaryType, false);

  final int c;
  final long hash;
  final int[] ids;
  final int[] slices;
  final long[] train;
  final long[] heldout;
  final long[] distinct;
  /**
   * Its training facts where the margins need them by set (banded lengths, {@link
   * ContextSets#of}): {@link #factKey} of (next token, group), ascending, and the examples of
   * each; empty otherwise. A bucket adds J times these to a query's E(y | q), so no pair has to
   * be written out and joined with the facts afterwards.
   */
  final long[] factKeys;
  final long[] factCounts;
  private static final long[] NONE = new long[0];

  ContextSet(int c, int[] ids, int[] slices, long[] train, long[] heldout, long[] distinct) {
    this(c, hash(c, ids), ids, slices, train, heldout, distinct);
  }

  ContextSet(int c, int[] ids, int[] slices, long[] train, long[] heldout, long[] distinct, long[] factKeys,
      long[] factCounts) {
    this(c, hash(c, ids), ids, slices, train, heldout, distinct, factKeys, factCounts);
  }

  /** A set as a bucket sees it: held-out and distinct counts may be null there. */
  ContextSet(int c, long hash, int[] ids, int[] slices, long[] train, long[] heldout, long[] distinct) {
    this(c, hash, ids, slices, train, heldout, distinct, NONE, NONE);
  }

  private ContextSet(int c, long hash, int[] ids, int[] slices, long[] train, long[] heldout, long[] distinct,
      long[] factKeys, long[] factCounts) {
    this.c = c;
    this.hash = hash;
    this.ids = ids;
    this.slices = slices;
    this.train = train;
    this.heldout = heldout;
    this.distinct = distinct;
    this.factKeys = factKeys;
    this.factCounts = factCounts;
  }

  /** A training fact's key: its next token above its document group (both ids are non-negative ints). */
  static long factKey(int y, int group) {
    return ((long) y << 32) | group;
  }

  static int factToken(long key) {
    return (int) (key >>> 32);
  }

  static int factGroup(long key) {
    return (int) key;
  }

  /** The set's identity: a hash of (c, sorted ids), as a context's is of (c, ids). */
  static long hash(int c, int[] sortedIds) {
    return MinHash.mix(ContextHash.of(sortedIds, 0, sortedIds.length) + c);
  }

  /** Whether any slice has training examples with this set: only those give evidence. */
  boolean inPool() {
    for (long t : train) {
      if (t > 0) {
        return true;
      }
    }
    return false;
  }

  /** Kept as a query at this sampling rate (by the set's hash, so stable across runs and engines). */
  boolean sampled(double rate) {
    return sampled(hash, rate);
  }

  /** Whether the set of this hash is a query at this sampling rate. */
  static boolean sampled(long hash, double rate) {
    return ContextHash.uniform(hash) < rate;
  }

  Row toRow() {
    return RowFactory.create(c, hash, toBytes());
  }

  /** A row of {@link #SCHEMA} (or any row with its three columns at {@code from} onwards). */
  static ContextSet of(Row r, int from) {
    return fromBytes(r.getInt(from), r.getLong(from + 1), (byte[]) r.get(from + 2));
  }

  /**
   * ids, slices, then train, held-out and distinct counts per slice (the last two may be
   * absent), then the training facts (a count of 0 where the set carries none).
   */
  byte[] toBytes() {
    boolean full = heldout != null;
    ByteBuffer b = ByteBuffer.allocate(13 + 4 * ids.length + slices.length * (4 + (full ? 24 : 8))
        + 16 * factKeys.length);
    b.putInt(ids.length);
    for (int id : ids) {
      b.putInt(id);
    }
    b.putInt(slices.length);
    b.put((byte) (full ? 1 : 0));
    for (int i = 0; i < slices.length; i++) {
      b.putInt(slices[i]);
      b.putLong(train[i]);
      if (full) {
        b.putLong(heldout[i]);
        b.putLong(distinct[i]);
      }
    }
    b.putInt(factKeys.length);
    for (int i = 0; i < factKeys.length; i++) {
      b.putLong(factKeys[i]).putLong(factCounts[i]);
    }
    return b.array();
  }

  /** The set in one array: c, hash, then {@link #toBytes}; one object a set where a JVM holds many. */
  static byte[] pack(Row r, int from) {
    byte[] data = (byte[]) r.get(from + 2);
    return ByteBuffer.allocate(12 + data.length).putInt(r.getInt(from)).putLong(r.getLong(from + 1)).put(data).array();
  }

  static ContextSet unpack(byte[] packed) {
    ByteBuffer b = ByteBuffer.wrap(packed);
    return read(b.getInt(), b.getLong(), b);
  }

  static ContextSet fromBytes(int c, long hash, byte[] bytes) {
    return read(c, hash, ByteBuffer.wrap(bytes));
  }

  private static ContextSet read(int c, long hash, ByteBuffer b) {
    int[] ids = new int[b.getInt()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = b.getInt();
    }
    int n = b.getInt();
    boolean full = b.get() == 1;
    int[] slices = new int[n];
    long[] train = new long[n];
    long[] heldout = full ? new long[n] : null;
    long[] distinct = full ? new long[n] : null;
    for (int i = 0; i < n; i++) {
      slices[i] = b.getInt();
      train[i] = b.getLong();
      if (full) {
        heldout[i] = b.getLong();
        distinct[i] = b.getLong();
      }
    }
    int facts = b.getInt();
    long[] factKeys = facts == 0 ? NONE : new long[facts];
    long[] factCounts = facts == 0 ? NONE : new long[facts];
    for (int i = 0; i < facts; i++) {
      factKeys[i] = b.getLong();
      factCounts[i] = b.getLong();
    }
    return new ContextSet(c, hash, ids, slices, train, heldout, distinct, factKeys, factCounts);
  }

  /** The same set without its held-out and distinct counts, which a bucket does not read. */
  ContextSet forBuckets() {
    return new ContextSet(c, hash, ids, slices, train, null, null, factKeys, factCounts);
  }

  /**
   * The set as an audit query is indexed by: its length, hash and ids only. Its counts per slice
   * (as many as the slice values it occurs in, a million for a common set) stay with its partial.
   */
  ContextSet forAudit() {
    return new ContextSet(c, hash, ids, new int[0], new long[0], null, null);
  }

  static byte[] intsToBytes(int[] a) {
    ByteBuffer b = ByteBuffer.allocate(4 * a.length);
    for (int v : a) {
      b.putInt(v);
    }
    return b.array();
  }

  static int[] bytesToInts(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int[] out = new int[bytes.length / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getInt();
    }
    return out;
  }

  static byte[] doublesToBytes(double[] a) {
    ByteBuffer b = ByteBuffer.allocate(8 * a.length);
    b.asDoubleBuffer().put(a);
    return b.array();
  }

  static double[] bytesToDoubles(byte[] bytes) {
    double[] out = new double[bytes.length / 8];
    ByteBuffer.wrap(bytes).asDoubleBuffer().get(out);
    return out;
  }

  static byte[] longsToBytes(long[] a) {
    ByteBuffer b = ByteBuffer.allocate(8 * a.length);
    for (long v : a) {
      b.putLong(v);
    }
    return b.array();
  }

  static long[] bytesToLongs(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long[] out = new long[bytes.length / 8];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getLong();
    }
    return out;
  }
}
