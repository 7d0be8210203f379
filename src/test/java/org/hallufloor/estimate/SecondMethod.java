package org.hallufloor.estimate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hallufloor.testing.Europarl;

/**
 * The second method: the same quantities by a plain in-memory loop over the same documents,
 * with the bytes tokenizer (ids = UTF-8 bytes) and contexts kept as lists of ids (no hashing),
 * held-out split by SHA-256 of the document id, and the model's P_h by a brute-force softmax
 * over all N_V = 256 logits.
 */
final class SecondMethod {
  static final int N_V = 256;

  /** Counts of one (slice, c). */
  static final class Counts {
    final Map<List<Integer>, Map<Integer, Long>> train = new HashMap<>();
    final List<List<Integer>> heldoutContexts = new ArrayList<>();
    final List<Integer> heldoutNext = new ArrayList<>();
    long trainingDocuments;

    long examples() {
      return train.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
    }

    long evidence(List<Integer> context) {
      Map<Integer, Long> m = train.get(context);
      return m == null ? 0 : m.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Brute force: all N_V logits beta E(v|X) / T, softmax, 1 - P(y). */
    double hallucination(List<Integer> context, int y, double a) {
      Map<Integer, Long> m = train.getOrDefault(context, Map.of());
      double[] logits = new double[N_V];
      double max = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < N_V; v++) {
        logits[v] = a * m.getOrDefault(v, 0L);
        max = Math.max(max, logits[v]);
      }
      double z = 0;
      double others = 0;
      for (int v = 0; v < N_V; v++) {
        double w = Math.exp(logits[v] - max);
        z += w;
        if (v != y) {
          others += w;
        }
      }
      return others / z;
    }
  }

  /** "dim=value" then c, to its counts; documents named as the job names them (path:line), sliced by year. */
  static Map<String, Map<Integer, Counts>> count(List<Europarl.Doc> docs, String file, List<Integer> lengths,
      double heldoutFraction) throws NoSuchAlgorithmException {
    return count(docs, d -> file + ":" + d.line(), d -> List.of("all=all", "year=" + d.date().substring(0, 4)),
        lengths, heldoutFraction);
  }

  /** The same with the document ids and slices ("dim=value", "all=all" among them) given. */
  static Map<String, Map<Integer, Counts>> count(List<Europarl.Doc> docs,
      java.util.function.Function<Europarl.Doc, String> id,
      java.util.function.Function<Europarl.Doc, List<String>> slices, List<Integer> lengths, double heldoutFraction)
      throws NoSuchAlgorithmException {
    Map<String, Map<Integer, Counts>> out = new TreeMap<>();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (Europarl.Doc d : docs) {
      byte[] digest = sha.digest(id.apply(d).getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 8; i < 16; i++) {
        v = v * 256 + (digest[i] & 0xff);
      }
      boolean heldout = (double) (v >>> 11) / (1L << 53) < heldoutFraction;
      byte[] bytes = d.body().getBytes(StandardCharsets.UTF_8);
      for (String slice : slices.apply(d)) {
        for (int c : lengths) {
          Counts counts = out.computeIfAbsent(slice, k -> new TreeMap<>()).computeIfAbsent(c, k -> new Counts());
          if (!heldout) {
            counts.trainingDocuments++;
          }
          for (int i = c; i < bytes.length; i++) {
            List<Integer> context = new ArrayList<>(c);
            for (int j = i - c; j < i; j++) {
              context.add(bytes[j] & 0xff);
            }
            int next = bytes[i] & 0xff;
            if (heldout) {
              counts.heldoutContexts.add(context);
              counts.heldoutNext.add(next);
            } else {
              counts.train.computeIfAbsent(context, k -> new HashMap<>()).merge(next, 1L, Long::sum);
            }
          }
        }
      }
    }
    return out;
  }
}
