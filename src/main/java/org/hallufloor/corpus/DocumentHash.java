package org.hallufloor.corpus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Two independent uniform numbers in [0, 1) per document id, from SHA-256 of its UTF-8 bytes:
 * bytes 0-7 choose the scaling fractions, bytes 8-15 the held-out split. SHA-256 is chosen
 * because every engine has it, so a split can be reproduced outside Spark
 * (e.g. DuckDB: {@code sha256(doc_id)}).
 */
public final class DocumentHash {
  private static final double TWO_TO_MINUS_53 = 0x1.0p-53;

  private DocumentHash() {}

  /** {u_scaling, u_heldout}. */
  public static double[] uniforms(String docId) {
    byte[] d;
    try {
      d = MessageDigest.getInstance("SHA-256").digest(docId.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return new double[] {uniform(d, 0), uniform(d, 8)};
  }

  private static double uniform(byte[] d, int from) {
    long v = 0;
    for (int i = from; i < from + 8; i++) {
      v = (v << 8) | (d[i] & 0xffL);
    }
    return (v >>> 11) * TWO_TO_MINUS_53;
  }
}
