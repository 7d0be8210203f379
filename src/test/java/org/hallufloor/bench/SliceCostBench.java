package org.hallufloor.bench;

import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.i18n.LdLocale;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObjectFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.hallufloor.corpus.SliceTransform;
import org.hallufloor.testing.Europarl;
import org.hallufloor.tokenize.TextTokenizer;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;

/**
 * What the language slice costs, per MB of real text on one core, beside what tokenizing the
 * same text costs, and how often it names the language Optimaize's own detector names (the
 * detector the job used before, run here as its README says: standard n-grams, all built-in
 * profiles, the large-text filters, the first 4,000 characters). One run
 * (scripts/bench-slices.sh): a warm-up pass, then the best of two timed passes.
 */
public final class SliceCostBench {
  private SliceCostBench() {}

  /** Optimaize's detector, configured as the job configured it until December 2026. */
  static Function<String, String> optimaize() throws IOException {
    LanguageDetector detector = LanguageDetectorBuilder.create(NgramExtractors.standard())
        .withProfiles(new LanguageProfileReader().readAllBuiltIn()).build();
    TextObjectFactory text = CommonTextObjectFactories.forDetectingOnLargeText();
    return body -> {
      if (body.isBlank()) {
        return SliceTransform.UNKNOWN;
      }
      String sample = body.length() > 4000 ? body.substring(0, 4000) : body;
      com.google.common.base.Optional<LdLocale> locale = detector.detect(text.forText(sample));
      return locale.isPresent() ? locale.get().toString() : SliceTransform.UNKNOWN;
    };
  }

  /** Seconds per pass: a warm-up, then the best of two. */
  static double time(List<Europarl.Doc> docs, Function<String, ?> step) {
    double best = Double.MAX_VALUE;
    long sink = 0;
    for (int round = 0; round < 3; round++) {
      long t0 = System.nanoTime();
      for (Europarl.Doc d : docs) {
        sink += step.apply(d.body()).hashCode();
      }
      if (round > 0) {
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
    }
    return sink == 42 ? best + 0 : best;
  }

  public static void main(String[] args) throws IOException {
    List<Europarl.Doc> docs = Europarl.docs();
    double mb = docs.stream().mapToLong(d -> d.body().getBytes(StandardCharsets.UTF_8).length).sum() / 1e6;
    TextTokenizer cl100k = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    Function<String, String> optimaize = optimaize();
    double own = time(docs, SliceTransform.LANGUAGE::apply);
    double old = time(docs, optimaize);
    double tok = time(docs, cl100k::encode);
    System.out.printf(Locale.ROOT, "Europarl sample: %d documents, %.1f MB of UTF-8 text, one core%n", docs.size(), mb);
    System.out.printf(Locale.ROOT, "%-40s %10s %10s %14s%n", "step", "s/MB", "MB/s", "x tokenizing");
    System.out.printf(Locale.ROOT, "%-40s %10.4f %10.2f %14.3f%n", "language detection (hallufloor)", own / mb, mb / own, own / tok);
    System.out.printf(Locale.ROOT, "%-40s %10.4f %10.2f %14.3f%n", "language detection (Optimaize)", old / mb, mb / old, old / tok);
    System.out.printf(Locale.ROOT, "%-40s %10.4f %10.2f %14.3f%n", "tokenization (cl100k_base)", tok / mb, mb / tok, 1.0);
    // Agreement per language Optimaize names: the share of its documents given the same code.
    Map<String, int[]> byLanguage = new TreeMap<>();
    int same = 0;
    for (Europarl.Doc d : docs) {
      String reference = optimaize.apply(d.body());
      String ours = SliceTransform.LANGUAGE.apply(d.body());
      int[] counts = byLanguage.computeIfAbsent(reference, k -> new int[2]);
      counts[0]++;
      if (reference.equals(ours)) {
        counts[1]++;
        same++;
      } else if (Boolean.getBoolean("bench.show-disagreements")) {
        System.out.printf(Locale.ROOT, "line %d: Optimaize %s, hallufloor %s: %.80s%n", d.line(), reference, ours, d.body());
      }
    }
    System.out.printf(Locale.ROOT, "%nagreement with Optimaize: %d of %d documents (%.4f)%n", same, docs.size(), same / (double) docs.size());
    System.out.printf(Locale.ROOT, "%-10s %9s %9s%n", "Optimaize", "documents", "agreement");
    byLanguage.forEach((language, c) -> System.out.printf(Locale.ROOT, "%-10s %9d %9.4f%n", language, c[0], c[1] / (double) c[0]));
  }
}
