package org.hallufloor.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.hallufloor.corpus.SliceTransform;
import org.hallufloor.testing.Europarl;
import org.hallufloor.tokenize.TextTokenizer;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;

/**
 * What the language slice costs, per MB of real text on one core, beside what tokenizing the
 * same text costs: both measured in one run (scripts/bench-slices.sh), after a warm-up pass.
 */
public final class SliceCostBench {
  private SliceCostBench() {}

  /**
   * Detection on the first n characters only, against the default: how much faster, and how
   * many documents change language (on text this uniform, a shorter sample may well do).
   */
  static void prefixes(List<Europarl.Doc> docs) {
    String[] reference = new String[docs.size()];
    for (int i = 0; i < reference.length; i++) {
      reference[i] = SliceTransform.LANGUAGE.apply(docs.get(i).body());
    }
    System.out.printf(Locale.ROOT, "%n%-34s %10s %12s%n", "language sample (characters)", "seconds", "agreement");
    for (int n : new int[] {4000, 2000, 1000, 500, 250}) {
      long t0 = System.nanoTime();
      int same = 0;
      for (int i = 0; i < reference.length; i++) {
        String body = docs.get(i).body();
        String prefix = body.length() > n ? body.substring(0, n) : body;
        same += reference[i].equals(SliceTransform.LANGUAGE.apply(prefix)) ? 1 : 0;
      }
      System.out.printf(Locale.ROOT, "%-34d %10.2f %11.4f%n", n, (System.nanoTime() - t0) / 1e9, same / (double) reference.length);
    }
  }

  public static void main(String[] args) {
    List<Europarl.Doc> docs = Europarl.docs();
    double mb = docs.stream().mapToLong(d -> d.body().getBytes(StandardCharsets.UTF_8).length).sum() / 1e6;
    TextTokenizer cl100k = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    long sink = 0;
    double[] language = new double[3];
    double[] tokenize = new double[3];
    for (int round = 0; round < 3; round++) {
      long t0 = System.nanoTime();
      for (Europarl.Doc d : docs) {
        sink += SliceTransform.LANGUAGE.apply(d.body()).length();
      }
      long t1 = System.nanoTime();
      for (Europarl.Doc d : docs) {
        sink += cl100k.encode(d.body()).length;
      }
      long t2 = System.nanoTime();
      language[round] = (t1 - t0) / 1e9;
      tokenize[round] = (t2 - t1) / 1e9;
    }
    // Round 0 is the warm-up (JIT, profile loading); report the best of the others.
    double lang = Math.min(language[1], language[2]);
    double tok = Math.min(tokenize[1], tokenize[2]);
    System.out.printf(Locale.ROOT, "Europarl sample: %d documents, %.1f MB of UTF-8 text, one core%n", docs.size(), mb);
    System.out.printf(Locale.ROOT, "%-34s %10s %10s%n", "step", "s/MB", "MB/s");
    System.out.printf(Locale.ROOT, "%-34s %10.4f %10.2f%n", "language detection (Optimaize)", lang / mb, mb / lang);
    System.out.printf(Locale.ROOT, "%-34s %10.4f %10.2f%n", "tokenization (cl100k_base)", tok / mb, mb / tok);
    System.out.printf(Locale.ROOT, "language detection / tokenization: %.3f%n", lang / tok);
    prefixes(docs);
    if (sink == 42) {
      System.out.println();
    }
  }
}
