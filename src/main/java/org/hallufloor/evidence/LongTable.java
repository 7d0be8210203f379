package org.hallufloor.evidence;

import java.util.Arrays;
import java.util.function.LongFunction;

/**
 * Objects by long key, open addressing, no object per look-up: a scan looks up its state per
 * (slice, c) for every record it reads, where a boxed key per look-up cost as much as the work.
 */
final class LongTable<V> {
  private long[] keys = new long[16];
  private Object[] values = new Object[16];
  private int size;

  @SuppressWarnings("unchecked")
  V computeIfAbsent(long key, LongFunction<V> make) {
    int mask = keys.length - 1;
    int slot = slot(key, mask);
    while (values[slot] != null) {
      if (keys[slot] == key) {
        return (V) values[slot];
      }
      slot = (slot + 1) & mask;
    }
    V v = make.apply(key);
    keys[slot] = key;
    values[slot] = v;
    if (++size > keys.length / 2) {
      grow();
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  void forEach(java.util.function.Consumer<V> action) {
    for (Object v : values) {
      if (v != null) {
        action.accept((V) v);
      }
    }
  }

  private static int slot(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private void grow() {
    long[] oldKeys = keys;
    Object[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new Object[keys.length];
    int mask = keys.length - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldValues[i] != null) {
        int slot = slot(oldKeys[i], mask);
        while (values[slot] != null) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[i];
        values[slot] = oldValues[i];
      }
    }
    Arrays.fill(oldValues, null);
  }
}
