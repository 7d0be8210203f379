package org.hallufloor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package rules of the developers' brief, read from the sources (imports and fully
 * qualified names alike): imports point one way, {@code bound} is pure math, nothing uses
 * {@code job}. A new dependency that breaks them fails here, naming the file.
 */
class LayoutTest {
  private static final Path MAIN = Path.of("src/main/java/org/hallufloor");
  private static final Pattern USE = Pattern.compile("org\\.hallufloor\\.([a-z]+)\\.");

  /** What each package may use besides itself; {@code job} may use any and is not listed. */
  private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
      Map.entry("bound", Set.of()),
      Map.entry("tokenize", Set.of()),
      Map.entry("output", Set.of()),
      Map.entry("corpus", Set.of()),
      Map.entry("context", Set.of("tokenize")),
      Map.entry("evidence", Set.of("context", "bound")),
      Map.entry("similarity", Set.of("context", "bound")),
      Map.entry("estimate", Set.of("evidence", "similarity", "bound")),
      Map.entry("report", Set.of("estimate", "bound", "output")),
      // config names the stages' option types.
      Map.entry("config", Set.of("corpus", "tokenize", "context", "evidence", "similarity", "estimate", "bound",
          "output")));

  @Test
  void everyPackageIsAStageOfTheBrief() throws IOException {
    Set<String> packages = new TreeSet<>();
    try (Stream<Path> dirs = Files.list(MAIN)) {
      dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
    }
    Set<String> expected = new TreeSet<>(ALLOWED.keySet());
    expected.add("job");
    assertEquals(expected, packages, "packages under " + MAIN);
  }

  @Test
  void importsPointOneWay() throws IOException {
    List<String> broken = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String own = MAIN.relativize(file).getName(0).toString();
        String source = Files.readString(file, StandardCharsets.UTF_8);
        Matcher m = USE.matcher(source);
        while (m.find()) {
          String used = m.group(1);
          boolean ok = used.equals(own) || own.equals("job") || ALLOWED.getOrDefault(own, Set.of()).contains(used);
          if (!ok) {
            broken.add(file + " uses " + used);
          }
        }
        if (own.equals("bound") && source.contains("org.apache.spark")) {
          broken.add(file + " uses Spark (bound is pure math)");
        }
      }
    }
    assertTrue(broken.isEmpty(), String.join("\n", broken));
  }
}
