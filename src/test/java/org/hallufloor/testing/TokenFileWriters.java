package org.hallufloor.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Writers of the token-file formats the job reads, after their published layouts, for tests:
 * Megatron-LM's MMapIndexedDataset (.idx: magic "MMIDIDX\0\0", u64 version 1, u8 dtype code,
 * u64 sequence count, u64 document-index length, int32 sizes, int64 byte pointers, int64
 * document index; .bin: the ids), and flat little-endian uint32 token files with an
 * end-of-document id after each document, optionally behind a version 1.0 .npy header.
 */
public final class TokenFileWriters {
  private TokenFileWriters() {}

  /** int32 (dtype code 4): what Megatron picks for a vocabulary over 65,500. Returns the prefix. */
  public static Path megatron(Path prefix, List<int[]> documents) {
    long tokens = documents.stream().mapToLong(d -> d.length).sum();
    ByteBuffer bin = le(4 * tokens);
    ByteBuffer idx = le(34 + 12L * documents.size() + 8L * (documents.size() + 1));
    idx.put("MMIDIDX\0\0".getBytes(StandardCharsets.ISO_8859_1)).putLong(1).put((byte) 4)
        .putLong(documents.size()).putLong(documents.size() + 1);
    for (int[] d : documents) {
      idx.putInt(d.length);
    }
    long pointer = 0;
    for (int[] d : documents) {
      idx.putLong(pointer);
      pointer += 4L * d.length;
      for (int id : d) {
        bin.putInt(id);
      }
    }
    for (int i = 0; i <= documents.size(); i++) {
      idx.putLong(i);
    }
    Shards.write(Path.of(prefix + ".idx"), idx.array());
    Shards.write(Path.of(prefix + ".bin"), bin.array());
    return prefix;
  }

  public static Path flat(Path file, List<int[]> documents, int eos, boolean npyHeader) {
    long tokens = documents.stream().mapToLong(d -> d.length + 1).sum();
    byte[] header = new byte[0];
    if (npyHeader) {
      StringBuilder dict = new StringBuilder("{'descr': '<u4', 'fortran_order': False, 'shape': (" + tokens + ",), }");
      while ((10 + dict.length() + 1) % 64 != 0) {
        dict.append(' ');
      }
      dict.append('\n');
      ByteBuffer h = le(10 + dict.length());
      h.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1)).put((byte) 1).put((byte) 0)
          .putShort((short) dict.length()).put(dict.toString().getBytes(StandardCharsets.ISO_8859_1));
      header = h.array();
    }
    ByteBuffer data = le(header.length + 4 * tokens);
    data.put(header);
    for (int[] d : documents) {
      for (int id : d) {
        data.putInt(id);
      }
      data.putInt(eos);
    }
    return Shards.write(file, data.array());
  }

  private static ByteBuffer le(long bytes) {
    return ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
  }
}
