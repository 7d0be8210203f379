package org.hallufloor.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.optimaize.langdetect.NgramFrequencyData;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObjectFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.hallufloor.testing.Europarl;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The detector against a second method built from Optimaize's own parts: its text filters and
 * normaliser ({@code TextObject}), its n-gram extractor (a String per gram) and its probability
 * table ({@code NgramFrequencyData}, a HashMap), scored as the naive-Bayes product over every
 * gram in plain doubles, without the primitive tables or the early stop.
 */
class LanguageDetectionTest {
  private static final int DOCS = 1500;
  private static NgramFrequencyData table;
  private static List<String> languages;
  private static final TextObjectFactory TEXT = CommonTextObjectFactories.forDetectingOnLargeText();

  @BeforeAll
  static void profiles() throws IOException {
    table = NgramFrequencyData.create(new LanguageProfileReader().readAllBuiltIn(), List.of(1, 2, 3));
    languages = new ArrayList<>();
    table.getLanguageList().forEach(l -> languages.add(l.toString()));
  }

  /** Optimaize's preparation of the first 4,000 characters, padded as its extractor pads. */
  private static String optimaizeText(String body) {
    String t = TEXT.forText(body.length() > 4000 ? body.substring(0, 4000) : body).toString();
    if (t.isEmpty()) {
      return " ";
    }
    return (t.charAt(0) == ' ' ? "" : " ") + t + (t.charAt(t.length() - 1) == ' ' ? "" : " ");
  }

  /** The product over every gram, as the brute force reads it. */
  private static String bruteForce(String body) {
    if (body.isBlank()) {
      return SliceTransform.UNKNOWN;
    }
    double[] scores = new double[languages.size()];
    boolean scored = false;
    for (String gram : NgramExtractors.standard().extractGrams(optimaizeText(body))) {
      double[] p = table.getProbabilities(gram);
      if (p != null) {
        scored = true;
        for (int l = 0; l < scores.length; l++) {
          scores[l] += Math.log(p[l] + 0.5 / 10_000);
        }
      }
    }
    if (!scored) {
      return SliceTransform.UNKNOWN;
    }
    int best = 0;
    for (int l = 1; l < scores.length; l++) {
      best = scores[l] > scores[best] ? l : best;
    }
    double sum = 0;
    for (double s : scores) {
      sum += Math.exp(s - scores[best]);
    }
    return 1 / sum >= 0.9999 ? languages.get(best) : SliceTransform.UNKNOWN;
  }

  /**
   * Real documents, and four texts made from them for what Europarl lacks (said here): a URL
   * and an e-mail address in the text, a text longer than the 4,000-character sample, and a
   * Greek text with a Latin-script majority.
   */
  private static List<String> texts() {
    List<String> texts = new ArrayList<>();
    Europarl.first(DOCS).forEach(d -> texts.add(d.body()));
    String greek = Europarl.docs().stream().filter(d -> d.body().startsWith("Κ")).findFirst().orElseThrow().body();
    String english = Europarl.first(DOCS).get(8).body();
    texts.add("See https://www.europarl.europa.eu/doceo/document/TA-9-2020.html or write to x.y@europarl.europa.eu: " + english);
    texts.add(english.repeat(4000 / english.length() + 2) + greek);
    texts.add(english + " " + greek.substring(0, Math.min(greek.length(), english.length() / 3)));
    texts.add(greek.substring(0, Math.min(greek.length(), 200)) + " " + english);
    return texts;
  }

  private static String head(String text) {
    return text.substring(0, Math.min(text.length(), 80));
  }

  @Test
  void preparesTextAsOptimaize() {
    for (String text : texts()) {
      assertEquals(optimaizeText(text), new String(LanguageDetection.prepare(text)), head(text));
    }
  }

  @Test
  void readingEveryGramGivesTheBruteForceDecision() {
    for (String text : texts()) {
      assertEquals(bruteForce(text), LanguageDetection.detect(text, Double.POSITIVE_INFINITY), head(text));
    }
  }

  /** The early stop may change a mixed text's answer; on these it changes at most one in 500. */
  @Test
  void stoppingEarlyRarelyChangesTheAnswer() {
    List<String> texts = texts();
    int same = 0;
    for (String text : texts) {
      same += bruteForce(text).equals(LanguageDetection.detect(text)) ? 1 : 0;
    }
    assertTrue(same >= texts.size() * 0.998, same + " of " + texts.size());
    assertEquals(SliceTransform.UNKNOWN, LanguageDetection.detect(" \n\t"));
    assertEquals(SliceTransform.UNKNOWN, LanguageDetection.detect("1234 5678 -- ,,, !!"));
  }
}
