package org.hallufloor.context;

/**
 * The 64-bit identity of a context: a hash of {@code (c, ids)} (THEORY 1). Built from the
 * xxHash64 round and avalanche, so bits behave as random: among n distinct contexts of one
 * slice and length, about {@code n^2 / 2^65} pairs collide (under 3 for a billion contexts),
 * and a colliding pair merges two contexts' evidence.
 */
public final class ContextHash {
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;
  private static final double TWO_TO_MINUS_53 = 0x1.0p-53;

  private ContextHash() {}

  /** Hash of the context {@code ids[from .. from + c - 1]} of length c. */
  public static long of(int[] ids, int from, int c) {
    long h = P5 + c;
    for (int i = from; i < from + c; i++) {
      long k = (ids[i] & 0xffffffffL) * P2;
      k = Long.rotateLeft(k, 31) * P1;
      h ^= k;
      h = Long.rotateLeft(h, 27) * P1 + P4;
    }
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }

  /** The hash as a uniform number in [0, 1): contexts below the sample rate are kept. */
  public static double uniform(long hash) {
    return (hash >>> 11) * TWO_TO_MINUS_53;
  }
}
