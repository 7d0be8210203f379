package org.hallufloor.corpus;

import com.optimaize.langdetect.cybozu.util.CharNormalizer;
import com.optimaize.langdetect.profiles.LanguageProfile;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Language of a text: naive Bayes over the character 1-, 2- and 3-grams of its first
 * {@link #MAX_CHARS} characters, with the n-gram profiles of Optimaize's language-detector
 * (70 languages, from Wikipedia) and its text preparation (URLs and e-mail addresses out,
 * scripts below 30% of the main one out, its character normalisation, spaces collapsed).
 *
 * <p>Optimaize scores the same product, {@code prod_g (p_l(g) + alpha / 10^4)}, but over grams
 * drawn at random, seven times, with a randomised alpha and a string per gram; that cost
 * 2.3x tokenizing per MB. Here every gram counts once, in one pass over primitive tables, which
 * is deterministic and is what those draws estimate, and reading stops once one language
 * leads by {@link #SETTLED} nats (Optimaize stops its draws on a similar test). A language is
 * named when its posterior (uniform prior) is at least Optimaize's 0.9999, otherwise the text
 * is {@code unknown}.
 * Agreement with Optimaize on Europarl and the cost beside tokenizing are in the README
 * ({@code scripts/bench-slices.sh}).
 */
public final class LanguageDetection {
  static final int MAX_CHARS = 4000;
  private static final double ALPHA = 0.5;
  private static final double BASE_FREQ = 10_000;
  private static final double MINIMAL_CONFIDENCE = 0.9999;
  private static final double MINORITY_SCRIPT = 0.3;
  /**
   * Reading stops once the leader is this many nats ahead of every other language: its
   * posterior is then above {@code 1 - 69 e^-30}, about {@code 1 - 10^-11}, and only a text
   * that turns into another language after its start could change the answer. On Europarl
   * this costs 0.0009 of agreement against reading the whole prefix and makes detection 6x
   * cheaper (README, language slice).
   */
  static final double SETTLED = 30;
  private static final int CHECK_EVERY = 32;
  private static final Pattern URL = Pattern.compile("https?://[-_.?&~;+=/#0-9A-Za-z]+");
  private static final Pattern MAIL = Pattern.compile("[-_.0-9A-Za-z]+@[-_0-9A-Za-z]+[-_.0-9A-Za-z]+");

  private LanguageDetection() {}

  /** The profiles as primitive tables, built once per JVM (about a second). */
  private static final class Profiles {
    static final Profiles INSTANCE = load();

    final String[] languages;
    /** Optimaize's normalised form of every UTF-16 unit. */
    final char[] normal = new char[1 << 16];
    /** {@link Character.UnicodeScript} ordinal of every UTF-16 unit, as Optimaize reads scripts. */
    final byte[] script = new byte[1 << 16];
    /** Open addressing: gram key to its run of (language, weight) in {@link #lang} and {@link #weight}. */
    final long[] keys;
    final int[] from;
    final int[] to;
    final byte[] lang;
    /** {@code ln(1 + p_l(g) / w)}: the gram's factor over the one of a language that never saw it. */
    final float[] weight;
    final int mask;

    private Profiles(List<LanguageProfile> profiles) {
      languages = new String[profiles.size()];
      for (int ch = 0; ch < normal.length; ch++) {
        normal[ch] = CharNormalizer.normalize((char) ch);
        script[ch] = (byte) Character.UnicodeScript.of(ch).ordinal();
      }
      java.util.HashMap<Long, java.util.List<long[]>> byGram = new java.util.HashMap<>();
      int entries = 0;
      double w = ALPHA / BASE_FREQ;
      for (int l = 0; l < languages.length; l++) {
        LanguageProfile profile = profiles.get(l);
        languages[l] = profile.getLocale().toString();
        for (int n = 1; n <= 3; n++) {
          double total = profile.getNumGramOccurrences(n);
          for (Map.Entry<String, Integer> e : profile.iterateGrams(n)) {
            float f = (float) Math.log1p(e.getValue() / total / w);
            byGram.computeIfAbsent(key(e.getKey()), k -> new java.util.ArrayList<>())
                .add(new long[] {l, Float.floatToIntBits(f)});
            entries++;
          }
        }
      }
      int slots = Integer.highestOneBit(byGram.size() * 2 - 1) << 1;
      keys = new long[slots];
      from = new int[slots];
      to = new int[slots];
      mask = slots - 1;
      lang = new byte[entries];
      weight = new float[entries];
      int at = 0;
      for (Map.Entry<Long, java.util.List<long[]>> e : byGram.entrySet()) {
        int slot = slot(e.getKey());
        while (keys[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = e.getKey();
        from[slot] = at;
        for (long[] lw : e.getValue()) {
          lang[at] = (byte) lw[0];
          weight[at++] = Float.intBitsToFloat((int) lw[1]);
        }
        to[slot] = at;
      }
    }

    private static Profiles load() {
      try {
        return new Profiles(new LanguageProfileReader().readAllBuiltIn());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load the language profiles of language-detector", e);
      }
    }

    int slot(long key) {
      return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    /** Adds the gram's weights to the scores; false when no language has it. */
    boolean score(long key, double[] scores) {
      for (int slot = slot(key); keys[slot] != 0; slot = (slot + 1) & mask) {
        if (keys[slot] == key) {
          for (int i = from[slot], end = to[slot]; i < end; i++) {
            scores[lang[i]] += weight[i];
          }
          return true;
        }
      }
      return false;
    }
  }

  /** A gram of one to three UTF-16 units as one nonzero long: its length above its units. */
  static long key(CharSequence gram) {
    long k = gram.length();
    for (int i = 0; i < gram.length(); i++) {
      k = (k << 16) | gram.charAt(i);
    }
    return k;
  }

  /** ISO 639-1 code (or the detector's locale tag), or {@link SliceTransform#UNKNOWN} when unsure. */
  public static String detect(String text) {
    return detect(text, SETTLED);
  }

  /** As {@link #detect(String)}, stopping at a lead of {@code settled} nats (infinite: never). */
  static String detect(String text, double settled) {
    if (text == null || text.isBlank()) {
      return SliceTransform.UNKNOWN;
    }
    Profiles p = Profiles.INSTANCE;
    char[] padded = prepare(p, text);
    double[] scores = new double[p.languages.length];
    boolean scored = false;
    // Padded with a space at each end: 1-grams but spaces, every 2-gram, 3-grams not
    // centred on a space (Optimaize's standard filter).
    for (int i = 0; i < padded.length; i++) {
      if ((i & (CHECK_EVERY - 1)) == CHECK_EVERY - 1 && settled(scores, settled)) {
        break;
      }
      char a = padded[i];
      if (a != ' ') {
        scored |= p.score((1L << 16) | a, scores);
      }
      if (i + 1 < padded.length) {
        char b = padded[i + 1];
        scored |= p.score((((2L << 16) | a) << 16) | b, scores);
        if (i + 2 < padded.length && b != ' ') {
          scored |= p.score((((((3L << 16) | a) << 16) | b) << 16) | padded[i + 2], scores);
        }
      }
    }
    return scored ? decide(p, scores) : SliceTransform.UNKNOWN;
  }

  /** True once the leading language is ahead of every other by {@code lead} nats. */
  private static boolean settled(double[] scores, double lead) {
    double first = Double.NEGATIVE_INFINITY;
    double second = Double.NEGATIVE_INFINITY;
    for (double s : scores) {
      if (s > first) {
        second = first;
        first = s;
      } else if (s > second) {
        second = s;
      }
    }
    return first - second >= lead;
  }

  private static String decide(Profiles p, double[] scores) {
    int best = 0;
    for (int l = 1; l < scores.length; l++) {
      if (scores[l] > scores[best]) {
        best = l;
      }
    }
    double sum = 0;
    for (double s : scores) {
      sum += Math.exp(s - scores[best]);
    }
    return 1 / sum >= MINIMAL_CONFIDENCE ? p.languages[best] : SliceTransform.UNKNOWN;
  }

  /**
   * Optimaize's text preparation of the first {@link #MAX_CHARS} characters: URLs and
   * e-mail addresses replaced by a space, units of a script with at most 30% of the main script's
   * count are dropped (combining marks go with the unit before), the rest normalised, runs of
   * spaces made one, and a space put at each end.
   */
  static char[] prepare(String text) {
    return prepare(Profiles.INSTANCE, text);
  }

  private static char[] prepare(Profiles p, String whole) {
    String text = whole.length() > MAX_CHARS ? whole.substring(0, MAX_CHARS) : whole;
    // The regular expressions only where they can match: most documents hold neither.
    if (text.indexOf('@') >= 0 || text.contains("http")) {
      text = MAIL.matcher(URL.matcher(text).replaceAll(" ")).replaceAll(" ");
    }
    int n = text.length();
    int[] counts = new int[256];
    int last = -1;
    int inherited = Character.UnicodeScript.INHERITED.ordinal();
    int common = Character.UnicodeScript.COMMON.ordinal();
    int unknown = Character.UnicodeScript.UNKNOWN.ordinal();
    for (int i = 0; i < n; i++) {
      int s = p.script[text.charAt(i)] & 0xff;
      if (s == inherited) {
        if (last >= 0) {
          counts[last]++;
        }
      } else if (s != common && s != unknown) {
        counts[s]++;
        last = s;
      }
    }
    int most = 0;
    int scripts = 0;
    for (int c : counts) {
      most = Math.max(most, c);
      scripts += c > 0 ? 1 : 0;
    }
    boolean[] drop = new boolean[256];
    if (scripts > 1) {
      for (int s = 0; s < 256; s++) {
        drop[s] = counts[s] > 0 && counts[s] != most && counts[s] / (double) most <= MINORITY_SCRIPT;
      }
    }
    char[] out = new char[n + 2];
    int len = 0;
    out[len++] = ' ';
    int lastScript = -1;
    for (int i = 0; i < n; i++) {
      char ch = text.charAt(i);
      int s = p.script[ch] & 0xff;
      if (s == inherited && lastScript >= 0 && drop[lastScript]) {
        continue;
      }
      lastScript = s;
      if (drop[s]) {
        continue;
      }
      char c = p.normal[ch];
      if (c != ' ' || out[len - 1] != ' ') {
        out[len++] = c;
      }
    }
    if (out[len - 1] != ' ') {
      out[len++] = ' ';
    }
    return java.util.Arrays.copyOf(out, len);
  }
}
