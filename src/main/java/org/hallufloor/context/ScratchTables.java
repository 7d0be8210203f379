package org.hallufloor.context;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * Per-run tables written by the executors to the run's scratch folder and read whole by each
 * executor JVM that needs them (the groups' directory, the suffix kernel's examples per slice):
 * the driver passes a path, never the rows, so nothing on it grows with groups or slices.
 */
public final class ScratchTables {
  private ScratchTables() {}

  /** Every record of the Parquet folder {@code path} (Spark's part files; hidden files skipped). */
  public static void forEachRecord(String path, Configuration conf, String what, Consumer<Group> each) {
    try {
      Path dir = new Path(path);
      FileSystem fs = dir.getFileSystem(conf);
      for (FileStatus f : fs.listStatus(dir)) {
        String name = f.getPath().getName();
        if (!f.isFile() || name.startsWith("_") || name.startsWith(".")) {
          continue;
        }
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), f.getPath()).withConf(conf)
            .build()) {
          for (Group g = reader.read(); g != null; g = reader.read()) {
            each.accept(g);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + what + " " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * The last {@code kept} tables of one kind loaded in this JVM, by path: tasks of a run share
   * one copy, and a test running two runs in one JVM keeps both.
   */
  public static final class Cache<T> {
    private final Map<String, T> loaded;

    public Cache(int kept) {
      this.loaded = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, T> eldest) {
          return size() > kept;
        }
      };
    }

    public T get(String path, Supplier<T> read) {
      synchronized (loaded) {
        T t = loaded.get(path);
        if (t == null) {
          t = read.get();
          loaded.put(path, t);
        }
        return t;
      }
    }
  }
}
