package org.hallufloor.evidence;

import java.util.Arrays;

/**
 * Next-token counts of one suffix in the suffix scan: int keys to long counts by open
 * addressing (no boxing: a common suffix has tens of thousands of next tokens), read out in
 * token order when the node is written.
 */
final class NextCounts {
  private static final int EMPTY = -1;
  private int[] keys = filled(16);
  private long[] counts = new long[16];
  private int size;

  private static int[] filled(int n) {
    int[] k = new int[n];
    Arrays.fill(k, EMPTY);
    return k;
  }

  int size() {
    return size;
  }

  void add(int y, long n) {
    int mask = keys.length - 1;
    int slot = (y * 0x9E3779B9) >>> 7 & mask;
    while (keys[slot] != EMPTY && keys[slot] != y) {
      slot = (slot + 1) & mask;
    }
    if (keys[slot] == EMPTY) {
      keys[slot] = y;
      if (++size > keys.length / 2) {
        counts[slot] += n;
        grow();
        return;
      }
    }
    counts[slot] += n;
  }

  void addAll(NextCounts other) {
    for (int i = 0; i < other.keys.length; i++) {
      if (other.keys[i] != EMPTY) {
        add(other.keys[i], other.counts[i]);
      }
    }
  }

  /** Empties it, keeping a small table (a node's table is reused by the next node at its depth). */
  void clear() {
    // Nodes are cleared when closed and again when reopened: most clears find nothing (profiled).
    if (size == 0) {
      return;
    }
    if (keys.length > 64) {
      keys = filled(16);
      counts = new long[16];
    } else {
      Arrays.fill(keys, EMPTY);
      Arrays.fill(counts, 0);
    }
    size = 0;
  }

  /** Tokens in increasing order into {@code ys}, their counts into {@code n} (each at least size() long). */
  void sortedInto(int[] ys, long[] n) {
    long[] packed = new long[size];
    int at = 0;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != EMPTY) {
        packed[at++] = (long) keys[i] << 32 | i;
      }
    }
    Arrays.sort(packed);
    for (int j = 0; j < size; j++) {
      int slot = (int) packed[j];
      ys[j] = keys[slot];
      n[j] = counts[slot];
    }
  }

  private void grow() {
    int[] oldKeys = keys;
    long[] oldCounts = counts;
    keys = filled(oldKeys.length * 2);
    counts = new long[oldKeys.length * 2];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) {
        add(oldKeys[i], oldCounts[i]);
      }
    }
  }
}
