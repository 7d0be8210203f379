package org.hallufloor.context;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The groups of a run's documents: documents in one group share their slice set and held-out
 * flag. A fact carries its group's number inside one long, so facts cross the shuffle at a
 * fixed width, and the reduce side expands a group to its slices.
 *
 * <p>The groups are numbered on the executors and written as a directory (Parquet, {@link
 * #DIRECTORY}), which each executor loads once, when a task first asks: the driver holds only
 * the directory's path, whatever the number of groups or slice values (a per-document slice
 * dimension makes a group per document). A document finds its group by the 64-bit hash of its
 * own slices and held-out flag ({@link #hash}); the numbering checks the hashes are distinct.
 */
public final class Groups implements Serializable {
  private static final long serialVersionUID = 2L;

  /**
   * One row per group: the hash of the documents' own slices and held-out flag, the group's
   * number, the flag, and the numbers of the slices it counts in (after slices[].max-values),
   * sorted, as big-endian ints.
   */
  public static final StructType DIRECTORY = new StructType()
      .add("hash", DataTypes.LongType, false)
      .add("group", DataTypes.IntegerType, false)
      .add("heldout", DataTypes.BooleanType, false)
      .add("slice_ids", DataTypes.BinaryType, false);

  private final String path;
  private final SerializableConfiguration conf;
  private final long size;
  /** Set for groups built in memory (tests, benchmarks); else loaded from {@link #path}. */
  private final Directory inline;
  private transient volatile Directory loaded;

  private Groups(String path, SerializableConfiguration conf, long size, Directory inline) {
    this.path = path;
    this.conf = conf;
    this.size = size;
    this.inline = inline;
  }

  /** The groups whose directory (rows of {@link #DIRECTORY}) was written to {@code path}. */
  public static Groups at(String path, Configuration conf, long size) {
    return new Groups(path, new SerializableConfiguration(conf), size, null);
  }

  /** Groups held in memory, from directory rows: for a handful of groups only (tests, benchmarks). */
  public static Groups inMemory(List<Row> directoryRows) {
    return new Groups(null, null, directoryRows.size(), Directory.of(directoryRows.iterator(), directoryRows.size()));
  }

  /** A directory row: the group's hash, number, held-out flag and slice numbers. */
  public static Row entry(long hash, int group, boolean heldout, int[] sliceIds) {
    int[] sorted = sliceIds.clone();
    Arrays.sort(sorted);
    ByteBuffer b = ByteBuffer.allocate(4 * sorted.length);
    for (int s : sorted) {
      b.putInt(s);
    }
    return RowFactory.create(hash, group, heldout, b.array());
  }

  /**
   * The key of a document's group: its own slices ((dim, value) rows, in the documents stage's
   * order) and held-out flag, hashed (XXH64) over their UTF-8 bytes, each name after its length.
   */
  public static long hash(List<Row> documentSlices, boolean heldout) {
    java.io.ByteArrayOutputStream key = new java.io.ByteArrayOutputStream(64);
    key.write(heldout ? 'h' : 't');
    for (Row s : documentSlices) {
      lengthPrefixed(key, s.getString(0));
      lengthPrefixed(key, s.getString(1));
    }
    byte[] bytes = key.toByteArray();
    return XXH64.hashUnsafeBytes(bytes, Platform.BYTE_ARRAY_OFFSET, bytes.length, 0x6a09e667f3bcc909L);
  }

  /** Each name after its length, so no two slice lists write the same bytes, whatever their names hold. */
  private static void lengthPrefixed(java.io.ByteArrayOutputStream key, String name) {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    key.write(b.length >>> 24);
    key.write(b.length >>> 16);
    key.write(b.length >>> 8);
    key.write(b.length);
    key.write(b, 0, b.length);
  }

  /** The group of a document, by its slices (as the documents stage made them) and held-out flag. */
  public int id(List<Row> documentSlices, boolean isHeldout) {
    int id = directory().find(hash(documentSlices, isHeldout));
    if (id < 0) {
      throw new IllegalStateException("a document whose slices were not counted: " + documentSlices);
    }
    return id;
  }

  /** The group's slice numbers, sorted. */
  public int[] slices(int group) {
    return directory().slices[group];
  }

  public boolean heldout(int group) {
    return directory().heldout[group];
  }

  public long size() {
    return size;
  }

  private Directory directory() {
    if (inline != null) {
      return inline;
    }
    Directory d = loaded;
    if (d == null) {
      d = Directory.load(path, conf.value(), size);
      loaded = d;
    }
    return d;
  }

  /**
   * A loaded directory: 60 to 100 bytes a group (an open-addressing table from hash to number,
   * and each group's slice numbers), held once per executor JVM however many tasks read it.
   */
  static final class Directory implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The last directories loaded in this JVM: one run's, and a second for a test running two. */
    private static final ScratchTables.Cache<Directory> LOADED = new ScratchTables.Cache<>(2);

    private final long[] keys;
    private final int[] numbers;
    private final int mask;
    private final int[][] slices;
    private final boolean[] heldout;

    private Directory(int size) {
      int capacity = Integer.highestOneBit(Math.max(4, size * 2 - 1)) << 1;
      keys = new long[capacity];
      numbers = new int[capacity];
      Arrays.fill(numbers, -1);
      mask = capacity - 1;
      slices = new int[size][];
      heldout = new boolean[size];
    }

    static Directory of(java.util.Iterator<Row> rows, long size) {
      if (size >= Integer.MAX_VALUE / 2) {
        throw new IllegalStateException(size + " groups of documents: a run holds at most " + (Integer.MAX_VALUE / 2)
            + " (distinct slice sets and held-out flags)");
      }
      Directory d = new Directory((int) size);
      while (rows.hasNext()) {
        Row r = rows.next();
        d.put(r.getLong(0), r.getInt(1), r.getBoolean(2), (byte[]) r.get(3));
      }
      return d;
    }

    /** One group; its slice numbers as {@link #entry} packs them (big-endian ints). */
    private void put(long hash, int group, boolean isHeldout, byte[] packedSliceIds) {
      int[] ids = new int[packedSliceIds.length / 4];
      ByteBuffer.wrap(packedSliceIds).asIntBuffer().get(ids);
      if (group < 0 || group >= slices.length || slices[group] != null) {
        throw new IllegalStateException("group directory: group " + group + " out of range or given twice");
      }
      int at = slot(hash);
      if (numbers[at] >= 0) {
        throw new IllegalStateException("two slice sets share the 64-bit hash " + hash
            + "; rename a slice value or rerun with another slices order");
      }
      keys[at] = hash;
      numbers[at] = group;
      slices[group] = ids;
      heldout[group] = isHeldout;
    }

    private int slot(long hash) {
      int at = (int) (hash ^ (hash >>> 32)) & mask;
      while (numbers[at] >= 0 && keys[at] != hash) {
        at = (at + 1) & mask;
      }
      return at;
    }

    int find(long hash) {
      return numbers[slot(hash)];
    }

    static Directory load(String path, Configuration conf, long size) {
      return LOADED.get(path, () -> read(path, conf, size));
    }

    private static Directory read(String path, Configuration conf, long size) {
      List<Row> none = List.of();
      Directory d = of(none.iterator(), size);
      long[] read = new long[1];
      ScratchTables.forEachRecord(path, conf, "the group directory", g -> {
        d.put(g.getLong("hash", 0), g.getInteger("group", 0), g.getBoolean("heldout", 0),
            g.getBinary("slice_ids", 0).getBytes());
        read[0]++;
      });
      if (read[0] != size) {
        throw new IllegalStateException("group directory " + path + " holds " + read[0] + " groups, not " + size);
      }
      return d;
    }
  }
}
