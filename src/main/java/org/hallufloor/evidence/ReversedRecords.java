package org.hallufloor.evidence;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import org.apache.spark.SparkEnv;

/**
 * A task's records written once and read back last first, in bounded memory: records fill a
 * block, full blocks go to a local file (Spark's own scratch directories), and reading takes
 * the blocks from the last, each record's length after it so a block is walked backwards.
 *
 * <p>Why backwards: a scan in sorted order can only write a suffix-tree node when its subtree
 * has passed (post-order), but giving a context its evidence needs the node first. Post-order
 * read backwards puts every node before everything under it, which replaces a second sort of
 * every row by one sequential write and read.
 */
final class ReversedRecords implements Closeable {
  static final int BLOCK = 1 << 20;
  /** A record's length is written after it in two bytes. */
  static final int MAX_RECORD = 0xFFFF;

  private final int blockSize;
  private ByteBuffer block;
  private File file;
  private RandomAccessFile out;
  /** Each block's end in the file. */
  private long[] ends = new long[16];
  private int blocks;
  private int recordStart = -1;
  private long records;

  ReversedRecords() {
    this(BLOCK);
  }

  ReversedRecords(int blockSize) {
    if (blockSize < MAX_RECORD + 2) {
      throw new IllegalArgumentException("block of " + blockSize + " bytes: at least " + (MAX_RECORD + 2));
    }
    this.blockSize = blockSize;
    this.block = ByteBuffer.allocate(blockSize);
  }

  /** Starts a record; put its fields into the returned buffer, then {@link #end()}. */
  ByteBuffer begin(int maxLength) {
    if (maxLength > MAX_RECORD) {
      throw new IllegalArgumentException("record of " + maxLength + " bytes: at most " + MAX_RECORD);
    }
    if (block.remaining() < maxLength + 2) {
      flushBlock();
    }
    recordStart = block.position();
    return block;
  }

  void end() {
    int length = block.position() - recordStart;
    if (recordStart < 0 || length > MAX_RECORD) {
      throw new IllegalStateException("end() without begin(), or a record longer than declared");
    }
    block.putShort((short) length);
    recordStart = -1;
    records++;
  }

  long records() {
    return records;
  }

  /** Bytes written to the local file so far (0 while every record fits one block). */
  long spilledBytes() {
    return blocks == 0 ? 0 : ends[blocks - 1];
  }

  private void flushBlock() {
    try {
      if (out == null) {
        file = scratchFile();
        out = new RandomAccessFile(file, "rw");
      }
      out.write(block.array(), 0, block.position());
      if (blocks == ends.length) {
        ends = Arrays.copyOf(ends, 2 * blocks);
      }
      ends[blocks] = out.getFilePointer();
      blocks++;
      block.clear();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a scan's scratch file " + file, e);
    }
  }

  private static File scratchFile() throws IOException {
    SparkEnv env = SparkEnv.get();
    if (env != null) {
      return env.blockManager().diskBlockManager().createTempLocalBlock()._2();
    }
    File f = Files.createTempFile("hallufloor-reversed", ".bin").toFile();
    f.deleteOnExit();
    return f;
  }

  /** Walks the records last first; call once, after the last {@link #end()}. */
  Reader reversed() {
    return new Reader();
  }

  /** Positions a buffer on each record, last first. */
  final class Reader {
    /** The block being read: the unwritten one first, then the file's from the last. */
    private int nextBlock = blocks - 1;
    private int at;
    private ByteBuffer current = block;

    private Reader() {
      at = block.position();
    }

    /** The next record, its position at its start and its limit at its end; null when none is left. */
    ByteBuffer next() {
      while (at == 0) {
        if (nextBlock < 0) {
          return null;
        }
        load(nextBlock--);
      }
      current.clear();
      int length = current.getShort(at - 2) & 0xFFFF;
      int start = at - 2 - length;
      current.limit(at - 2).position(start);
      at = start;
      return current;
    }

    private void load(int b) {
      long start = b == 0 ? 0 : ends[b - 1];
      int length = (int) (ends[b] - start);
      // The unwritten block is done with once it is read: its array is reused for the file's.
      current = current == block ? ByteBuffer.wrap(block.array()) : current;
      current.clear();
      try {
        out.seek(start);
        out.readFully(current.array(), 0, length);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read a scan's scratch file " + file, e);
      }
      at = length;
    }
  }

  @Override
  public void close() {
    try {
      if (out != null) {
        out.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (file != null && !file.delete() && file.exists()) {
        file.deleteOnExit();
      }
      out = null;
    }
  }
}
