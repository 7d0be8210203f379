package org.hallufloor.corpus;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Token files as training pipelines keep them, read into the rows of
 * {@link RawRecords#IDS_SCHEMA}: Megatron-LM / GPT-NeoX indexed datasets ({@code .idx} +
 * {@code .bin}, format {@code MMIDIDX} version 1) and flat token files (OLMo / Dolma memmaps
 * of uint16 or uint32, documents ended by an end-of-document id, with or without a
 * {@code .npy} header). Files are split across tasks by ranges of the file (documents for
 * Megatron, tokens for flat files), not one task per file; each document's ids are read as
 * little-endian integers straight into one {@code int[]}.
 */
public final class TokenFiles {
  /** What the readers need besides the files; serializable, it travels with the tasks. */
  public record Spec(long eosId, String dtype, long nVocab, String tokenizer, long tokensPerSplit)
      implements Serializable {}

  /**
   * One task's share of one file: Megatron documents [from, to) of {@code units} sequences, or
   * flat-file tokens [from, to) of {@code units} tokens.
   */
  public record Split(String path, InputFormat format, long from, long to, long dataOffset, int width, boolean signed,
      long units, long firstDocument) implements Serializable {
    /** The same split, its first document numbered {@code index} over all files. */
    Split startingAt(long index) {
      return new Split(path, format, from, to, dataOffset, width, signed, units, index);
    }
  }

  /** {@link Split#firstDocument} of a split whose documents are not numbered. */
  private static final long UNNUMBERED = -1;

  private static final byte[] MEGATRON_MAGIC = "MMIDIDX\0\0".getBytes(StandardCharsets.ISO_8859_1);
  private static final int MEGATRON_HEADER = 9 + 8 + 1 + 8 + 8;

  private TokenFiles() {}

  /**
   * The documents of the files, in the files' order. Each gets its index over all the files
   * (for a side table) where it costs nothing: always for Megatron, whose headers count the
   * documents; for flat files only when {@code indexed}, as it costs one more read of the
   * ids to count the documents before each split.
   */
  public static Dataset<Row> read(SparkSession spark, List<InputFile> files, Spec spec, boolean indexed) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<Split> splits = new ArrayList<>();
    long documentsBefore = 0;
    for (InputFile f : files) {
      if (f.format() == InputFormat.MEGATRON) {
        List<Split> own = megatronSplits(f, spec, conf, documentsBefore);
        splits.addAll(own);
        documentsBefore += own.isEmpty() ? 0 : own.get(own.size() - 1).to();
      } else {
        splits.addAll(flatSplits(f, spec, conf));
      }
    }
    HadoopConf shipped = new HadoopConf(conf);
    if (indexed && splits.stream().anyMatch(s -> s.format() == InputFormat.NUMPY_TOKENS)) {
      splits = numbered(spark, splits, spec, shipped);
    }
    return spark.createDataset(splits, Encoders.javaSerialization(Split.class))
        .repartition(Math.max(1, splits.size()))
        .flatMap((FlatMapFunction<Split, Row>) s -> documents(s, spec, shipped.get()), Encoders.row(RawRecords.IDS_SCHEMA))
        .toDF();
  }

  /** Flat-file splits given the index of their first document: a pass counting each split's documents. */
  private static List<Split> numbered(SparkSession spark, List<Split> splits, Spec spec, HadoopConf conf) {
    List<Long> counts = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(splits, Math.max(1, splits.size()))
        .map(s -> documentStarts(s, spec, conf.get()))
        .collect();
    List<Split> out = new ArrayList<>(splits.size());
    long before = 0;
    for (int i = 0; i < splits.size(); i++) {
      out.add(splits.get(i).startingAt(before));
      before += counts.get(i);
    }
    return out;
  }

  /**
   * How many documents a flat-file split yields: the tokens p in [from, to) that open one
   * (p = 0, or the token before p ends a document), as {@link #flatDocuments} reads them.
   */
  static long documentStarts(Split s, Spec spec, Configuration conf) throws IOException {
    if (s.format() != InputFormat.NUMPY_TOKENS) {
      return s.to() - s.from();
    }
    try (FSDataInputStream data = open(s.path(), conf)) {
      TokenCursor cursor = new TokenCursor(data, s);
      long n = s.from() == 0 ? 1 : 0;
      for (long p = Math.max(1, s.from()); p < Math.min(s.to(), s.units()); p++) {
        if (cursor.get(p - 1) == spec.eosId()) {
          n++;
        }
      }
      return n;
    }
  }

  // ---- Megatron indexed datasets --------------------------------------------------------------

  /** The header of {@code <prefix>.idx}, checked against the file's length, to document ranges. */
  static List<Split> megatronSplits(InputFile f, Spec spec, Configuration conf, long documentsBefore) {
    String idx = f.path() + ".idx";
    try (FSDataInputStream in = open(idx, conf)) {
      long length = length(idx, conf);
      if (length < MEGATRON_HEADER) {
        throw bad(idx, "header", "file is " + length + " bytes, shorter than the " + MEGATRON_HEADER + "-byte header");
      }
      ByteBuffer h = readAt(in, 0, MEGATRON_HEADER);
      byte[] magic = new byte[9];
      h.get(magic);
      if (!java.util.Arrays.equals(magic, MEGATRON_MAGIC)) {
        throw bad(idx, "magic", "not MMIDIDX: not a Megatron indexed dataset");
      }
      long version = h.getLong();
      if (version != 1) {
        throw bad(idx, "version", version + ", only version 1 is read");
      }
      int code = h.get();
      int width = switch (code) {
        case 1, 2 -> 1;
        case 3, 8 -> 2;
        case 4 -> 4;
        case 5 -> 8;
        default -> throw bad(idx, "dtype", "code " + code + " is not an integer type (1-5, 8)");
      };
      boolean signed = code != 1 && code != 8;
      long sequences = h.getLong();
      long docIndexEntries = h.getLong();
      long expected = MEGATRON_HEADER + 4 * sequences + 8 * sequences + 8 * docIndexEntries;
      if (sequences < 0 || docIndexEntries < 1 || expected > length) {
        throw bad(idx, "sequence count / document count", sequences + " sequences and " + docIndexEntries
            + " document index entries need " + expected + " bytes, the file has " + length + " (truncated?)");
      }
      long documents = docIndexEntries - 1;
      // The driver reads only the header; documents are split by count, at an assumed 512
      // tokens each, so a split holds about tokensPerSplit tokens.
      long perSplit = Math.max(1, spec.tokensPerSplit() / 512);
      List<Split> out = new ArrayList<>();
      for (long d = 0; d < documents; d += perSplit) {
        out.add(new Split(f.path(), InputFormat.MEGATRON, d, Math.min(documents, d + perSplit), 0, width, signed,
            sequences, documentsBefore + d));
      }
      return out;
    } catch (IOException e) {
      throw bad(idx, "file", "cannot read: " + e.getMessage());
    }
  }

  // ---- flat token files (numpy memmaps) -------------------------------------------------------

  private static final Pattern NPY_DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([uif])(\\d)'");

  /** The .npy header when there is one (its dtype wins), else input.dtype, to token ranges. */
  static List<Split> flatSplits(InputFile f, Spec spec, Configuration conf) {
    try (FSDataInputStream in = open(f.path(), conf)) {
      long length = length(f.path(), conf);
      long offset = 0;
      String dtype = spec.dtype();
      if (length >= 10) {
        ByteBuffer head = readAt(in, 0, 10);
        if ((head.get(0) & 0xff) == 0x93 && head.get(1) == 'N' && head.get(2) == 'U' && head.get(3) == 'M') {
          int major = head.get(6);
          int headerLength = major == 1 ? Short.toUnsignedInt(head.getShort(8)) : readAt(in, 8, 4).getInt();
          offset = (major == 1 ? 10 : 12) + (long) headerLength;
          String header = StandardCharsets.ISO_8859_1.decode(readAt(in, major == 1 ? 10 : 12, headerLength)).toString();
          Matcher m = NPY_DESCR.matcher(header);
          if (!m.find() || m.group(1).equals(">") || !m.group(2).equals("u") && !m.group(2).equals("i")) {
            throw bad(f.path(), "npy header 'descr'", "not little-endian integers: " + header.trim());
          }
          if (header.contains("'fortran_order': True")) {
            throw bad(f.path(), "npy header 'fortran_order'", "True; a flat token array is expected");
          }
          dtype = (m.group(2).equals("u") ? "uint" : "int") + 8 * Integer.parseInt(m.group(3));
        }
      }
      int width = switch (dtype) {
        case "uint16", "int16" -> 2;
        case "uint32", "int32" -> 4;
        case "int64" -> 8;
        case "uint8" -> 1;
        default -> throw bad(f.path(), "dtype", dtype + " is not a token dtype (uint16, uint32, int32, int64)");
      };
      if ((length - offset) % width != 0) {
        throw bad(f.path(), "length", (length - offset) + " data bytes are not a whole number of " + dtype
            + " tokens (truncated?)");
      }
      long tokens = (length - offset) / width;
      List<Split> out = new ArrayList<>();
      for (long t = 0; t < tokens; t += spec.tokensPerSplit()) {
        out.add(new Split(f.path(), InputFormat.NUMPY_TOKENS, t, Math.min(tokens, t + spec.tokensPerSplit()), offset,
            width, dtype.startsWith("int"), tokens, UNNUMBERED));
      }
      return out;
    } catch (IOException e) {
      throw bad(f.path(), "file", "cannot read: " + e.getMessage());
    }
  }

  // ---- one task -------------------------------------------------------------------------------

  static Iterator<Row> documents(Split s, Spec spec, Configuration conf) throws IOException {
    return s.format() == InputFormat.MEGATRON ? megatronDocuments(s, spec, conf) : flatDocuments(s, spec, conf);
  }

  /**
   * Documents [from, to): the split's slice of the document index, then the sizes and pointers
   * of all its sequences, each read once per split; per document only its ids from the .bin.
   */
  private static Iterator<Row> megatronDocuments(Split s, Spec spec, Configuration conf) throws IOException {
    String idx = s.path() + ".idx";
    String bin = s.path() + ".bin";
    long binLength = length(bin, conf);
    FSDataInputStream index = open(idx, conf);
    FSDataInputStream data = open(bin, conf);
    long sequences = s.units();
    long sizesAt = MEGATRON_HEADER;
    long pointersAt = sizesAt + 4 * sequences;
    long docIndexAt = pointersAt + 8 * sequences;
    ByteBuffer docIndex = readAt(index, docIndexAt + 8 * s.from(), Math.toIntExact(8 * (s.to() - s.from() + 1)));
    long firstSequence = docIndex.getLong(0);
    long endSequence = docIndex.getLong(Math.toIntExact(8 * (s.to() - s.from())));
    if (firstSequence < 0 || endSequence < firstSequence || endSequence > sequences) {
      throw bad(idx, "document index[" + s.from() + ".." + s.to() + "]", "sequences " + firstSequence + ".."
          + endSequence + " outside 0.." + sequences);
    }
    int count = Math.toIntExact(endSequence - firstSequence);
    ByteBuffer sizes = readAt(index, sizesAt + 4 * firstSequence, 4 * count);
    ByteBuffer pointers = readAt(index, pointersAt + 8 * firstSequence, Math.multiplyExact(8, count));
    return new Documents(index, data) {
      long doc = s.from();

      @Override
      Row readNext() throws IOException {
        if (doc >= s.to()) {
          return null;
        }
        long first = docIndex.getLong((int) (8 * (doc - s.from())));
        long last = docIndex.getLong((int) (8 * (doc - s.from() + 1)));
        if (first < firstSequence || last < first || last > endSequence) {
          throw bad(idx, "document index[" + doc + "]", "sequences " + first + ".." + last + " outside "
              + firstSequence + ".." + endSequence + " or decreasing");
        }
        long total = 0;
        for (long q = first; q < last; q++) {
          total += sizes.getInt((int) (4 * (q - firstSequence)));
        }
        int[] ids = new int[Math.toIntExact(total)];
        int at = 0;
        for (long q = first; q < last; q++) {
          int size = sizes.getInt((int) (4 * (q - firstSequence)));
          long pointer = pointers.getLong((int) (8 * (q - firstSequence)));
          if (size < 0 || pointer < 0 || pointer + (long) size * s.width() > binLength) {
            throw bad(idx, "pointers[" + q + "]", "sequence of " + size + " tokens at byte " + pointer
                + " runs past the end of " + bin + " (" + binLength + " bytes)");
          }
          at = decode(readAt(data, pointer, size * s.width()), s, ids, at, size);
        }
        String record = "document " + doc;
        long index = s.firstDocument() + (doc - s.from());
        String docId = s.path() + "#" + doc++;
        return row(s.path(), record, docId, dropTrailingEos(ids, spec), spec, index);
      }
    };
  }

  /**
   * Documents that start in tokens [from, to): at {@code from} if it follows an end-of-document
   * id (or opens the file), else after the first one; each read to its own end, past {@code to}
   * if need be.
   */
  private static Iterator<Row> flatDocuments(Split s, Spec spec, Configuration conf) throws IOException {
    FSDataInputStream data = open(s.path(), conf);
    TokenCursor cursor = new TokenCursor(data, s);
    long start = s.from();
    if (start > 0 && cursor.get(start - 1) != spec.eosId()) {
      while (start < s.to() && cursor.get(start) != spec.eosId()) {
        start++;
      }
      start++;
    }
    long firstDocument = start;
    return new Documents(data, null) {
      long next = firstDocument;
      long index = s.firstDocument();

      @Override
      Row readNext() throws IOException {
        if (next >= s.to() || next >= s.units()) {
          return null;
        }
        long begin = next;
        long end = begin;
        while (end < s.units() && cursor.get(end) != spec.eosId()) {
          end++;
        }
        next = end + 1;
        int[] ids = new int[Math.toIntExact(end - begin)];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = (int) Math.min(cursor.get(begin + i), Integer.MAX_VALUE);
        }
        Row r = row(s.path(), "token " + begin, s.path() + "@" + begin, ids, spec, index);
        index = index == UNNUMBERED ? UNNUMBERED : index + 1;
        return r;
      }
    };
  }

  private static int[] dropTrailingEos(int[] ids, Spec spec) {
    return spec.eosId() >= 0 && ids.length > 0 && ids[ids.length - 1] == spec.eosId()
        ? java.util.Arrays.copyOf(ids, ids.length - 1) : ids;
  }

  /** A good row, or a bad one naming the first id outside the vocabulary. */
  private static Row row(String file, String record, String docId, int[] ids, Spec spec, long index) {
    Long docIndex = index == UNNUMBERED ? null : index;
    if (ids.length == 0) {
      return RowFactory.create(file, record, null, null, null, "empty document", null, docIndex);
    }
    for (int id : ids) {
      if (id < 0 || id >= spec.nVocab()) {
        return RowFactory.create(file, record, null, null, null, "token id " + id + " outside the vocabulary of "
            + spec.tokenizer() + " (N_V = " + spec.nVocab() + ")", null, docIndex);
      }
    }
    return RowFactory.create(file, record, docId, ids, new String[0], null, null, docIndex);
  }

  private static int decode(ByteBuffer b, Split s, int[] into, int at, int count) {
    for (int i = 0; i < count; i++) {
      long v = switch (s.width()) {
        case 1 -> s.signed() ? b.get() : Byte.toUnsignedInt(b.get());
        case 2 -> s.signed() ? b.getShort() : Short.toUnsignedInt(b.getShort());
        case 4 -> s.signed() ? b.getInt() : Integer.toUnsignedLong(b.getInt());
        default -> b.getLong();
      };
      into[at++] = (int) Math.max(-1, Math.min(v, Integer.MAX_VALUE));
    }
    return at;
  }

  /** Reads a flat token file through a window, so a document is never more than its ids in memory. */
  private static final class TokenCursor {
    private static final int WINDOW_TOKENS = 1 << 16;
    private final FSDataInputStream in;
    private final Split s;
    private long windowStart = -1;
    private int[] window = new int[0];

    TokenCursor(FSDataInputStream in, Split s) {
      this.in = in;
      this.s = s;
    }

    long get(long token) throws IOException {
      if (windowStart < 0 || token < windowStart || token >= windowStart + window.length) {
        windowStart = token;
        int n = (int) Math.min(WINDOW_TOKENS, s.units() - token);
        window = new int[n];
        decode(readAt(in, s.dataOffset() + token * s.width(), n * s.width()), s, window, 0, n);
      }
      return window[(int) (token - windowStart)];
    }
  }

  /** An iterator over rows made one at a time, closing its streams at the end. */
  private abstract static class Documents implements Iterator<Row> {
    private final FSDataInputStream a;
    private final FSDataInputStream b;
    private Row pending;
    private boolean done;

    Documents(FSDataInputStream a, FSDataInputStream b) {
      this.a = a;
      this.b = b;
    }

    abstract Row readNext() throws IOException;

    @Override
    public boolean hasNext() {
      if (pending == null && !done) {
        try {
          pending = readNext();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        if (pending == null) {
          done = true;
          try {
            a.close();
            if (b != null) {
              b.close();
            }
          } catch (IOException ignored) {
            // Everything was read; a failing close loses nothing.
          }
        }
      }
      return pending != null;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Row r = pending;
      pending = null;
      return r;
    }
  }

  private static FSDataInputStream open(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(conf).open(p);
  }

  private static long length(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    return fs.getFileStatus(p).getLen();
  }

  private static ByteBuffer readAt(FSDataInputStream in, long position, int bytes) throws IOException {
    byte[] buf = new byte[bytes];
    try {
      in.readFully(position, buf);
    } catch (EOFException e) {
      throw new EOFException("wanted " + bytes + " bytes at " + position + ": " + e.getMessage());
    }
    return ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static BadInputException bad(String file, String field, String what) {
    return new BadInputException(file + ": " + field + ": " + what);
  }

}
