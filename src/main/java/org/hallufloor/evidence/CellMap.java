package org.hallufloor.evidence;

import java.util.Arrays;

/**
 * Sums of four numbers per long key, in flat arrays: the partial cells of a task are updated
 * several times per context, so no object may be made per update.
 */
final class CellMap {
  private static final long EMPTY = Long.MIN_VALUE;
  private long[] keys;
  private double[] sums;
  private int size;

  CellMap() {
    clear();
  }

  int size() {
    return size;
  }

  /** Back to empty, and to the initial arrays, so a flushed map gives its memory back. */
  void clear() {
    keys = new long[1 << 12];
    sums = new double[keys.length * 4];
    Arrays.fill(keys, EMPTY);
    size = 0;
  }

  void add(long key, double a, double b, double c, double d) {
    int slot = slot(key);
    if (keys[slot] == EMPTY) {
      keys[slot] = key;
      if (++size > keys.length / 2) {
        grow();
        slot = slot(key);
      }
    }
    int i = slot * 4;
    sums[i] += a;
    sums[i + 1] += b;
    sums[i + 2] += c;
    sums[i + 3] += d;
  }

  private int slot(long key) {
    int mask = keys.length - 1;
    long h = key * 0x9E3779B97F4A7C15L;
    int slot = (int) (h >>> 40) & mask;
    while (keys[slot] != EMPTY && keys[slot] != key) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private void grow() {
    long[] oldKeys = keys;
    double[] oldSums = sums;
    keys = new long[oldKeys.length * 2];
    sums = new double[keys.length * 4];
    Arrays.fill(keys, EMPTY);
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) {
        int slot = slot(oldKeys[i]);
        keys[slot] = oldKeys[i];
        System.arraycopy(oldSums, i * 4, sums, slot * 4, 4);
      }
    }
  }

  interface Visitor {
    void visit(long key, double a, double b, double c, double d);
  }

  void forEach(Visitor visitor) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != EMPTY) {
        visitor.visit(keys[i], sums[i * 4], sums[i * 4 + 1], sums[i * 4 + 2], sums[i * 4 + 3]);
      }
    }
  }
}
