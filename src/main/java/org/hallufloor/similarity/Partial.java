package org.hallufloor.similarity;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What the join has found so far for one query set: the kernel-weighted training counts per
 * slice ({@code sum over similar sets p of J(q, p) * n_slice(p)}, the set itself included with
 * J = 1), the pairs examined, and for audit queries the sets found. Partials of one query from
 * different buckets merge into one.
 */
final class Partial implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final long[] NO_HASHES = new long[0];

  /** A partial between stages: the query's hash, counts, evidence per slice and found sets packed, and the query set or nulls. */
  static final StructType SCHEMA = new StructType()
      .add("query", DataTypes.LongType, false)
      .add("candidates", DataTypes.LongType, false)
      .add("verified", DataTypes.LongType, false)
      .add("evidence", DataTypes.BinaryType, false)
      .add("found", DataTypes.BinaryType, false)
      .add("c", DataTypes.IntegerType, true)
      .add("hash", DataTypes.LongType, true)
      .add("data", DataTypes.BinaryType, true)
      .add("looked_up", DataTypes.BooleanType, false)
      .add("found_j", DataTypes.BinaryType, false);

  private static final int SET_COLUMNS = 5;

  /** The query set itself, once its own partial has been merged in. */
  ContextSet query;
  int[] slices = new int[0];
  double[] evidence = new double[0];
  long candidates;
  long verified;
  long[] found = NO_HASHES;
  /**
   * Found by {@link ShapeLookup}, which counts a query's similar sets without naming them: its
   * audit compares counts and evidence with the brute-force join's, not sets.
   */
  boolean lookedUp;

  /** The query's own contribution: its training examples, each with K = 1. */
  static Partial self(ContextSet q) {
    Partial p = new Partial();
    p.query = q;
    p.add(q.slices, q.train, 1.0);
    return p;
  }

  /** Adds {@code weight * counts[i]} to slice {@code slices[i]}, both sorted by slice. */
  void add(int[] otherSlices, long[] counts, double weight) {
    double[] scaled = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      scaled[i] = weight * counts[i];
    }
    mergeEvidence(otherSlices, scaled);
  }

  Row toRow(long queryHash) {
    ByteBuffer packed = ByteBuffer.allocate(12 * slices.length);
    for (int i = 0; i < slices.length; i++) {
      packed.putInt(slices[i]);
      packed.putDouble(evidence[i]);
    }
    return RowFactory.create(queryHash, candidates, verified, packed.array(), ContextSet.longsToBytes(found),
        query == null ? null : query.c, query == null ? null : query.hash, query == null ? null : query.toBytes(),
        // found_j empty: a non-empty one marks a bucket's margin row (JaccardJoin.bucket), read as
        // margin sums (JaccardJoin.marginSums), never as a partial.
        lookedUp, new byte[0]);
  }

  static Partial of(Row r) {
    Partial p = new Partial();
    p.candidates = r.getLong(1);
    p.verified = r.getLong(2);
    p.lookedUp = r.getBoolean(SCHEMA.fieldIndex("looked_up"));
    ByteBuffer packed = ByteBuffer.wrap((byte[]) r.get(3));
    int n = packed.remaining() / 12;
    p.slices = new int[n];
    p.evidence = new double[n];
    for (int i = 0; i < n; i++) {
      p.slices[i] = packed.getInt();
      p.evidence[i] = packed.getDouble();
    }
    p.found = ContextSet.bytesToLongs((byte[]) r.get(4));
    p.query = r.isNullAt(SET_COLUMNS) ? null : ContextSet.of(r, SET_COLUMNS);
    return p;
  }

  Partial merge(Partial o) {
    if (query == null) {
      query = o.query;
    }
    mergeEvidence(o.slices, o.evidence);
    candidates += o.candidates;
    verified += o.verified;
    lookedUp |= o.lookedUp;
    if (o.found.length > 0) {
      long[] both = Arrays.copyOf(found, found.length + o.found.length);
      System.arraycopy(o.found, 0, both, found.length, o.found.length);
      found = both;
    }
    return this;
  }

  /** This query's kernel-weighted training count in a slice (0 where nothing similar was seen). */
  double evidence(int slice) {
    int i = Arrays.binarySearch(slices, slice);
    return i >= 0 ? evidence[i] : 0;
  }

  private void mergeEvidence(int[] otherSlices, double[] values) {
    int[] s = new int[slices.length + otherSlices.length];
    double[] v = new double[s.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < slices.length || j < otherSlices.length) {
      if (j == otherSlices.length || (i < slices.length && slices[i] < otherSlices[j])) {
        s[n] = slices[i];
        v[n++] = evidence[i++];
      } else if (i == slices.length || otherSlices[j] < slices[i]) {
        s[n] = otherSlices[j];
        v[n++] = values[j++];
      } else {
        s[n] = slices[i];
        v[n++] = evidence[i++] + values[j++];
      }
    }
    slices = Arrays.copyOf(s, n);
    evidence = Arrays.copyOf(v, n);
  }
}
