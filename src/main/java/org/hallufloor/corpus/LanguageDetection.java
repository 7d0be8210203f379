package org.hallufloor.corpus;

import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.i18n.LdLocale;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObjectFactory;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Language of a text with Optimaize's n-gram detector. The profiles take about a second to
 * load, so each JVM loads them once; detection reads at most {@link #MAX_CHARS} characters,
 * which keeps the cost per document bounded even for a 100 MB document.
 */
public final class LanguageDetection {
  static final int MAX_CHARS = 4000;

  private LanguageDetection() {}

  private static final class Holder {
    static final LanguageDetector DETECTOR;
    static final TextObjectFactory TEXT = CommonTextObjectFactories.forDetectingOnLargeText();

    static {
      try {
        DETECTOR = LanguageDetectorBuilder.create(NgramExtractors.standard())
            .withProfiles(new LanguageProfileReader().readAllBuiltIn())
            .build();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load the language profiles of language-detector", e);
      }
    }
  }

  /** ISO 639-1 code (or the detector's locale tag), or {@link SliceTransform#UNKNOWN} when unsure. */
  public static String detect(String text) {
    if (text == null || text.isBlank()) {
      return SliceTransform.UNKNOWN;
    }
    String sample = text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text;
    com.google.common.base.Optional<LdLocale> locale = Holder.DETECTOR.detect(Holder.TEXT.forText(sample));
    return locale.isPresent() ? locale.get().toString() : SliceTransform.UNKNOWN;
  }
}
