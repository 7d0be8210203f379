package org.hallufloor.corpus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.util.LineReader;
import org.apache.spark.sql.Row;

/**
 * Reads one text or JSON-lines shard, compressed or not, as {@link RawRecords} rows, lazily.
 * Lines are read as bytes so that invalid UTF-8 is caught and named (Spark's own readers
 * replace it silently), and a line over the size limit is skipped without being buffered.
 */
final class LineShardReader implements Iterator<Row>, AutoCloseable {
  /**
   * Strict where Jackson is lenient by default: data after the first JSON value is an error
   * (not silently dropped), and no string length limit of Jackson's own: a document's size is
   * bounded by input.max-document-bytes alone.
   */
  private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
      .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
          .maxStringLength(Integer.MAX_VALUE).build())
      .build())
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final InputFile file;
  private final RecordSpec spec;
  private final StorageStream raw;
  private final InputStream in;
  private final LineReader lines;
  private final Text line = new Text();
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
  private final int maxLineBytes;
  private long lineNumber;
  private Row next;
  private boolean done;

  LineShardReader(InputFile file, RecordSpec spec, Configuration conf) throws IOException {
    this.file = file;
    this.spec = spec;
    Path path = new Path(file.path());
    FileSystem fs = path.getFileSystem(conf);
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
    this.raw = new StorageStream(fs.open(path));
    InputStream decoded = raw;
    if (codec != null) {
      try {
        decoded = codec.createInputStream(raw);
      } catch (IOException | RuntimeException e) {
        if (raw.failure != null) {
          throw raw.failure;
        }
        // A header the codec rejects: the shard is one bad record, under the configured policy.
        raw.close();
        decoded = InputStream.nullInputStream();
        done = true;
        next = RawRecords.bad(file.path(), "header", "corrupt compressed data: " + e, null);
      }
    }
    this.in = decoded;
    this.lines = new LineReader(in, conf);
    this.maxLineBytes = (int) Math.min(spec.maxDocumentBytes(), Integer.MAX_VALUE - 16);
  }

  @Override
  public boolean hasNext() {
    while (next == null && !done) {
      next = readOne();
    }
    return next != null;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row r = next;
    next = null;
    return r;
  }

  /** The next row, or null for a line that is no record (a blank JSON line) or at the end. */
  private Row readOne() {
    int consumed;
    try {
      // One byte past the limit tells an oversized line from one exactly at the limit.
      consumed = lines.readLine(line, maxLineBytes + 1, Integer.MAX_VALUE);
    } catch (IOException | RuntimeException e) {
      if (raw.failure != null) {
        // The storage failed, not the data: fail the task so that Spark retries it, rather
        // than cut the shard short with a bad record.
        throw new UncheckedIOException("reading " + file.path() + " failed after line " + lineNumber
            + " (the task is retried): " + raw.failure, raw.failure);
      }
      return fail(e instanceof EOFException ? "compressed stream ends early (truncated or corrupt file): "
          + e.getMessage() : "corrupt compressed data: " + e);
    }
    if (consumed == 0) {
      done = true;
      close();
      return null;
    }
    lineNumber++;
    String record = "line " + lineNumber;
    if (line.getLength() > maxLineBytes) {
      return RawRecords.bad(file.path(), record, "record larger than hallufloor.input.max-document-bytes ("
          + maxLineBytes + " bytes)", decodeLenient(maxLineBytes));
    }
    int start = lineNumber == 1 && hasBom() ? 3 : 0;
    String text;
    try {
      text = utf8.decode(ByteBuffer.wrap(line.getBytes(), start, line.getLength() - start)).toString();
    } catch (CharacterCodingException e) {
      return RawRecords.bad(file.path(), record, "invalid UTF-8", decodeLenient(line.getLength()));
    }
    return file.format() == InputFormat.JSONL ? fromJson(record, text) : fromText(record, text);
  }

  private Row fromText(String record, String line) {
    List<String> columns = spec.textColumns();
    if (columns.isEmpty()) {
      return document(record, line, name -> "text".equals(name) ? line : null);
    }
    String[] parts = line.split(java.util.regex.Pattern.quote(spec.textDelimiter()), columns.size());
    if (parts.length != columns.size()) {
      return RawRecords.bad(file.path(), record, "line has " + parts.length + " column(s), expected "
          + columns.size() + " " + columns, line);
    }
    return document(record, line, name -> {
      int i = columns.indexOf(name);
      return i < 0 ? null : parts[i];
    });
  }

  private Row fromJson(String record, String line) {
    if (line.isBlank()) {
      return null;
    }
    JsonNode root;
    try {
      root = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return RawRecords.bad(file.path(), record, "malformed JSON: " + e.getOriginalMessage(), line);
    }
    if (root == null || !root.isObject()) {
      return RawRecords.bad(file.path(), record, "JSON line is not an object", line);
    }
    JsonNode text = JsonFields.at(root, spec.textField());
    if (text == null || text.isNull()) {
      return RawRecords.bad(file.path(), record, "missing text field '" + spec.textField() + "'", line);
    }
    if (!text.isTextual()) {
      return RawRecords.bad(file.path(), record, "text field '" + spec.textField() + "' is "
          + text.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ", not a string", line);
    }
    int lone = unpairedSurrogate(text.textValue());
    if (lone >= 0) {
      // A surrogate escape without its partner is no Unicode text: UTF-8 cannot hold it, and
      // replacing it would tokenize something other than what is stored (THEORY 1).
      return RawRecords.bad(file.path(), record, String.format("unpaired surrogate \\u%04x at character %d of the "
          + "text field", (int) text.textValue().charAt(lone), lone), line);
    }
    return document(record, line, name -> JsonFields.asString(JsonFields.at(root, name)));
  }

  /** The index of the first surrogate char without its partner, or -1. */
  static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(ch)) {
        return i;
      }
    }
    return -1;
  }

  private Row document(String record, String line, java.util.function.Function<String, String> field) {
    String text = field.apply(spec.textField());
    if (text == null) {
      return RawRecords.bad(file.path(), record, "missing text field '" + spec.textField() + "'", line);
    }
    if (text.isEmpty()) {
      return RawRecords.bad(file.path(), record, "empty text", line);
    }
    String id = spec.hasIdField() ? field.apply(spec.idField()) : null;
    if (id == null || id.isEmpty()) {
      id = file.path() + ":" + lineNumber;
    }
    List<String> values = new ArrayList<>(spec.sliceFields().size());
    for (String f : spec.sliceFields()) {
      values.add(f == null || f.isEmpty() ? null : field.apply(f));
    }
    return RawRecords.good(file.path(), record, id, text, values);
  }

  private boolean hasBom() {
    byte[] b = line.getBytes();
    return line.getLength() >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF;
  }

  private String decodeLenient(int maxBytes) {
    return new String(line.getBytes(), 0, Math.min(Math.min(line.getLength(), maxBytes), 4 * BadRecord.EXCERPT_CHARS),
        StandardCharsets.UTF_8);
  }

  private Row fail(String reason) {
    done = true;
    close();
    return RawRecords.bad(file.path(), "after line " + lineNumber, reason, null);
  }

  /**
   * The file's bytes as the file system delivers them, remembering its first failure: an
   * IOException from here is the storage's (a timeout, a reset connection), while one the
   * codec raises over bytes that arrived whole is corrupt data.
   */
  static final class StorageStream extends java.io.FilterInputStream {
    IOException failure;

    StorageStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
