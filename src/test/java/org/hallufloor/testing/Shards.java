package org.hallufloor.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.BZip2Codec;

/** Writes shards the way corpora ship them: JSON lines, plain or compressed by the file's extension. */
public final class Shards {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Shards() {}

  public static String json(Map<String, ?> record) {
    try {
      return JSON.writeValueAsString(record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path writeJsonl(Path file, List<? extends Map<String, ?>> records) {
    StringBuilder sb = new StringBuilder();
    for (Map<String, ?> r : records) {
      sb.append(json(r)).append('\n');
    }
    return write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  public static Path writeLines(Path file, List<String> lines) {
    return write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code bytes}, compressed as the extension says (.gz, .bz2, .zst, .zstd). */
  public static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      try (OutputStream out = compressor(file, Files.newOutputStream(file))) {
        out.write(bytes);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] compress(String fileName, byte[] bytes) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (OutputStream out = compressor(Path.of(fileName), buffer)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  private static OutputStream compressor(Path file, OutputStream raw) throws IOException {
    String name = file.getFileName().toString();
    if (name.endsWith(".gz")) {
      return new GZIPOutputStream(raw);
    }
    if (name.endsWith(".bz2")) {
      BZip2Codec codec = new BZip2Codec();
      codec.setConf(new Configuration());
      return codec.createOutputStream(raw);
    }
    if (name.endsWith(".zst") || name.endsWith(".zstd")) {
      return new ZstdOutputStream(raw);
    }
    return raw;
  }

  /** Europarl documents as the sample stores them, one {@code title TAB date TAB body} line each. */
  public static Path europarl(Path file, List<Europarl.Doc> docs) {
    List<String> lines = new java.util.ArrayList<>();
    for (Europarl.Doc d : docs) {
      lines.add(d.title() + "\t" + d.date() + "\t" + d.body());
    }
    return writeLines(file, lines);
  }
}
