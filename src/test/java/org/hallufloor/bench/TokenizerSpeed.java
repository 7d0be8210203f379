package org.hallufloor.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.hallufloor.testing.Europarl;
import org.hallufloor.tokenize.TextTokenizer;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;

/**
 * Tokens per second on one core for each tokenizer family, on the same real Europarl
 * documents (all 21 languages), after a warm-up pass: what scripts/bench-tokenizers.sh prints.
 * Usage: TokenizerSpeed TOKENIZERS_DIR [name ...] (built-in names or folders holding a tokenizer.json).
 */
public final class TokenizerSpeed {
  private TokenizerSpeed() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    List<String> docs = Europarl.docs().stream().map(Europarl.Doc::body).toList();
    long bytes = docs.stream().mapToLong(d -> d.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).sum();
    System.out.printf(Locale.ROOT, "%d documents, %,d bytes of UTF-8, one thread%n", docs.size(), bytes);
    System.out.printf(Locale.ROOT, "%-14s %-22s %12s %10s %12s %10s%n", "tokenizer", "implementation", "tokens",
        "seconds", "tokens/s", "MB/s");
    for (int i = 1; i < args.length; i++) {
      String name = args[i];
      String setting = TokenizerSpec.BUILT_IN.contains(name) ? name : dir.resolve(name).resolve("tokenizer.json").toString();
      TextTokenizer t = Tokenizers.get(TokenizerSpec.of(setting));
      count(t, docs); // warm-up: JIT, caches
      long started = System.nanoTime();
      long tokens = count(t, docs);
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf(Locale.ROOT, "%-14s %-22s %,12d %10.2f %,12.0f %10.2f%n", name, t.getClass().getSimpleName(),
          tokens, seconds, tokens / seconds, bytes / seconds / 1e6);
    }
  }

  private static long count(TextTokenizer t, List<String> docs) {
    long n = 0;
    for (String d : docs) {
      n += t.encode(d).length;
    }
    return n;
  }
}
