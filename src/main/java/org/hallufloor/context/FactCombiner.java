package org.hallufloor.context;

import java.util.Arrays;

/**
 * Counts facts (c, context hash, next id, group) within a task before they cross the shuffle,
 * in flat primitive arrays (no object per example). Frequent facts (short contexts) shrink by
 * orders of magnitude; when the table is half full its contents are handed on and it starts
 * again, so memory stays bounded whatever the partition's size. Each fact also keeps the one
 * document it was seen in, or {@link #MANY_DOCUMENTS}: the document-level rates of THEORY 5
 * need to know whether a fact (and a context) occurs in a single training document.
 */
final class FactCombiner {
  private static final long EMPTY = Long.MIN_VALUE;

  private final int capacity;
  private final long[] hashes;
  private final long[] metas;
  private final long[] counts;
  private final long[] documents;
  private int size;

  /** The document tag of a fact seen in two or more documents. */
  public static final long MANY_DOCUMENTS = -1;

  /**
   * The tag of a document that occurs once in the run: the map task's partition and the
   * document's ordinal within it. Documents never span tasks, so two tags are equal exactly
   * when the documents are; a retried task reads the same documents in the same order.
   */
  public static long documentTag(int partition, long ordinal) {
    return ((long) partition << 32) | (ordinal & 0xffffffffL);
  }

  /** The tag of the facts of two records of one fact: one document, or many. */
  public static long mergeDocuments(long a, long b) {
    return a == b ? a : MANY_DOCUMENTS;
  }

  FactCombiner(int log2Capacity) {
    this.capacity = 1 << log2Capacity;
    this.hashes = new long[capacity];
    this.metas = new long[capacity];
    this.counts = new long[capacity];
    this.documents = new long[capacity];
    Arrays.fill(metas, EMPTY);
  }

  /** Bits of the next id in a packed fact: vocabularies up to 2^24 ids (the largest in use have 2^18). */
  static final int NEXT_BITS = 24;

  /** {@code c < 256}, any non-negative int group, {@code next < 2^24}: packed into one long. */
  static long meta(int c, int group, int next) {
    return ((long) c << 56) | ((long) group << NEXT_BITS) | next;
  }

  static int c(long meta) {
    return (int) (meta >>> 56);
  }

  static int group(long meta) {
    return (int) ((meta >>> NEXT_BITS) & 0xffffffffL);
  }

  static int next(long meta) {
    return (int) (meta & ((1 << NEXT_BITS) - 1));
  }

  /** Adds one example, seen in the document tagged {@code document}; false when the table should be drained first. */
  boolean add(long hash, long meta, long document) {
    int mask = capacity - 1;
    int slot = (int) (mix(hash ^ meta) & mask);
    while (metas[slot] != EMPTY) {
      if (hashes[slot] == hash && metas[slot] == meta) {
        counts[slot]++;
        documents[slot] = mergeDocuments(documents[slot], document);
        return true;
      }
      slot = (slot + 1) & mask;
    }
    hashes[slot] = hash;
    metas[slot] = meta;
    counts[slot] = 1;
    documents[slot] = document;
    size++;
    return size < capacity / 2;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Visits every entry, then empties the table. */
  void drain(Visitor visitor) {
    for (int i = 0; i < capacity; i++) {
      if (metas[i] != EMPTY) {
        visitor.visit(hashes[i], metas[i], counts[i], documents[i]);
        metas[i] = EMPTY;
      }
    }
    size = 0;
  }

  interface Visitor {
    void visit(long hash, long meta, long count, long document);
  }

  private static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    return x;
  }
}
