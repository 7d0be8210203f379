package org.hallufloor.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.spark.sql.Row;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Shards;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage read that fails half-way (a reset connection, as object stores give) must fail the
 * task, so that Spark retries it, and never become a bad record that cuts the shard short;
 * while corrupt data, bytes that arrived whole but do not decode, stays a bad record.
 */
class TransientReadTest {
  @TempDir Path dir;

  /** The local file system whose reads fail once {@link #FAIL_AFTER} bytes of a file were read. */
  public static final class FlakyFileSystem extends RawLocalFileSystem {
    static final long FAIL_AFTER = 20_000;

    @Override
    public URI getUri() {
      return URI.create("flaky:///");
    }

    @Override
    public FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws IOException {
      FSDataInputStream real = super.open(f, bufferSize);
      return new FSDataInputStream(new FSInputStream() {
        @Override
        public int read() throws IOException {
          check(1);
          return real.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          check(len);
          return real.read(b, off, len);
        }

        private void check(int len) throws IOException {
          if (real.getPos() + len > FAIL_AFTER) {
            throw new IOException("Connection reset (test)");
          }
        }

        @Override
        public void seek(long pos) throws IOException {
          real.seek(pos);
        }

        @Override
        public long getPos() throws IOException {
          return real.getPos();
        }

        @Override
        public boolean seekToNewSource(long targetPos) {
          return false;
        }

        @Override
        public void close() throws IOException {
          real.close();
        }
      });
    }
  }

  private static Configuration flaky() {
    Configuration conf = new Configuration();
    conf.set("fs.flaky.impl", FlakyFileSystem.class.getName());
    conf.setBoolean("fs.flaky.impl.disable.cache", true);
    CorpusReader.registerCodecs(conf);
    return conf;
  }

  private static RecordSpec spec() {
    return new RecordSpec("body", null, null, List.of(), List.of("title", "date", "body"), "\t", 64L << 20);
  }

  private Path shard(String name) {
    return Shards.europarl(dir.resolve(name), Europarl.first(200));
  }

  private static List<Row> readAll(String path, Path shard, Configuration conf) throws IOException {
    List<Row> rows = new ArrayList<>();
    new LineShardReader(new InputFile(path, Files.size(shard), InputFormat.TEXT), spec(), conf).forEachRemaining(rows::add);
    return rows;
  }

  private static List<Row> readLocal(Path shard) throws IOException {
    Configuration conf = new Configuration();
    CorpusReader.registerCodecs(conf);
    return readAll(shard.toString(), shard, conf);
  }

  @Test
  void aStorageFailureMidShardFailsTheTaskForBothPlainAndCompressedShards() throws IOException {
    for (String name : List.of("europarl.txt", "europarl.txt.gz")) {
      Path shard = shard(name);
      Assertions.assertTrue(Files.size(shard) > 2 * FlakyFileSystem.FAIL_AFTER, "the failure falls inside the shard");
      UncheckedIOException e = Assertions.assertThrows(UncheckedIOException.class,
          () -> readAll("flaky://" + shard, shard, flaky()), name);
      Assertions.assertTrue(e.getMessage().contains("the task is retried") && e.getMessage().contains("Connection reset"),
          e.getMessage());
    }
  }

  @Test
  void theSameShardReadWholeHasNoBadRecord() throws IOException {
    List<Row> rows = readLocal(shard("whole.txt.gz"));
    Assertions.assertEquals(200, rows.size());
    Assertions.assertTrue(rows.stream().allMatch(r -> r.isNullAt(5)), "no bad record");
  }

  @Test
  void aFileThatIsNotGzipIsOneBadRecordNotAFailedTask() throws IOException {
    Path fake = dir.resolve("fake.txt.gz");
    Files.writeString(fake, "this is plain text, not gzip\n");
    List<Row> rows = readLocal(fake);
    Assertions.assertEquals(1, rows.size());
    Assertions.assertTrue(rows.get(0).getString(5).startsWith("corrupt compressed data"), rows.get(0).toString());
  }
}
